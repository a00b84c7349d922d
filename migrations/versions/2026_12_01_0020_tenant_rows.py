"""Tenant rows under Row-Level Security: the audit trail, invitations, background jobs and the outbox.

- An audit entry is read by the organisation that acted, the facility and partner of its record, the
  oversight offices covering that facility, and the person who acted. Anyone may append (the hash
  chain, not the reader, protects the trail; the portal may not change or delete an entry).
- An invitation belongs to the organisation it is into and to the facility that sent it for a new
  partner; its link (`mitrapas.presented`, the token's digest) reveals it to the person invited.
- A background job belongs to its organisation.
- The outbox is read and changed only by the mail worker and the platform admin (the escape hatch);
  anyone may queue a message.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01 08:00:00
"""
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

_EVERY = "current_setting('mitrapas.every_tenant', true) = 'on'"
_PERSON = "nullif(current_setting('mitrapas.person_id', true), '')::integer"
_ORG = "nullif(current_setting('mitrapas.org_id', true), '')::integer"
_PRESENTED = "nullif(current_setting('mitrapas.presented', true), '')"


def _overseen(column: str) -> str:
    """`column` names a facility that the acting oversight office covers (DESIGN.md's pair rule)."""
    return (f"{column} IN (SELECT facility.id FROM organisations facility JOIN organisations overseer "
            f"ON overseer.id = {_ORG} WHERE overseer.kind = 'oversight' AND facility.kind = 'facility' "
            f"AND (overseer.province IS NULL OR overseer.province = facility.province))")


_AUDIT_READERS = (f"{_EVERY} OR actor_id = {_PERSON} OR organisation_id = {_ORG} OR facility_id = {_ORG} "
                  f"OR partner_id = {_ORG} OR {_overseen('facility_id')} OR {_overseen('organisation_id')}")
_INVITATION_HOLDERS = (f"{_EVERY} OR organisation_id = {_ORG} OR sent_for_id = {_ORG} "
                       f"OR token_hash = {_PRESENTED}")

POLICIES = {
    "audit_entries": [
        f"CREATE POLICY read ON audit_entries FOR SELECT USING ({_AUDIT_READERS})",
        "CREATE POLICY append ON audit_entries FOR INSERT WITH CHECK (true)",
    ],
    "invitations": [
        f"CREATE POLICY held ON invitations USING ({_INVITATION_HOLDERS}) WITH CHECK ({_INVITATION_HOLDERS})",
    ],
    "background_jobs": [
        f"CREATE POLICY own ON background_jobs USING ({_EVERY} OR organisation_id = {_ORG}) "
        f"WITH CHECK ({_EVERY} OR organisation_id = {_ORG})",
    ],
    "outbox_messages": [
        f"CREATE POLICY worker ON outbox_messages FOR SELECT USING ({_EVERY})",
        f"CREATE POLICY deliver ON outbox_messages FOR UPDATE USING ({_EVERY})",
        f"CREATE POLICY purge ON outbox_messages FOR DELETE USING ({_EVERY})",
        "CREATE POLICY queue ON outbox_messages FOR INSERT WITH CHECK (true)",
    ],
}


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, policies in POLICIES.items():
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        for policy in policies:
            op.execute(policy)


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, policies in POLICIES.items():
        for policy in policies:
            op.execute(f"DROP POLICY {policy.split()[2]} ON {table}")
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")

"""People and organisations under Row-Level Security: users, memberships and the organisations themselves.

- A membership is seen by its person, by its organisation, and by the organisations paired with it
  (the partnerships the acting organisation sees, which for oversight are its province's); the session a
  visitor presents shows its person's memberships. Only the organisation itself changes them.
- A person (`users`) is seen by themselves, by whoever sees one of their memberships, their presented
  session or reset link, or an audit entry of something they did (so a departed member's name stays on
  the agreements they drafted, and only there). New people come in through an organisation or an
  invitation link; a person's row is changed by themselves or by an organisation they belong to.
- Organisations are the portal's directory (a facility picks a partner, a partner names its facility): seen
  by anyone acting, changed only by themselves; a facility may bring in a new partner.

Anything wider is the escape hatch (`mitrapas.every_tenant`): sign-in's look-up by e-mail, the
platform admin's pages, offboarding, commands.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-01 08:30:00
"""
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

_EVERY = "current_setting('mitrapas.every_tenant', true) = 'on'"
_PERSON = "nullif(current_setting('mitrapas.person_id', true), '')::integer"
_ORG = "nullif(current_setting('mitrapas.org_id', true), '')::integer"
_PRESENTED = "nullif(current_setting('mitrapas.presented', true), '')"
_ACTING = f"({_EVERY} OR {_ORG} IS NOT NULL OR {_PERSON} IS NOT NULL OR {_PRESENTED} IS NOT NULL)"

_MEMBERSHIP_READERS = (
    f"{_EVERY} OR user_id = {_PERSON} OR organisation_id = {_ORG}"
    " OR organisation_id IN (SELECT facility_id FROM partnerships UNION SELECT partner_id FROM partnerships)"
    " OR user_id IN (SELECT user_id FROM login_sessions)"
)
_USER_READERS = (
    f"{_EVERY} OR id = {_PERSON}"
    " OR EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = users.id)"
    " OR EXISTS (SELECT 1 FROM login_sessions s WHERE s.user_id = users.id)"
    " OR EXISTS (SELECT 1 FROM account_tokens t WHERE t.user_id = users.id)"
    " OR EXISTS (SELECT 1 FROM audit_entries a WHERE a.actor_id = users.id)"
)
_USER_KEEPERS = (f"{_EVERY} OR id = {_PERSON} OR id IN "
                 f"(SELECT m.user_id FROM memberships m WHERE m.organisation_id = {_ORG})")

POLICIES = {
    "memberships": [
        f"CREATE POLICY read ON memberships FOR SELECT USING ({_MEMBERSHIP_READERS})",
        f"CREATE POLICY manage ON memberships FOR ALL USING ({_EVERY} OR organisation_id = {_ORG}) "
        f"WITH CHECK ({_EVERY} OR organisation_id = {_ORG})",
    ],
    "users": [
        f"CREATE POLICY read ON users FOR SELECT USING ({_USER_READERS})",
        f"CREATE POLICY keep ON users FOR UPDATE USING ({_USER_KEEPERS}) WITH CHECK ({_USER_KEEPERS})",
        f"CREATE POLICY bring_in ON users FOR INSERT "
        f"WITH CHECK ({_EVERY} OR {_ORG} IS NOT NULL OR {_PRESENTED} IS NOT NULL)",
        f"CREATE POLICY remove ON users FOR DELETE USING ({_EVERY})",
    ],
    "organisations": [
        f"CREATE POLICY directory ON organisations FOR SELECT USING {_ACTING}",
        f"CREATE POLICY own ON organisations FOR UPDATE USING ({_EVERY} OR id = {_ORG}) "
        f"WITH CHECK ({_EVERY} OR id = {_ORG})",
        f"CREATE POLICY bring_in ON organisations FOR INSERT "
        f"WITH CHECK ({_EVERY} OR (kind = 'partner' AND {_ORG} IS NOT NULL))",
        f"CREATE POLICY remove ON organisations FOR DELETE USING ({_EVERY})",
    ],
}


def upgrade():
    op.create_index("ix_audit_entries_actor_id", "audit_entries", ["actor_id"])  # "something they did"
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, policies in POLICIES.items():
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        for policy in policies:
            op.execute(policy)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table, policies in POLICIES.items():
            for policy in policies:
                op.execute(f"DROP POLICY {policy.split()[2]} ON {table}")
            op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
            op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    op.drop_index("ix_audit_entries_actor_id", table_name="audit_entries")

"""Personal rows under Row-Level Security: login sessions, recovery codes, password-reset tokens and notifications
are visible only to their person (`mitrapas.person_id`), or one row to whoever presents its secret
(`mitrapas.presented`: a session token, a reset link's digest); anyone acting may notify someone.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01 07:00:00
"""
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

_EVERY = "current_setting('mitrapas.every_tenant', true) = 'on'"
_PERSON = "nullif(current_setting('mitrapas.person_id', true), '')::integer"
_ORG = "nullif(current_setting('mitrapas.org_id', true), '')::integer"
_PRESENTED = "nullif(current_setting('mitrapas.presented', true), '')"

POLICIES = {
    "login_sessions": [
        f"CREATE POLICY own_or_presented ON login_sessions USING ({_EVERY} OR user_id = {_PERSON} "
        f"OR id = {_PRESENTED}) WITH CHECK ({_EVERY} OR user_id = {_PERSON} OR id = {_PRESENTED})",
    ],
    "recovery_codes": [
        f"CREATE POLICY own ON recovery_codes USING ({_EVERY} OR user_id = {_PERSON}) "
        f"WITH CHECK ({_EVERY} OR user_id = {_PERSON})",
    ],
    "account_tokens": [
        f"CREATE POLICY own_or_presented ON account_tokens USING ({_EVERY} OR user_id = {_PERSON} "
        f"OR token_hash = {_PRESENTED}) WITH CHECK ({_EVERY} OR user_id = {_PERSON})",
    ],
    "notifications": [
        f"CREATE POLICY read_own ON notifications FOR SELECT USING ({_EVERY} OR user_id = {_PERSON})",
        f"CREATE POLICY mark_own ON notifications FOR UPDATE USING ({_EVERY} OR user_id = {_PERSON})",
        f"CREATE POLICY purge ON notifications FOR DELETE USING ({_EVERY})",
        f"CREATE POLICY notify ON notifications FOR INSERT "
        f"WITH CHECK ({_EVERY} OR {_ORG} IS NOT NULL OR {_PERSON} IS NOT NULL)",
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

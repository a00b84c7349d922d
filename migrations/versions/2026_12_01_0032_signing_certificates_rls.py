"""Signing certificates under Row-Level Security: each organisation sees its own signatories' certificates;
the issuing, revoking and the public OCSP and CRL answers read them through the escape hatch; never the
public scope.

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-01 22:00:00
"""
from alembic import op

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None

_EVERY = "current_setting('mitrapas.every_tenant', true) = 'on'"
_ORG = "nullif(current_setting('mitrapas.org_id', true), '')::integer"
_THE_PUBLIC = "coalesce(current_setting('mitrapas.public', true) = 'on', false)"


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE signing_certificates ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE signing_certificates FORCE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY own ON signing_certificates USING ({_EVERY} OR organisation_id = {_ORG}) "
               f"WITH CHECK ({_EVERY} OR organisation_id = {_ORG})")
    op.execute(f"CREATE POLICY not_for_the_public ON signing_certificates AS RESTRICTIVE "
               f"USING (NOT {_THE_PUBLIC}) WITH CHECK (NOT {_THE_PUBLIC})")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP POLICY not_for_the_public ON signing_certificates")
    op.execute("DROP POLICY own ON signing_certificates")
    op.execute("ALTER TABLE signing_certificates NO FORCE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE signing_certificates DISABLE ROW LEVEL SECURITY")

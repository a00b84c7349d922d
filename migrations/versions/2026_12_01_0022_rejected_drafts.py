"""Rejected drafts are emptied after their retention period: their draft files may then be deleted, by the
escape hatch only, and no other agreement document ever (signed scans and final PDFs stay archive).

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-01 09:00:00
"""
import re

from alembic import op
from flask import current_app

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

_EVERY = "current_setting('mitrapas.every_tenant', true) = 'on'"

ONLY_REJECTED_DRAFTS = f"""
CREATE POLICY only_rejected_drafts ON agreement_documents AS RESTRICTIVE FOR DELETE
USING ({_EVERY} AND kind = 'draft'
       AND agreement_id IN (SELECT id FROM agreements WHERE status = 'rejected'))
"""


def _app_role() -> str:
    role = current_app.config["DATABASE_APP_ROLE"]
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", role):
        raise ValueError(f"DATABASE_APP_ROLE is not a plain role name: {role!r}")
    return role


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(ONLY_REJECTED_DRAFTS)
    op.execute(f"GRANT DELETE ON agreement_documents TO {_app_role()}")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"REVOKE DELETE ON agreement_documents FROM {_app_role()}")
    op.execute("DROP POLICY only_rejected_drafts ON agreement_documents")

"""Retention: `purge-expired` removes notifications past RETENTION_NOTIFICATION_DAYS, so the portal's role may
delete them.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 05:30:00
"""
import re

from alembic import op
from flask import current_app

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def _role() -> str:
    role = current_app.config["DATABASE_APP_ROLE"]
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", role):
        raise ValueError(f"DATABASE_APP_ROLE is not a plain role name: {role!r}")
    return role


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"GRANT DELETE ON notifications TO {_role()}")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"REVOKE DELETE ON notifications FROM {_role()}")

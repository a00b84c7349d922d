"""Command runs: the periodic commands record their last run, so `mitrapas doctor` can tell they still run;
the portal's role may read which migration the database is at.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 01:00:00
"""
import re

import sqlalchemy as sa
from alembic import op
from flask import current_app

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "command_runs",
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("succeeded_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_command_runs")),
    )
    if op.get_bind().dialect.name == "postgresql":
        role = current_app.config["DATABASE_APP_ROLE"]
        if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", role):
            raise ValueError(f"DATABASE_APP_ROLE is not a plain role name: {role!r}")
        op.execute(f"GRANT SELECT, INSERT, UPDATE ON command_runs TO {role}")
        op.execute(f"GRANT SELECT ON alembic_version TO {role}")  # the doctor compares it with the code's head


def downgrade():
    op.drop_table("command_runs")

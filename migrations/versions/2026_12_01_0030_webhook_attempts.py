"""Webhooks: each attempt at a delivery, for the delivery log (its organisation's alone, under Row-Level Security).

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-01 18:05:00
"""
import re

import sqlalchemy as sa
from alembic import op
from flask import current_app

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None

_EVERY = "current_setting('mitrapas.every_tenant', true) = 'on'"
_ORG = "nullif(current_setting('mitrapas.org_id', true), '')::integer"
_THE_PUBLIC = "coalesce(current_setting('mitrapas.public', true) = 'on', false)"


def upgrade():
    op.create_table(
        "webhook_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_webhook_attempts_organisation_id_organisations"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["delivery_id"], ["webhook_deliveries.id"],
                                name=op.f("fk_webhook_attempts_delivery_id_webhook_deliveries"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_attempts")),
    )
    with op.batch_alter_table("webhook_attempts") as batch:
        batch.create_index(batch.f("ix_webhook_attempts_organisation_id"), ["organisation_id"], unique=False)
        batch.create_index(batch.f("ix_webhook_attempts_delivery_id"), ["delivery_id"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        role = current_app.config["DATABASE_APP_ROLE"]
        if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", role):
            raise ValueError(f"DATABASE_APP_ROLE is not a plain role name: {role!r}")
        op.execute(f"GRANT SELECT, INSERT, DELETE ON webhook_attempts TO {role}")
        op.execute(f"GRANT USAGE, SELECT ON SEQUENCE webhook_attempts_id_seq TO {role}")
        op.execute("ALTER TABLE webhook_attempts ENABLE ROW LEVEL SECURITY")
        op.execute("ALTER TABLE webhook_attempts FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY own ON webhook_attempts USING ({_EVERY} OR organisation_id = {_ORG}) "
                   f"WITH CHECK ({_EVERY} OR organisation_id = {_ORG})")
        op.execute(f"CREATE POLICY not_for_the_public ON webhook_attempts AS RESTRICTIVE "
                   f"USING (NOT {_THE_PUBLIC}) WITH CHECK (NOT {_THE_PUBLIC})")


def downgrade():
    op.drop_table("webhook_attempts")

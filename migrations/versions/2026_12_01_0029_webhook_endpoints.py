"""Webhooks: an organisation's receiving addresses, and the deliveries queued for them with each event.
Row-Level Security shows both to their organisation alone; the fan-out and the worker see every tenant.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-01 18:00:00
"""
import re

import sqlalchemy as sa
from alembic import op
from flask import current_app

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None

_EVERY = "current_setting('mitrapas.every_tenant', true) = 'on'"
_ORG = "nullif(current_setting('mitrapas.org_id', true), '')::integer"
_THE_PUBLIC = "coalesce(current_setting('mitrapas.public', true) = 'on', false)"


def own(table: str, grants: str) -> None:
    """The organisation's rows to the organisation, never to the public; `grants` to the app's role."""
    if op.get_bind().dialect.name != "postgresql":
        return
    role = current_app.config["DATABASE_APP_ROLE"]
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", role):
        raise ValueError(f"DATABASE_APP_ROLE is not a plain role name: {role!r}")
    op.execute(f"GRANT {grants} ON {table} TO {role}")
    op.execute(f"GRANT USAGE, SELECT ON SEQUENCE {table}_id_seq TO {role}")
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY own ON {table} USING ({_EVERY} OR organisation_id = {_ORG}) "
               f"WITH CHECK ({_EVERY} OR organisation_id = {_ORG})")
    op.execute(f"CREATE POLICY not_for_the_public ON {table} AS RESTRICTIVE "
               f"USING (NOT {_THE_PUBLIC}) WITH CHECK (NOT {_THE_PUBLIC})")


def upgrade():
    op.create_table(
        "webhook_endpoints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("secret", sa.String(length=255), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_webhook_endpoints_organisation_id_organisations"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_webhook_endpoints_created_by_id_users"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_endpoints")),
    )
    with op.batch_alter_table("webhook_endpoints") as batch:
        batch.create_index(batch.f("ix_webhook_endpoints_organisation_id"), ["organisation_id"], unique=False)
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("endpoint_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=40), nullable=False),
        sa.Column("event_type", sa.String(length=60), nullable=False),
        sa.Column("event_key", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.Enum("queued", "delivered", "failed", name="deliverystatus", native_enum=False,
                                    create_constraint=True, length=9), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_webhook_deliveries_organisation_id_organisations"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["endpoint_id"], ["webhook_endpoints.id"],
                                name=op.f("fk_webhook_deliveries_endpoint_id_webhook_endpoints"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_deliveries")),
        sa.UniqueConstraint("message_id", name=op.f("uq_webhook_deliveries_message_id")),
        sa.UniqueConstraint("endpoint_id", "event_key", name="uq_webhook_deliveries_endpoint_event"),
    )
    with op.batch_alter_table("webhook_deliveries") as batch:
        batch.create_index(batch.f("ix_webhook_deliveries_organisation_id"), ["organisation_id"], unique=False)
        batch.create_index(batch.f("ix_webhook_deliveries_endpoint_id"), ["endpoint_id"], unique=False)
        batch.create_index("ix_webhook_deliveries_due", ["status", "next_attempt_at"], unique=False)
    own("webhook_endpoints", "SELECT, INSERT, UPDATE, DELETE")
    own("webhook_deliveries", "SELECT, INSERT, UPDATE, DELETE")


def downgrade():
    op.drop_table("webhook_deliveries")
    op.drop_table("webhook_endpoints")

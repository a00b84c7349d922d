"""POSTs to /api/v1 made with an `Idempotency-Key`: what was answered, per token and key, so that the same
request sent again (a retry after a time-out) gets the same answer and makes nothing twice. Rows belong to the
token's organisation (Row-Level Security), never to the public scope.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-01 15:00:00
"""
import re

import sqlalchemy as sa
from alembic import op
from flask import current_app

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None

_EVERY = "current_setting('mitrapas.every_tenant', true) = 'on'"
_ORG = "nullif(current_setting('mitrapas.org_id', true), '')::integer"
_THE_PUBLIC = "coalesce(current_setting('mitrapas.public', true) = 'on', false)"


def upgrade():
    op.create_table(
        "idempotent_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("token_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_idempotent_requests_organisation_id_organisations"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["token_id"], ["api_tokens.id"],
                                name=op.f("fk_idempotent_requests_token_id_api_tokens"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotent_requests")),
        sa.UniqueConstraint("token_id", "key", name="uq_idempotent_requests_token_key"),
    )
    with op.batch_alter_table("idempotent_requests") as batch:
        batch.create_index(batch.f("ix_idempotent_requests_organisation_id"), ["organisation_id"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        role = current_app.config["DATABASE_APP_ROLE"]
        if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", role):
            raise ValueError(f"DATABASE_APP_ROLE is not a plain role name: {role!r}")
        op.execute(f"GRANT SELECT, INSERT, DELETE ON idempotent_requests TO {role}")
        op.execute(f"GRANT USAGE, SELECT ON SEQUENCE idempotent_requests_id_seq TO {role}")
        op.execute("ALTER TABLE idempotent_requests ENABLE ROW LEVEL SECURITY")
        op.execute("ALTER TABLE idempotent_requests FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY own ON idempotent_requests USING ({_EVERY} OR organisation_id = {_ORG}) "
                   f"WITH CHECK ({_EVERY} OR organisation_id = {_ORG})")
        op.execute(f"CREATE POLICY not_for_the_public ON idempotent_requests AS RESTRICTIVE "
                   f"USING (NOT {_THE_PUBLIC}) WITH CHECK (NOT {_THE_PUBLIC})")


def downgrade():
    op.drop_table("idempotent_requests")

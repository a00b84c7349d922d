"""API tokens for /api/v1: each acts for one organisation. Row-Level Security shows a token to its
organisation, and to whoever presents its digest (`mitrapas.presented`, the API's sign-in); never to the
public scope.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-01 15:00:00
"""
import re

import sqlalchemy as sa
from alembic import op
from flask import current_app

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

_EVERY = "current_setting('mitrapas.every_tenant', true) = 'on'"
_ORG = "nullif(current_setting('mitrapas.org_id', true), '')::integer"
_PRESENTED = "nullif(current_setting('mitrapas.presented', true), '')"
_THE_PUBLIC = "coalesce(current_setting('mitrapas.public', true) = 'on', false)"
_HOLDERS = f"{_EVERY} OR organisation_id = {_ORG} OR token_hash = {_PRESENTED}"


def upgrade():
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_api_tokens_organisation_id_organisations"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_api_tokens_created_by_id_users"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    with op.batch_alter_table("api_tokens") as batch:
        batch.create_index(batch.f("ix_api_tokens_organisation_id"), ["organisation_id"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        role = current_app.config["DATABASE_APP_ROLE"]
        if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", role):
            raise ValueError(f"DATABASE_APP_ROLE is not a plain role name: {role!r}")
        op.execute(f"GRANT SELECT, INSERT, UPDATE ON api_tokens TO {role}")
        op.execute(f"GRANT USAGE, SELECT ON SEQUENCE api_tokens_id_seq TO {role}")
        op.execute("ALTER TABLE api_tokens ENABLE ROW LEVEL SECURITY")
        op.execute("ALTER TABLE api_tokens FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY held ON api_tokens USING ({_HOLDERS}) "
                   f"WITH CHECK ({_EVERY} OR organisation_id = {_ORG})")
        op.execute(f"CREATE POLICY not_for_the_public ON api_tokens AS RESTRICTIVE "
                   f"USING (NOT {_THE_PUBLIC}) WITH CHECK (NOT {_THE_PUBLIC})")


def downgrade():
    op.drop_table("api_tokens")

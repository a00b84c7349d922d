"""Resumable uploads: a browser sends a large file straight to storage in parts, held back until checked.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 00:30:00
"""
import re

import sqlalchemy as sa
from alembic import op
from flask import current_app

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

#: The acting organisation, as set per transaction by portal.core.tenancy (as in 0003).
_ORG = "nullif(current_setting('mitrapas.org_id', true), '')::integer"
_EVERY_TENANT = "current_setting('mitrapas.every_tenant', true) = 'on'"


def upgrade():
    op.create_table(
        "uploads",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("part_size", sa.Integer(), nullable=False),
        sa.Column("storage_key", sa.String(length=300), nullable=False),
        sa.Column("multipart_id", sa.String(length=300), nullable=False),
        sa.Column("status", sa.Enum("uploading", "checked", "rejected", "attached", name="uploadstatus",
                                    native_enum=False, create_constraint=True, length=9), nullable=False),
        sa.Column("content_type", sa.String(length=120), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("problem", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["facility_id"], ["organisations.id"],
                                name=op.f("fk_uploads_facility_id_organisations"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["partner_id"], ["organisations.id"],
                                name=op.f("fk_uploads_partner_id_organisations"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["uploaded_by_id"], ["users.id"], name=op.f("fk_uploads_uploaded_by_id_users"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_uploads")),
        sa.UniqueConstraint("storage_key", name=op.f("uq_uploads_storage_key")),
    )
    with op.batch_alter_table("uploads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_uploads_facility_id"), ["facility_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_uploads_partner_id"), ["partner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_uploads_uploaded_by_id"), ["uploaded_by_id"], unique=False)
        batch_op.create_index("ix_uploads_status_created", ["status", "created_at"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        role = current_app.config["DATABASE_APP_ROLE"]
        if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", role):
            raise ValueError(f"DATABASE_APP_ROLE is not a plain role name: {role!r}")
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON uploads TO {role}")
        op.execute("ALTER TABLE uploads ENABLE ROW LEVEL SECURITY")
        op.execute("ALTER TABLE uploads FORCE ROW LEVEL SECURITY")
        # The pair rule of 0003, without oversight: an upload is its uploader's business until it is a material.
        op.execute(f"""
CREATE POLICY pair_rule ON uploads
USING ({_EVERY_TENANT} OR facility_id = {_ORG} OR partner_id = {_ORG})
WITH CHECK ({_EVERY_TENANT} OR facility_id = {_ORG} OR partner_id = {_ORG})
""")


def downgrade():
    with op.batch_alter_table("uploads", schema=None) as batch_op:
        batch_op.drop_index("ix_uploads_status_created")
        batch_op.drop_index(batch_op.f("ix_uploads_uploaded_by_id"))
        batch_op.drop_index(batch_op.f("ix_uploads_partner_id"))
        batch_op.drop_index(batch_op.f("ix_uploads_facility_id"))
    op.drop_table("uploads")

"""Document accesses: each opening of an agreement document or a material's file, so a person can see who
viewed or downloaded documents that carry their name. An organisation records openings in its own name;
only the escape hatch (a person's copy of their data, the retention purge) reads or removes them.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01 06:00:00
"""
import re

import sqlalchemy as sa
from alembic import op
from flask import current_app

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

_ORG = "nullif(current_setting('mitrapas.org_id', true), '')::integer"
_EVERY_TENANT = "current_setting('mitrapas.every_tenant', true) = 'on'"


def upgrade():
    op.create_table(
        "document_accesses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("file_kind", sa.Enum("agreement_document", "material_version", name="accessedfile",
                                       native_enum=False, create_constraint=True, length=18), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("how", sa.Enum("download", "preview", name="accesshow", native_enum=False,
                                 create_constraint=True, length=8), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_document_accesses_user_id_users"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_document_accesses_organisation_id_organisations"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["facility_id"], ["organisations.id"],
                                name=op.f("fk_document_accesses_facility_id_organisations"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["partner_id"], ["organisations.id"],
                                name=op.f("fk_document_accesses_partner_id_organisations"), ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_accesses")),
    )
    with op.batch_alter_table("document_accesses") as batch:
        batch.create_index(batch.f("ix_document_accesses_at"), ["at"], unique=False)
        batch.create_index(batch.f("ix_document_accesses_facility_id"), ["facility_id"], unique=False)
        batch.create_index(batch.f("ix_document_accesses_partner_id"), ["partner_id"], unique=False)
        batch.create_index("ix_document_accesses_file", ["file_kind", "file_id"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        role = current_app.config["DATABASE_APP_ROLE"]
        if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", role):
            raise ValueError(f"DATABASE_APP_ROLE is not a plain role name: {role!r}")
        op.execute(f"GRANT SELECT, INSERT, DELETE ON document_accesses TO {role}")
        op.execute(f"GRANT USAGE, SELECT ON SEQUENCE document_accesses_id_seq TO {role}")
        op.execute("ALTER TABLE document_accesses ENABLE ROW LEVEL SECURITY")
        op.execute("ALTER TABLE document_accesses FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY record ON document_accesses FOR INSERT "
                   f"WITH CHECK ({_EVERY_TENANT} OR organisation_id = {_ORG})")
        op.execute(f"CREATE POLICY read ON document_accesses FOR SELECT USING ({_EVERY_TENANT})")
        op.execute(f"CREATE POLICY purge ON document_accesses FOR DELETE USING ({_EVERY_TENANT})")


def downgrade():
    with op.batch_alter_table("document_accesses") as batch:
        batch.drop_index("ix_document_accesses_file")
        batch.drop_index(batch.f("ix_document_accesses_partner_id"))
        batch.drop_index(batch.f("ix_document_accesses_facility_id"))
        batch.drop_index(batch.f("ix_document_accesses_at"))
    op.drop_table("document_accesses")

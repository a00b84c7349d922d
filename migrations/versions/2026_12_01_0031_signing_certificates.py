"""PAdES signing: the certificates the portal CA issued, and the agreement document kind "signed" (the PDF
as signed so far). Row-Level Security on the certificates is migration 0032.

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-01 21:30:00
"""
import re

import sqlalchemy as sa
from alembic import op
from flask import current_app

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None

_KINDS_BEFORE = ("draft", "signed_scan", "final")
_KINDS_AFTER = ("draft", "signed_scan", "signed", "final")


def upgrade():
    op.create_table(
        "signing_certificates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("serial", sa.String(length=40), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("position", sa.String(length=200), nullable=True),
        sa.Column("organisation_name", sa.String(length=200), nullable=False),
        sa.Column("der", sa.LargeBinary(), nullable=False),
        sa.Column("not_after", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_signing_certificates_user_id_users"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_signing_certificates_organisation_id_organisations"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signing_certificates")),
        sa.UniqueConstraint("serial", name=op.f("uq_signing_certificates_serial")),
    )
    with op.batch_alter_table("signing_certificates") as batch:
        batch.create_index(batch.f("ix_signing_certificates_user_id"), ["user_id"], unique=False)
        batch.create_index(batch.f("ix_signing_certificates_organisation_id"), ["organisation_id"], unique=False)
    _document_kinds(_KINDS_AFTER)
    if op.get_bind().dialect.name == "postgresql":
        role = current_app.config["DATABASE_APP_ROLE"]
        if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", role):
            raise ValueError(f"DATABASE_APP_ROLE is not a plain role name: {role!r}")
        op.execute(f"GRANT SELECT, INSERT, UPDATE ON signing_certificates TO {role}")
        op.execute(f"GRANT USAGE, SELECT ON SEQUENCE signing_certificates_id_seq TO {role}")


def downgrade():
    op.execute("DELETE FROM agreement_documents WHERE kind = 'signed'")
    _document_kinds(_KINDS_BEFORE)
    op.drop_table("signing_certificates")


def _document_kinds(kinds: tuple[str, ...]) -> None:
    allowed = ", ".join(f"'{kind}'" for kind in kinds)
    with op.batch_alter_table("agreement_documents") as batch:
        batch.drop_constraint(batch.f("ck_agreement_documents_documentkind"), type_="check")
        batch.create_check_constraint("documentkind", f"kind IN ({allowed})")

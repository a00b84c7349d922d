"""Public pages and news: a facility's switch for its public page, the Humas role, news with quotes and
photos, and an agreement's mark that its signed document is public. A facility's news is its own: it writes them, it and the offices overseeing it read them. What an
anonymous visitor may read is migration 0024.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-01 11:00:00
"""
import re

import sqlalchemy as sa
from alembic import op
from flask import current_app

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

OLD_ROLES = ("head", "officer", "viewer", "admin", "member", "analyst")
NEW_ROLES = (*OLD_ROLES, "humas")

_EVERY = "current_setting('mitrapas.every_tenant', true) = 'on'"
_ORG = "nullif(current_setting('mitrapas.org_id', true), '')::integer"
_OVERSEEN = f"""(
        SELECT facility.id FROM organisations facility
        JOIN organisations overseer ON overseer.id = {_ORG} AND overseer.kind = 'oversight'
             AND (overseer.province IS NULL OR overseer.province = facility.province)
        WHERE facility.kind = 'facility')"""

NEWS_TABLES = ("news_items", "news_quotes", "news_photos")


def _roles(values):
    return sa.Enum(*values, name="role", native_enum=False, create_constraint=True, length=7)


def upgrade():
    with op.batch_alter_table("organisations") as batch:
        batch.add_column(sa.Column("public_page", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.add_column(sa.Column("news_needs_approval", sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table("agreements") as batch:
        batch.add_column(sa.Column("document_public", sa.Boolean(), server_default=sa.false(), nullable=False))
    for table in ("memberships", "invitations"):
        with op.batch_alter_table(table) as batch:
            batch.alter_column("role", type_=_roles(NEW_ROLES), existing_type=_roles(OLD_ROLES),
                               existing_nullable=False)
    _create_news_tables()
    if op.get_bind().dialect.name == "postgresql":
        _secure_postgres()


def _create_news_tables():
    op.create_table(
        "news_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=160), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=True),
        sa.Column("happened_on", sa.Date(), nullable=False),
        sa.Column("source_kind", sa.Enum("agreement", "programme", "contribution", name="newssource",
                                         native_enum=False, create_constraint=True, length=12), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.Enum("draft", "awaiting_approval", "published", "withdrawn", name="newsstatus",
                                    native_enum=False, create_constraint=True, length=17), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["facility_id"], ["organisations.id"],
                                name=op.f("fk_news_items_facility_id_organisations"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["partner_id"], ["organisations.id"],
                                name=op.f("fk_news_items_partner_id_organisations"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], name=op.f("fk_news_items_author_id_users"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["approved_by_id"], ["users.id"], name=op.f("fk_news_items_approved_by_id_users"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_news_items")),
        sa.UniqueConstraint("facility_id", "slug", name=op.f("uq_news_items_facility_id")),
    )
    with op.batch_alter_table("news_items") as batch:
        for column in ("facility_id", "partner_id", "status", "published_at"):
            batch.create_index(batch.f(f"ix_news_items_{column}"), [column], unique=False)
    op.create_table(
        "news_quotes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("news_item_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("speaker", sa.String(length=200), nullable=False),
        sa.Column("office", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["news_item_id"], ["news_items.id"],
                                name=op.f("fk_news_quotes_news_item_id_news_items"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["facility_id"], ["organisations.id"],
                                name=op.f("fk_news_quotes_facility_id_organisations"), ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_news_quotes")),
    )
    with op.batch_alter_table("news_quotes") as batch:
        for column in ("facility_id", "news_item_id"):
            batch.create_index(batch.f(f"ix_news_quotes_{column}"), [column], unique=False)
    op.create_table(
        "news_photos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("news_item_id", sa.Integer(), nullable=False),
        sa.Column("material_version_id", sa.Integer(), nullable=True),
        sa.Column("caption", sa.String(length=300), nullable=False),
        sa.Column("confirmed_by_id", sa.Integer(), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("large_key", sa.String(length=300), nullable=False),
        sa.Column("small_key", sa.String(length=300), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["news_item_id"], ["news_items.id"],
                                name=op.f("fk_news_photos_news_item_id_news_items"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["material_version_id"], ["material_versions.id"],
                                name=op.f("fk_news_photos_material_version_id_material_versions"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["confirmed_by_id"], ["users.id"], name=op.f("fk_news_photos_confirmed_by_id_users"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["facility_id"], ["organisations.id"],
                                name=op.f("fk_news_photos_facility_id_organisations"), ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_news_photos")),
        sa.UniqueConstraint("large_key", name=op.f("uq_news_photos_large_key")),
        sa.UniqueConstraint("small_key", name=op.f("uq_news_photos_small_key")),
    )
    with op.batch_alter_table("news_photos") as batch:
        for column in ("facility_id", "news_item_id", "material_version_id"):
            batch.create_index(batch.f(f"ix_news_photos_{column}"), [column], unique=False)


def _secure_postgres():
    role = current_app.config["DATABASE_APP_ROLE"]
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", role):
        raise ValueError(f"DATABASE_APP_ROLE is not a plain role name: {role!r}")
    for table in NEWS_TABLES:
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {role}")
        op.execute(f"GRANT USAGE, SELECT ON SEQUENCE {table}_id_seq TO {role}")
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY facility_rule ON {table} "
                   f"USING ({_EVERY} OR facility_id = {_ORG} OR facility_id IN {_OVERSEEN}) "
                   f"WITH CHECK ({_EVERY} OR facility_id = {_ORG})")


def downgrade():
    for table in reversed(NEWS_TABLES):
        op.drop_table(table)
    for table in ("memberships", "invitations"):
        op.execute(sa.text(f"UPDATE {table} SET role = 'officer' WHERE role = 'humas'"))
        with op.batch_alter_table(table) as batch:
            batch.alter_column("role", type_=_roles(OLD_ROLES), existing_type=_roles(NEW_ROLES),
                               existing_nullable=False)
    with op.batch_alter_table("agreements") as batch:
        batch.drop_column("document_public")
    with op.batch_alter_table("organisations") as batch:
        batch.drop_column("news_needs_approval")
        batch.drop_column("public_page")

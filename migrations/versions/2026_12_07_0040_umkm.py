"""UMKM (issue 38): a facility's products, their photos, certificates and helping partners, the counts of inmates'
interests, buyers' inquiries and sales.

Who reads and writes what, on PostgreSQL (the ORM's filter and write guard say the same, `portal.core.tenancy`):

- `products`, `product_photos`, `product_certificates`, `skill_interests` (`SharedWithPartners`): written and deleted
  by the facility alone; read by it, the offices covering it, and the partners it has a partnership with
  (`mitrapas_partnered_facilities()`, the one SQL spelling of "the facilities the acting partner works with"). The
  public reads a product its facility shows in the catalogue while its public page is on, that product's photos,
  and its issued certificates; never the interest counts.
- `product_helpers` (a pair's): read by the pair and the covering offices, written by the facility for a partner it
  has a partnership with; the public reads those of a product in the catalogue (the partners' names are public).
- `inquiries` (the facility's own: they hold buyers' contacts): read by the facility and the covering offices,
  written by the facility (a buyer's inquiry is written in the facility's name, `portal.umkm.sales.receive`);
  never the public's.
- `sales` (a pair's, the partner optional: the one who helped): read by the facility, that partner and the covering
  offices; written by the facility alone; never the public's.
"""
from __future__ import annotations

import re

from alembic import op
from flask import current_app
import sqlalchemy as sa

revision = "0040"
down_revision = "0039"
branch_labels = None
depends_on = None

CATEGORIES = ("handicraft", "processed_food", "workshop", "agriculture", "garment", "other")
CERTIFICATE_KINDS = ("pirt", "halal", "sni", "trademark")
CERTIFICATE_STATUSES = ("in_progress", "issued")
HELP_KINDS = ("trained_makers", "certification", "takes_output", "marketing", "other")
SKILL_AREAS = ("handicraft", "batik_weaving", "food_processing", "sewing", "welding_workshop", "carpentry",
               "agriculture", "livestock_fishery", "barbering", "other")
INQUIRY_STATES = ("new", "answered", "agreed", "delivered", "paid", "closed")
BUYER_KINDS = ("person", "shop", "cooperative", "government", "other")

SHARED_WITH_PARTNERS = ("products", "product_photos", "product_certificates", "skill_interests")
TABLES = (*SHARED_WITH_PARTNERS, "product_helpers", "inquiries", "sales")
#: What the portal deletes (a product's photo, certificate or helper taken off it): the facility alone.
DELETABLE = ("product_photos", "product_certificates", "product_helpers")

_EVERY = "(SELECT mitrapas_every_tenant())"
_ACTING = "(SELECT mitrapas_acting_org())"
_PUBLIC = "current_setting('mitrapas.public', true) = 'on'"
_THE_PUBLIC = "coalesce(current_setting('mitrapas.public', true) = 'on', false)"
_PUBLISHING = "(SELECT id FROM organisations WHERE kind = 'facility' AND public_page)"
_OVERSEEN = "facility_id IN (SELECT overseen FROM mitrapas_overseen_facilities() overseen)"
_PARTNERED = "facility_id IN (SELECT partnered FROM mitrapas_partnered_facilities() partnered)"
_FACILITIES = "facility_id IN (SELECT organisations.id FROM organisations WHERE organisations.kind = 'facility')"


def _party(facility: str, partner: str) -> str:
    return f"mitrapas_party_to({facility}, {partner}, {_EVERY}, {_ACTING}, {_ACTING})"


_OWN = _party("facility_id", "NULL::integer")
_PAIR_IS_PARTNERSHIP = ("{every} = true OR {optional}EXISTS (SELECT 1 FROM partnerships pair WHERE "
                        "pair.facility_id = {table}.facility_id AND pair.partner_id = {table}.partner_id)")

PARTNERED_FUNCTION = """
CREATE FUNCTION mitrapas_partnered_facilities() RETURNS SETOF integer
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN QUERY
    SELECT pair.facility_id FROM public.partnerships pair
    WHERE pair.partner_id = NULLIF(current_setting('mitrapas.org_id', true), '')::integer;
END $$
"""

#: What the public reads (with `mitrapas.public` on), per table.
PUBLIC_READS = {
    "products": f"public AND NOT archived AND facility_id IN {_PUBLISHING}",
    "product_photos": "product_id IN (SELECT id FROM products)",
    "product_certificates": "status = 'issued' AND product_id IN (SELECT id FROM products)",
    "product_helpers": "product_id IN (SELECT id FROM products)",
}
NOT_PUBLIC = ("skill_interests", "inquiries", "sales")


def _enum(values, name):
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True,
                   length=max(len(value) for value in values))


def _facility(table: str) -> list:
    return [sa.Column("facility_id", sa.Integer(), nullable=False),
            sa.ForeignKeyConstraint(["facility_id"], ["organisations.id"],
                                    name=op.f(f"fk_{table}_facility_id_organisations"), ondelete="RESTRICT")]


def _user(table: str, column: str) -> list:
    return [sa.Column(column, sa.Integer(), nullable=True),
            sa.ForeignKeyConstraint([column], ["users.id"], name=op.f(f"fk_{table}_{column}_users"),
                                    ondelete="SET NULL")]


def _product(table: str, ondelete: str = "CASCADE") -> list:
    """The product a row belongs to, with the product's own facility (one key over both columns)."""
    return [sa.Column("product_id", sa.Integer(), nullable=False),
            sa.ForeignKeyConstraint(["product_id", "facility_id"], ["products.id", "products.facility_id"],
                                    name=op.f(f"fk_{table}_product_id_products"), ondelete=ondelete)]


def _moment(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _indexes(table: str, *columns: str) -> None:
    with op.batch_alter_table(table) as batch:
        for column in columns:
            batch.create_index(batch.f(f"ix_{table}_{column}"), [column], unique=False)


def upgrade():
    op.create_table(
        "products", sa.Column("id", sa.Integer(), nullable=False), *_facility("products"),
        sa.Column("slug", sa.String(160), nullable=False), sa.Column("name", sa.String(200), nullable=False),
        sa.Column("category", _enum(CATEGORIES, "productcategory"), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("price_min", sa.Numeric(15, 2), nullable=True), sa.Column("price_max", sa.Numeric(15, 2), nullable=True),
        sa.Column("unit", sa.String(60), nullable=False), sa.Column("monthly_capacity", sa.Integer(), nullable=True),
        sa.Column("makers", sa.Integer(), nullable=False), sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("archived", sa.Boolean(), nullable=False), *_user("products", "created_by_id"),
        _moment("created_at"), _moment("updated_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_products")),
        sa.UniqueConstraint("facility_id", "slug", name=op.f("uq_products_facility_id")),
        sa.UniqueConstraint("id", "facility_id", name=op.f("uq_products_id")),
        sa.CheckConstraint("price_min IS NULL OR price_max IS NULL OR price_min <= price_max",
                           name=op.f("ck_products_price_range")),
    )
    _indexes("products", "facility_id", "category", "public")
    op.create_table(
        "product_photos", sa.Column("id", sa.Integer(), nullable=False), *_facility("product_photos"),
        *_product("product_photos"), sa.Column("caption", sa.String(300), nullable=False),
        *_user("product_photos", "confirmed_by_id"), _moment("confirmed_at"),
        sa.Column("large_key", sa.String(300), nullable=False), sa.Column("small_key", sa.String(300), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False), sa.Column("height", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_photos")),
        sa.UniqueConstraint("large_key", name=op.f("uq_product_photos_large_key")),
        sa.UniqueConstraint("small_key", name=op.f("uq_product_photos_small_key")),
    )
    _indexes("product_photos", "facility_id", "product_id")
    op.create_table(
        "product_certificates", sa.Column("id", sa.Integer(), nullable=False), *_facility("product_certificates"),
        *_product("product_certificates"), sa.Column("kind", _enum(CERTIFICATE_KINDS, "certificatekind"), nullable=False),
        sa.Column("status", _enum(CERTIFICATE_STATUSES, "certificatestatus"), nullable=False),
        sa.Column("issuer", sa.String(200), nullable=False), sa.Column("number", sa.String(120), nullable=True),
        sa.Column("issued_on", sa.Date(), nullable=True), sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("document_key", sa.String(300), nullable=True), sa.Column("document_name", sa.String(255), nullable=True),
        sa.Column("document_type", sa.String(120), nullable=True), sa.Column("reminded_days", sa.Integer(), nullable=True),
        sa.Column("reminded_for", sa.Date(), nullable=True), _moment("updated_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_certificates")),
    )
    _indexes("product_certificates", "facility_id", "product_id", "expires_on")
    op.create_table(
        "product_helpers", sa.Column("id", sa.Integer(), nullable=False), *_facility("product_helpers"),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["partner_id"], ["organisations.id"],
                                name=op.f("fk_product_helpers_partner_id_organisations"), ondelete="RESTRICT"),
        *_product("product_helpers"), sa.Column("help", _enum(HELP_KINDS, "helpkind"), nullable=False),
        sa.Column("note", sa.String(300), nullable=False), sa.Column("contribution_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["contribution_id"], ["contributions.id"],
                                name=op.f("fk_product_helpers_contribution_id_contributions"), ondelete="SET NULL"),
        _moment("created_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_helpers")),
        sa.UniqueConstraint("product_id", "partner_id", "help", name=op.f("uq_product_helpers_product_id")),
    )
    _indexes("product_helpers", "facility_id", "partner_id", "product_id")
    op.create_table(
        "skill_interests", sa.Column("id", sa.Integer(), nullable=False), *_facility("skill_interests"),
        sa.Column("period", sa.Date(), nullable=False), sa.Column("skill", _enum(SKILL_AREAS, "skillarea"), nullable=False),
        sa.Column("interested", sa.Integer(), nullable=False), sa.Column("trained", sa.Integer(), nullable=False),
        *_user("skill_interests", "updated_by_id"), _moment("updated_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_skill_interests")),
        sa.UniqueConstraint("facility_id", "period", "skill", name=op.f("uq_skill_interests_facility_id")),
        sa.CheckConstraint("interested >= 0 AND trained >= 0", name=op.f("ck_skill_interests_counts")),
    )
    _indexes("skill_interests", "facility_id", "period")
    op.create_table(
        "inquiries", sa.Column("id", sa.Integer(), nullable=False), *_facility("inquiries"),
        *_product("inquiries", ondelete="RESTRICT"),
        sa.Column("state", _enum(INQUIRY_STATES, "inquirystate"), nullable=False),
        sa.Column("buyer_name", sa.String(200), nullable=False),
        sa.Column("buyer_organisation", sa.String(200), nullable=False),
        sa.Column("phone", sa.String(40), nullable=False), sa.Column("email", sa.String(254), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=True), sa.Column("message", sa.Text(), nullable=False),
        _moment("consented_at"), sa.Column("closed_reason", sa.String(300), nullable=False),
        _moment("created_at"), _moment("updated_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inquiries")),
    )
    _indexes("inquiries", "facility_id", "product_id", "state", "created_at")
    op.create_table(
        "sales", sa.Column("id", sa.Integer(), nullable=False), *_facility("sales"),
        sa.Column("partner_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["partner_id"], ["organisations.id"], name=op.f("fk_sales_partner_id_organisations"),
                                ondelete="RESTRICT"),
        *_product("sales", ondelete="RESTRICT"), sa.Column("inquiry_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["inquiry_id"], ["inquiries.id"], name=op.f("fk_sales_inquiry_id_inquiries"),
                                ondelete="SET NULL"),
        sa.Column("product_name", sa.String(200), nullable=False),
        sa.Column("category", _enum(CATEGORIES, "productcategory"), nullable=False),
        sa.Column("unit", sa.String(60), nullable=False),
        sa.Column("sold_on", sa.Date(), nullable=False), sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(15, 2), nullable=False),
        sa.Column("buyer_kind", _enum(BUYER_KINDS, "buyerkind"), nullable=False),
        sa.Column("delivered_on", sa.Date(), nullable=True), sa.Column("paid_on", sa.Date(), nullable=True),
        sa.Column("cancelled", sa.Boolean(), nullable=False), *_user("sales", "recorded_by_id"), _moment("created_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sales")),
        sa.UniqueConstraint("inquiry_id", name=op.f("uq_sales_inquiry_id")),
        sa.CheckConstraint("quantity > 0 AND amount >= 0", name=op.f("ck_sales_positive")),
    )
    _indexes("sales", "facility_id", "partner_id", "product_id", "sold_on")
    if op.get_bind().dialect.name == "postgresql":
        _secure_postgres()


def _secure_postgres():
    role = current_app.config["DATABASE_APP_ROLE"]
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", role):
        raise ValueError(f"DATABASE_APP_ROLE is not a plain role name: {role!r}")
    op.execute(PARTNERED_FUNCTION)
    for table in TABLES:
        deletes = ", DELETE" if table in DELETABLE else ""
        op.execute(f"GRANT SELECT, INSERT, UPDATE{deletes} ON {table} TO {role}")
        op.execute(f"GRANT USAGE, SELECT ON SEQUENCE {table}_id_seq TO {role}")
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    for table in SHARED_WITH_PARTNERS:
        op.execute(f"CREATE POLICY facility_rule ON {table} USING ({_OWN} OR {_OVERSEEN} OR {_PARTNERED}) "
                   f"WITH CHECK ({_OWN} AND {_FACILITIES})")
    for table in DELETABLE:
        op.execute(f"CREATE POLICY parties_only_delete ON {table} AS RESTRICTIVE FOR DELETE USING ({_OWN})")
    op.execute(f"CREATE POLICY facility_rule ON inquiries USING ({_OWN} OR {_OVERSEEN}) "
               f"WITH CHECK ({_OWN} AND {_FACILITIES})")
    for table, optional in (("product_helpers", ""), ("sales", "partner_id IS NULL OR ")):
        op.execute(f"CREATE POLICY pair_rule ON {table} USING ({_party('facility_id', 'partner_id')} OR {_OVERSEEN}) "
                   f"WITH CHECK ({_OWN} AND {_FACILITIES})")
        partnership = _PAIR_IS_PARTNERSHIP.format(every=_EVERY, optional=optional, table=table)
        op.execute(f"CREATE POLICY partners_only_insert ON {table} AS RESTRICTIVE FOR INSERT WITH CHECK ({partnership})")
        op.execute(f"CREATE POLICY partners_only_update ON {table} AS RESTRICTIVE FOR UPDATE USING (true) "
                   f"WITH CHECK ({partnership})")
    for table, rows in PUBLIC_READS.items():
        op.execute(f"CREATE POLICY public_read ON {table} FOR SELECT USING ({_PUBLIC} AND ({rows}))")
    for table in NOT_PUBLIC:
        op.execute(f"CREATE POLICY not_for_the_public ON {table} AS RESTRICTIVE "
                   f"USING (NOT {_THE_PUBLIC}) WITH CHECK (NOT {_THE_PUBLIC})")


def downgrade():
    for table in reversed(TABLES):
        op.drop_table(table)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION mitrapas_partnered_facilities()")

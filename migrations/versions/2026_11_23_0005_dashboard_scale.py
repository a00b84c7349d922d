"""Dashboards at national scale: contribution tallies, covering indexes, and a pair rule PostgreSQL can hash.

The oversight half of the pair rule was a correlated EXISTS, run once per row:
2.1 s to add up a year of a million contributions for Ditjen PAS. As an
uncorrelated IN it is computed once per query and hashed (0.34 s for the same
query); the rule itself is unchanged. See tests/bench/dashboards.py.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 14:05:00
"""
import re

import sqlalchemy as sa
from alembic import op
from flask import current_app

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

PAIR_TABLES = ("partnerships", "agreements", "agreement_documents", "signatures", "materials",
               "material_versions", "programmes", "contributions")
COVERED = {"facility": ("partner_id", "type", "agreement_id", "participants_total", "hours"),
           "partner": ("facility_id", "type", "agreement_id", "participants_total", "hours")}

_ORG = "nullif(current_setting('mitrapas.org_id', true), '')::integer"
_EVERY_TENANT = "current_setting('mitrapas.every_tenant', true) = 'on'"
#: The facilities an acting oversight office covers (its province, or all for Ditjen PAS); empty otherwise.
_OVERSEEN = f"""(
        SELECT facility.id FROM organisations facility
        JOIN organisations overseer ON overseer.id = {_ORG} AND overseer.kind = 'oversight'
             AND (overseer.province IS NULL OR overseer.province = facility.province)
        WHERE facility.kind = 'facility')"""


def upgrade():
    op.create_table(
        'contribution_tallies',
        sa.Column('facility_id', sa.Integer(), nullable=False),
        sa.Column('type', sa.Enum('counselling', 'rehabilitation', 'training', 'health', 'internship_hours',
                                  'pre_release', 'donation', 'certificates', 'umkm', 'other',
                                  name='contributiontype', native_enum=False, create_constraint=True),
                  nullable=False),
        sa.Column('month', sa.Date(), nullable=False),
        sa.Column('contributions', sa.Integer(), nullable=False),
        sa.Column('participants', sa.Integer(), nullable=False),
        sa.Column('hours', sa.Numeric(precision=12, scale=1), nullable=False),
        sa.ForeignKeyConstraint(['facility_id'], ['organisations.id'],
                                name=op.f('fk_contribution_tallies_facility_id_organisations'), ondelete='RESTRICT'),
        # Month first: a period's tallies are one range of the key.
        sa.PrimaryKeyConstraint('month', 'facility_id', 'type', name=op.f('pk_contribution_tallies')),
    )
    verified = sa.text("status = 'verified'")
    for party, covered in COVERED.items():
        op.create_index(f"ix_contributions_verified_{party}_day", "contributions", [f"{party}_id", "started_on"],
                        postgresql_where=verified, sqlite_where=verified, postgresql_include=list(covered))
    op.create_index("ix_audit_entries_facility_latest", "audit_entries", ["facility_id", "created_at"])
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        _secure_postgres()
        op.execute("SET LOCAL mitrapas.every_tenant = 'on'")  # the backfill reads every tenant's contributions
    month = "date_trunc('month', started_on)::date" if postgres else "date(started_on, 'start of month')"
    op.execute(f"""
        INSERT INTO contribution_tallies (facility_id, type, month, contributions, participants, hours)
        SELECT facility_id, type, {month}, count(*), coalesce(sum(participants_total), 0), coalesce(sum(hours), 0)
        FROM contributions WHERE status = 'verified' GROUP BY facility_id, type, {month}""")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in PAIR_TABLES:
            op.execute(f"DROP POLICY IF EXISTS pair_rule ON {table}")
            op.execute(_pair_rule(table, correlated=True))
    op.drop_index("ix_audit_entries_facility_latest", table_name="audit_entries")
    for party in COVERED:
        op.drop_index(f"ix_contributions_verified_{party}_day", table_name="contributions")
    op.drop_table('contribution_tallies')


def _pair_rule(table: str, correlated: bool = False) -> str:
    """DESIGN.md's pair rule: either party, or an oversight office covering the facility."""
    oversight = (f"""EXISTS (
        SELECT 1 FROM organisations overseer JOIN organisations facility ON facility.id = {table}.facility_id
        WHERE overseer.id = {_ORG} AND overseer.kind = 'oversight'
          AND (overseer.province IS NULL OR overseer.province = facility.province))"""
                 if correlated else f"facility_id IN {_OVERSEEN}")
    return f"""
CREATE POLICY pair_rule ON {table}
USING ({_EVERY_TENANT} OR facility_id = {_ORG} OR partner_id = {_ORG} OR {oversight})
WITH CHECK ({_EVERY_TENANT} OR facility_id = {_ORG} OR partner_id = {_ORG})
"""


def _secure_postgres():
    role = current_app.config["DATABASE_APP_ROLE"]
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", role):
        raise ValueError(f"DATABASE_APP_ROLE is not a plain role name: {role!r}")
    for table in PAIR_TABLES:
        op.execute(f"DROP POLICY IF EXISTS pair_rule ON {table}")
        op.execute(_pair_rule(table))
    # Tallies belong to a facility: it and the offices overseeing it read them; its verifications write them.
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON contribution_tallies TO {role}")
    op.execute("ALTER TABLE contribution_tallies ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE contribution_tallies FORCE ROW LEVEL SECURITY")
    op.execute(f"""
CREATE POLICY facility_rule ON contribution_tallies
USING ({_EVERY_TENANT} OR facility_id = {_ORG} OR facility_id IN {_OVERSEEN})
WITH CHECK ({_EVERY_TENANT} OR facility_id = {_ORG})
""")

"""Foundation: organisations, people, sessions, partnerships, audit trail, and RLS.

On PostgreSQL this also creates the application role (owning nothing), grants it
exactly what the portal needs (the audit trail: read and append only), and
turns on Row-Level Security with the pair rule for shared records.

Revision ID: 0001
Revises:
Create Date: 2026-11-23 09:23:41.357909
"""
import re

import sqlalchemy as sa
from alembic import op
from flask import current_app


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('organisations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.Enum('facility', 'partner', 'oversight', name='orgkind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('province', sa.String(length=60), nullable=True),
    sa.Column('city', sa.String(length=120), nullable=True),
    sa.Column('facility_class', sa.String(length=60), nullable=True),
    sa.Column('partner_category', sa.Enum('ngo', 'hospital', 'government_programme', 'training_centre', 'government_office', 'education', 'business', 'other', name='partnercategory', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisations')),
    sa.UniqueConstraint('slug', name=op.f('uq_organisations_slug'))
    )
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organisations_province'), ['province'], unique=False)

    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('position', sa.String(length=200), nullable=True),
    sa.Column('nip', sa.String(length=18), nullable=True),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('is_platform_admin', sa.Boolean(), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('locale', sa.String(length=5), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('password_changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('email', name=op.f('uq_users_email'))
    )
    op.create_table('audit_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('facility_id', sa.Integer(), nullable=True),
    sa.Column('partner_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=80), nullable=False),
    sa.Column('object_type', sa.String(length=60), nullable=False),
    sa.Column('object_id', sa.String(length=64), nullable=True),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('ip', sa.String(length=45), nullable=True),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_audit_entries_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['facility_id'], ['organisations.id'], name=op.f('fk_audit_entries_facility_id_organisations')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_audit_entries_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['partner_id'], ['organisations.id'], name=op.f('fk_audit_entries_partner_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entries')),
    sa.UniqueConstraint('hash', name=op.f('uq_audit_entries_hash'))
    )
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_entries_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entries_facility_id'), ['facility_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entries_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entries_partner_id'), ['partner_id'], unique=False)

    op.create_table('login_sessions',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ip', sa.String(length=45), nullable=True),
    sa.Column('user_agent', sa.String(length=255), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_login_sessions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_sessions'))
    )
    with op.batch_alter_table('login_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_sessions_user_id'), ['user_id'], unique=False)

    op.create_table('memberships',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum('head', 'officer', 'viewer', 'admin', 'member', 'analyst', name='role', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_memberships_organisation_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_memberships_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_memberships')),
    sa.UniqueConstraint('user_id', 'organisation_id', name=op.f('uq_memberships_user_id'))
    )
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_memberships_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_memberships_user_id'), ['user_id'], unique=False)

    op.create_table('partnerships',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('focus', sa.String(length=300), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('since', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('facility_id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['facility_id'], ['organisations.id'], name=op.f('fk_partnerships_facility_id_organisations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['partner_id'], ['organisations.id'], name=op.f('fk_partnerships_partner_id_organisations'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partnerships')),
    sa.UniqueConstraint('facility_id', 'partner_id', name=op.f('uq_partnerships_facility_id'))
    )
    with op.batch_alter_table('partnerships', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partnerships_facility_id'), ['facility_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_partnerships_partner_id'), ['partner_id'], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        _secure_postgres()


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP POLICY IF EXISTS pair_rule ON partnerships")
        op.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {_app_role()}")
        op.execute(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {_app_role()}")
        op.execute(f"REVOKE USAGE ON SCHEMA public FROM {_app_role()}")
    with op.batch_alter_table('partnerships', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partnerships_partner_id'))
        batch_op.drop_index(batch_op.f('ix_partnerships_facility_id'))

    op.drop_table('partnerships')
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_memberships_user_id'))
        batch_op.drop_index(batch_op.f('ix_memberships_organisation_id'))

    op.drop_table('memberships')
    with op.batch_alter_table('login_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_sessions_user_id'))

    op.drop_table('login_sessions')
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_entries_partner_id'))
        batch_op.drop_index(batch_op.f('ix_audit_entries_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_audit_entries_facility_id'))
        batch_op.drop_index(batch_op.f('ix_audit_entries_created_at'))

    op.drop_table('audit_entries')
    op.drop_table('users')
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisations_province'))

    op.drop_table('organisations')


#: The acting organisation, as set per transaction by portal.core.tenancy.
_ORG = "nullif(current_setting('mitrapas.org_id', true), '')::integer"
_EVERY_TENANT = "current_setting('mitrapas.every_tenant', true) = 'on'"

#: DESIGN.md's pair rule: either party, or oversight covering the facility's province.
PAIR_RULE_POLICY = f"""
CREATE POLICY pair_rule ON partnerships
USING (
    {_EVERY_TENANT}
    OR facility_id = {_ORG}
    OR partner_id = {_ORG}
    OR EXISTS (
        SELECT 1 FROM organisations overseer JOIN organisations facility ON facility.id = partnerships.facility_id
        WHERE overseer.id = {_ORG} AND overseer.kind = 'oversight'
          AND (overseer.province IS NULL OR overseer.province = facility.province)
    )
)
WITH CHECK ({_EVERY_TENANT} OR facility_id = {_ORG} OR partner_id = {_ORG})
"""


def _app_role() -> str:
    role = current_app.config["DATABASE_APP_ROLE"]
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", role):
        raise ValueError(f"DATABASE_APP_ROLE is not a plain role name: {role!r}")
    return role


def _secure_postgres():
    role = _app_role()
    op.execute(f"""
        DO $$ BEGIN
            IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN
                CREATE ROLE {role} NOLOGIN;
            END IF;
        END $$""")
    op.execute(f"GRANT USAGE ON SCHEMA public TO {role}")
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON organisations, users, memberships, "
               f"login_sessions, partnerships TO {role}")
    op.execute(f"GRANT SELECT, INSERT ON audit_entries TO {role}")
    op.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}")
    op.execute("ALTER TABLE partnerships ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE partnerships FORCE ROW LEVEL SECURITY")
    op.execute(PAIR_RULE_POLICY)

"""Contributions remember the one-time key of the form that recorded them (a form sent twice records once).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 18:45:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("contributions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("submission_key", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_contributions_submission_key"), ["submission_key"])


def downgrade():
    with op.batch_alter_table("contributions", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_contributions_submission_key"), type_="unique")
        batch_op.drop_column("submission_key")

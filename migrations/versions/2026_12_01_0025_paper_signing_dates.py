"""A paper signature keeps the date written on the paper (the ceremony), apart from when the officer confirmed
the scan; before, the confirmation's moment stood for both.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-01 14:35:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("signatures", schema=None) as batch_op:
        batch_op.add_column(sa.Column("signed_on", sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table("signatures", schema=None) as batch_op:
        batch_op.drop_column("signed_on")

"""People who left: removing someone from their last organisation stops their sign-in and records when; a
person who left long ago, or asked for erasure, keeps an account row with a pseudonym in place of their
details, and the dates say when each happened.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01 06:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("left_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("erasure_requested_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("pseudonymised_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("users") as batch:
        batch.drop_column("pseudonymised_at")
        batch.drop_column("erasure_requested_at")
        batch.drop_column("left_at")

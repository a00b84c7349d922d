"""Login sessions remember when they were last used, for the person's list of active sessions.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 05:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("login_sessions") as batch:
        batch.add_column(sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("login_sessions") as batch:
        batch.drop_column("last_seen_at")

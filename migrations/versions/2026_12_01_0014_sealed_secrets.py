"""Sealed secrets: TOTP secrets are stored as Fernet tokens under SECRETS_KEYS, so a dump alone does not pass
two-factor sign-in.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 04:00:00
"""
import sqlalchemy as sa
from alembic import op

from portal.core import sealing

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

users = sa.table("users", sa.column("id", sa.Integer), sa.column("totp_secret", sa.String))


def _convert(change) -> None:
    connection = op.get_bind()
    for user_id, value in connection.execute(sa.select(users.c.id, users.c.totp_secret)
                                             .where(users.c.totp_secret.is_not(None))).all():
        connection.execute(users.update().where(users.c.id == user_id).values(totp_secret=change(value)))


def upgrade():
    with op.batch_alter_table("users") as batch:
        batch.alter_column("totp_secret", type_=sa.String(length=255), existing_nullable=True)
    _convert(sealing.seal)


def downgrade():
    _convert(sealing.unseal)
    with op.batch_alter_table("users") as batch:
        batch.alter_column("totp_secret", type_=sa.String(length=64), existing_nullable=True)

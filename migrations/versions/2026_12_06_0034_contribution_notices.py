"""A facility's verifiers are told of new contributions (issue 34): each person chooses to hear of each one as it is
recorded (the default) or in one daily summary, and each contribution remembers when a summary took it in, so that
none is in two.

Contributions recorded before this are marked as summarised at their recording: the first summary lists the
contributions of its day, not the facility's whole history. No new table, so no new Row-Level Security policy: the
preference is a column of the person's own row (0021's rules, 0033's trigger leave it to the person), and the
summary writes `digested_at` through the escape hatch, as every command that looks at every tenant does.

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-06 12:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0034"
down_revision = "0033"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("contribution_notices", sa.String(length=10), nullable=False,
                                   server_default="each"))
    with op.batch_alter_table("contributions") as batch:
        batch.add_column(sa.Column("digested_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_index("ix_contributions_digested_at", ["digested_at"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("SET LOCAL mitrapas.every_tenant = 'on'")  # Row-Level Security is forced on the owner too
    op.execute("UPDATE contributions SET digested_at = created_at")


def downgrade():
    with op.batch_alter_table("contributions") as batch:
        batch.drop_index("ix_contributions_digested_at")
        batch.drop_column("digested_at")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("contribution_notices")

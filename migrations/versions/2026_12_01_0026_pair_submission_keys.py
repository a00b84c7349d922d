"""A form's one-time key belongs to its pair: a key another pair's form used (copied or forged) no longer
collides with a contribution the sender cannot see (a 500) or names one of another pair.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-01 14:40:00
"""
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("contributions", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_contributions_submission_key"), type_="unique")
        batch_op.create_unique_constraint(batch_op.f("uq_contributions_pair_submission_key"),
                                          ["facility_id", "partner_id", "submission_key"])


def downgrade():
    with op.batch_alter_table("contributions", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_contributions_pair_submission_key"), type_="unique")
        batch_op.create_unique_constraint(batch_op.f("uq_contributions_submission_key"), ["submission_key"])

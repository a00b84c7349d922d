"""Uploads checked in the background: an upload is "joined" once its parts are proved whole (sizes and the
multipart ETag, recorded here), and a material's version made of it has no SHA-256 until the background check
has read it (quarantined: listed as being checked, never downloadable), or says why it was refused.

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-06 19:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0036"
down_revision = "0035"
branch_labels = None
depends_on = None

_BEFORE = ("uploading", "checked", "rejected", "attached")
_AFTER = ("uploading", "joined", "checked", "rejected", "attached")


def upgrade():
    with op.batch_alter_table("uploads") as batch:
        batch.add_column(sa.Column("etag", sa.String(length=80), nullable=True))
        batch.drop_constraint(batch.f("ck_uploads_uploadstatus"), type_="check")
        batch.create_check_constraint("uploadstatus", _allowed(_AFTER))
    with op.batch_alter_table("material_versions") as batch:
        batch.alter_column("sha256", existing_type=sa.String(length=64), nullable=True)
        batch.add_column(sa.Column("problem", sa.Text(), nullable=True))


def downgrade():
    # A version without its fingerprint cannot be kept before this revision, and is not thrown away here.
    unchecked = op.get_bind().execute(sa.text("SELECT count(*) FROM material_versions WHERE sha256 IS NULL")).scalar()
    if unchecked:
        raise RuntimeError(f"{unchecked} material version(s) are still waiting for their background check; let the "
                           "worker check them (or delete them) before downgrading")
    op.execute("UPDATE uploads SET status = 'rejected', problem = 'unchecked at downgrade' WHERE status = 'joined'")
    with op.batch_alter_table("material_versions") as batch:
        batch.drop_column("problem")
        batch.alter_column("sha256", existing_type=sa.String(length=64), nullable=False)
    with op.batch_alter_table("uploads") as batch:
        batch.drop_constraint(batch.f("ck_uploads_uploadstatus"), type_="check")
        batch.create_check_constraint("uploadstatus", _allowed(_BEFORE))
        batch.drop_column("etag")


def _allowed(statuses: tuple[str, ...]) -> str:
    return "status IN ({})".format(", ".join(f"'{status}'" for status in statuses))

"""WhatsApp and SMS beside e-mail (issue 39): each person's channel per group of notices, morning summaries and quiet
hours (`users`), their verified numbers (`phone_channels`) and the messages' outbox (`channel_messages`).

`users.muted_notifications` (the groups not wanted by e-mail) becomes `users.notice_routes`: each muted group is
routed to "bell" (the bell only); the downgrade turns "bell" back into muted, and WhatsApp or SMS into e-mail.

On PostgreSQL both new tables are a person's own (as 0019's): the person reads and changes their own rows; anyone
acting may queue a notice's message for someone, without reading it back (a verification code, only for
oneself); the worker and the providers' callbacks
see every row through the escape hatch.

Revision ID: 0041
Revises: 0040
Create Date: 2026-12-07 12:00:00
"""
from __future__ import annotations

import json
import re

from alembic import op
from flask import current_app
import sqlalchemy as sa

revision = "0041"
down_revision = "0040"
branch_labels = None
depends_on = None

_EVERY = "current_setting('mitrapas.every_tenant', true) = 'on'"
_PERSON = "nullif(current_setting('mitrapas.person_id', true), '')::integer"
_ORG = "nullif(current_setting('mitrapas.org_id', true), '')::integer"

POLICIES = {
    "phone_channels": [
        f"CREATE POLICY own ON phone_channels USING ({_EVERY} OR user_id = {_PERSON}) "
        f"WITH CHECK ({_EVERY} OR user_id = {_PERSON})",
    ],
    "channel_messages": [
        f"CREATE POLICY read_own ON channel_messages FOR SELECT USING ({_EVERY} OR user_id = {_PERSON})",
        f"CREATE POLICY release_own ON channel_messages FOR UPDATE USING ({_EVERY} OR user_id = {_PERSON})",
        f"CREATE POLICY purge ON channel_messages FOR DELETE USING ({_EVERY})",
        # Anyone acting may queue a notice for someone; a verification code (urgent) only for oneself.
        f"CREATE POLICY queue ON channel_messages FOR INSERT WITH CHECK ({_EVERY} OR "
        f"(({_ORG} IS NOT NULL OR {_PERSON} IS NOT NULL) AND kind <> 'verification_code' AND NOT urgent) "
        f"OR user_id = {_PERSON})",
    ],
}
STATUSES = ("queued", "sent", "delivered", "read", "failed", "dead", "digested", "skipped")


def _moment(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade():
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("notice_routes", sa.JSON(), nullable=False, server_default=sa.text("'{}'")))
        batch.add_column(sa.Column("digest_groups", sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
        batch.add_column(_moment("digest_due_at"))
        batch.add_column(sa.Column("digested_notice_id", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("time_zone", sa.String(32), nullable=False, server_default="Asia/Jakarta"))
        batch.add_column(sa.Column("quiet_from", sa.Integer(), nullable=True, server_default="21"))
        batch.add_column(sa.Column("quiet_until", sa.Integer(), nullable=True, server_default="6"))
        batch.create_index("ix_users_digest_due_at", ["digest_due_at"], unique=False)
    _move(op.get_bind(), "muted_notifications", "notice_routes",
          lambda muted: {group: "bell" for group in (muted or [])})
    with op.batch_alter_table("users") as batch:
        batch.drop_column("muted_notifications")

    op.create_table(
        "phone_channels", sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False), sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("phone", sa.String(20), nullable=False), _moment("verified_at"),
        sa.Column("code_digest", sa.String(64), nullable=True), _moment("code_expires_at"),
        sa.Column("code_attempts", sa.Integer(), nullable=False), _moment("stopped_at"),
        _moment("created_at", nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_phone_channels_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_phone_channels")),
        sa.UniqueConstraint("user_id", "channel", name="uq_phone_channels_user_channel"),
    )
    with op.batch_alter_table("phone_channels") as batch:
        batch.create_index(batch.f("ix_phone_channels_user_id"), ["user_id"], unique=False)
        batch.create_index(batch.f("ix_phone_channels_phone"), ["phone"], unique=False)
    op.create_table(
        "channel_messages", sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False), sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("notification_id", sa.Integer(), nullable=True), sa.Column("kind", sa.String(60), nullable=False),
        sa.Column("parts", sa.JSON(), nullable=False), sa.Column("text", sa.Text(), nullable=False),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("status", sa.Enum(*STATUSES, name="messagestatus", native_enum=False, create_constraint=True,
                                    length=9), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False), _moment("next_attempt_at", nullable=False),
        sa.Column("sent_to", sa.String(20), nullable=True), sa.Column("provider_id", sa.String(128), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True), sa.Column("fell_back_to", sa.String(10), nullable=True),
        _moment("created_at", nullable=False), _moment("sent_at"), _moment("status_at"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_channel_messages_user_id_users"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["notification_id"], ["notifications.id"],
                                name=op.f("fk_channel_messages_notification_id_notifications"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_messages")),
    )
    with op.batch_alter_table("channel_messages") as batch:
        batch.create_index(batch.f("ix_channel_messages_user_id"), ["user_id"], unique=False)
        batch.create_index(batch.f("ix_channel_messages_notification_id"), ["notification_id"], unique=False)
        batch.create_index(batch.f("ix_channel_messages_provider_id"), ["provider_id"], unique=False)
        batch.create_index("ix_channel_messages_due", ["status", "next_attempt_at"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        _secure_postgres()


def _secure_postgres():
    role = current_app.config["DATABASE_APP_ROLE"]
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", role):
        raise ValueError(f"DATABASE_APP_ROLE is not a plain role name: {role!r}")
    for table, policies in POLICIES.items():
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {role}")
        op.execute(f"GRANT USAGE, SELECT ON SEQUENCE {table}_id_seq TO {role}")
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        for policy in policies:
            op.execute(policy)


def downgrade():
    op.drop_table("channel_messages")
    op.drop_table("phone_channels")
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("muted_notifications", sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
    _move(op.get_bind(), "notice_routes", "muted_notifications",
          lambda routes: sorted(group for group, route in (routes or {}).items() if route == "bell"))
    with op.batch_alter_table("users") as batch:
        batch.drop_index("ix_users_digest_due_at")
        for column in ("notice_routes", "digest_groups", "digest_due_at", "digested_notice_id", "time_zone",
                       "quiet_from", "quiet_until"):
            batch.drop_column(column)


def _move(connection, source: str, target: str, change) -> None:
    """Each person's `source` choice written into `target`, changed (a few hundred rows: read and written once).
    Row-Level Security is forced on `users`, for its owner too: the move sees every person, in this transaction."""
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text("SELECT set_config('mitrapas.every_tenant', 'on', true)"))
    rows = connection.execute(sa.text(f"SELECT id, {source} FROM users")).all()
    for user_id, value in rows:
        value = json.loads(value) if isinstance(value, str) else value
        moved = change(value)
        if moved:
            connection.execute(sa.text(f"UPDATE users SET {target} = :value WHERE id = :id"),
                               {"value": json.dumps(moved), "id": user_id})

"""E-mail waiting to be sent, and what became of it: the outbox."""
from __future__ import annotations

from datetime import datetime
import enum

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.columns import Timestamp, enum_column, utcnow
from portal.extensions import db


class MailStatus(enum.StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    #: Gave up after MAIL_MAX_ATTEMPTS; the platform admin sees it and can queue it again.
    DEAD = "dead"


class OutboxMessage(db.Model):
    """One e-mail, written in the same transaction as the event it tells about and sent by a worker.

    If the transaction rolls back, the message was never written; if the SMTP
    server is down, the message waits and is retried.
    """

    __tablename__ = "outbox_messages"
    #: Shown on no kept page (`portal.core.whose_pages`): the platform administrator's outbox is drawn each time.
    shown_on_pages_of = ()
    #: Anyone may queue, only the mail worker reads (RLS): no RETURNING.
    __table_args__ = (Index("ix_outbox_messages_due", "status", "next_attempt_at"), {"implicit_returning": False})

    id: Mapped[int] = mapped_column(primary_key=True)
    to: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text)
    #: What it is about, e.g. "password_reset" (no secrets; the text holds the link).
    kind: Mapped[str] = mapped_column(String(60))
    status: Mapped[MailStatus] = mapped_column(enum_column(MailStatus), default=MailStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(Timestamp)

"""What a person is told in the portal (the bell), and by e-mail if they want it."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.columns import Timestamp, utcnow
from portal.extensions import db


class Notification(db.Model):
    """One notice for one person; its text is written in their language when shown, from `kind` and `params`."""

    __tablename__ = "notifications"
    #: Whose kept pages show it (`portal.core.whose_pages`): its person's, in the bell of every page.
    shown_on_pages_of = ("user_id",)
    #: No RETURNING on insert: whoever notifies someone else may not read that person's notices back.
    __table_args__ = (Index("ix_notifications_unread", "user_id", "read_at"), {"implicit_returning": False})

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    #: The recipient's organisation the notice is about; its link opens there.
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    #: e.g. "agreement.submitted"; `portal.notifications.texts.NOTIFICATIONS` holds the sentence.
    kind: Mapped[str] = mapped_column(String(60))
    #: Names and titles the sentence needs, as they were at the time.
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    link: Mapped[str] = mapped_column(String(500))
    #: Set by reminders: the same key is never notified twice (running `remind` again sends nothing).
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(Timestamp)

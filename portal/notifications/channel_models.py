"""WhatsApp and SMS (issue 39): a person's verified numbers, and the messages waiting for or sent to them.

Both are a person's own rows (RLS, migration 0041): the person reads and changes theirs; anyone acting may queue a
message for someone (as a notice), but reads none back; the worker and the providers' status webhooks see every
row through the escape hatch. A message holds no address: the worker looks the number up when it sends, so a number
changed, or a channel stopped by replying STOP, is honoured by every message still waiting.
"""
from __future__ import annotations

from datetime import datetime
import enum

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, and_
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.columns import Timestamp, enum_column, utcnow
from portal.extensions import db


class PhoneChannel(db.Model):
    """A person's number for one channel (WhatsApp or SMS), proven theirs by a code sent over that channel."""

    __tablename__ = "phone_channels"
    #: Whose kept pages show it: the person's own (their notification settings).
    shown_on_pages_of = ("user_id",)
    __table_args__ = (UniqueConstraint("user_id", "channel", name="uq_phone_channels_user_channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: "whatsapp" or "sms" (`portal.notifications.channels`' NAME).
    channel: Mapped[str] = mapped_column(String(10))
    #: E.164, e.g. "+6281234567890".
    phone: Mapped[str] = mapped_column(String(20), index=True)
    verified_at: Mapped[datetime | None] = mapped_column(Timestamp)
    #: The one-time code's HMAC (never the code), until when it holds, and how many wrong tries it has had.
    code_digest: Mapped[str | None] = mapped_column(String(64))
    code_expires_at: Mapped[datetime | None] = mapped_column(Timestamp)
    code_attempts: Mapped[int] = mapped_column(default=0)
    #: When the person replied STOP (or BERHENTI): nothing goes through this channel until they verify again.
    stopped_at: Mapped[datetime | None] = mapped_column(Timestamp)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)

    @property
    def usable(self) -> bool:
        return self.verified_at is not None and self.stopped_at is None


class MessageStatus(enum.StrEnum):
    #: Waiting: for its time (quiet hours), for a retry, or for the worker.
    QUEUED = "queued"
    #: Accepted by the provider.
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    #: The provider refused it, or said it could not be delivered; its notice went by the next channel.
    FAILED = "failed"
    #: Gave up after CHANNEL_MAX_ATTEMPTS; its notice went by the next channel.
    DEAD = "dead"
    #: Taken into a daily summary instead (never sent alone).
    DIGESTED = "digested"
    #: Not sent: its notice was read in the portal while it waited (the quiet hours, a retry).
    SKIPPED = "skipped"


#: What a provider's later word may change a status to, from which (a "delivered" arriving after "read" changes
#: nothing; statuses arrive out of order).
STATUS_ORDER = (MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.READ)


class ChannelMessage(db.Model):
    """One WhatsApp or SMS message to one person, written in the transaction of what it tells of (an outbox)."""

    __tablename__ = "channel_messages"
    #: Whose kept pages show it: its person's (their settings list what failed).
    shown_on_pages_of = ("user_id",)
    #: Anyone may queue for someone, only its person (and the worker) reads: no RETURNING.
    __table_args__ = (Index("ix_channel_messages_due", "status", "next_attempt_at"), {"implicit_returning": False})

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(10))
    #: The notice it tells of (None for a verification code or a daily summary).
    notification_id: Mapped[int | None] = mapped_column(ForeignKey("notifications.id", ondelete="SET NULL"),
                                                        index=True)
    #: The notice's kind, "verification_code" or "digest".
    kind: Mapped[str] = mapped_column(String(60))
    #: The template's parameters in the person's language (`portal.notifications.messages`): what it says.
    parts: Mapped[list] = mapped_column(JSON, default=list)
    #: The same as one text (an SMS, and what the settings page shows).
    text: Mapped[str] = mapped_column(Text)
    #: A verification code goes at once; a notice waits out the person's quiet hours.
    urgent: Mapped[bool] = mapped_column(default=False)
    status: Mapped[MessageStatus] = mapped_column(enum_column(MessageStatus), default=MessageStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    #: The number it went to (set when sent; a code's from the start: how many went to one number is counted);
    #: blanked when the person is pseudonymised.
    sent_to: Mapped[str | None] = mapped_column(String(20))
    #: The provider's id of it (a WhatsApp "wamid...", the gateway's), which its status callbacks name.
    provider_id: Mapped[str | None] = mapped_column(String(128), index=True)
    last_error: Mapped[str | None] = mapped_column(Text)
    #: Where its notice went instead ("sms", "email") when this one failed.
    fell_back_to: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(Timestamp)
    #: When the provider last told us of it (delivered, read, failed).
    status_at: Mapped[datetime | None] = mapped_column(Timestamp)

    notification: Mapped["Notification | None"] = relationship()  # noqa: F821
    user: Mapped["User"] = relationship()  # noqa: F821

    @classmethod
    def held(cls, now: datetime):
        """Waiting for its person's quiet hours to end: never tried, and due later than `now`."""
        return and_(cls.status == MessageStatus.QUEUED, cls.attempts == 0, cls.next_attempt_at > now)

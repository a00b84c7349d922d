"""Invitations: a link by e-mail that lets a person join an organisation with a given role."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.columns import Timestamp, enum_column, utcnow
from portal.extensions import db
from portal.organisations.models import Organisation, Role


class Invitation(db.Model):
    """Single-use and expiring; only a hash of the link's token is stored. Re-sending makes a new link."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(enum_column(Role))
    #: For interns and other fixed-term members: their access lapses after this day.
    access_until: Mapped[date | None] = mapped_column(Date)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: A partner's first admin is invited by a facility: that facility (its staff may resend or revoke).
    sent_for_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(Timestamp)
    accepted_at: Mapped[datetime | None] = mapped_column(Timestamp)
    revoked_at: Mapped[datetime | None] = mapped_column(Timestamp)

    organisation: Mapped[Organisation] = relationship(foreign_keys=[organisation_id])
    sent_for: Mapped[Organisation | None] = relationship(foreign_keys=[sent_for_id])
    invited_by: Mapped["User | None"] = relationship()  # noqa: F821

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None

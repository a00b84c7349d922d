"""The standing relation between a facility and a partner it works with."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.columns import PairScoped, Timestamp, utcnow
from portal.extensions import db


class Partnership(PairScoped, db.Model):
    """A (facility, partner) pair; agreements, materials and contributions hang off it."""

    __tablename__ = "partnerships"
    __table_args__ = (UniqueConstraint("facility_id", "partner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: What the two work on together, in a sentence.
    focus: Mapped[str | None] = mapped_column(String(300))
    notes: Mapped[str | None] = mapped_column(Text)
    since: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)

    def __repr__(self) -> str:
        return f"<Partnership f{self.facility_id} p{self.partner_id}>"

"""Signing certificates the portal CA issued: public by nature (a CA publishes what it issued and revoked).

The private key of each lives outside the database, in the signing key folder or token.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.columns import Timestamp, utcnow
from portal.extensions import db


class SigningCertificate(db.Model):
    __tablename__ = "signing_certificates"
    #: Whose kept pages show it (`portal.core.whose_pages`): its holder's and their organisation's.
    shown_on_pages_of = ("organisation_id", "user_id")

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The certificate's serial number in hexadecimal (20 random bytes do not fit a BIGINT).
    serial: Mapped[str] = mapped_column(String(40), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    #: What the certificate names, so a change of name or position is noticed and a new one issued.
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[str | None] = mapped_column(String(200))
    organisation_name: Mapped[str] = mapped_column(String(200))
    der: Mapped[bytes] = mapped_column(LargeBinary)
    not_after: Mapped[datetime] = mapped_column(Timestamp)
    issued_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(Timestamp)

    user: Mapped["User"] = relationship()  # noqa: F821

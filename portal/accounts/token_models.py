"""Single-use links sent by e-mail (password reset): only a hash of the token is stored."""
from __future__ import annotations

from datetime import datetime
import enum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.columns import Timestamp, enum_column, utcnow
from portal.extensions import db


class TokenPurpose(enum.StrEnum):
    PASSWORD_RESET = "password_reset"


class AccountToken(db.Model):
    __tablename__ = "account_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[TokenPurpose] = mapped_column(enum_column(TokenPurpose))
    #: SHA-256 of the token in the link; the link itself is never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(Timestamp)
    used_at: Mapped[datetime | None] = mapped_column(Timestamp)

    user: Mapped["User"] = relationship()  # noqa: F821

"""API tokens: how a partner's or ministry's system acts for one organisation through /api/v1, and the POSTs it
made with an idempotency key."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.columns import Timestamp, utcnow
from portal.extensions import db
from portal.organisations.models import Organisation


class ApiToken(db.Model):
    """Named, scoped and expiring; the secret is shown once and only its SHA-256 is stored."""

    __tablename__ = "api_tokens"
    #: Whose kept pages show it (`portal.core.whose_pages`): its organisation's.
    shown_on_pages_of = ("organisation_id",)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    #: What the organisation calls it, e.g. "SIMRS RSUD, laporan malam"; audit entries made with it carry it.
    name: Mapped[str] = mapped_column(String(100))
    #: The secret's first characters, so a person can tell their tokens apart (never enough to use one).
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: e.g. ["agreements:read"]; `portal.integrations.api_tokens.SCOPES` lists what exists.
    scopes: Mapped[list] = mapped_column(JSON, default=list)
    #: The last day it works.
    expires_on: Mapped[date] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(Timestamp)
    #: Written at most once a minute, so a busy integration does not write on every call.
    last_used_at: Mapped[datetime | None] = mapped_column(Timestamp)

    organisation: Mapped[Organisation] = relationship()
    created_by: Mapped["User | None"] = relationship()  # noqa: F821


class IdempotentRequest(db.Model):
    """A POST made with an `Idempotency-Key`: the same key and body answer the same again, and make nothing twice."""

    __tablename__ = "idempotent_requests"
    #: Whose kept pages show it (`portal.core.whose_pages`): its organisation's.
    shown_on_pages_of = ("organisation_id",)
    __table_args__ = (UniqueConstraint("token_id", "key", name="uq_idempotent_requests_token_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    token_id: Mapped[int] = mapped_column(ForeignKey("api_tokens.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(100))
    #: SHA-256 of the method, path and body: the same key with anything else is refused.
    request_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[int]
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)

"""The audit trail: an append-only, hash-chained record of every state change."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.columns import Timestamp, utcnow
from portal.extensions import db


class AuditEntry(db.Model):
    """One state change: who, for which organisation, what, before and after."""

    __tablename__ = "audit_entries"
    #: Whose kept pages show it (`portal.core.whose_pages`): as its record: the pair, or the organisation acted for.
    shown_on_pages_of = ("facility_id", "partner_id", "organisation_id")
    __table_args__ = (
        #: A record's timeline reads its entries by object.
        Index("ix_audit_entries_object", "object_type", "object_id"),
        #: "Last activity" of each facility is one step down this index.
        Index("ix_audit_entries_facility_latest", "facility_id", "created_at"),
        #: Anyone may append, not everyone may read back what they appended (RLS): no RETURNING.
        {"implicit_returning": False},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow, index=True)
    #: None for the system (CLI, scheduled jobs).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    #: The organisation the actor acted for (None: platform administration).
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    #: The facility and partner of the record, so both parties and oversight can read it.
    facility_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    #: Dotted verb, e.g. "member.added", "agreement.approved".
    action: Mapped[str] = mapped_column(String(80))
    object_type: Mapped[str] = mapped_column(String(60))
    object_id: Mapped[str | None] = mapped_column(String(64))
    #: {"before": {...}, "after": {...}}: short summaries, never documents or passwords.
    changes: Mapped[dict] = mapped_column(JSON, default=dict)
    ip: Mapped[str | None] = mapped_column(String(45))
    #: Hash of the previous entry ("" for the first): deleting an entry breaks the chain.
    prev_hash: Mapped[str] = mapped_column(String(64))
    #: SHA-256 over this entry's content and prev_hash: changing an entry breaks it.
    hash: Mapped[str] = mapped_column(String(64), unique=True)

    actor: Mapped["User | None"] = relationship()  # noqa: F821
    organisation = relationship("Organisation", foreign_keys=[organisation_id])

"""What partners did for a facility (contributions), grouped into programmes. Counts only, never names."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
import enum

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Numeric, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.columns import PairScoped, Timestamp, enum_column, utcnow
from portal.extensions import db


class ContributionType(enum.StrEnum):
    COUNSELLING = "counselling"
    REHABILITATION = "rehabilitation"
    TRAINING = "training"
    HEALTH = "health"
    INTERNSHIP_HOURS = "internship_hours"
    PRE_RELEASE = "pre_release"
    DONATION = "donation"
    CERTIFICATES = "certificates"
    UMKM = "umkm"
    OTHER = "other"


class ContributionStatus(enum.StrEnum):
    #: Waiting for a facility officer.
    SUBMITTED = "submitted"
    VERIFIED = "verified"
    #: Sent back with a reason; the partner corrects and resubmits.
    REJECTED = "rejected"
    #: A verified record replaced by its verified correction: kept as history, counted no more.
    SUPERSEDED = "superseded"


class ProgrammeStatus(enum.StrEnum):
    RUNNING = "running"
    CLOSED = "closed"


class Programme(PairScoped, db.Model):
    """A series of sessions with a shape, e.g. "Program Rehabilitasi Kategori II, 30 hari"."""

    __tablename__ = "programmes"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    type: Mapped[ContributionType] = mapped_column(enum_column(ContributionType))
    agreement_id: Mapped[int | None] = mapped_column(ForeignKey("agreements.id", ondelete="RESTRICT"), index=True)
    #: Its category or level as the facility names it, e.g. "Kategori II".
    category: Mapped[str | None] = mapped_column(String(120))
    duration_days: Mapped[int | None]
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    planned_participants: Mapped[int | None]
    #: Set when the programme closes, with the certificates issued.
    actual_participants: Mapped[int | None]
    certificates_issued: Mapped[int | None]
    status: Mapped[ProgrammeStatus] = mapped_column(enum_column(ProgrammeStatus), default=ProgrammeStatus.RUNNING)
    closed_at: Mapped[datetime | None] = mapped_column(Timestamp)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)

    agreement: Mapped["Agreement | None"] = relationship()  # noqa: F821
    contributions: Mapped[list["Contribution"]] = relationship(
        back_populates="programme", order_by="Contribution.started_on")


class Contribution(PairScoped, db.Model):
    """One thing a partner did for a facility, as the partner recorded it and an officer verified it."""

    __tablename__ = "contributions"
    __table_args__ = (
        CheckConstraint("participants_male >= 0 AND participants_female >= 0 AND participants_total >= 0",
                        name="participants_not_negative"),
        CheckConstraint("hours >= 0", name="hours_not_negative"),
        # Dashboards add up verified work of one facility or one partner over a period: these answer
        # from the index alone on PostgreSQL (the covered columns are what the sums and groups read).
        Index("ix_contributions_verified_facility_day", "facility_id", "started_on",
              postgresql_where=text("status = 'verified'"), sqlite_where=text("status = 'verified'"),
              postgresql_include=["partner_id", "type", "agreement_id", "participants_total", "hours"]),
        Index("ix_contributions_verified_partner_day", "partner_id", "started_on",
              postgresql_where=text("status = 'verified'"), sqlite_where=text("status = 'verified'"),
              postgresql_include=["facility_id", "type", "agreement_id", "participants_total", "hours"]),
        # A form's key is one pair's: a key another pair's form carried (copied or forged) records anew.
        UniqueConstraint("facility_id", "partner_id", "submission_key", name="uq_contributions_pair_submission_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[ContributionType] = mapped_column(enum_column(ContributionType), index=True)
    status: Mapped[ContributionStatus] = mapped_column(
        enum_column(ContributionStatus), default=ContributionStatus.SUBMITTED, index=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    started_on: Mapped[date] = mapped_column(Date, index=True)
    #: None for a single day.
    ended_on: Mapped[date | None] = mapped_column(Date)
    #: WBP reached, by sex where known; counts only, no names or numbers of people.
    participants_male: Mapped[int | None]
    participants_female: Mapped[int | None]
    participants_total: Mapped[int | None]
    hours: Mapped[Decimal | None] = mapped_column(Numeric(7, 1))
    #: The partner's people involved, e.g. "2 konselor, 3 peserta magang psikologi".
    partner_people: Mapped[str | None] = mapped_column(String(300))
    #: Where inside the facility, e.g. "Klinik Pratama".
    location: Mapped[str | None] = mapped_column(String(200))
    agreement_id: Mapped[int | None] = mapped_column(ForeignKey("agreements.id", ondelete="RESTRICT"), index=True)
    programme_id: Mapped[int | None] = mapped_column(ForeignKey("programmes.id", ondelete="RESTRICT"), index=True)
    #: A correction points at the verified record it replaces once verified itself.
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("contributions.id", ondelete="RESTRICT"))
    #: Why it was rejected (the latest reason).
    status_reason: Mapped[str | None] = mapped_column(Text)
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    verified_at: Mapped[datetime | None] = mapped_column(Timestamp)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    #: Optimistic lock, as for agreements.
    version: Mapped[int] = mapped_column(default=1)
    #: The one-time key its form carried: the same form sent twice (a double click, a resubmission after a
    #: time-out) records one contribution of its pair.
    submission_key: Mapped[str | None] = mapped_column(String(64))
    #: When the daily summary to the facility's verifiers took it in (`notifications.send_digests`): each new
    #: contribution goes into one summary at most.
    digested_at: Mapped[datetime | None] = mapped_column(Timestamp, index=True)

    __mapper_args__ = {"version_id_col": version}

    agreement: Mapped["Agreement | None"] = relationship()  # noqa: F821
    programme: Mapped[Programme | None] = relationship(back_populates="contributions")
    corrects: Mapped["Contribution | None"] = relationship(remote_side=[id])
    created_by: Mapped["User | None"] = relationship(foreign_keys=[created_by_id], lazy="joined")  # noqa: F821
    verified_by: Mapped["User | None"] = relationship(foreign_keys=[verified_by_id])  # noqa: F821

    def __repr__(self) -> str:
        return f"<Contribution {self.id} {self.type} {self.status}>"


class ContributionTally(db.Model):
    """Verified contributions of one facility, one type, one month, added up.

    Kept current by `portal.contributions.tallies` whenever a contribution starts or
    stops counting (verified; superseded by its correction), so the oversight
    dashboard adds up a few thousand rows instead of a million contributions.
    `flask portal rebuild-tallies` recomputes it from the contributions.
    """

    __tablename__ = "contribution_tallies"
    #: Whose kept pages show it (`portal.core.whose_pages`): the facility's and its overseers' dashboards.
    shown_on_pages_of = ("facility_id",)

    #: The first day of the month; first in the key, so a period's tallies are one range of it.
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="RESTRICT"), primary_key=True)
    type: Mapped[ContributionType] = mapped_column(enum_column(ContributionType), primary_key=True)
    contributions: Mapped[int] = mapped_column(default=0)
    participants: Mapped[int] = mapped_column(default=0)
    hours: Mapped[Decimal] = mapped_column(Numeric(12, 1), default=0)

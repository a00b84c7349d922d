"""Column helpers shared by every model."""
from __future__ import annotations

from datetime import datetime, timezone
import enum

from sqlalchemy import DateTime, Enum, ForeignKey
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship


def utcnow() -> datetime:
    """Now, timezone-aware, evaluated per row (never once at import)."""
    return datetime.now(timezone.utc)


def as_utc(moment: datetime) -> datetime:
    """A stored timestamp, aware: SQLite hands them back without their zone (they are UTC)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def enum_column(enum_class: type[enum.Enum]) -> Enum:
    """Store an enum by its lowercase value as VARCHAR + CHECK, the same on every database."""
    return Enum(
        enum_class,
        native_enum=False,
        create_constraint=True,
        length=max(len(member.value) for member in enum_class),
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
        name=enum_class.__name__.lower(),
    )


#: Timestamps are stored with their zone so PostgreSQL and SQLite agree.
Timestamp = DateTime(timezone=True)



class PairScoped:
    """A shared record: it belongs to exactly one (facility, partner) pair.

    `portal.core.tenancy` filters every query of such records by the pair rule and
    refuses to write one for a pair the acting organisation is not part of.
    """

    #: Whose kept pages show it (`portal.core.whose_pages`): who may see it, by the pair rule.
    shown_on_pages_of = ("facility_id", "partner_id")

    @declared_attr
    def facility_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("organisations.id", ondelete="RESTRICT"), index=True)

    @declared_attr
    def partner_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("organisations.id", ondelete="RESTRICT"), index=True)

    @declared_attr
    def facility(cls) -> Mapped["Organisation"]:  # noqa: F821
        return relationship("Organisation", foreign_keys=[cls.facility_id], lazy="joined")

    @declared_attr
    def partner(cls) -> Mapped["Organisation"]:  # noqa: F821
        return relationship("Organisation", foreign_keys=[cls.partner_id], lazy="joined")


class FacilityOwned:
    """A record of one facility alone (its news and their photos): its own people see it, and the public once
    published. `portal.core.tenancy` filters every query of such records by the acting organisation."""

    #: Whose kept pages show it (`portal.core.whose_pages`): the facility's and its overseers'.
    shown_on_pages_of = ("facility_id",)

    @declared_attr
    def facility_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("organisations.id", ondelete="RESTRICT"), index=True)

    @declared_attr
    def facility(cls) -> Mapped["Organisation"]:  # noqa: F821
        return relationship("Organisation", foreign_keys=[cls.facility_id], lazy="joined")


class SharedWithPartners:
    """A facility's record that its partners read too (its products, its counts of inmates' interests): the facility
    writes it; the partners it has a partnership with, the offices covering it, and (where its table's policy says
    so) the public read it. `portal.core.tenancy` filters every query of such records by that rule.

    It declares no `shown_on_pages_of`: a write reaches every kept page (whose partners see it is not a column)."""

    @declared_attr
    def facility_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("organisations.id", ondelete="RESTRICT"), index=True)

    @declared_attr
    def facility(cls) -> Mapped["Organisation"]:  # noqa: F821
        return relationship("Organisation", foreign_keys=[cls.facility_id], lazy="joined")

"""What a dashboard is narrowed to: the period and filters its URL asks for, and the choices it offers.

Apart from the figures (`portal.reporting.figures`), so that a view reads its filters and a report
computes from them without either knowing the other's insides.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Row, select

from portal.agreements.models import SIGNED_STATES, Agreement
from portal.contributions.models import Contribution, ContributionStatus, ContributionType
from portal.core import clock
from portal.extensions import db
from portal.organisations.models import Organisation, OrgKind
from portal.organisations.partnership_models import Partnership
from portal.umkm.models import Sale


# --- what the URL asks for ---------------------------------------------------------------------

#: The days a custom period may span: year 1 and 9999 have no month before or after them (they were 500s), and a
#: dashboard draws its period month by month, so at most LONGEST_YEARS of them, ending with the period's end.
EARLIEST, LATEST = date(2000, 1, 1), date(2099, 12, 31)
LONGEST_YEARS = 10


@dataclass(frozen=True)
class Period:
    """A span of days, both ends included; what the URL's `period` filter means."""

    start: date
    end: date
    name: str

    @classmethod
    def from_args(cls, args, today: date | None = None) -> "Period":
        """`period=month|quarter|year|custom` (with `from`, `to`), defaulting to this year."""
        today = today or clock.today()
        kind = args.get("period", "year")
        if kind == "month":
            return cls.month_of(today)
        if kind == "quarter":
            start = today.replace(month=3 * ((today.month - 1) // 3) + 1, day=1)
            return cls(start, _month_end(start + timedelta(days=62)), kind)
        if kind == "custom":
            start, end = _day(args.get("from")) or today.replace(month=1, day=1), _day(args.get("to")) or today
            start, end = sorted(min(max(day, EARLIEST), LATEST) for day in (start, end))
            return cls(max(start, _months_before(end, 12 * LONGEST_YEARS - 1)), end, kind)
        return cls(today.replace(month=1, day=1), today.replace(month=12, day=31), "year")

    @classmethod
    def month_of(cls, day: date) -> "Period":
        return cls(day.replace(day=1), _month_end(day), "month")

    def url_args(self) -> dict:
        if self.name == "custom":
            return {"period": "custom", "from": self.start.isoformat(), "to": self.end.isoformat()}
        return {"period": self.name}

    def whole_months(self) -> tuple[date, date] | None:
        """The first days of the first and last months lying wholly inside the period, if any."""
        first = self.start if self.start.day == 1 else _month_end(self.start) + timedelta(days=1)
        last = self.end.replace(day=1) if self.end == _month_end(self.end) else _months_before(self.end, 1)
        return (first, last) if first <= last else None

    def outside(self, months: tuple[date, date] | None) -> list["Period"]:
        """The parts of the period before and after `months` (partial months at its edges)."""
        if months is None:
            return [self]
        before = Period(self.start, months[0] - timedelta(days=1), "custom")
        after = Period(_month_end(months[1]) + timedelta(days=1), self.end, "custom")
        return [part for part in (before, after) if part.start <= part.end]

    def months(self, at_least: int = 1) -> list[date]:
        """The first day of each month the period touches, at least `at_least` of them ending with its last."""
        first = self.start.replace(day=1)
        earliest = _months_before(self.end.replace(day=1), at_least - 1)
        month, months = min(first, earliest), []
        while month <= self.end:
            months.append(month)
            month = _month_end(month) + timedelta(days=1)
        return months


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _month_end(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def _months_before(month: date, count: int) -> date:
    """The first day of the month `count` months before `month`'s."""
    index = month.year * 12 + month.month - 1 - count
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Filters:
    """Everything a dashboard can be narrowed by; it all travels in the URL so a view can be shared."""

    period: Period
    type: ContributionType | None = None
    partner_id: int | None = None
    facility_id: int | None = None
    agreement_id: int | None = None

    @classmethod
    def from_args(cls, args, today: date | None = None) -> "Filters":
        kind = args.get("type", "")
        return cls(Period.from_args(args, today),
                   ContributionType(kind) if kind in ContributionType._value2member_map_ else None,
                   _id(args.get("partner")), _id(args.get("facility")), _id(args.get("agreement")))

    def url_args(self) -> dict:
        """The query string that brings this view back."""
        extra = {"type": self.type.value if self.type else None, "partner": self.partner_id,
                 "facility": self.facility_id, "agreement": self.agreement_id}
        return self.period.url_args() | {key: value for key, value in extra.items() if value}

    def contributions(self, *, period: Period | None = None) -> list:
        """Conditions on verified contributions: the period (or another), type, parties, agreement."""
        period = period or self.period
        conditions = [Contribution.status == ContributionStatus.VERIFIED,
                      Contribution.started_on >= period.start, Contribution.started_on <= period.end]
        for column, value in ((Contribution.type, self.type), (Contribution.partner_id, self.partner_id),
                              (Contribution.facility_id, self.facility_id),
                              (Contribution.agreement_id, self.agreement_id)):
            if value:
                conditions.append(column == value)
        return conditions

    def sales(self, *, period: Period | None = None) -> list:
        """Conditions on sales that happened (not cancelled): the period (or another) and parties. The contribution
        type and agreement filters are not about sales."""
        period = period or self.period
        conditions = [Sale.cancelled.is_(False), Sale.sold_on >= period.start, Sale.sold_on <= period.end]
        for column, value in ((Sale.partner_id, self.partner_id), (Sale.facility_id, self.facility_id)):
            if value:
                conditions.append(column == value)
        return conditions

    def agreements(self) -> list:
        conditions = []
        for column, value in ((Agreement.partner_id, self.partner_id), (Agreement.facility_id, self.facility_id),
                              (Agreement.id, self.agreement_id)):
            if value:
                conditions.append(column == value)
        return conditions


def _id(text) -> int | None:
    return int(text) if text and str(text).isdigit() else None


# --- what the filters offer ----------------------------------------------------------------------

@dataclass(frozen=True)
class FilterChoices:
    #: (id, name) of the partners of a facility, or the facilities of a partner; none for an oversight office.
    counterparts: list[Row]
    #: (id, title) of the signed agreements.
    agreements: list[Row]
    types: tuple[ContributionType, ...] = tuple(ContributionType)


def filter_choices(organisation: Organisation) -> FilterChoices:
    """The parties and signed agreements a facility's or partner's dashboard can be narrowed to."""
    if organisation.kind == OrgKind.FACILITY:
        mine, other = Partnership.facility_id, Partnership.partner_id
    elif organisation.kind == OrgKind.PARTNER:
        mine, other = Partnership.partner_id, Partnership.facility_id
    else:
        return FilterChoices([], [])
    # Ids and names only: a busy facility offers two hundred of each, and whole records cost ten times more.
    counterparts = db.session.execute(select(Organisation.id, Organisation.name).where(
        Organisation.id.in_(select(other).where(mine == organisation.id))).order_by(Organisation.name)).all()
    own_agreement = Agreement.facility_id if organisation.kind == OrgKind.FACILITY else Agreement.partner_id
    agreements = db.session.execute(select(Agreement.id, Agreement.title).where(
        own_agreement == organisation.id, Agreement.status.in_(SIGNED_STATES)).order_by(Agreement.title)).all()
    return FilterChoices(list(counterparts), list(agreements))

"""The numbers dashboards show: agreements by state and expiry, verified contributions by partner and type.

Each function is one aggregate query over what the acting organisation sees
(the tenancy filter applies), so a page asks the same number of questions
whatever the amount of data. Only verified contributions ever count.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from portal import i18n
from portal.extensions import db
from portal.models import Agreement, AgreementStatus, AuditEntry, Contribution, ContributionStatus, Organisation

S = AgreementStatus
IN_FORCE = (S.SIGNED, S.ACTIVE)
PENDING = (S.SUBMITTED, S.CHANGES_REQUESTED, S.FORWARDED, S.APPROVED, S.PARTNER_SIGNED)
EXPIRY_WINDOWS = (90, 30, 7)


@dataclass(frozen=True)
class Period:
    """A span of days, both ends included; what the URL's `period` filter means."""

    start: date
    end: date
    name: str

    @classmethod
    def from_args(cls, args, today: date | None = None) -> "Period":
        """`period=month|quarter|year|custom` (with `from`, `to`), defaulting to this year."""
        today = today or i18n.today()
        kind = args.get("period", "year")
        if kind == "month":
            start = today.replace(day=1)
            end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        elif kind == "quarter":
            start = today.replace(month=3 * ((today.month - 1) // 3) + 1, day=1)
            end = (start + timedelta(days=95)).replace(day=1) - timedelta(days=1)
        elif kind == "custom":
            start, end = _day(args.get("from")) or today.replace(month=1, day=1), _day(args.get("to")) or today
            if end < start:
                start, end = end, start
        else:
            kind, start, end = "year", today.replace(month=1, day=1), today.replace(month=12, day=31)
        return cls(start, end, kind)


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


@dataclass(frozen=True)
class AgreementCounts:
    active: int
    pending: int
    #: In force and ending within 90, 30 and 7 days.
    expiring: dict[int, int]


def agreement_counts(*conditions, today: date | None = None) -> AgreementCounts:
    today = today or i18n.today()
    in_force = Agreement.status.in_(IN_FORCE)
    columns = [func.count().filter(Agreement.status == S.ACTIVE), func.count().filter(Agreement.status.in_(PENDING))]
    columns += [func.count().filter(in_force, Agreement.end_date >= today,
                                    Agreement.end_date <= today + timedelta(days=days)) for days in EXPIRY_WINDOWS]
    row = db.session.execute(select(*columns).select_from(Agreement).where(*conditions)).one()
    return AgreementCounts(row[0], row[1], dict(zip(EXPIRY_WINDOWS, row[2:])))


@dataclass(frozen=True)
class Line:
    """One row of a breakdown: what it is about, and its verified totals."""

    key: object
    contributions: int
    participants: int
    hours: Decimal


def contributions_by(dimension: str, period: Period, *conditions) -> list[Line]:
    """Verified contributions in the period, by `partner`, `facility` or `type`, largest first."""
    group = {"partner": Contribution.partner_id, "facility": Contribution.facility_id,
             "type": Contribution.type}[dimension]
    rows = db.session.execute(
        select(group, func.count(Contribution.id), func.coalesce(func.sum(Contribution.participants_total), 0),
               func.coalesce(func.sum(Contribution.hours), 0))
        .where(Contribution.status == ContributionStatus.VERIFIED,
               Contribution.started_on >= period.start, Contribution.started_on <= period.end, *conditions)
        .group_by(group).order_by(func.count(Contribution.id).desc())).all()
    lines = [Line(key, int(count), int(people), Decimal(hours)) for key, count, people, hours in rows]
    if dimension in ("partner", "facility") and lines:
        names = dict(db.session.execute(select(Organisation.id, Organisation.name)
                                        .where(Organisation.id.in_([line.key for line in lines]))).all())
        lines = [Line(names.get(line.key, "?"), line.contributions, line.participants, line.hours)
                 for line in lines]
    return lines


def total_of(lines: list[Line]) -> Line:
    return Line(None, sum(line.contributions for line in lines), sum(line.participants for line in lines),
                sum((line.hours for line in lines), Decimal(0)))


@dataclass(frozen=True)
class FacilityRow:
    """One facility in an oversight office's table."""

    facility: Organisation
    active_agreements: int
    contributions: int
    participants: int
    hours: Decimal
    last_activity: datetime | None


SORTS = ("name", "active_agreements", "contributions", "participants", "hours", "last_activity")


def facilities_overview(facilities: list[Organisation], period: Period, sort: str = "name") -> list[FacilityRow]:
    """Every facility in scope with its numbers: three grouped queries, whatever the count of facilities."""
    ids = [facility.id for facility in facilities]
    active = dict(db.session.execute(select(Agreement.facility_id, func.count())
                                     .where(Agreement.status == S.ACTIVE, Agreement.facility_id.in_(ids))
                                     .group_by(Agreement.facility_id)).all())
    work = {line.key: line for line in _lines_by_facility_id(period, ids)}
    last = dict(db.session.execute(select(AuditEntry.facility_id, func.max(AuditEntry.created_at))
                                   .where(AuditEntry.facility_id.in_(ids)).group_by(AuditEntry.facility_id)).all())
    rows = [FacilityRow(facility, active.get(facility.id, 0), getattr(work.get(facility.id), "contributions", 0),
                        getattr(work.get(facility.id), "participants", 0),
                        getattr(work.get(facility.id), "hours", Decimal(0)), last.get(facility.id))
            for facility in facilities]
    if sort in SORTS and sort != "name":
        return sorted(rows, key=lambda row: (getattr(row, sort) is not None, getattr(row, sort) or 0), reverse=True)
    return sorted(rows, key=lambda row: row.facility.name)


def _lines_by_facility_id(period: Period, ids: list[int]) -> list[Line]:
    rows = db.session.execute(
        select(Contribution.facility_id, func.count(Contribution.id),
               func.coalesce(func.sum(Contribution.participants_total), 0),
               func.coalesce(func.sum(Contribution.hours), 0))
        .where(Contribution.status == ContributionStatus.VERIFIED, Contribution.facility_id.in_(ids),
               Contribution.started_on >= period.start, Contribution.started_on <= period.end)
        .group_by(Contribution.facility_id)).all()
    return [Line(key, int(count), int(people), Decimal(hours)) for key, count, people, hours in rows]

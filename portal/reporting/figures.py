"""The numbers dashboards, exports and the monthly report show.

Each function is one aggregate query over what the acting organisation sees
(the tenancy filter applies), so a page asks the same number of questions
whatever the amount of data. Only verified contributions ever count.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime

from flask_babel import format_date, lazy_gettext as _l
from sqlalchemy import and_, extract, func, or_, select

from portal.agreements import chains
from portal.agreements.labels import step_name
from portal.agreements.models import PENDING_STATES, SIGNED_STATES, Agreement, AgreementStatus
from portal.audit.models import AuditEntry
from portal.contributions.measures import (
    COLUMNS as MEASURE_COLUMNS, NAMES as MEASURE_NAMES, Measures, sums, tally_sums,
)
from portal.contributions.models import Contribution, ContributionTally, Programme, ProgrammeStatus
from portal.core import clock
from portal.core.exports import Column, Table
from portal.core.vocabulary import label
from portal.extensions import db
from portal.organisations import operations as organisations
from portal.organisations.models import Organisation, OrgKind
from portal.reporting.filters import Filters, Period
from portal.umkm import figures as umkm_figures

S = AgreementStatus
EXPIRY_WINDOWS = (90, 30, 7)
#: A trend chart covers at least this many months, ending with the period.
TREND_MONTHS = 12


# --- agreements ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class AgreementCounts:
    active: int
    pending: int
    #: In force and ending within 90, 30 and 7 days.
    expiring: dict[int, int]


def agreement_counts(*conditions, today: date | None = None) -> AgreementCounts:
    today = today or clock.today()
    columns = [func.count().filter(Agreement.status == S.ACTIVE),
               func.count().filter(Agreement.status.in_(PENDING_STATES))]
    columns += [func.count().filter(Agreement.ending_within(days, today)) for days in EXPIRY_WINDOWS]
    row = db.session.execute(select(*columns).select_from(Agreement).where(*conditions)).one()
    return AgreementCounts(row[0], row[1], dict(zip(EXPIRY_WINDOWS, row[2:])))


def agreements_by_status(*conditions) -> Table:
    """Every agreement the organisation sees (across facilities, for a partner), counted by status."""
    rows = dict(db.session.execute(select(Agreement.status, func.count()).where(*conditions)
                                   .group_by(Agreement.status)).all())
    return Table("agreements-by-status", _l("Agreements by status"),
                 (Column("status", _l("Status")), Column("agreements", _l("Agreements"), "int")),
                 [(label(status), rows[status]) for status in AgreementStatus if rows.get(status)],
                 total=(_l("Total"), sum(rows.values())) if rows else None)


def agreements_in_force(period: Period, *conditions) -> list[Agreement]:
    """Signed agreements whose term overlaps the period (a monthly report lists them)."""
    return list(db.session.scalars(select(Agreement).where(
        Agreement.status.in_(SIGNED_STATES), Agreement.start_date <= period.end, Agreement.end_date >= period.start,
        *conditions).order_by(Agreement.end_date, Agreement.id)).unique())


# --- contributions -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Line:
    """One row of a breakdown: what it is about, and its verified measures."""

    key: object
    measures: Measures


def contributions_by(dimension: str, filters: Filters) -> list[Line]:
    """Verified contributions by `partner`, `facility` or `type`, largest first; parties by name."""
    group = {"partner": Contribution.partner_id, "facility": Contribution.facility_id,
             "type": Contribution.type}[dimension]
    rows = db.session.execute(select(group.label("key"), *sums()).where(*filters.contributions())
                              .group_by(group).order_by(func.count(Contribution.id).desc(), group)).all()
    lines = [Line(row.key, Measures.of(row)) for row in rows]
    if dimension in ("partner", "facility") and lines:
        names = dict(db.session.execute(select(Organisation.id, Organisation.name)
                                        .where(Organisation.id.in_([line.key for line in lines]))).all())
        lines = [replace(line, key=names.get(line.key, "?")) for line in lines]
    return lines


def monthly_trend(filters: Filters) -> list[Line]:
    """Verified contributions per month, every month shown (empty ones as zero), at least TREND_MONTHS."""
    months = filters.period.months(at_least=TREND_MONTHS)
    span = Period(months[0], filters.period.end, "custom")
    year, month = extract("year", Contribution.started_on), extract("month", Contribution.started_on)
    rows = db.session.execute(select(year.label("year"), month.label("month"), *sums())
                              .where(*filters.contributions(period=span)).group_by(year, month)).all()
    found = {(int(row.year), int(row.month)): Measures.of(row) for row in rows}
    return [Line(first, found.get((first.year, first.month), Measures())) for first in months]


def total_of(lines: list[Line]) -> Measures:
    return Measures.total(line.measures for line in lines)


def programmes_completed(period: Period, *conditions) -> list[Programme]:
    """Programmes closed within the period, with their participants and certificates."""
    closed_on = func.coalesce(Programme.end_date, func.date(Programme.closed_at))
    return list(db.session.scalars(select(Programme).where(
        Programme.status == ProgrammeStatus.CLOSED, closed_on >= period.start, closed_on <= period.end,
        *conditions).order_by(Programme.name)).unique())


# --- oversight -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class FacilityRow:
    """One facility in an oversight office's table."""

    facility: Organisation
    active_agreements: int
    measures: Measures
    last_activity: datetime | None

    def value(self, key: str):
        """A figure of the row by its column's key (a measure's name, or one of the row's own)."""
        return getattr(self.measures, key) if key in MEASURE_NAMES else getattr(self, key)


SORTS = ("name", "active_agreements", *MEASURE_NAMES, "last_activity")


def facilities_overview(facilities: list[Organisation], filters: Filters, sort: str = "name") -> list[FacilityRow]:
    """Every facility in scope with its numbers: three grouped queries, whatever the count of facilities."""
    active = dict(db.session.execute(select(Agreement.facility_id, func.count())
                                     .where(Agreement.status == S.ACTIVE, *filters.agreements())
                                     .group_by(Agreement.facility_id)).all())
    ids = [facility.id for facility in facilities]
    work = _work_by_facility(filters, ids)
    last = _last_activity(ids)
    rows = [FacilityRow(facility, active.get(facility.id, 0), work.get(facility.id, Measures()), last.get(facility.id))
            for facility in facilities]
    if sort in SORTS and sort != "name":
        return sorted(rows, key=lambda row: (row.value(sort) is not None, row.value(sort) or 0), reverse=True)
    return sorted(rows, key=lambda row: row.facility.name)


def _work_by_facility(filters: Filters, facility_ids: list[int]) -> dict[int, Measures]:
    """Verified work per facility: whole months from the tallies, partial edge months from the contributions.

    Two queries whatever the period; the tallies hold a row per facility, type and month, so a national
    view adds up thousands of rows, not the million contributions behind them.
    """
    months = filters.period.whole_months()
    found: dict[int, Measures] = {}

    def add(rows):
        for row in rows:
            found[row.facility_id] = found.get(row.facility_id, Measures()) + Measures.of(row)

    if months:
        tally = ContributionTally
        add(db.session.execute(
            select(tally.facility_id, *tally_sums())
            .where(tally.facility_id.in_(facility_ids), tally.month >= months[0], tally.month <= months[1],
                   *([tally.type == filters.type] if filters.type else []))
            .group_by(tally.facility_id)).all())
    edges = filters.period.outside(months)
    if edges:
        in_edges = or_(*(and_(Contribution.started_on >= edge.start, Contribution.started_on <= edge.end)
                         for edge in edges))
        add(db.session.execute(select(Contribution.facility_id, *sums())
                               .where(*filters.contributions(period=Period(edges[0].start, edges[-1].end,
                                                                           "custom")), in_edges)
                               .group_by(Contribution.facility_id)).all())
    return found


def _last_activity(facility_ids: list[int]) -> dict[int, datetime]:
    """The latest audit entry per facility: one indexed look-up each, inside a single query."""
    if not facility_ids:
        return {}
    facility = select(Organisation.id.label("id")).where(Organisation.id.in_(facility_ids)).subquery()
    latest = (select(func.max(AuditEntry.created_at)).where(AuditEntry.facility_id == facility.c.id)
              .scalar_subquery())
    return {key: when for key, when in db.session.execute(select(facility.c.id, latest)).all() if when}


# --- as tables: what a page shows is what its export contains ------------------------------------



def breakdown_table(name: str, title, heading, lines: list[Line], show=str) -> Table:
    return Table(name, title, (Column("key", heading, "text"), *MEASURE_COLUMNS),
                 [(show(line.key), *line.measures.cells()) for line in lines],
                 total=(_l("Total"), *total_of(lines).cells()) if lines else None)


def trend_table(lines: list[Line]) -> Table:
    return breakdown_table("trend", _l("Verified contributions by month"), _l("Month"), lines,
                           show=lambda month: format_date(month, "MMM y"))


def overview_table(rows: list[FacilityRow]) -> Table:
    columns = (Column("name", _l("Facility"), "text"), Column("province", _l("Province"), "text"),
               Column("active_agreements", _l("Active agreements"), "int"), *MEASURE_COLUMNS,
               Column("last_activity", _l("Last activity"), "datetime"))
    return Table("facilities", _l("Facilities in scope"), columns,
                 [(row.facility.name, row.facility.province, row.active_agreements, *row.measures.cells(),
                   row.last_activity) for row in rows],
                 links=[row.facility.id for row in rows])


def _naming():
    """How notices name an agreement (imported when asked: the notices read this module's windows)."""
    from portal.notifications.operations import agreement_params
    from portal.notifications.texts import agreement_name
    return agreement_params, agreement_name


def approval_steps_table(period: Period, *conditions) -> Table:
    """Where agreements get stuck (issue 37): each kind of approval step, how long it took in the period."""
    columns = (Column("step", _l("Approval step"), "text"), Column("decided", _l("Decided in the period"), "int"),
               Column("median_days", _l("Median (working days)"), "decimal"),
               Column("slowest_days", _l("Slowest (working days)"), "decimal"),
               Column("waiting", _l("Waiting now"), "int"), Column("late", _l("Late now"), "int"))
    return Table("approval-steps", _l("Approval steps: days taken and waiting now"), columns,
                 [(label(row.actor), row.decided, row.median_days, row.slowest_days, row.waiting, row.late)
                  for row in chains.step_figures(period.start, period.end, *conditions)])


#: How many of the agreements waiting longest a dashboard lists.
WAITING_LONGEST = 10


def waiting_longest_table(*conditions) -> Table:
    """The agreements waiting longest, named as notices name them (by a number of theirs, else by type and
    parties), never by title: the table also goes to exports and to any API token that reads figures, and a title
    may name a person."""
    columns = (Column("agreement", _l("Agreement"), "text"), Column("step", _l("Waiting at"), "text"),
               Column("since", _l("Since"), "datetime"), Column("due_on", _l("Due"), "date"),
               Column("late", _l("Late"), "text"))
    found, today = chains.waiting_longest(WAITING_LONGEST, *conditions), clock.today()
    agreement_params, agreement_name = _naming()
    return Table("waiting-longest", _l("Agreements waiting longest at one step"), columns,
                 [(agreement_name(agreement_params(agreement, agreement.facility)), step_name(step),
                   step.started_at, step.due_on,
                   str(_l("Yes")) if step.due_on is not None and step.due_on < today else "")
                  for agreement, step in found],
                 links=[agreement.id for agreement, _step in found])


def add_stuck(dashboard: "Dashboard", *conditions) -> None:
    dashboard.add(approval_steps_table(dashboard.filters.period, *conditions))
    dashboard.add(waiting_longest_table(*conditions))


@dataclass
class Dashboard:
    """The tables of one dashboard view, by name (the export URL names one)."""

    filters: Filters
    agreements: AgreementCounts | None = None
    tables: dict[str, Table] = field(default_factory=dict)

    def add(self, table: Table) -> None:
        self.tables[table.name] = table


def party_dashboard(other_party: str, filters: Filters) -> Dashboard:
    """A facility's or partner's view (or an oversight drill-down into one facility)."""
    dashboard = Dashboard(filters, agreement_counts(*filters.agreements()))
    heading = _l("Partner") if other_party == "partner" else _l("Facility")
    dashboard.add(breakdown_table("by-party", _l("By partner") if other_party == "partner" else _l("By facility"),
                                  heading, contributions_by(other_party, filters)))
    dashboard.add(breakdown_table("by-type", _l("By type"), _l("Type"), contributions_by("type", filters),
                                  show=label))
    dashboard.add(trend_table(monthly_trend(filters)))
    dashboard.add(agreements_by_status(*filters.agreements()))
    if other_party == "partner":  # a facility's (or an office's look into one): where its agreements get stuck
        add_stuck(dashboard, *filters.agreements())
    add_sales(dashboard, other_party)
    return dashboard


def add_sales(dashboard: "Dashboard", other_party: str) -> None:
    """What the facility sells (issue 38): a facility's by partner, a partner's (the sales it helped) by facility,
    an office's by facility; each by category and by month."""
    conditions = dashboard.filters.sales()
    dashboard.add(umkm_figures.by_partner(conditions) if other_party == "partner"
                  else umkm_figures.by_facility(conditions))
    dashboard.add(umkm_figures.by_category(conditions))
    dashboard.add(umkm_figures.by_month(conditions))


def oversight_dashboard(facilities: list[Organisation], filters: Filters, sort: str) -> Dashboard:
    dashboard = Dashboard(filters)
    dashboard.add(overview_table(facilities_overview(facilities, filters, sort)))
    add_stuck(dashboard)
    add_sales(dashboard, "facility")
    return dashboard


def dashboard_of(organisation: Organisation, filters: Filters, sort: str = "name") -> Dashboard:
    """An organisation's own dashboard (its page, its exports, the API's figures): an oversight office's facilities
    side by side; a facility's work by partner, a partner's by facility. The organisation's own side is fixed."""
    if organisation.kind == OrgKind.OVERSIGHT:
        return oversight_dashboard(organisations.facilities_in_scope(organisation),
                                   replace(filters, facility_id=None, partner_id=None, agreement_id=None), sort)
    if organisation.kind == OrgKind.FACILITY:
        return party_dashboard("partner", replace(filters, facility_id=organisation.id))
    return party_dashboard("facility", replace(filters, partner_id=organisation.id))


# --- the monthly activity report (laporan kegiatan kemitraan) -------------------------------------

@dataclass
class MonthlyReport:
    facility: Organisation
    period: Period
    agreements: list[Agreement]
    by_partner: Table
    by_type: Table
    programmes: list[Programme]
    trend: Table
    #: The month's verified work, all types together (the report's summary).
    summary: Measures
    #: What the facility sold in the month, by category and by the partner who helped.
    sales_by_category: Table
    sales_by_partner: Table


def monthly_report(facility: Organisation, month: date) -> MonthlyReport:
    filters = Filters(Period.month_of(month), facility_id=facility.id)
    by_type = contributions_by("type", filters)
    return MonthlyReport(
        facility, filters.period, agreements_in_force(filters.period, Agreement.facility_id == facility.id),
        breakdown_table("by-party", _l("By partner"), _l("Partner"), contributions_by("partner", filters)),
        breakdown_table("by-type", _l("By type"), _l("Type"), by_type, show=label),
        programmes_completed(filters.period, Programme.facility_id == facility.id),
        trend_table(monthly_trend(filters)), total_of(by_type), umkm_figures.by_category(filters.sales()),
        umkm_figures.by_partner(filters.sales()))

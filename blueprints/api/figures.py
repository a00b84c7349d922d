"""The dashboard's figures through the API: the same tables as the page and its CSV exports, for the same filters."""
from __future__ import annotations

from datetime import date, datetime

from flask import g, request
from spectree import Response as Answers

from blueprints.api import bp, spec
from blueprints.api.access import REFUSALS, require
from blueprints.api.schemas import (
    AgreementFigures, Cell, FigureColumn, Figures, FiguresQuery, FigureTable, PeriodOut, Problem,
)
from portal.core.exports import Table
from portal.reporting import figures as reports, filters as report_filters


@bp.get("/figures")
@spec.validate(query=FiguresQuery, resp=Answers(HTTP_200=Figures, HTTP_400=Problem, **REFUSALS), tags=["figures"])
def figures():
    """The organisation's dashboard: verified work by party, by type and by month, and its agreements by status
    (an oversight office: its facilities side by side). Only verified contributions count. Scope `figures:read`."""
    require("figures:read")
    query: FiguresQuery = request.context.query
    args = {"period": query.period, "from": query.start and query.start.isoformat(),
            "to": query.end and query.end.isoformat(), "type": query.type and query.type.value,
            "partner": query.partner, "facility": query.facility, "agreement": query.agreement}
    board = reports.dashboard_of(g.org, report_filters.Filters.from_args(
        {key: str(value) for key, value in args.items() if value is not None}))
    counts = board.agreements
    period = board.filters.period
    return Figures(
        period=PeriodOut(start=period.start, end=period.end, name=period.name),
        agreements=None if counts is None else AgreementFigures(
            active=counts.active, pending=counts.pending,
            expiring={str(days): count for days, count in counts.expiring.items()}),
        tables=[_table(table) for table in board.tables.values()])


def _table(table: Table) -> FigureTable:
    return FigureTable(name=table.name, title=str(table.title),
                       columns=[FigureColumn(key=c.key, heading=str(c.heading), kind=c.kind) for c in table.columns],
                       rows=[[_cell(value) for value in row] for row in table.rows],
                       total=None if table.total is None else [_cell(value) for value in table.total])


def _cell(value) -> Cell:
    """Counts stay numbers; decimals are strings (no float rounds them), dates ISO 8601, words in the caller's
    language."""
    if value is None or isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)

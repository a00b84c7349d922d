"""Keeping `ContributionTally` equal to the verified contributions it adds up.

Every change of whether a contribution counts goes through `count_in` or
`count_out`, in the same transaction as the change: an atomic upsert, so two
officers verifying at once both land. `rebuild` recomputes the table from the
contributions (after a bulk load, or to repair).
"""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import delete, extract, select
from sqlalchemy.dialects import postgresql, sqlite

from portal.contributions.measures import Measures, sums
from portal.core import whose_pages
from portal.contributions.models import Contribution, ContributionStatus, ContributionTally
from portal.extensions import db


def count_in(contribution: Contribution) -> None:
    """It is verified now: add it to its facility's month."""
    _add(contribution, +1)


def count_out(contribution: Contribution) -> None:
    """It no longer counts (a verified correction replaced it): take it away again."""
    _add(contribution, -1)


def _add(contribution: Contribution, sign: int) -> None:
    values = {"facility_id": contribution.facility_id, "type": contribution.type,
              "month": contribution.started_on.replace(day=1), "contributions": sign,
              "participants": sign * (contribution.participants_total or 0),
              "hours": sign * Decimal(contribution.hours or 0)}
    insert = (postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert)
    statement = insert(ContributionTally).values(**values)
    table = ContributionTally.__table__.c
    db.session.execute(statement.on_conflict_do_update(
        index_elements=[table.month, table.facility_id, table.type],
        set_={"contributions": table.contributions + statement.excluded.contributions,
              "participants": table.participants + statement.excluded.participants,
              "hours": table.hours + statement.excluded.hours})
        .execution_options(**whose_pages.reaching(facility_id=contribution.facility_id)))


def rebuild() -> int:
    """Recompute every tally from the verified contributions; returns how many rows it wrote."""
    year, month = extract("year", Contribution.started_on), extract("month", Contribution.started_on)
    rows = db.session.execute(
        select(Contribution.facility_id, Contribution.type, year.label("year"), month.label("month"), *sums())
        .where(Contribution.status == ContributionStatus.VERIFIED)
        .group_by(Contribution.facility_id, Contribution.type, year, month)).all()
    db.session.execute(delete(ContributionTally))
    if rows:
        from datetime import date

        db.session.execute(ContributionTally.__table__.insert(), [
            {"facility_id": row.facility_id, "type": row.type, "month": date(int(row.year), int(row.month), 1),
             **vars(Measures.of(row))} for row in rows])
    return len(rows)

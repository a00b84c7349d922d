"""What verified work adds up to: contributions, WBP participants and hours, by name.

Every total the portal shows (the lists' "verified so far", the dashboards, their exports, the API's figures,
the monthly report) is a `Measures`: the SQL that adds them up, the columns a table shows them in and the
cells of its rows all come from here, so no code unpacks three numbers by position.
"""
from __future__ import annotations

from dataclasses import astuple, dataclass, fields
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func

from portal.contributions.models import Contribution, ContributionTally
from portal.core.exports import Column


@dataclass(frozen=True)
class Measures:
    """Verified contributions, the WBP participants they reached, and their hours."""

    contributions: int = 0
    participants: int = 0
    hours: Decimal = Decimal(0)

    def __add__(self, other: Measures) -> Measures:
        return Measures(self.contributions + other.contributions, self.participants + other.participants,
                        self.hours + other.hours)

    def cells(self) -> tuple:
        """The measures as a table's cells, in the order of `COLUMNS`."""
        return astuple(self)

    @classmethod
    def of(cls, row) -> Measures:
        """The measures of a result row whose columns are labelled as `sums()` and `tally_sums()` label them."""
        return cls(int(row.contributions or 0), int(row.participants or 0), Decimal(row.hours or 0))

    @classmethod
    def total(cls, many) -> Measures:
        return sum(many, cls())


#: What each measure is called in a table (its key is the measure's name): pages, exports, charts.
COLUMNS = (Column("contributions", _l("Contributions"), "int"),
           Column("participants", _l("WBP participants"), "int"), Column("hours", _l("Hours"), "decimal"))
#: The measures' names, in their order (what a dashboard may be sorted and compared by).
NAMES = tuple(field.name for field in fields(Measures))


def sums() -> tuple:
    """The measures of the contributions a query selects, labelled by name (only verified ones ever count: the
    caller's conditions say so)."""
    return (func.count(Contribution.id).label("contributions"),
            func.coalesce(func.sum(Contribution.participants_total), 0).label("participants"),
            func.coalesce(func.sum(Contribution.hours), 0).label("hours"))


def tally_sums() -> tuple:
    """The same measures added up from the monthly tallies."""
    return tuple(func.sum(getattr(ContributionTally, name)).label(name) for name in NAMES)

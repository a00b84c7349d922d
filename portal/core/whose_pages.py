"""Whose kept pages a committed write may change: the organisations and people to draw pages for anew.

A page kept for a session (`session_pages`) depends on three versions: the portal's (every page), its person's and
its organisation's. A write retires the pages of those it *reaches*; one that cannot say whom it reaches reaches
everyone (the portal's version moves on, as every write did before issue 36). One contribution recorded in Papua
no longer retires the agreement list a head in Bengkulu keeps reloading.

The rule, declared once per model as `shown_on_pages_of`, a tuple of its columns:

- `facility_id`, `partner_id`, `organisation_id`: that organisation, and where it is a facility the oversight
  offices covering it (`visibility.overseers_of_facilities`, the pair rule's own Python spelling: an office
  reads the audit entries a facility records in its own name, not only its pairs');
- `user_id`: that person.

`PairScoped` declares its pair and `FacilityOwned` its facility, so a shared record reaches exactly who may see
it. A model that declares `()` is shown on no kept page (the outbox, the command log). A model that declares
nothing (people, organisations, memberships: a name or a role is shown on the pages of every counterpart)
reaches everyone. `unshown_columns` names a model's columns no page shows: changing only those reaches nobody
(a password's hash, a two-step code's last step).

Rows written by the ORM's flush are read as they are written (mapper events, old and new values of a moved
pair); a Core statement says whom it reaches with `.execution_options(**reaching(facility_id=...))`; any other
write reaches everyone (`committed_writes` sees them all). The oversight offices of the facilities reached are
looked up once per flush and once before a commit, in the writing transaction: the directory of organisations is
visible to anyone acting, and a facility the lookup cannot see makes the write reach everyone.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import event, inspect
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Mapper, Session
from sqlalchemy.orm.attributes import NO_VALUE

from portal.extensions import db

#: On a connection (its pool record's `info`): whom its open transaction's writes reach, so far.
REACH = "mitrapas_written_reach"
#: On a connection: the tables whose rows the flush under way has accounted for, row by row.
ACCOUNTED = "mitrapas_accounted_tables"
_REACHING_OPTION = "mitrapas_reaching"
FACILITY = "facility_id"
#: A column named so holds a person; any other declared column, an organisation.
PERSON = "user_id"


@dataclass
class Reach:
    """Whom a transaction's writes reach. The overseers of `facilities` (organisations that may be facilities)
    are still to be looked up (`resolve`)."""

    organisations: set[int] = field(default_factory=set)
    persons: set[int] = field(default_factory=set)
    facilities: set[int] = field(default_factory=set)
    everyone: bool = False

    def add(self, other: Reach) -> None:
        self.organisations |= other.organisations
        self.persons |= other.persons
        self.facilities |= other.facilities
        self.everyone = self.everyone or other.everyone


def reaching(*, facility_id: int | None = None, partner_id: int | None = None,
             organisation_id: int | None = None, user_id: int | None = None) -> dict:
    """Execution options for a Core write: whose pages the rows it writes are shown on, by the same rule."""
    values = {FACILITY: facility_id, "partner_id": partner_id, "organisation_id": organisation_id, PERSON: user_id}
    return {_REACHING_OPTION: _reach_of_values(values)}


def declared_reach(context) -> Reach | None:
    """What a statement's execution options say it reaches (None: it says nothing)."""
    return None if context is None else context.execution_options.get(_REACHING_OPTION)


def _reach_of_values(values: dict) -> Reach:
    reach = Reach()
    for column, value in values.items():
        if value is None:
            continue
        if column == PERSON:
            reach.persons.add(value)
            continue
        reach.organisations.add(value)
        reach.facilities.add(value)
    return reach


def reach_of_row(record, *, moving: bool) -> Reach:
    """Whom writing this row reaches, by its model's declaration; `moving`: an UPDATE, whose old values count too."""
    state = inspect(record)
    if moving and _only_unshown_changed(record, state):
        return Reach()
    columns = getattr(type(record), "shown_on_pages_of", None)
    if columns is None:
        return Reach(everyone=True)
    reach = Reach()
    for column in columns:
        now = state.dict.get(column, NO_VALUE)
        if now is NO_VALUE:  # not loaded (expired): whose it is cannot be told without asking
            return Reach(everyone=True)
        found = [now]
        if moving:
            history = state.attrs[column].history
            if history.added and not history.deleted and state.persistent:  # changed, its old value never read
                return Reach(everyone=True)
            found += list(history.deleted)
        for value in found:
            reach.add(_reach_of_values({column: value}))
    return reach


def _only_unshown_changed(record, state) -> bool:
    unshown = getattr(type(record), "unshown_columns", frozenset())
    changed = {attribute.key for attribute in state.attrs if attribute.history.has_changes()}
    return bool(changed) and changed <= unshown


def note(connection, reach: Reach) -> None:
    """Add to whom the connection's open transaction reaches."""
    connection.info.setdefault(REACH, Reach()).add(reach)


def _noted_row(mapper: Mapper, connection, record, *, moving: bool) -> None:
    connection.info.setdefault(ACCOUNTED, set()).add(mapper.local_table.name)
    note(connection, reach_of_row(record, moving=moving))


@event.listens_for(db.Model, "before_insert", propagate=True)
def _inserting(mapper, connection, record) -> None:
    _noted_row(mapper, connection, record, moving=False)


@event.listens_for(db.Model, "before_update", propagate=True)
def _updating(mapper, connection, record) -> None:
    _noted_row(mapper, connection, record, moving=True)


@event.listens_for(db.Model, "before_delete", propagate=True)
def _deleting(mapper, connection, record) -> None:
    _noted_row(mapper, connection, record, moving=False)


def accounted_for(connection, table: str) -> bool:
    """Whether a write to `table` is one the flush under way read row by row."""
    return table in connection.info.get(ACCOUNTED, ())


@event.listens_for(Engine, "rollback_savepoint")
def _flush_undone(connection, name, context) -> None:
    """A flush that failed midway (back to a savepoint) accounts for no later write of its tables."""
    connection.info.pop(ACCOUNTED, None)


@event.listens_for(Session, "after_flush")
def _flushed(session: Session, flush_context) -> None:
    connection = session.connection()
    connection.info.pop(ACCOUNTED, None)
    resolve(connection)


@event.listens_for(Session, "before_commit")
def _committing(session: Session) -> None:
    if session.in_transaction():
        resolve(session.connection())


def resolve(connection) -> None:
    """Add the oversight offices of the facilities reached so far (one query for all of them)."""
    reach: Reach | None = connection.info.get(REACH)
    if reach is None or not reach.facilities or reach.everyone:
        return
    from portal.organisations import visibility
    facilities = set(reach.facilities)
    found = connection.execute(visibility.overseers_of_facilities(facilities)).all()
    if {organisation for organisation, _ in found} != facilities:  # one it cannot see: whom it reaches is unknown
        reach.everyone = True
    reach.organisations |= {overseer for _, overseer in found if overseer is not None}
    reach.facilities.clear()


def taken(connection) -> Reach | None:
    """Whom the connection's transaction reached, now that it ended (its notes are cleared)."""
    connection.info.pop(ACCOUNTED, None)
    return connection.info.pop(REACH, None)

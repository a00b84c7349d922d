"""Which tables a transaction wrote, and whose pages it reaches, told once it is committed to whoever keeps pages.

The public pages (`public_cache`) and the pages kept for a session (`session_pages`) are retired by versions a
committed write moves on. Noticing the writes is one thing, done here for both, at the engine: every statement
sent to the database that writes (the ORM's flushes, an `update()`, a `text()` UPDATE, `Connection.execute`,
`exec_driver_sql`, a migration's DDL) is noted on its connection, whatever issued it, and told when that
connection's transaction was committed and the connection went back to the pool (the commit is visible to
every other connection by then). A statement run with `.execution_options(**BOOKKEEPING)` is not noted: it
changes nothing a page shows (a session's "last seen"). Whose pages each write reaches (`whose_pages`) is noted
beside its tables: the flush's rows by their model's declaration, a Core statement by what it declares, and any
other write reaches everyone.

What no process of the portal sends (psql, a restore) is not seen here: `mitrapas portal forget-kept-pages`
is the operators' command for that.
"""
from __future__ import annotations

from collections.abc import Callable
import logging
import re

from flask import has_app_context
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import Pool

from portal.core import whose_pages
from portal.core.whose_pages import Reach

_BOOKKEEPING_OPTION = "mitrapas_bookkeeping"
BOOKKEEPING = {_BOOKKEEPING_OPTION: True}
#: A write whose table could not be named (a CTE, TRUNCATE of several, DDL): every page is out of date.
EVERY_TABLE = "*"
#: On a connection (its pool record's `info`): the tables its open transaction wrote, and those committed.
WRITTEN = "mitrapas_written_tables"
COMMITTED = "mitrapas_committed_tables"

#: Statements that change no row: anything else is taken for a write (of the table it names, or of every table).
_READING = re.compile(r"(?:SELECT|SHOW|SET|RESET|BEGIN|START|SAVEPOINT|RELEASE|ROLLBACK|COMMIT|LOCK|PRAGMA|DISCARD"
                      r"|LISTEN|UNLISTEN)\b", re.IGNORECASE)
_NAMED_WRITE = re.compile(r"(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM|MERGE\s+INTO)\s+(?:ONLY\s+)?([\w.\"]+)\s",
                          re.IGNORECASE)
_LEADING_COMMENTS = re.compile(r"\s*(?:(?:/\*.*?\*/|--[^\n]*\n)\s*)*", re.DOTALL)
_WRITING_CTE = re.compile(r"\b(?:INSERT|UPDATE|DELETE|MERGE)\b", re.IGNORECASE)

log = logging.getLogger(__name__)
_listeners: list[Callable[[frozenset[str], Reach | None], None]] = []
#: On a connection: whom the transactions it committed reach, until told.
COMMITTED_REACH = "mitrapas_committed_reach"


def after_commit(listener: Callable[[frozenset[str], Reach | None], None]):
    """Call `listener` with the names of the tables each committed transaction wrote (never with none) and whose
    pages it reaches (None: everyone's)."""
    _listeners.append(listener)
    return listener


def touches(written: frozenset[str], tables: frozenset[str]) -> bool:
    """Whether a committed transaction that wrote `written` may have changed any of `tables`."""
    return EVERY_TABLE in written or bool(written & tables)


def tables_written(statement: str) -> set[str]:
    """The tables a statement writes, as far as its text says; {EVERY_TABLE} where it cannot say which.

    What is not known to read is taken to write: a statement this does not recognise retires every kept page,
    which costs a redraw, never a stale page. (A SELECT of a function that writes is the one kind it cannot see.)
    """
    text = statement[_LEADING_COMMENTS.match(statement).end():]
    if _READING.match(text):
        return set()
    if text[:4].upper() == "WITH":
        return {EVERY_TABLE} if _WRITING_CTE.search(text) else set()
    named = _NAMED_WRITE.match(text)
    if named:
        return {named[1].rsplit(".", 1)[-1].strip('"')}
    return {EVERY_TABLE}


def tell(written, reach: Reach | None = None) -> None:
    """Tell every listener that a transaction writing `written` was committed (reaching everyone, unless told)."""
    if written:
        for listener in _listeners:
            listener(frozenset(written), reach)


def written_by(statement: str, context) -> set[str]:
    """The tables an executed statement wrote that a page may show (none for bookkeeping)."""
    if context is not None and context.execution_options.get(_BOOKKEEPING_OPTION):
        return set()
    return tables_written(statement)


@event.listens_for(Engine, "after_cursor_execute")
def _note_written(connection, cursor, statement, parameters, context, executemany) -> None:
    tables = written_by(statement, context)
    if not tables:
        return
    connection.info.setdefault(WRITTEN, set()).update(tables)
    declared = whose_pages.declared_reach(context)
    if declared is not None:
        whose_pages.note(connection, declared)
    elif not all(whose_pages.accounted_for(connection, table) for table in tables):
        whose_pages.note(connection, Reach(everyone=True))


@event.listens_for(Engine, "commit")
def _committing(connection) -> None:
    if connection.invalidated:  # the database went away: nothing of it will be committed, nor can its notes be read
        return
    written = connection.info.pop(WRITTEN, None)
    reach = whose_pages.taken(connection)
    if written:
        connection.info.setdefault(COMMITTED, set()).update(written)
        if reach is None or reach.facilities:  # overseers not looked up (a commit no session saw): everyone
            reach = Reach(everyone=True)
        connection.info.setdefault(COMMITTED_REACH, Reach()).add(reach)


@event.listens_for(Engine, "rollback")
def _rolled_back(connection) -> None:
    if not connection.invalidated:  # an invalidated connection's notes went with it (and reading them raises)
        connection.info.pop(WRITTEN, None)
        whose_pages.taken(connection)


@event.listens_for(Pool, "checkin")
def _tell_when_returned(dbapi_connection, connection_record) -> None:
    """The commit was sent before the connection came back: every other connection now sees what it wrote.
    Without an application (a bare script's engine) there is no store to tell: it waits for the next return."""
    if has_app_context():
        tell(connection_record.info.pop(COMMITTED, None), connection_record.info.pop(COMMITTED_REACH, None))
    elif connection_record.info.get(COMMITTED):
        log.warning("a transaction writing %s was committed outside an application: its kept pages are retired "
                    "when this connection is next returned within one (or by `forget-kept-pages`)",
                    ", ".join(sorted(connection_record.info[COMMITTED])))

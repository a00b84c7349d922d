"""Which tables a transaction wrote, told once it is committed to whoever keeps drawn pages.

The public pages (`public_cache`) and the pages kept for a session (`session_pages`) are retired by versions a
committed write moves on. Noticing the writes is one thing, done here for both: rows the ORM flushed, and INSERT,
UPDATE and DELETE statements run through a session, but bookkeeping (a statement run with
`.execution_options(**BOOKKEEPING)`: it changes nothing a page shows).
"""
from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

_BOOKKEEPING_OPTION = "mitrapas_bookkeeping"
BOOKKEEPING = {_BOOKKEEPING_OPTION: True}
#: Where a session notes the tables its transaction wrote.
WRITTEN = "written_tables"

_listeners: list[Callable[[frozenset[str]], None]] = []


def after_commit(listener: Callable[[frozenset[str]], None]):
    """Call `listener` with the names of the tables each committed transaction wrote (never with none)."""
    _listeners.append(listener)
    return listener


def _table_of(instance) -> str:
    return getattr(getattr(type(instance), "__table__", None), "name", "")


@event.listens_for(Session, "after_flush")
def _note_flushed(session: Session, flush_context) -> None:
    session.info.setdefault(WRITTEN, set()).update(
        _table_of(record) for record in (*session.new, *session.dirty, *session.deleted))


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state: ORMExecuteState) -> None:
    if (state.is_insert or state.is_update or state.is_delete) \
            and not state.execution_options.get(_BOOKKEEPING_OPTION):
        table = getattr(state.statement, "table", None)
        state.session.info.setdefault(WRITTEN, set()).add(getattr(table, "name", ""))


@event.listens_for(Session, "after_commit")
def _tell_after_commit(session: Session) -> None:
    written = session.info.pop(WRITTEN, None)
    if written:
        for listener in _listeners:
            listener(frozenset(written))


@event.listens_for(Session, "after_rollback")
def _forget_on_rollback(session: Session) -> None:
    session.info.pop(WRITTEN, None)

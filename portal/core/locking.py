"""Two people changing one record at once: lock its row, and refuse a write based on a stale read.

Records people edit concurrently (agreements, contributions) carry a `version`
column (SQLAlchemy's `version_id_col`). `lock` takes the row (FOR UPDATE of that
table only, not the joined parties; SQLite serialises with BEGIN IMMEDIATE) and
re-reads it; `save` flushes. Either turns a conflict into the caller's own
`DomainError`, shown to the user, with nothing written.
"""
from __future__ import annotations

from typing import Callable

from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError

from portal.core.errors import DomainError
from portal.extensions import db


def lock(record, changed: Callable[[], DomainError], expected_version: int | None = None) -> None:
    """Wait for any concurrent writer, then see the row as it is now (and as the page saw it, if given)."""
    try:
        db.session.refresh(record, with_for_update={"of": type(record)})
    except StaleDataError:
        raise changed() from None
    if expected_version is not None and record.version != expected_version:
        raise changed()


def save(changed: Callable[[], DomainError]) -> None:
    """Flush; a row someone else changed since it was read fails as `changed()`."""
    try:
        db.session.flush()
    except StaleDataError:
        raise changed() from None


def serialise(name: str) -> None:
    """Wait for any other transaction working under `name`, until this transaction ends.

    PostgreSQL: a transaction-scoped advisory lock on the name's hash. SQLite: every
    write transaction already holds the database's one write lock (BEGIN IMMEDIATE).
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(name, 0))))

"""Many new rows in one go (an import's 500 at a time), as fast as the database takes them.

On PostgreSQL the ids are reserved from the table's sequence first, so the rows go as one
pipelined executemany without RETURNING: psycopg parses a 500-row multi-VALUES statement with
RETURNING in Python, which cost more than the rows themselves. Elsewhere (SQLite) the rows go
as one INSERT ... RETURNING.
"""
from __future__ import annotations

from sqlalchemy import func, insert, select, text

from portal.extensions import db


def insert_rows(model, rows: list[dict]) -> list[int]:
    """Insert `rows` (column values, no id) into `model`'s table; their new ids, in order."""
    if not rows:
        return []
    session = db.session
    if session.get_bind().dialect.name == "postgresql":
        sequence = session.scalar(select(func.pg_get_serial_sequence(model.__tablename__, "id")))
        ids = list(session.scalars(text("SELECT nextval(:sequence) FROM generate_series(1, :count)"),
                                   {"sequence": sequence, "count": len(rows)}))
        session.execute(insert(model), [{**row, "id": new_id} for row, new_id in zip(rows, ids, strict=True)])
        return ids
    return list(session.scalars(insert(model).returning(model.id, sort_by_parameter_order=True), rows))

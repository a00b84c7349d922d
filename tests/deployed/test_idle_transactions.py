"""Story: while the portal waits for work (the mail worker between sweeps, the web workers between requests), none
of its connections sits in an open transaction. One left open for hours holds back VACUUM on every table, and a
deploy's migration waits for its lock behind it, with every request queued behind the migration."""
from __future__ import annotations

import time

from sqlalchemy import create_engine, text

#: Longer than any round of the stack's worker (it sweeps every MAIL_SWEEP_SECONDS, 2 here) or any request.
LONGEST_ROUND_SECONDS = 5


def idle_in_transaction(engine) -> set[tuple]:
    """(pid, when its transaction began, its last statement) of every connection idle inside a transaction."""
    with engine.connect() as connection:
        return {tuple(row) for row in connection.execute(text(
            "SELECT pid, xact_start, left(query, 120) FROM pg_stat_activity "
            "WHERE datname = current_database() AND state = 'idle in transaction'")).all()}


def test_no_process_of_the_portal_keeps_a_transaction_open_while_it_waits(stack):
    """Seen twice, a round apart, and open longer than any round: a transaction nobody is going to end. (One seen
    once may be a sweep sending a message or a request between two statements.)"""
    engine = create_engine(stack.env["MIGRATION_DATABASE_URL"])
    first = idle_in_transaction(engine)
    time.sleep(LONGEST_ROUND_SECONDS + 1)  # the worker has swept at least twice and waits for the next round
    with engine.connect() as connection:
        now = connection.execute(text("SELECT now()")).scalar()
    held = [(pid, now - began, statement) for pid, began, statement in idle_in_transaction(engine) & first
            if (now - began).total_seconds() > LONGEST_ROUND_SECONDS]
    engine.dispose()
    assert held == [], held

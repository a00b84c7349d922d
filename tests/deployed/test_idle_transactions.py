"""Story: while the portal waits for work (the mail worker between sweeps, the web workers between requests), none
of its connections sits in an open transaction. One left open for hours holds back VACUUM on every table, and a
deploy's migration waits for its lock behind it, with every request queued behind the migration."""
from __future__ import annotations

import time

from sqlalchemy import create_engine, text

#: Longer than any round of the stack's worker (it sweeps every MAIL_SWEEP_SECONDS, 2 here) or any request.
LONGEST_ROUND_SECONDS = 5


def test_no_process_of_the_portal_keeps_a_transaction_open_while_it_waits(stack):
    time.sleep(LONGEST_ROUND_SECONDS + 1)  # the worker has swept at least twice and waits for the next round
    engine = create_engine(stack.env["MIGRATION_DATABASE_URL"])
    with engine.connect() as connection:
        held = connection.execute(text(
            "SELECT pid, application_name, now() - xact_start AS open_for, left(query, 120) AS last_statement "
            "FROM pg_stat_activity WHERE datname = current_database() AND state = 'idle in transaction' "
            "AND xact_start < now() - make_interval(secs => :longest)"), {"longest": LONGEST_ROUND_SECONDS}).all()
    engine.dispose()
    assert held == [], held

"""The worker gives its database connection back after every round and every job: while it waits for work it
holds no transaction open (one left open for hours holds back VACUUM, and a deploy's migration waits for its
lock forever, with every request queued behind the migration)."""
from redis import Redis
from sqlalchemy import text

from portal.extensions import db
from portal.jobs import queue as jobs

REDIS_URL = "redis://127.0.0.1:6379/15"  # .ci/run starts Redis; database 15 is the tests' own
seen: list[tuple[str, bool]] = []


def read_only_job() -> None:
    """A job that finds nothing to do: it only reads."""
    db.session.execute(text("SELECT 1"))
    seen.append(("job ran", db.session().in_transaction()))


def test_a_worker_that_found_nothing_due_waits_with_no_transaction_open(app, monkeypatch):
    from rq import SimpleWorker

    Redis.from_url(REDIS_URL).flushdb()
    monkeypatch.setitem(app.config, "REDIS_URL", REDIS_URL)
    seen.clear()

    def sweep():  # as the outbox's sweep when nothing is due: one read, nothing to commit
        db.session.execute(text("SELECT 1"))

    waited = SimpleWorker.work

    def wait_for_work(worker, **options):
        seen.append(("waiting", db.session.registry.has() and db.session().in_transaction()))
        answer = waited(worker, **options)
        seen.append(("after the jobs", db.session.registry.has() and db.session().in_transaction()))
        return answer

    monkeypatch.setattr(SimpleWorker, "work", wait_for_work)
    jobs.queue(REDIS_URL, jobs.WORK_QUEUE).enqueue(f"{__name__}.read_only_job")
    jobs.work(app, sweep=sweep, every=1, burst=True)
    assert seen == [("waiting", False), ("job ran", True), ("after the jobs", False)]

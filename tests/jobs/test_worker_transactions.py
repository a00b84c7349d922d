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


SWEEPS = 6


class _Enough(BaseException):
    """Ends the worker's loop from its sweep (the loop stops only for what it does not catch)."""


def test_an_idle_worker_sweeps_again_every_few_seconds_not_once_a_minute(app, monkeypatch):
    """Between sweeps the worker waits `every` seconds for a job, then stops and sweeps. RQ's pub/sub thread looked
    up once a minute, and redis-py 8.2 waits for it as the worker stops: a due WhatsApp notice waited up to a
    minute (found by the deployed tier's "within seconds"). A few sweeps, each after a job and a second idle,
    take seconds, not minutes."""
    import time

    from redis.client import PubSubWorkerThread

    Redis.from_url(REDIS_URL).flushdb()
    monkeypatch.setitem(app.config, "REDIS_URL", REDIS_URL)
    stop = PubSubWorkerThread.stop

    def busy_stop(thread, *args, **kwargs):  # a loaded machine: the thread has seen the unsubscription first
        time.sleep(0.5)
        return stop(thread, *args, **kwargs)

    monkeypatch.setattr(PubSubWorkerThread, "stop", busy_stop)
    sweeps = []

    def sweep():
        sweeps.append(time.monotonic())
        if len(sweeps) == SWEEPS:
            raise _Enough
        jobs.queue(REDIS_URL, jobs.WORK_QUEUE).enqueue(f"{__name__}.read_only_job")  # as a commit wakes it

    try:
        jobs.work(app, sweep=sweep, every=1)
    except _Enough:
        pass
    assert sweeps[-1] - sweeps[0] < 5 * SWEEPS, f"{SWEEPS} sweeps took {sweeps[-1] - sweeps[0]:.0f} s"

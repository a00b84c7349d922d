"""Background jobs: the one module that talks to Redis Queue (RQ), or runs the same jobs without it.

A job is named by its dotted path (e.g. "portal.ops.worker.send_due_job"), so
whoever enqueues needs nothing of what the job does, and the worker imports it.
Redis being down never fails the caller: the worker's periodic sweep catches up
for mail, and other work runs in a thread of the process that asked for it.

How work runs is BACKGROUND_JOBS: "rq" (the worker, `flask portal mail-worker`, takes it;
the default with REDIS_URL), "thread" (a thread of the app: `make run` on SQLite, no Redis),
or "inline" (at once, in the caller's transaction: the in-process tests).
A job's progress (rows done of rows) is kept beside the queue: in Redis, or in the process.
"""
from __future__ import annotations

import logging
import threading
import time
from typing import Callable

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session
from werkzeug.utils import import_string

from portal.extensions import db

QUEUE = "mitrapas-mail"
#: Long work asked for by people (an import); the same worker takes both queues.
WORK_QUEUE = "mitrapas-work"
#: Longer than any import of MAX_ROWS takes; RQ's default (3 minutes) is not.
JOB_TIMEOUT = 3600
PROGRESS_SECONDS = 24 * 3600
log = logging.getLogger(__name__)


def queue(redis_url: str, name: str = QUEUE):
    from redis import Redis
    from rq import Queue

    return Queue(name, connection=Redis.from_url(redis_url))


def run_later(job: str, *args) -> None:
    """Run `job(*args)` in the background, as BACKGROUND_JOBS says; with Redis down, in a thread here."""
    app = current_app._get_current_object()
    mode = app.config["BACKGROUND_JOBS"]
    if mode == "inline":
        import_string(job)(*args)
        return
    if mode == "rq":
        try:
            queue(app.config["REDIS_URL"], WORK_QUEUE).enqueue(job, *args, job_timeout=JOB_TIMEOUT)
            return
        except Exception as error:  # Redis down: the person still gets their work done
            log.warning("could not enqueue %s (%s); running it in a thread of this process", job, error)
    threading.Thread(target=_run_in_app, args=(app, job, args), name=f"job {job}", daemon=True).start()


def _run_in_app(app, job: str, args: tuple) -> None:
    with app.app_context():
        import_string(job)(*args)


_progress: dict[str, tuple[int, int]] = {}
_progress_lock = threading.Lock()


def _progress_key(job_id: str) -> str:
    return f"mitrapas:job-progress:{job_id}"


def report(job_id: str, done: int, total: int) -> None:
    """How far a running job got; never fails the job (progress is a courtesy)."""
    if current_app.config["BACKGROUND_JOBS"] == "rq":
        try:
            connection = queue(current_app.config["REDIS_URL"]).connection
            connection.hset(_progress_key(job_id), mapping={"done": done, "total": total})
            connection.expire(_progress_key(job_id), PROGRESS_SECONDS)
            return
        except Exception as error:
            log.warning("could not note the progress of job %s (%s)", job_id, error)
    with _progress_lock:
        _progress[job_id] = (done, total)


def forget_progress(job_id: str) -> None:
    """A finished job's progress is no longer asked for (its record tells how it ended); Redis expires its own."""
    with _progress_lock:
        _progress.pop(job_id, None)


def progress_of(job_id: str) -> tuple[int, int] | None:
    """(done, total) of a running job, if it said; from Redis, or from this process (thread and inline modes)."""
    with _progress_lock:
        local = _progress.get(job_id)
    if local is not None or current_app.config["BACKGROUND_JOBS"] != "rq":
        return local
    try:
        found = queue(current_app.config["REDIS_URL"]).connection.hgetall(_progress_key(job_id))
    except Exception:
        return None
    return (int(found[b"done"]), int(found[b"total"])) if found else None


def current_queue():
    return queue(current_app.config["REDIS_URL"])


def enqueue(app, job: str) -> None:
    """Ask a worker to run `job` (a dotted path) soon; if Redis is down, say so and carry on."""
    try:
        queue(app.config["REDIS_URL"]).enqueue(job)
    except Exception as error:  # Redis down must not fail the request: the sweep catches up
        log.warning("could not enqueue %s (%s); the worker's sweep will do it", job, error)


#: Set on a session whose transaction asked for jobs once it commits: {job: app}, one wake-up per job per commit.
_AFTER_COMMIT = "mitrapas.jobs_after_commit"


def enqueue_after_commit(job: str) -> None:
    """With Redis configured, ask a worker to run `job` once this transaction commits (never if it rolls back),
    once however often it is asked; without Redis, the worker's sweep or cron does it."""
    if current_app.config.get("REDIS_URL"):
        db.session().info.setdefault(_AFTER_COMMIT, {})[job] = current_app._get_current_object()


@event.listens_for(Session, "after_commit")
def _enqueue_committed(session) -> None:
    for job, app in session.info.pop(_AFTER_COMMIT, {}).items():
        enqueue(app, job)


@event.listens_for(Session, "after_rollback")
def _nothing_committed(session) -> None:
    session.info.pop(_AFTER_COMMIT, None)


def _give_back_the_connection() -> None:
    """End the transaction a round left open (a sweep that found nothing due has only read) and give its
    connection back: a worker idle in a transaction between rounds, for hours, holds back VACUUM on every table
    and makes a deploy's migration wait for its lock, with every request queued behind the migration."""
    db.session.remove()


def work(app, *, sweep: Callable[[], object], every: int, burst: bool = False) -> None:
    """Run an RQ worker inside the app; between jobs, and while Redis is down, run `sweep` every `every` s."""
    from redis.exceptions import ConnectionError as RedisDown
    from rq import SimpleWorker
    from sqlalchemy.exc import OperationalError as DatabaseDown

    class Worker(SimpleWorker):
        def execute_job(self, job, queue):
            try:
                return super().execute_job(job, queue)
            finally:
                _give_back_the_connection()

        def subscribe(self):
            """RQ's, with its pub/sub thread looking up every second, not every 60: redis-py 8.2 waits for that
            thread to end when the worker stops after `every` idle seconds, and the worker stood still up to a
            minute each time (a WhatsApp notice "within seconds" waited for it)."""
            self.pubsub = self.connection.pubsub()
            self.pubsub.subscribe(**{self.pubsub_channel_name: self.handle_payload})
            self.pubsub_thread = self.pubsub.run_in_thread(sleep_time=1, daemon=True,
                                                           exception_handler=self._pubsub_exception_handler)

    mail, work_queue = queue(app.config["REDIS_URL"]), queue(app.config["REDIS_URL"], WORK_QUEUE)
    with app.app_context():
        while True:
            try:
                sweep()
            except DatabaseDown as error:  # a restarting database: try again on the next round
                db.session.rollback()
                log.warning("the database is not answering (%s); trying again shortly", error)
            finally:
                _give_back_the_connection()
            try:
                Worker([mail, work_queue], connection=mail.connection).work(burst=burst, max_idle_time=every)
            except RedisDown as error:
                log.warning("Redis is down (%s); sweeping without it meanwhile", error)
                time.sleep(every)
            if burst:
                return

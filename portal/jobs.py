"""Background jobs: the one module that talks to Redis Queue (RQ).

A job is named by its dotted path (e.g. "portal.mail_worker.send_due_job"), so
whoever enqueues needs nothing of what the job does, and the worker imports it.
Redis being down never fails the caller: the worker's periodic sweep catches up.
"""
from __future__ import annotations

import logging
import time
from typing import Callable

from flask import current_app

QUEUE = "mitrapas-mail"
log = logging.getLogger(__name__)


def queue(redis_url: str):
    from redis import Redis
    from rq import Queue

    return Queue(QUEUE, connection=Redis.from_url(redis_url))


def current_queue():
    return queue(current_app.config["REDIS_URL"])


def enqueue(app, job: str) -> None:
    """Ask a worker to run `job` (a dotted path) soon; if Redis is down, say so and carry on."""
    try:
        queue(app.config["REDIS_URL"]).enqueue(job)
    except Exception as error:  # Redis down must not fail the request: the sweep catches up
        log.warning("could not enqueue %s (%s); the worker's sweep will do it", job, error)


def work(app, *, sweep: Callable[[], object], every: int, burst: bool = False) -> None:
    """Run an RQ worker inside the app; between jobs, and while Redis is down, run `sweep` every `every` s."""
    from redis.exceptions import ConnectionError as RedisDown
    from rq import SimpleWorker
    from sqlalchemy.exc import OperationalError as DatabaseDown

    from portal.extensions import db

    jobs = queue(app.config["REDIS_URL"])
    with app.app_context():
        while True:
            try:
                sweep()
            except DatabaseDown as error:  # a restarting database: try again on the next round
                db.session.rollback()
                log.warning("the database is not answering (%s); trying again shortly", error)
            try:
                SimpleWorker([jobs], connection=jobs.connection).work(burst=burst, max_idle_time=every)
            except RedisDown as error:
                log.warning("Redis is down (%s); sweeping without it meanwhile", error)
                time.sleep(every)
            if burst:
                return

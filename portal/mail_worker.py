"""The RQ side of the outbox: with REDIS_URL set, a commit that queued mail wakes a worker at once.

Run the worker with `flask portal mail-worker`. Without Redis (or if it is
down) nothing is lost: `flask portal send-mail` from cron sends what is due,
and it also retries failed messages when their wait is over.
"""
from __future__ import annotations

import logging
import time

from flask import current_app

QUEUE = "mitrapas-mail"
log = logging.getLogger(__name__)


def _queue(redis_url: str):
    from redis import Redis
    from rq import Queue

    return Queue(QUEUE, connection=Redis.from_url(redis_url))


def enqueue(app) -> None:
    try:
        _queue(app.config["REDIS_URL"]).enqueue(send_due_job)
    except Exception as error:  # Redis down must not fail the request: cron's send-mail catches up
        log.warning("could not wake the mail worker (%s); send-mail will send it", error)


def send_due_job() -> None:
    """The job: send what is due, in the worker's app context."""
    from portal.services import outbox

    outbox.send_due()


def work(app, *, burst: bool = False) -> None:
    """Run an RQ worker for the mail queue inside the app (its jobs need the database).

    Between wake-ups it sends what is due every MAIL_SWEEP_SECONDS, so mail queued
    while Redis was down (its wake-up lost) goes out once Redis is back.
    """
    from redis.exceptions import ConnectionError as RedisDown
    from rq import SimpleWorker

    from sqlalchemy.exc import OperationalError as DatabaseDown

    from portal.extensions import db
    from portal.services import outbox

    queue = _queue(app.config["REDIS_URL"])
    with app.app_context():
        while True:
            try:
                outbox.send_due()
            except DatabaseDown as error:  # a restarting database: try again on the next round
                db.session.rollback()
                log.warning("the database is not answering (%s); trying again shortly", error)
            try:
                SimpleWorker([queue], connection=queue.connection).work(
                    burst=burst, max_idle_time=app.config["MAIL_SWEEP_SECONDS"])
            except RedisDown as error:
                log.warning("Redis is down (%s); sending from the outbox without it meanwhile", error)
                time.sleep(app.config["MAIL_SWEEP_SECONDS"])
            if burst:
                return


def current_queue():
    return _queue(current_app.config["REDIS_URL"])

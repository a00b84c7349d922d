"""The outbox's worker: with REDIS_URL set, a commit that queued mail or webhooks wakes it at once.

Run the worker with `flask portal mail-worker`. Without Redis (or while it is
down) nothing is lost: the worker's sweep (every MAIL_SWEEP_SECONDS) and
`flask portal send-mail` from cron send what is due, and retry failed messages
when their wait is over.
"""
from __future__ import annotations

import logging

from sqlalchemy.exc import OperationalError

from portal.extensions import db
from portal.integrations import webhook_events
from portal.jobs import queue as jobs
from portal.notifications import channel_outbox, digests, outbox


log = logging.getLogger(__name__)


def send_due_job() -> None:
    """The job: send the mail and the WhatsApp and SMS messages that are due, in the worker's app context."""
    outbox.send_due()
    channel_outbox.send_due()


def deliver_webhooks_job() -> None:
    """The job: deliver the webhooks that are due."""
    webhook_events.deliver_due()


def sweep() -> None:
    """What is due of each, also what waited for a retry or the end of quiet hours (and everything, after Redis was
    down), and the morning summaries due. One that fails does not keep the others from their turn."""
    for step in (digests.send_due, outbox.send_due, channel_outbox.send_due, webhook_events.deliver_due):
        try:
            step()
        except OperationalError:
            raise  # the database is down: the worker's loop waits for it
        except Exception:  # noqa: BLE001 - logged with its traceback; the next sweep tries again
            db.session.rollback()
            log.exception("the worker's %s failed", step.__qualname__)


def work(app, *, burst: bool = False) -> None:
    jobs.work(app, sweep=sweep, every=app.config["MAIL_SWEEP_SECONDS"], burst=burst)


current_queue = jobs.current_queue

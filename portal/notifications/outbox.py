"""E-mail through an outbox: written with the event, sent by a worker, retried, never lost.

`queue` renders the message (HTML and plain text, in the recipient's language)
and adds it to the current transaction: if the event rolls back, so does the
mail. `send_due` is the worker (`flask portal send-mail`, or an RQ job when
REDIS_URL is set): each message is sent and marked in its own transaction, a
failure waits longer each time, and after MAIL_MAX_ATTEMPTS it is dead.
"""
from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from email.utils import make_msgid
import smtplib

from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy import select

from portal.audit import chain as audit
from portal.core import retry
from portal.core.columns import utcnow
from portal.core.tenancy import unscoped
from portal.extensions import db
from portal.jobs import queue as jobs
from portal.notifications.mail_models import MailStatus, OutboxMessage

#: Minutes to wait after the n-th failure (then the last value again).
RETRY_MINUTES = (1, 5, 15, 60, 240)
#: ... up to MAIL_MAX_ATTEMPTS tries in all.
BACKOFF = retry.minutes(*RETRY_MINUTES)


def queue(to: str, template: str, *, locale: str, **context) -> OutboxMessage:
    """Write `templates/mail/<template>.{txt,html}` for `to` into the outbox, in this transaction."""
    with force_locale(locale or "id"):
        subject = render_template(f"mail/{template}.subject.txt", **context).strip()
        text = render_template(f"mail/{template}.txt", **context)
        html = render_template(f"mail/{template}.html", subject=subject, **context)
    message = OutboxMessage(to=to, subject=subject, text=text, html=html, kind=template)
    db.session.add(message)
    db.session.flush()
    _wake_worker_after_commit()
    return message


def send_due(*, now: datetime | None = None, limit: int = 100) -> tuple[int, int]:
    """Send what is due; returns (sent, failed). Safe to run in several workers at once."""
    with unscoped("the outbox holds every tenant's mail"):
        return _send_due(now or utcnow(), limit)


def _send_due(now: datetime, limit: int) -> tuple[int, int]:
    sent = failed = 0
    for _ in range(limit):
        message = next_due(OutboxMessage, MailStatus.QUEUED, now)
        if message is None:
            break
        try:
            _deliver(message)
        except (OSError, smtplib.SMTPException) as error:
            _failed(message, error, now)
            failed += 1
        else:
            message.status, message.sent_at, message.last_error = MailStatus.SENT, utcnow(), None
            sent += 1
        db.session.commit()
    return sent, failed


def next_due(model, queued, now: datetime):
    """The outbox's (or `model`'s, of the same shape) oldest message due, locked so that no other worker takes it
    (the others skip it and take the next)."""
    query = (select(model).where(model.status == queued, model.next_attempt_at <= now)
             .order_by(model.next_attempt_at, model.id).limit(1))
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return db.session.scalar(query)


def undelivered(limit: int = 200) -> list[OutboxMessage]:
    """What the platform admin watches: dead messages first, then those waiting for a retry."""
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.status != MailStatus.SENT)
                                   .order_by(OutboxMessage.status, OutboxMessage.id.desc()).limit(limit)))


def requeue(message: OutboxMessage, *, actor=None) -> None:
    """The platform admin sends a message again now (after fixing the address or the server)."""
    before = message.status
    message.status, message.attempts, message.next_attempt_at = MailStatus.QUEUED, 0, utcnow()
    if actor is not None:
        audit.record("mail.requeued", actor=actor, object_type="outbox_message", object_id=message.id,
                     before={"status": before}, after={"status": MailStatus.QUEUED})
    _wake_worker_after_commit()


def _deliver(message: OutboxMessage) -> None:
    config = current_app.config
    email = EmailMessage()
    email["From"], email["To"], email["Subject"] = config["MAIL_DEFAULT_SENDER"], message.to, message.subject
    email["Message-ID"] = make_msgid(domain="mitrapas")
    email.set_content(message.text)
    email.add_alternative(message.html, subtype="html")
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT_SECONDS"]) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(email)


def _failed(message: OutboxMessage, error: Exception, now: datetime) -> None:
    message.attempts += 1
    if isinstance(error, smtplib.SMTPResponseException):  # the server's own words, e.g. "550 5.1.1 ..."
        text = error.smtp_error.decode(errors="replace") if isinstance(error.smtp_error, bytes) else error.smtp_error
        message.last_error = f"{error.smtp_code} {text}"[:2000]
    else:
        message.last_error = f"{type(error).__name__}: {error}"[:2000]
    again = BACKOFF.next_attempt(message.attempts, now, attempts=current_app.config["MAIL_MAX_ATTEMPTS"])
    if again is None:
        message.status = MailStatus.DEAD
    else:
        message.next_attempt_at = again


def _wake_worker_after_commit() -> None:
    """With Redis configured, an RQ worker sends right after the commit; otherwise cron runs send-mail."""
    jobs.enqueue_after_commit(SEND_DUE_JOB)


#: The job a wake-up asks for (by name: the worker's module imports this one, not the other way round).
SEND_DUE_JOB = "portal.ops.worker.send_due_job"

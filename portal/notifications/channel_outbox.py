"""WhatsApp and SMS through an outbox, as e-mail goes (issue 39).

`queue` writes a message in the transaction of what it tells of (if that rolls back, there was never a message);
`send_due` is the worker's: it looks up the person's verified number as it sends, holds a notice until the
person's quiet hours end, hands the message to its provider, tries again after a failure, and when the message
cannot go (no usable number, the provider refuses it, or it gave up after CHANNEL_MAX_ATTEMPTS) its notice goes by
the next channel: WhatsApp, then SMS, then e-mail. A notice read in the portal while its message waited (the quiet
hours of the night) is not sent at all. `provider_said` takes what the providers' webhooks report: a
message delivered, read or failed, and a person's reply STOP (or BERHENTI), which turns that channel off for them.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
import logging

from flask import current_app
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from portal.accounts.models import User
from portal.core import retry
from portal.core.columns import utcnow
from portal.core.errors import DomainError
from portal.core.tenancy import unscoped
from portal.extensions import db
from portal.jobs import queue as jobs
from portal.notifications import messages, outbox, preferences
from portal.notifications.channel_models import STATUS_ORDER, ChannelMessage, MessageStatus as S, PhoneChannel
from portal.notifications.models import Notification
from portal.notifications.providers import Refused, Reply, Update, sms_gateway, whatsapp_cloud

#: Each phone channel's provider, in the order a notice falls back through them (then e-mail).
PROVIDERS = {preferences.WHATSAPP: whatsapp_cloud, preferences.SMS: sms_gateway}
#: Minutes to wait after the n-th failure: a notice that cannot go by WhatsApp reaches the person some other way
#: within about ten minutes (CHANNEL_MAX_ATTEMPTS), not after a day of tries.
BACKOFF = retry.minutes(1, 2, 5)
#: What a person replies to be sent nothing more through that channel, and to be sent messages again.
STOP_WORDS = frozenset({"STOP", "BERHENTI", "UNSUBSCRIBE", "STOP ALL"})
START_WORDS = frozenset({"START", "MULAI"})
#: Failures a person's settings page shows, from this far back.
FAILURES_SHOWN = timedelta(days=30)
log = logging.getLogger(__name__)


def offered() -> list[str]:
    """The phone channels this deployment has a provider for (the settings page offers no other)."""
    return [name for name, provider in PROVIDERS.items() if provider.configured(current_app.config)]


def queue(user: User, channel: str, kind: str, parts: list[str], *, notice: Notification | None = None,
          urgent: bool = False, to: str | None = None) -> None:
    """Write a message for `user` through `channel` into this transaction (`to`: a code's number, being
    verified; any other message goes to the number verified when it is sent)."""
    db.session.add(ChannelMessage(user_id=user.id, channel=channel, kind=kind, parts=parts, notification=notice,
                                  text=messages.as_text(kind, parts, user.locale), urgent=urgent, sent_to=to))
    wake_worker_after_commit()


def queue_notice(user: User, channel: str, notice: Notification) -> None:
    queue(user, channel, notice.kind, messages.of_notice(notice, user.locale), notice=notice)


def number_of(user_id: int, channel: str, *, verifying: bool = False) -> PhoneChannel | None:
    """The person's verified number for `channel`, unless they stopped it; the number being verified, for its
    code (never one that replied STOP)."""
    found = db.session.scalar(select(PhoneChannel).where(PhoneChannel.user_id == user_id,
                                                         PhoneChannel.channel == channel))
    if found is None or found.stopped_at is not None:
        return None
    return found if found.usable or verifying and found.code_digest else None


# --- the worker -------------------------------------------------------------------------------------------------

def send_due(*, now: datetime | None = None, limit: int = 100) -> tuple[int, int]:
    """Send what is due; (sent, failed). Safe in several workers at once."""
    with unscoped("the outbox holds every person's messages"):
        sent = failed = 0
        now = now or utcnow()
        for _ in range(limit):
            message = outbox.next_due(ChannelMessage, S.QUEUED, now)
            if message is None:
                break
            outcome = _send(message, now)
            sent, failed = sent + (outcome is True), failed + (outcome is False)
            db.session.commit()
        return sent, failed


def _send(message: ChannelMessage, now: datetime) -> bool | None:
    """True: the provider took it; False: it failed (and may be tried again); None: held for the quiet hours.

    The try is claimed (committed, with its next time) before the provider is called: a worker that dies after
    the provider took the message, or a write that fails after, sends it again only after a wait, and at most
    CHANNEL_MAX_ATTEMPTS times."""
    user = db.session.get(User, message.user_id)
    if user is None or not user.is_active:
        message.status, message.last_error = S.DEAD, "the account is no longer active"
        return False
    if message.notification is not None and message.notification.read_at is not None:
        message.status, message.status_at = S.SKIPPED, utcnow()  # handled in the portal while it waited
        return None
    if not message.urgent and (end := preferences.quiet_end(user, now)) is not None:
        message.next_attempt_at = end
        return None
    config, provider = current_app.config, PROVIDERS[message.channel]
    number = number_of(user.id, message.channel, verifying=message.kind == messages.CODE)
    if not provider.configured(config):
        return _give_up(message, user, S.FAILED, f"{message.channel} is not configured on this portal")
    if number is None:
        return _give_up(message, user, S.FAILED, "no verified number (or the person replied STOP)")
    message.attempts += 1
    message.next_attempt_at = BACKOFF.next_attempt(1, now)  # were it lost on the way: tried again after a wait
    attempts, phone, kind, parts, text, locale = (message.attempts, number.phone, message.kind, list(message.parts),
                                                  message.text, user.locale)
    db.session.commit()  # the claim
    try:
        provider_id = provider.send(config, phone, kind, parts, text, locale)
    except Refused as error:
        return _give_up(message, user, S.FAILED, str(error))
    except Exception as error:  # noqa: BLE001 - Unavailable, and whatever else: tried again after a wait
        log.warning("%s message %s not sent: %s", message.channel, message.id, error)
        again = BACKOFF.next_attempt(attempts, now, attempts=config["CHANNEL_MAX_ATTEMPTS"])
        if again is None:
            return _give_up(message, user, S.DEAD, str(error))
        message.next_attempt_at, message.last_error = again, str(error)[:2000]
        return False
    message.status, message.sent_to, message.sent_at, message.last_error = S.SENT, phone, utcnow(), None
    message.provider_id = provider_id[:128]
    if kind == messages.CODE:  # sent: nobody needs its code again, and it is not kept
        message.text, message.parts = "", []
    return True


def _give_up(message: ChannelMessage, user: User, status: S, error: str) -> bool:
    message.status, message.last_error, message.status_at = status, error[:2000], utcnow()
    fall_back(message, user)
    return False


def fall_back(message: ChannelMessage, user: User) -> None:
    """Its notice (or summary) by the next channel the person can be reached through: SMS after WhatsApp (with a
    verified SMS number), else e-mail. A verification code has no other way: it proves this channel."""
    if message.kind == messages.CODE or message.fell_back_to:
        return
    order = list(PROVIDERS)
    for channel in order[order.index(message.channel) + 1:]:
        if PROVIDERS[channel].configured(current_app.config) and number_of(user.id, channel) is not None:
            queue(user, channel, message.kind, list(message.parts), notice=message.notification)
            message.fell_back_to = channel
            return
    from portal.notifications.channels import email

    notice = message.notification
    if notice is not None:
        email.send_notice(user, notice, "notification", notice.link)
    else:
        email.send_summary(user, list(message.parts), [])
    message.fell_back_to = preferences.EMAIL


def wake_worker_after_commit() -> None:
    """With Redis, the worker sends right after the commit (the same job as the mail's)."""
    jobs.enqueue_after_commit(outbox.SEND_DUE_JOB)


# --- what the providers report ----------------------------------------------------------------------------------

def provider_said(channel: str, updates: list[Update], replies: list[Reply]) -> None:
    """A provider's callback: each message's new status (a status never goes back: they arrive out of order), a
    failure sends its notice the next way, and STOP (or BERHENTI) turns the channel off for whoever sent it."""
    from portal.notifications import phones

    with unscoped("a provider's word on a message, found by its id, and a person found by their number"):
        now = utcnow()
        for update in updates:
            message = db.session.scalar(select(ChannelMessage).where(
                ChannelMessage.channel == channel, ChannelMessage.provider_id == update.provider_id))
            if message is None:
                continue
            if update.status == "failed":
                if message.status in (S.SENT, S.QUEUED):  # not yet delivered: a late "failed" after "read" is noise
                    _give_up(message, db.session.get(User, message.user_id), S.FAILED,
                             update.error or "the provider could not deliver it")
                continue
            new = S(update.status)
            if message.status in STATUS_ORDER and STATUS_ORDER.index(new) > STATUS_ORDER.index(message.status):
                message.status, message.status_at = new, now
        for reply in replies:
            try:
                phone = phones.normalised(reply.phone)
            except DomainError:
                continue  # not a number we could have sent to
            word = reply.text.strip().upper().rstrip(".!")
            if word in STOP_WORDS:
                phones.stopped(channel, phone, reply.at)
            elif word in START_WORDS:
                phones.restarted(channel, phone)


# --- what people and the platform admin see ---------------------------------------------------------------------

def recent_of(user: User, limit: int = 10) -> list[ChannelMessage]:
    """The person's latest messages, failures among them (their settings page)."""
    return list(db.session.scalars(select(ChannelMessage).where(
        ChannelMessage.user_id == user.id, ChannelMessage.created_at >= utcnow() - FAILURES_SHOWN)
        .order_by(ChannelMessage.id.desc()).limit(limit)))


def held_of(user: User) -> list[ChannelMessage]:
    """Messages waiting for the person's quiet hours to end."""
    return list(db.session.scalars(select(ChannelMessage).where(
        ChannelMessage.user_id == user.id, ChannelMessage.held(utcnow())).order_by(ChannelMessage.id)))


def undelivered(limit: int = 200) -> list[ChannelMessage]:
    """What the platform admin watches beside the mail: messages that failed, gave up, or wait for a retry."""
    return list(db.session.scalars(select(ChannelMessage).where(or_(
        ChannelMessage.status.in_((S.FAILED, S.DEAD)),
        (ChannelMessage.status == S.QUEUED) & (ChannelMessage.attempts > 0)))
        .options(selectinload(ChannelMessage.user)).order_by(ChannelMessage.id.desc()).limit(limit)))


def forget(user: User, known: dict[str, str], scrub: Callable[[str], str]) -> None:
    """The person's numbers are removed and their messages lose their words (those still waiting never go);
    others' messages that name one of the `known` details have them scrubbed out."""
    for number in db.session.scalars(select(PhoneChannel).where(PhoneChannel.user_id == user.id)):
        db.session.delete(number)
    for message in db.session.scalars(select(ChannelMessage).where(ChannelMessage.user_id == user.id)):
        message.text, message.parts, message.sent_to, message.last_error = "", [], None, None
        if message.status == S.QUEUED:
            message.status, message.last_error = S.DEAD, "pseudonymised"
    mentions = or_(*(ChannelMessage.text.contains(value) for value in known))
    for message in db.session.scalars(select(ChannelMessage).where(mentions)):
        message.text, message.parts = scrub(message.text), [scrub(part) for part in message.parts]

"""The e-mail channel: a message is rendered into the outbox in the event's transaction and sent by its worker.

Notices of the groups a person did not send elsewhere (`User.notice_routes`, on their notification settings) go by
e-mail, and so does whatever could not go by WhatsApp or SMS; messages about their own account (a reset link) and
invitations always go.
"""
from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import or_, select

from portal.accounts.models import User
from portal.core import links
from portal.extensions import db
from portal.notifications import outbox
from portal.notifications.mail_models import MailStatus, OutboxMessage
from portal.notifications.models import Notification

NAME = "email"


def address_of(user: User) -> str | None:
    return user.email


def available() -> bool:
    return True


def send_notice(user: User, notice: Notification, template: str, link: str, /, **context) -> None:
    """`templates/mail/<template>.*` (the notice's sentence, `notification`, unless told otherwise)."""
    outbox.queue(user.email, template, locale=user.locale, notice=notice, user=user, link=links.absolute(link),
                 **context)


def send_summary(user: User, parts: list[str], listed: list[tuple[str, str]]) -> None:
    """A morning summary (`portal.notifications.digests`), or one that could not go by WhatsApp or SMS: its
    counts, and each notice's sentence and link in `listed`."""
    outbox.queue(user.email, "notice_summary", locale=user.locale, user=user, parts=list(parts), listed=listed)


def send_to_address(address: str, template: str, /, *, locale: str, **context) -> None:
    outbox.queue(address, template, locale=locale, **context)


def forget(user: User, known: dict[str, str], scrub: Callable[[str], str]) -> None:
    """Mail to the person (whose address `known` maps to its pseudonym) loses its text and is never sent now; mail
    to others that mentions one of the `known` details has them `scrub`bed out."""
    address, pseudonym = user.email, known[user.email]
    for message in db.session.scalars(select(OutboxMessage).where(OutboxMessage.to == address)):
        message.to, message.subject, message.text, message.html = pseudonym, "—", "", ""
        if message.status == MailStatus.QUEUED:
            message.status, message.last_error = MailStatus.DEAD, "pseudonymised"
    mentions = or_(*(column.contains(value) for value in known for column in
                     (OutboxMessage.subject, OutboxMessage.text, OutboxMessage.html)))
    for message in db.session.scalars(select(OutboxMessage).where(mentions)):
        message.subject, message.text, message.html = (scrub(text) for text in
                                                        (message.subject, message.text, message.html))

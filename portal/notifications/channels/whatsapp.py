"""WhatsApp: notices of the groups a person sends here, as template messages through the Cloud API
(`portal.notifications.providers.whatsapp_cloud`), by the outbox (`portal.notifications.channel_outbox`)."""
from __future__ import annotations

from collections.abc import Callable

from flask import current_app

from portal.accounts.models import User
from portal.notifications import channel_outbox, messages
from portal.notifications.models import Notification
from portal.notifications.providers import whatsapp_cloud as provider

NAME = provider.NAME


def available() -> bool:
    return provider.configured(current_app.config)


def send_notice(user: User, notice: Notification, template: str, link: str, /, **context) -> None:
    channel_outbox.queue_notice(user, NAME, notice)


def send_summary(user: User, parts: list[str], listed: list[tuple[str, str]]) -> None:
    """A morning summary: its counts and the bell's link (not each notice: a phone shows a few lines)."""
    channel_outbox.queue(user, NAME, messages.SUMMARY, parts)


def send_code(user: User, code: str) -> None:
    """A verification code: at once, whatever the quiet hours."""
    channel_outbox.queue(user, NAME, messages.CODE, messages.of_code(code, user.locale), urgent=True)


def address_of(user: User) -> str | None:
    number = channel_outbox.number_of(user.id, NAME)
    return number.phone if number else None


def forget(user: User, known: dict[str, str], scrub: Callable[[str], str]) -> None:
    channel_outbox.forget(user, known, scrub)

"""WhatsApp and SMS: notices of the groups a person sends there (and, for SMS, those that could not go by WhatsApp),
through their provider (`portal.notifications.providers`), by the outbox (`portal.notifications.channel_outbox`).
The two differ only in their provider: one class, two channels."""
from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

from flask import current_app

from portal.accounts.models import User
from portal.notifications import channel_outbox, messages
from portal.notifications.models import Notification
from portal.notifications.providers import sms_gateway, whatsapp_cloud


class ByPhone:
    def __init__(self, provider: ModuleType):
        self.provider, self.NAME = provider, provider.NAME
        self.__name__ = f"{__name__}.{self.NAME}"

    def available(self) -> bool:
        return self.provider.configured(current_app.config)

    def send_notice(self, user: User, notice: Notification, template: str, link: str, /, **context) -> None:
        channel_outbox.queue_notice(user, self.NAME, notice)

    def send_summary(self, user: User, parts: list[str], listed: list[tuple[str, str]]) -> None:
        """A morning summary: its counts and the bell's link (not each notice: a phone shows a few lines)."""
        channel_outbox.queue(user, self.NAME, messages.SUMMARY, parts)

    def send_code(self, user: User, code: str, phone: str) -> None:
        """A verification code to the number being verified: at once, whatever the quiet hours."""
        channel_outbox.queue(user, self.NAME, messages.CODE, messages.of_code(code, user.locale), urgent=True,
                             to=phone)

    def address_of(self, user: User) -> str | None:
        number = channel_outbox.number_of(user.id, self.NAME)
        return number.phone if number else None

    def forget(self, user: User, known: dict[str, str], scrub: Callable[[str], str]) -> None:
        """The person's numbers and messages, of both phone channels (forgetting them twice changes nothing)."""
        channel_outbox.forget(user, known, scrub)


WHATSAPP, SMS = ByPhone(whatsapp_cloud), ByPhone(sms_gateway)

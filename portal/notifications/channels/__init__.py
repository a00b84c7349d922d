"""How a notice or a message leaves the portal: one module per channel (e-mail today), chosen per person.

A channel is a module that offers:

- `NAME`, how preferences and tests call it;
- `wants(user, group)`: whether the person hears notices of `group` (`delivery.GROUPS`) through it;
- `send_notice(user, notice, template, link, **context)`: tell of a notice already in their bell;
- `send_to_address(address, template, *, locale, **context)`: a message to an address that may have no account
  (an invitation, a reset link), written in this transaction and sent by a worker;
- `address_of(user)`: where it reaches a person, or None;
- `forget(user, known, scrub)`: what it keeps for or about a person whose details (`known`, each mapped to its
  pseudonym) are replaced; `scrub` replaces them in a text.

The address, template, user, notice and link are passed by position (the context may hold a `user` or a `link` of
its own). A second channel (WhatsApp, SMS) is one more module here and one more entry in `CHANNELS`.
"""
from __future__ import annotations

from types import ModuleType

from portal.accounts.models import User
from portal.notifications.channels import email

#: Every channel, the one that reaches a person about their own account (a reset link, a request) first.
CHANNELS: tuple[ModuleType, ...] = (email,)


def chosen_for(user: User, group: str) -> list[ModuleType]:
    """The channels through which `user` hears of notices of `group`, as they chose."""
    return [channel for channel in CHANNELS if channel.wants(user, group)]


def own_channel(user: User) -> ModuleType:
    """The channel a message about the person's own account goes through, whatever notices they switched off."""
    return next(channel for channel in CHANNELS if channel.address_of(user))


def by_name(name: str) -> ModuleType:
    return next(channel for channel in CHANNELS if channel.NAME == name)

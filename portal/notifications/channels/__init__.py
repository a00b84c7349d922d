"""How a notice or a message leaves the portal: a channel each for e-mail (a module), WhatsApp and SMS (two of one
class, `phone`), chosen per person and per group of notices (`portal.notifications.preferences`).

A channel offers:

- `NAME`, how preferences and tests call it;
- `available()`: whether this deployment can send through it (a phone channel needs its provider configured);
- `send_notice(user, notice, template, link, **context)`: tell of a notice already in their bell;
- `send_summary(user, parts, listed)`: a morning summary (`portal.notifications.digests`);
- `address_of(user)`: where it reaches a person, or None;
- `forget(user, known, scrub)`: what it keeps for or about a person whose details (`known`, each mapped to its
  pseudonym) are replaced; `scrub` replaces them in a text.

E-mail also carries messages to an address (`send_to_address`: an invitation, a reset link), and is the channel of
messages about a person's own account: the login name is the address. The user, notice, template and link are
passed by position (the context may hold a `user` or a `link` of its own).
"""
from __future__ import annotations

from types import ModuleType

from portal.accounts.models import User
from portal.notifications import preferences
from portal.notifications.channels import email, phone

#: Every channel, the one that reaches a person about their own account (a reset link, a request) first.
CHANNELS: tuple[ModuleType | phone.ByPhone, ...] = (email, phone.WHATSAPP, phone.SMS)


def route_for(user: User, group: str) -> str:
    """Where `user`'s notices of `group` go beyond the bell, as they chose: "bell" (nowhere else), or a channel's
    name; e-mail where the phone channel they chose is not offered here (any more)."""
    route = preferences.route_of(user, group)
    if route == preferences.BELL or by_name(route).available():
        return route
    return email.NAME


def chosen_for(user: User, group: str) -> list[ModuleType | phone.ByPhone]:
    """The channels through which `user` hears of notices of `group`, as they chose."""
    route = route_for(user, group)
    return [] if route == preferences.BELL else [by_name(route)]


def own_channel(user: User) -> ModuleType:
    """The channel a message about the person's own account goes through, whatever notices they switched off."""
    return email


def by_name(name: str) -> ModuleType | phone.ByPhone:
    return next(channel for channel in CHANNELS if channel.NAME == name)

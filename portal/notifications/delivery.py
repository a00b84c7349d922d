"""One way out for everything the portal tells a person: `notify` (a notice in the bell, and each channel the
person chose for its group), `to_person` (a message about their own account) and `to_address` (a message to an
address that may have no account yet: an invitation, a reset link). The channels are `portal/notifications/channels`.
"""
from __future__ import annotations

from sqlalchemy import select

from portal.accounts.models import User
from portal.contributions.events import ContributionVerb
from portal.extensions import db
from portal.notifications import channels, preferences
from portal.notifications.models import Notification
from portal.organisations.models import Organisation

#: The groups of notices a person chooses a channel for, and a summary (the bell always shows everything).
GROUPS = ("agreements", "contributions", "people", "materials", "news", "inquiries", "reminders")
#: A facility's verifiers hear of new contributions each, or several at once, or in a daily summary, as each chooses
#: (`User.contribution_notices`, on their profile page) rather than by switching a group's e-mail off.
NEW_CONTRIBUTION_KINDS = (ContributionVerb.RECORD.action, "contribution.recorded_many", "contribution.digest")


def group_of(kind: str) -> str:
    if kind.startswith("reminder."):
        return "reminders"
    if kind in NEW_CONTRIBUTION_KINDS:  # how these come is the verifier's own choice (`contribution_notices`)
        return "new_contributions"
    return {"agreement": "agreements", "contribution": "contributions", "invitation": "people",
            "material": "materials", "news": "news", "inquiry": "inquiries"}.get(kind.split(".")[0], "agreements")


def notify(users, kind: str, *, organisation: Organisation, link: str, dedupe_key: str | None = None,
           mail: str = "notification", mail_context: dict | None = None, **params) -> list[Notification]:
    """One notice per active person (each once), and through the channel they chose for its group (e-mail unless
    they chose WhatsApp, SMS or the bell alone; nothing now if they chose the morning summary for it); the e-mail is `templates/mail/<mail>.*` (the notice's sentence unless told
    otherwise), given `mail_context` besides."""
    made = []
    for user in {user.id: user for user in users if user is not None and user.is_active}.values():
        key = f"{dedupe_key}:user:{user.id}" if dedupe_key else None
        if key and db.session.scalar(select(Notification.id).where(Notification.dedupe_key == key)):
            continue
        notice = Notification(user_id=user.id, organisation_id=organisation.id, kind=kind, params=params,
                              link=link, dedupe_key=key)
        db.session.add(notice)
        made.append(notice)
        group = group_of(kind)
        if preferences.summarised(user, group):
            continue  # told in the person's morning summary (`digests`), in the bell at once
        for channel in channels.chosen_for(user, group):
            channel.send_notice(user, notice, mail, link, **(mail_context or {}))
    db.session.flush()
    return made


def to_person(person: User, template: str, /, **context) -> None:
    """A message about the person's own account (a reset link, someone's request they must decide), through their
    own channel, whatever notices they switched off; written in this transaction."""
    channel = channels.own_channel(person)
    channel.send_to_address(channel.address_of(person), template, locale=person.locale, **context)


def to_address(address: str, template: str, /, *, locale: str, through: str = "email", **context) -> None:
    """A message to an address that may have no account (an invitation), through the channel that reaches it."""
    channels.by_name(through).send_to_address(address, template, locale=locale, **context)

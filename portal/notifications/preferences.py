"""How each person wants to be told (issue 39): per notice group, by e-mail, WhatsApp, SMS or only in the bell, one
by one or in a summary each morning; and their quiet hours, in their own time zone.

The rules of time live here: when a person's quiet hours end, and when their next summary is due. A notice is never
held back from the bell, only from their phone.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from portal.accounts.models import User
from portal.audit import chain as audit
from portal.core import clock, whose_pages
from portal.core.columns import as_utc, utcnow
from portal.core.errors import DomainError
from portal.core.i18n import long_date
from portal.extensions import db
from portal.notifications.channel_models import ChannelMessage
from portal.notifications.models import Notification

#: Where a group's notices go beyond the bell; a group a person never chose for goes by e-mail.
EMAIL, WHATSAPP, SMS, BELL = "email", "whatsapp", "sms", "bell"
ROUTES = (EMAIL, WHATSAPP, SMS, BELL)
#: Indonesia's three time zones, as people name them.
TIME_ZONES = {"Asia/Jakarta": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}
DEFAULT_QUIET = (21, 6)


def route_of(user: User, group: str) -> str:
    return (user.notice_routes or {}).get(group, EMAIL)


def summarised(user: User, group: str) -> bool:
    """Whether the group's notices reach the person's phone or mailbox in the morning summary only."""
    return group in (user.digest_groups or []) and route_of(user, group) != BELL


def _zone(name: str) -> ZoneInfo:
    """The person's zone; one not among Indonesia's three (never saved so) is WIB."""
    return clock.zone(name if name in TIME_ZONES else "Asia/Jakarta")


def zone_name(user: User) -> str:
    return TIME_ZONES.get(user.time_zone, "WIB")


def local_time(user: User, moment: datetime) -> str:
    """A moment as the person reads a clock: "06:00 WITA" (with the date when it is not today)."""
    local = as_utc(moment).astimezone(_zone(user.time_zone))
    today = utcnow().astimezone(_zone(user.time_zone)).date()
    clock = f"{local:%H:%M} {zone_name(user)}"
    return clock if local.date() == today else f"{long_date(local.date())}, {clock}"


def quiet_end(user: User, now: datetime) -> datetime | None:
    """When the person's quiet hours end, if `now` is within them; else None."""
    start, end = user.quiet_from, user.quiet_until
    if start is None or end is None or start == end:
        return None
    local = now.astimezone(_zone(user.time_zone))
    inside = start <= local.hour < end if start < end else (local.hour >= start or local.hour < end)
    if not inside:
        return None
    until = local.replace(hour=end, minute=0, second=0, microsecond=0)
    if until <= local:
        until += timedelta(days=1)
    return until.astimezone(timezone.utc)


def next_summary(user: User, after: datetime) -> datetime:
    """The first DIGEST_HOUR o'clock in the person's time zone after `after`."""
    local = after.astimezone(_zone(user.time_zone))
    due = local.replace(hour=current_app.config["DIGEST_HOUR"], minute=0, second=0, microsecond=0)
    if due <= local:
        due += timedelta(days=1)
    return due.astimezone(timezone.utc)


@dataclass
class Settings:
    """What the notification settings page sends."""

    #: {group: route} for the groups the settings page offers the person (`save`'s `offered`).
    routes: dict[str, str]
    digest: list[str] = field(default_factory=list)
    time_zone: str = "Asia/Jakarta"
    #: (from, until) o'clock, or None for no quiet hours.
    quiet: tuple[int, int] | None = DEFAULT_QUIET
    #: How a verifier hears of new contributions (`contributions.notices.CHOICES`); None leaves it as it is.
    new_contributions: str | None = None


def save(user: User, settings: Settings, *, offered: list[str], channels: list[str]) -> None:
    """The person's choices; each change is in the audit trail (which settings, never a number). A phone channel
    may be chosen only once its number is verified (`channels`: the usable ones). Messages held by the quiet hours
    are looked at again: with the quiet hours changed, they may go now."""
    from portal.contributions import notices as contribution_notices  # (which hears of notices: not at import)

    for group, route in settings.routes.items():
        if group not in offered or route not in ROUTES:
            raise DomainError(_l("Choose how each group of notices reaches you."))
        if route in (WHATSAPP, SMS) and route not in channels and route != route_of(user, group):
            raise DomainError(_l("Verify your number for %(channel)s first, with the code sent to it.",
                                 channel=CHANNEL_NAMES[route]))
    if settings.time_zone not in TIME_ZONES:
        raise DomainError(_l("Choose WIB, WITA or WIT."))
    if settings.quiet is not None and not all(0 <= hour <= 23 for hour in settings.quiet):
        raise DomainError(_l("Quiet hours are whole hours from 0 to 23."))
    if settings.new_contributions is not None and settings.new_contributions not in contribution_notices.CHOICES:
        raise DomainError(_l("Choose how you hear of new contributions."))
    before = _choices(user)
    if user.digest_due_at is not None and set(user.digest_groups or []) - set(settings.digest):
        from portal.notifications import digests  # what the summary held so far goes now, not never

        digests.summarise(user, utcnow())
    routes = {group: route for group, route in (user.notice_routes or {}).items() if group not in offered}
    routes.update({group: route for group, route in settings.routes.items() if route != EMAIL})
    user.notice_routes = routes
    user.digest_groups = sorted(group for group in settings.digest if group in offered)
    user.time_zone = settings.time_zone
    user.quiet_from, user.quiet_until = settings.quiet if settings.quiet else (None, None)
    if settings.new_contributions is not None:
        user.contribution_notices = settings.new_contributions
    now = utcnow()
    if not user.digest_groups:
        user.digest_due_at = None
    elif user.digest_due_at is None:  # the first summary tells of what comes from now on
        user.digest_due_at = next_summary(user, now)
        user.digested_notice_id = db.session.scalar(select(func.max(Notification.id)).where(
            Notification.user_id == user.id)) or 0
    after = _choices(user)
    changed = sorted(key for key in after if after[key] != before[key])
    if changed:
        audit.record("user.notice_settings_changed", actor=user, object_type="user", object_id=user.id,
                     after={"changed": changed})
        wake_held(user)


def wake_held(user: User) -> None:
    """Messages held for the person (quiet hours) are due now: the worker looks at their hours again."""
    from portal.notifications import channel_outbox

    db.session.execute(update(ChannelMessage).where(ChannelMessage.user_id == user.id, ChannelMessage.held(utcnow()))
        .values(next_attempt_at=utcnow())
        .execution_options(synchronize_session=False, **whose_pages.reaching(user_id=user.id)))
    channel_outbox.wake_worker_after_commit()


def _choices(user: User) -> dict:
    return {"routes": dict(user.notice_routes or {}), "digest": list(user.digest_groups or []),
            "time_zone": user.time_zone, "quiet_hours": [user.quiet_from, user.quiet_until],
            "contribution_notices": user.contribution_notices}


#: The channels by the names people know them by (not translated: they are names).
CHANNEL_NAMES = {EMAIL: "E-mail", WHATSAPP: "WhatsApp", SMS: "SMS"}

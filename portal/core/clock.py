"""What day it is for the portal's people: TIMEZONE (Asia/Jakarta), not the server's clock.

Its own room so that models, services and i18n can all ask without importing each other.
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

from flask import current_app


def today() -> date:
    """Today's date where the portal's users are."""
    return today_for(current_app.config)


def today_for(config) -> date:
    """today() given the settings (the layer in front of Flask has them at hand): the portal's own zone, looked
    up once (Babel looked it up again on every call, a tenth of a kept public page's time)."""
    return datetime.now(zone(config["BABEL_DEFAULT_TIMEZONE"])).date()


@lru_cache(maxsize=8)
def zone(name: str) -> ZoneInfo:
    """A time zone by its name, looked up once."""
    return ZoneInfo(name)


def local_date(moment: datetime) -> date:
    """The date a stored moment fell on where the portal's users are (SQLite hands moments back without their
    zone: they are UTC)."""
    portal_zone = zone(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).astimezone(portal_zone).date()

"""What day it is for the portal's people: TIMEZONE (Asia/Jakarta), not the server's clock.

Its own room so that models, services and i18n can all ask without importing each other.
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

from flask_babel import get_timezone


def today() -> date:
    """Today's date where the portal's users are."""
    return datetime.now(get_timezone()).date()


def today_for(config) -> date:
    """today() for a layer in front of Flask (no request, no Babel): the portal's own zone, looked up once (Babel
    looked it up again for every kept public page, a tenth of its time)."""
    return datetime.now(_zone(config["BABEL_DEFAULT_TIMEZONE"])).date()


@lru_cache(maxsize=8)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_date(moment: datetime) -> date:
    """The date a stored moment fell on where the portal's users are (SQLite hands moments back without their
    zone: they are UTC)."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).astimezone(get_timezone()).date()

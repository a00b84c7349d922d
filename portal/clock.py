"""What day it is for the portal's people: TIMEZONE (Asia/Jakarta), not the server's clock.

Its own room so that models, services and i18n can all ask without importing each other.
"""
from __future__ import annotations

from datetime import date, datetime, timezone

from flask_babel import get_timezone


def today() -> date:
    """Today's date where the portal's users are."""
    return datetime.now(get_timezone()).date()


def local_date(moment: datetime) -> date:
    """The date a stored moment fell on where the portal's users are (SQLite hands moments back without their
    zone: they are UTC)."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).astimezone(get_timezone()).date()

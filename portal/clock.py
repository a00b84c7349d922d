"""What day it is for the portal's people: TIMEZONE (Asia/Jakarta), not the server's clock.

Its own room so that models, services and i18n can all ask without importing each other.
"""
from __future__ import annotations

from datetime import date, datetime

from flask_babel import get_timezone


def today() -> date:
    """Today's date where the portal's users are."""
    return datetime.now(get_timezone()).date()

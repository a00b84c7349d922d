"""Working days as Indonesian offices count them: Monday to Friday, without the national public holidays.

The holidays are the `holidays` library's calendar for Indonesia (maintained upstream, with the Islamic, Chinese
and Balinese dates of each year), not a list typed here. Collective leave days (cuti bersama) are decided by
decree each year and are not in it: a deadline falling on one is a day early, never late by the calendar's fault.
"""
from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=16)
def _holidays_of(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("ID", years=year))


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _holidays_of(day.year)


def add_working_days(start: date, days: int) -> date:
    """The day `days` working days after `start` (a step begun on Friday with 1 day is due on Monday)."""
    day, left = start, days
    while left > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            left -= 1
    return day


def working_days_between(start: date, end: date) -> int:
    """How many working days after `start`, up to and including `end` (0 when `end` is not after it)."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += is_working_day(day)
    return count

"""The version numbers that retire kept pages, made so that a number once passed never comes back.

A kept page (public or signed-in) is answered while the store's version still equals the one it was drawn at.
A version that went backwards would bring old pages back: a counter key that was evicted or deleted starts
again at 1 when a write increments it, and a store restored from a snapshot (or a replica promoted after a
failover) holds an older counter together with the pages kept at it. So:

- a counter is never used below `FLOOR`: one that is missing, or was just made again by an increment, is
  increased by a random number above `FLOOR` (and above the highest this thread read of it), so it cannot meet
  the pages kept under an earlier one;
- each thread remembers the highest version it read and, finding the store behind it, increases the store past
  it (`JUMP` ahead). Threads, not processes: a thread's reads follow one another, so a lower number is the store
  going back, never another thread's read overtaking this one's.

Every repair is an increment, never a plain set: repairs made at once by several threads or workers add up, so no
two of them can land on the same number (nor behind a write made meanwhile).

A process started after a restore knows no earlier number: the README's security section says what an operator
does after a restore (`mitrapas portal forget-kept-pages`).
"""
from __future__ import annotations

import secrets
import threading

from flask import current_app

from portal.extensions import cache

#: Every version in use is at least this; an increment of a missing key gives 1, which is below it.
FLOOR = 2**40
#: How far a thread moves a store that went behind the version it had already read.
JUMP = 2**32
#: A counter made again is increased by FLOOR and a random number below this: far from any earlier one, and
#: several such repairs at once still add up to far less than the store's largest integer (2**63).
RANDOM_SPAN = 2**50


def ask(operation, *args, about: str = "public pages"):
    """The store is a help, not a need: with Redis away, pages are drawn for each visitor meanwhile."""
    try:
        return getattr(cache.cache, operation)(*args)
    except Exception as error:  # noqa: BLE001  (redis-py and cachelib raise their own kinds)
        current_app.logger.warning("%s: the store did not answer %s: %s", about, operation, error)
        return None


class DataVersion:
    """One version counter in the shared store, and the highest value each thread has read of it."""

    def __init__(self, key: str, about: str):
        self.key, self.about = key, about
        self._seen = threading.local()

    @property
    def highest(self) -> int:
        """The highest version this thread has read, for this application (tests run several in one process)."""
        seen, application = self._seen_here()
        return seen.get(application, 0)

    def _saw(self, value: int) -> None:
        seen, application = self._seen_here()
        seen[application] = max(seen.get(application, 0), value)

    def _seen_here(self) -> tuple[dict, int]:
        return self._seen.__dict__.setdefault("by_app", {}), id(current_app._get_current_object())

    def checked(self, stored) -> int | None:
        """The version to draw and keep pages at, from what the store held (read in the same round trip as
        whatever else was asked); None when the store did not answer a repair."""
        value = int(stored) if stored is not None else None
        if value is None or value < FLOOR:
            return self._increase(FLOOR + secrets.randbelow(RANDOM_SPAN) + self.highest)
        if value < self.highest:
            current_app.logger.warning("%s: the store's version went back from %s to %s; moving it past both",
                                       self.about, self.highest, value)
            return self._increase(self.highest - value + JUMP)
        self._saw(value)
        return value

    def move_on(self) -> bool:
        """Retire every page kept at the current version; False when the store did not answer."""
        moved = ask("inc", self.key, about=self.about)
        if moved is None:
            return False
        if moved < FLOOR:  # the counter was missing: the increment made it again from nothing
            return self.checked(moved) is not None
        self._saw(moved)
        return True

    def jump(self) -> bool:
        """Retire every page (and person) kept at any version this store has held: far ahead, not one on, so a
        store that went back cannot land on an old version again (a repair: the store lost writes, a restore)."""
        return self._increase(JUMP + secrets.randbelow(RANDOM_SPAN)) is not None

    def _increase(self, by: int) -> int | None:
        value = ask("inc", self.key, by, about=self.about)
        if value is not None:
            self._saw(value)
        return value

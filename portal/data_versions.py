"""The version numbers that retire kept pages, made so that a number once passed never comes back.

A kept page (public or signed-in) is answered while the store's version still equals the one it was drawn at.
A version that went backwards would bring old pages back: a counter key that was evicted or deleted starts
again at 1 when a write increments it, and a store restored from a snapshot (or a replica promoted after a
failover) holds an older counter together with the pages kept at it. So:

- a counter is never used below `FLOOR`: one that is missing, or was just made again by an increment, is
  set to a random number between `FLOOR` and 2**62, so it cannot meet the pages kept under an earlier one;
- each process remembers the highest version it read and, finding the store behind it, moves the store past
  it (`JUMP` ahead), so a restored or failed-over store retires what it brought back.

A process started after a restore knows no earlier number: the first rule still holds there only where the
counter came back missing; the README's security section says what an operator does after a restore
(`mitrapas portal forget-kept-pages`).
"""
from __future__ import annotations

import secrets

from flask import current_app

from portal.extensions import cache

#: Every version in use is at least this; an increment of a missing key gives 1, which is below it.
FLOOR = 2**40
#: How far a process moves a store that went behind the version it had already read.
JUMP = 2**32


def ask(operation, *args, about: str = "public pages"):
    """The store is a help, not a need: with Redis away, pages are drawn for each visitor meanwhile."""
    try:
        return getattr(cache.cache, operation)(*args)
    except Exception as error:  # noqa: BLE001  (redis-py and cachelib raise their own kinds)
        current_app.logger.warning("%s: the store did not answer %s: %s", about, operation, error)
        return None


class DataVersion:
    """One version counter in the shared store, and the highest value this process has read of it."""

    def __init__(self, key: str, about: str):
        self.key, self.about = key, about
        self.highest = 0

    def checked(self, stored) -> int | None:
        """The version to draw and keep pages at, from what the store held (read in the same round trip as
        whatever else was asked); None when the store did not answer a repair.

        A version this process sets itself (the counter was missing, made again or behind) is the one it uses:
        should another process set another meanwhile, pages kept at this one are simply never matched."""
        value = int(stored) if stored is not None else None
        if value is None or value < FLOOR:
            value = FLOOR + secrets.randbelow(2**62 - FLOOR)
        elif value < self.highest:
            current_app.logger.warning("%s: the store's version went back from %s to %s; moving it past both",
                                       self.about, self.highest, value)
            value = self.highest + JUMP
        else:
            self.highest = max(self.highest, value)
            return value
        if not ask("set", self.key, value, 0, about=self.about):
            return None
        self.highest = max(self.highest, value)
        return value

    def move_on(self) -> bool:
        """Retire every page kept at the current version; False when the store did not answer."""
        moved = ask("inc", self.key, about=self.about)
        if moved is None:
            return False
        if moved < FLOOR:  # the counter was missing: the increment made it again from nothing
            return self.checked(moved) is not None
        return True

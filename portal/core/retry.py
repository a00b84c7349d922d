"""When to try again after a failure: the one backoff that the outbox's mail and the webhooks' deliveries share."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Backoff:
    """Waits after the 1st, 2nd, ... failure (the last one again once they run out), up to `attempts` tries in
    all (None: one more try than there are waits)."""

    waits: tuple[timedelta, ...]
    attempts: int | None = None

    def next_attempt(self, failures: int, now: datetime, *, attempts: int | None = None) -> datetime | None:
        """When to try again after the `failures`-th failure; None: give up (`attempts`, if given, is the limit of
        tries as configured now)."""
        limit = next((n for n in (attempts, self.attempts) if n is not None), len(self.waits) + 1)
        if failures >= limit:
            return None
        return now + self.waits[min(failures, len(self.waits)) - 1]


def seconds(*waits: float, attempts: int | None = None) -> Backoff:
    return Backoff(tuple(timedelta(seconds=wait) for wait in waits), attempts)


def minutes(*waits: float, attempts: int | None = None) -> Backoff:
    return Backoff(tuple(timedelta(minutes=wait) for wait in waits), attempts)

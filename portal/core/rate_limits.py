"""Counts the portal keeps outside Flask-Limiter's decorators: a public page's visitor, a second-factor code.

They use the limiter's own storage and strategy (Redis, shared by every worker); while that storage does not
answer, this process counts alone, as Flask-Limiter's in-memory fallback does for the decorated views.
"""
from __future__ import annotations

from functools import lru_cache
import logging

from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter

from portal.extensions import limiter

log = logging.getLogger(__name__)
#: Where this process counts while the limiter's storage is away.
_alone = FixedWindowRateLimiter(MemoryStorage())


@lru_cache(maxsize=32)
def _limit(written: str):
    return parse(written)


def hit(written: str, *identifiers: str) -> bool:
    """One more under the limit `written` ("10 per 15 minutes") for `identifiers`; False once it is used up."""
    allowed = _limit(written)
    try:
        return limiter.limiter.hit(allowed, *identifiers)
    except Exception as error:  # noqa: BLE001  (the limiter's storage raises its own kinds)
        log.warning("the rate limiter's storage did not answer (%s); this process counts alone meanwhile", error)
        return _alone.hit(allowed, *identifiers)

"""The companies that carry WhatsApp and SMS messages, behind one shape (issue 39).

A provider is a module offering:

- `configured(config)`: whether the deployment set it up (its settings come from the environment);
- `send(config, to, kind, parts, text, locale)`: hand one message to it, answering its id for the message; raises
  `Refused` when it will never take it (a number not on WhatsApp, a template it does not know: the message falls
  back to the next channel at once) and `Unavailable` when it may later (a timeout, a 5xx, a 429: try again);
- `check(config)`: `mitrapas doctor`'s problems with it, one sentence each;
- `signed(config, body, headers)`: whether a callback really comes from it;
- `read_callback(config, payload)`: the statuses (`Update`) and the replies (`Reply`) a callback carries (for the
  portal's own number: one app may serve several).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
import hashlib
import hmac
import json

import urllib3


class Refused(Exception):
    """The provider will never take this message."""


class Unavailable(Exception):
    """The provider could not take it now; it may later."""


@dataclass(frozen=True)
class Update:
    """What became of a message: "sent", "delivered", "read" or "failed" (with the provider's words)."""

    provider_id: str
    status: str
    error: str | None = None


@dataclass(frozen=True)
class Reply:
    """A message a person sent back (STOP, BERHENTI, ...), from their number as the provider wrote it, and when
    (a STOP from before the number was verified again is a replay, not a new wish)."""

    phone: str
    text: str
    at: datetime | None = None


def moment(epoch) -> datetime | None:
    """A provider's Unix timestamp (seconds, as a number or a string), or None."""
    try:
        return datetime.fromtimestamp(int(epoch), timezone.utc)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


_POOL = urllib3.PoolManager(num_pools=4, maxsize=8, retries=False)


def call(method: str, url: str, *, token: str, body: dict | None = None, timeout: float) -> tuple[int, dict]:
    """One JSON request to a provider; (status, answer). A network failure is `Unavailable`."""
    try:
        answer = _POOL.request(method, url, body=json.dumps(body).encode() if body is not None else None,
                               headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
                               timeout=urllib3.Timeout(total=timeout))
    except urllib3.exceptions.HTTPError as error:
        raise Unavailable(f"{type(error).__name__}: {error}") from error
    try:
        data = json.loads(answer.data or b"{}")
    except ValueError:
        data = {}
    return answer.status, data if isinstance(data, dict) else {}


def signature_holds(secret: str, body: bytes, given: str) -> bool:
    """`given` is "sha256=" and the HMAC-SHA256 of `body` with `secret` (compared as bytes: a header of any
    characters is refused, never an error)."""
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return bool(secret) and hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode())


def judged(status: int, words: str) -> Exception:
    """A provider's refusal as the outbox treats it: 429 and 5xx may pass, any other 4xx will not."""
    return Unavailable(words) if status == 429 or status >= 500 else Refused(words)

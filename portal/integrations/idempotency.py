"""`Idempotency-Key` for the API's POSTs: a retry after a time-out answers what the first answered and makes
nothing twice; the same key with another request is refused. Kept per token, in the request's transaction."""
from __future__ import annotations

from dataclasses import dataclass
import hashlib

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.core import locking
from portal.core.errors import DomainError
from portal.extensions import db
from portal.integrations.token_models import ApiToken, IdempotentRequest

MAX_KEY_LENGTH = 100


@dataclass(frozen=True)
class Answer:
    status: int
    body: str


def fingerprint(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(b"\n".join((method.encode(), path.encode(), body))).hexdigest()


def earlier_answer(token: ApiToken, key: str, request_hash: str) -> Answer | None:
    """What this token's request with `key` answered, if it was made; waits for a copy still running."""
    if not key or len(key) > MAX_KEY_LENGTH:
        raise DomainError(_l("An Idempotency-Key has 1 to %(n)d characters.", n=MAX_KEY_LENGTH))
    locking.serialise(f"idempotency:{token.id}:{key}")
    earlier = db.session.scalar(select(IdempotentRequest).where(IdempotentRequest.token_id == token.id,
                                                                IdempotentRequest.key == key))
    if earlier is None:
        return None
    if earlier.request_hash != request_hash:
        raise DomainError(_l("This Idempotency-Key was used for another request; use a new key."))
    return Answer(earlier.status, earlier.body)


def remember(token: ApiToken, key: str, request_hash: str, answer: Answer) -> None:
    db.session.add(IdempotentRequest(organisation_id=token.organisation_id, token_id=token.id, key=key,
                                     request_hash=request_hash, status=answer.status, body=answer.body))
    db.session.flush()

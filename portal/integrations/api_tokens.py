"""API tokens: an organisation's managers give another system a named, scoped, expiring key to /api/v1.

The secret is shown once; only its SHA-256 is stored (it is random and long, so a slow hash adds
nothing). A token acts for its organisation alone, through the same tenancy and services as a page.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
import hashlib
import secrets

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal import policy
from portal.accounts.models import User
from portal.audit import chain as audit
from portal.core import clock
from portal.core.columns import as_utc, utcnow
from portal.core.errors import DomainError
from portal.core.tenancy import presenting
from portal.extensions import db
from portal.integrations.token_models import ApiToken
from portal.organisations.models import Organisation

#: What a token may be allowed, and what each allows, in the words its creator reads.
SCOPES = {
    "organisation:read": _l("Read the organisation and its partnerships"),
    "agreements:read": _l("Read agreements"),
    "contributions:read": _l("Read contributions and programmes"),
    "materials:read": _l("Read and download materials"),
    "materials:write": _l("Upload materials"),
    "figures:read": _l("Read the dashboard's figures"),
    "contributions:write": _l("Record contributions and open or close programmes"),
    "contributions:verify": _l("Verify or return contributions (facility officers)"),
    "products:read": _l("Read products (UMKM) and their certificates"),
    "sales:read": _l("Read sales of products"),
    "inquiries:read": _l("Read buyers' inquiries, with their contact (facilities only)"),
}
#: A token lives at most this long; the creator chooses a shorter life.
MAX_DAYS = 366
#: "Last used" is written at most this often.
LAST_USED_EVERY = timedelta(minutes=1)
PREFIX = "mitrapas_"


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    #: The whole secret: shown to its creator once, never stored.
    secret: str


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def tokens_of(organisation: Organisation, *, actor: User) -> list[ApiToken]:
    policy.require(policy.can_manage_integrations(actor, organisation))
    return list(db.session.scalars(select(ApiToken).where(ApiToken.organisation_id == organisation.id)
                                   .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc())))


def create(organisation: Organisation, name: str, scopes: list[str], expires_on: date, *,
           actor: User) -> IssuedToken:
    policy.require(policy.can_manage_integrations(actor, organisation))
    name = (name or "").strip()
    if not name:
        raise DomainError(_l("Give the token a name that says which system uses it."))
    if not scopes or any(scope not in SCOPES for scope in scopes):
        raise DomainError(_l("Choose at least one permission for the token."))
    today = clock.today()
    if not today <= expires_on <= today + timedelta(days=MAX_DAYS):
        raise DomainError(_l("The token must expire between today and %(days)d days from now.", days=MAX_DAYS))
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(organisation=organisation, name=name, prefix=secret[:len(PREFIX) + 6],
                     token_hash=digest(secret), scopes=sorted(set(scopes)), expires_on=expires_on,
                     created_by_id=actor.id)
    db.session.add(token)
    db.session.flush()
    audit.record("api_token.created", actor=actor, object_type="api_token", object_id=token.id,
                 organisation=organisation, after={"name": name, "scopes": token.scopes,
                                                   "expires_on": expires_on.isoformat()})
    return IssuedToken(token, secret)


def revoke(token: ApiToken, *, actor: User) -> None:
    policy.require(policy.can_manage_integrations(actor, token.organisation))
    if token.revoked_at is not None:
        raise DomainError(_l("This token has already been revoked."))
    token.revoked_at = utcnow()
    audit.record("api_token.revoked", actor=actor, object_type="api_token", object_id=token.id,
                 organisation=token.organisation, after={"name": token.name})


def holder_of(secret: str) -> ApiToken | None:
    """The live token this secret is (not revoked, not expired), read while presenting its digest."""
    if not secret.startswith(PREFIX):
        return None
    presented = digest(secret)
    with presenting(presented):
        token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == presented))
        if token is None or token.revoked_at is not None or token.expires_on < clock.today():
            return None
        if not token.organisation.is_active:  # loaded while the token is visible
            return None
    return token


def note_use(token: ApiToken) -> bool:
    """Last used, at most once a minute: whether it changed (the caller commits)."""
    now = utcnow()
    if token.last_used_at is not None and now - as_utc(token.last_used_at) < LAST_USED_EVERY:
        return False
    token.last_used_at = now
    return True


def allows(token: ApiToken, scope: str) -> bool:
    return scope in token.scopes


def acting_person(token: ApiToken) -> User | None:
    """Whom the token's changes are made as: its creator, while they still belong to its organisation (a token
    outlives nobody's access). Read in the organisation's scope."""
    person = token.created_by
    return person if person is not None and policy.role_of(person, token.organisation) is not None else None

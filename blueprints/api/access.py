"""What every /api/v1 request goes through: its token, the organisation it acts for, its scopes, its errors, and
the one answer a POST with an `Idempotency-Key` gets."""
from __future__ import annotations

from decimal import Decimal
from typing import Callable

from flask import Response, abort, g, json, request
from flask_babel import gettext as _

from blueprints.api import bp
from blueprints.api.problems import problem
from blueprints.api.schemas import OrganisationRef, OtherParty, Problem
from portal.audit import chain as audit
from portal.core import tenancy
from portal.core.errors import DomainError, NotAllowed
from portal.core.tenancy import Scope
from portal.extensions import db
from portal.integrations import api_tokens, idempotency
from portal.organisations import partnerships
from portal.organisations.models import OrgKind
from portal.organisations.partnership_models import Partnership

#: Read without a token: the description of the API and its reference page.
OPEN_ENDPOINTS = frozenset({"api.openapi", "api.reference"})
REFUSALS = {"HTTP_401": Problem, "HTTP_403": Problem, "HTTP_429": Problem}


@bp.before_request
def _authenticate():
    """The bearer token is the caller: it acts for its organisation, as a member acting there would."""
    if request.endpoint in OPEN_ENDPOINTS:
        return None
    scheme, _space, secret = request.headers.get("Authorization", "").partition(" ")
    token = api_tokens.holder_of(secret.strip()) if scheme.lower() == "bearer" else None
    if token is None:
        return problem(401)
    g.api_token, g.org = token, token.organisation
    g.tenant_token = tenancy.activate(Scope.of(token.organisation))
    g.api_actor = api_tokens.acting_person(token)
    if g.api_actor is None:
        return problem(401, _("The person who created this token no longer belongs to the organisation."))
    g.via_token = audit.via_token.set(token.name)
    if api_tokens.note_use(token):
        db.session.commit()
    return None


@bp.teardown_request
def _forget_token(exc=None):
    """The thread serves other requests next: its changes are no longer this token's."""
    reset = g.pop("via_token", None)
    if reset is not None:
        audit.via_token.reset(reset)


@bp.after_request
def _never_kept(response):
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.errorhandler(NotAllowed)
def _not_allowed(error: NotAllowed):
    return problem(403, str(error.message))


@bp.errorhandler(DomainError)
def _refused(error: DomainError):
    """A rule of the portal the description cannot state (a date in the future, a programme already closed): 422,
    so that 400 means only a request the description does not allow."""
    return problem(422, str(error.message))


def require(scope: str) -> None:
    if not api_tokens.allows(g.api_token, scope):
        abort(403)


def ref(organisation) -> OrganisationRef:
    return OrganisationRef(id=organisation.id, name=organisation.name)


def pair_with(other: OtherParty) -> Partnership:
    """The pair a new record is made for: the token's organisation on its own side, the other party as named;
    404 for a pair it does not see (or an oversight office, which makes no records)."""
    facility_id, partner_id = other.facility_id, other.partner_id
    if g.org.kind == OrgKind.FACILITY:
        facility_id = facility_id or g.org.id
    elif g.org.kind == OrgKind.PARTNER:
        partner_id = partner_id or g.org.id
    pair = partnerships.visible_pair(facility_id, partner_id) if facility_id and partner_id else None
    if pair is None or g.org.id not in (pair.facility_id, pair.partner_id):
        abort(404)
    return pair


def decimal_of(written: str | None) -> Decimal | None:
    return None if written is None else Decimal(written)


def answered_once(run, *, body: Callable[[], bytes] | None = None) -> Response:
    """A POST answered once per `Idempotency-Key`: the same key and request answer what they answered the first
    time, and change nothing again; the same key with another request is refused. `body` gives what stands for
    the request's own where that is a file (its fields and digest, read in chunks), and only when a key asks."""
    key = request.headers.get("Idempotency-Key")
    fingerprint = None if key is None else idempotency.fingerprint(
        request.method, request.path, request.get_data() if body is None else body())
    earlier = None if key is None else idempotency.earlier_answer(g.api_token, key, fingerprint)
    if earlier is not None:
        return Response(earlier.body, status=earlier.status, content_type="application/json")
    status, made = run()
    answer = idempotency.Answer(status, json.dumps(made.model_dump(mode="json")))
    if key is not None:
        idempotency.remember(g.api_token, key, fingerprint, answer)
    db.session.commit()
    return Response(answer.body, status=answer.status, content_type="application/json")



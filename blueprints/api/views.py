"""Translate /api/v1 requests into the services the pages use, and their answers into JSON."""
from __future__ import annotations

from flask import abort, g, jsonify, render_template, request
from spectree import Response as Answers

from blueprints.api import bp, spec
from blueprints.api.problems import from_http_error, problem
from blueprints.api.schemas import (
    AgreementDetail, AgreementOut, AgreementPage, AgreementQuery, OrganisationOut, OrganisationRef, PartnershipOut,
    Problem, SignatureOut,
)
from portal import tenancy
from portal.errors import DomainError, NotAllowed
from portal.extensions import db
from portal.models import Agreement
from portal.services import agreement_lists, api_tokens, partnerships
from portal.services.agreement_lists import AgreementFilter
from portal.tenancy import Scope, get_shared_or_404

#: Read without a token: the description of the API and its reference page.
OPEN_ENDPOINTS = frozenset({"api.openapi", "api.reference"})
REFUSALS = {"HTTP_401": Problem, "HTTP_403": Problem, "HTTP_429": Problem}


@bp.before_request
def _authenticate():
    """The bearer token is the caller: it acts for its organisation, as a member acting there would."""
    if request.endpoint in OPEN_ENDPOINTS:
        return None
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    token = api_tokens.holder_of(secret.strip()) if scheme.lower() == "bearer" else None
    if token is None:
        return problem(401)
    g.api_token, g.org = token, token.organisation
    g.tenant_token = tenancy.activate(Scope.of(token.organisation))
    if api_tokens.note_use(token):
        db.session.commit()
    return None


@bp.after_request
def _never_kept(response):
    response.headers["Cache-Control"] = "no-store"
    return response


# Per status: the pages' handlers are per status too, and Flask asks those before any handler of a class.
for _status in (400, 401, 403, 404, 405, 413, 429, 500, 503):
    bp.register_error_handler(_status, from_http_error)


@bp.errorhandler(NotAllowed)
def _not_allowed(error: NotAllowed):
    return problem(403, str(error.message))


@bp.errorhandler(DomainError)
def _refused(error: DomainError):
    return problem(400, str(error.message))


def _require(scope: str) -> None:
    if not api_tokens.allows(g.api_token, scope):
        abort(403)


def _ref(organisation) -> OrganisationRef:
    return OrganisationRef(id=organisation.id, name=organisation.name)


def _agreement(agreement: Agreement) -> dict:
    return dict(id=agreement.id, kind=agreement.kind, type=agreement.type, title=agreement.title,
                status=agreement.status, facility=_ref(agreement.facility), partner=_ref(agreement.partner),
                facility_number=agreement.facility_number, partner_number=agreement.partner_number,
                start_date=agreement.start_date, end_date=agreement.end_date, signed_at=agreement.signed_at,
                verification_code=agreement.verification_code, updated_at=agreement.updated_at)


@bp.get("/organisation")
@spec.validate(resp=Answers(HTTP_200=OrganisationOut, **REFUSALS), tags=["organisation"])
def organisation():
    """The organisation the token acts for, and the partnerships it sees. Scope `organisation:read`."""
    _require("organisation:read")
    org = g.org
    pairs = [PartnershipOut(facility=_ref(pair.facility), partner=_ref(pair.partner), since=pair.since)
             for pair in partnerships.visible_partnerships()]
    return OrganisationOut(id=org.id, name=org.name, kind=org.kind, province=org.province, partnerships=pairs)


@bp.get("/agreements")
@spec.validate(query=AgreementQuery, resp=Answers(HTTP_200=AgreementPage, HTTP_400=Problem, **REFUSALS),
               tags=["agreements"])
def agreements():
    """The agreements the organisation sees, newest first, with the filters of the agreement list.
    Scope `agreements:read`."""
    _require("agreements:read")
    query: AgreementQuery = request.context.query
    wanted = AgreementFilter(status=query.status, type=query.type, party=query.party, expiring=query.expiring,
                             search=query.search)
    found, last = agreement_lists.keyset_page(g.org, wanted, query.after, query.limit)
    return AgreementPage(items=[AgreementOut(**_agreement(agreement)) for agreement in found],
                         next=last)


@bp.get("/agreements/<int:agreement_id>")
@spec.validate(resp=Answers(HTTP_200=AgreementDetail, HTTP_404=Problem, **REFUSALS), tags=["agreements"])
def agreement(agreement_id: int):
    """One agreement with its signatures; another organisation's answers 404. Scope `agreements:read`."""
    _require("agreements:read")
    found = get_shared_or_404(Agreement, agreement_id)
    signatures = [SignatureOut(party=s.party, name=s.name, organisation=s.organisation_name, method=s.method,
                               signed_at=s.signed_at, signed_on=s.signed_on) for s in found.signatures]
    return AgreementDetail(**_agreement(found), signatures=signatures)


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3.1 description, generated from the views above."""
    return jsonify(spec.spec)


@bp.get("/")
def reference():
    """A reference page drawn from the same description: no script, no CDN."""
    return render_template("api/reference.html", description=spec.spec)

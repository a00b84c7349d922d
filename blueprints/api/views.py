"""Translate /api/v1 requests into the services the pages use, and their answers into JSON."""
from __future__ import annotations

import copy
from dataclasses import replace
from decimal import Decimal

from flask import Response, abort, g, json, jsonify, redirect, render_template, request
from flask_babel import gettext as _
from spectree import Response as Answers

from blueprints.api import bp, spec
from blueprints.api.problems import problem
from blueprints.api.schemas import (
    AgreementDetail, AgreementHistory, AgreementOut, AgreementPage, AgreementQuery, ContributionChange,
    ContributionIn, ContributionOut, ContributionPage, ContributionQuery, HistoryStep, MaterialOut, MaterialPage,
    MaterialQuery, OrganisationOut, OrganisationRef, PartnershipOut, Problem, Reason, SignatureOut, VersionOut,
)
from blueprints.stored_files import stored_file
from portal import tenancy, vocabulary
from portal.errors import DomainError, NotAllowed
from portal.extensions import db
from portal.models import Agreement, Contribution, DocumentKind, Material, MaterialVersion
from portal.services import (
    agreement_lists, api_tokens, audit, contributions, document_access, idempotency, keyset, materials,
    partnerships, webhook_events,
)
from portal.services.agreement_lists import AgreementFilter
from portal.services.contributions import ContributionFields
from portal.services.materials import MaterialFilter
from portal.tenancy import Scope, get_shared_or_404

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


@bp.get("/agreements/<int:agreement_id>/history")
@spec.validate(resp=Answers(HTTP_200=AgreementHistory, HTTP_404=Problem, **REFUSALS), tags=["agreements"])
def agreement_history(agreement_id: int):
    """Every recorded step of an agreement, oldest first. Scope `agreements:read`."""
    _require("agreements:read")
    found = get_shared_or_404(Agreement, agreement_id)
    steps = []
    for entry in agreement_lists.timeline(found):
        before, after = entry.changes.get("before", {}), entry.changes.get("after", {})
        steps.append(HistoryStep(action=entry.action, label=vocabulary.audit_action(entry.action),
                                 at=entry.created_at, status_before=before.get("status"),
                                 status_after=after.get("status")))
    return AgreementHistory(steps=steps)


@bp.get("/agreements/<int:agreement_id>/document.pdf")
@spec.validate(resp=Answers(HTTP_200=None, HTTP_404=Problem, **REFUSALS), tags=["agreements"])
def agreement_document(agreement_id: int):
    """The signed agreement's final PDF (with its certificate page); 404 until both parties have signed. Each
    download is recorded, as on the page. Scope `agreements:read`."""
    _require("agreements:read")
    found = get_shared_or_404(Agreement, agreement_id)
    final = found.document_of(DocumentKind.FINAL)
    if final is None:
        abort(404)
    document_access.record(final, actor=g.api_actor, organisation=g.org)
    db.session.commit()
    return stored_file(final.storage_key, final.content_type, download_name=final.filename,
                       headers={"Content-Length": str(final.size)})


@bp.get("/materials")
@spec.validate(query=MaterialQuery, resp=Answers(HTTP_200=MaterialPage, HTTP_400=Problem, **REFUSALS),
               tags=["materials"])
def material_list():
    """The materials the organisation sees (not deleted), newest first, each with its newest version. Scope
    `materials:read`."""
    _require("materials:read")
    query: MaterialQuery = request.context.query
    wanted = MaterialFilter(category=query.category, agreement_id=query.agreement_id, search=query.search)
    found, last = materials.keyset_page(g.org, wanted, query.after, query.limit)
    newest = materials.latest_versions(found)
    return MaterialPage(items=[_material(material, newest.get(material.id)) for material in found], next=last)


@bp.get("/materials/<int:material_id>/versions/<int:version_id>/file")
@spec.validate(resp=Answers(HTTP_303=None, HTTP_400=Problem, HTTP_404=Problem, HTTP_503=Problem, **REFUSALS),
               tags=["materials"])
def material_file(material_id: int, version_id: int):
    """A version's file: a redirect (303) to a link of the document store that works for a few minutes. Each
    download is recorded, as on the page. Scope `materials:read`."""
    _require("materials:read")
    material = get_shared_or_404(Material, material_id)
    version = get_shared_or_404(MaterialVersion, version_id)
    if material.deleted_at is not None or version.material_id != material.id:
        abort(404)
    url = materials.download_url(version)
    document_access.record(version, actor=g.api_actor, organisation=g.org)
    db.session.commit()
    return redirect(url, code=303)


def _material(material: Material, newest: MaterialVersion | None) -> MaterialOut:
    latest = None if newest is None else VersionOut(
        id=newest.id, number=newest.number, filename=newest.filename, content_type=newest.content_type,
        size=newest.size, sha256=newest.sha256, uploaded_at=newest.uploaded_at)
    return MaterialOut(id=material.id, category=material.category, title=material.title,
                       description=material.description, facility=_ref(material.facility),
                       partner=_ref(material.partner), agreement_id=material.agreement_id,
                       created_at=material.created_at, latest_version=latest)


def _contribution(contribution: Contribution) -> ContributionOut:
    return ContributionOut(
        id=contribution.id, type=contribution.type, status=contribution.status, title=contribution.title,
        description=contribution.description, facility=_ref(contribution.facility), partner=_ref(contribution.partner),
        started_on=contribution.started_on, ended_on=contribution.ended_on,
        participants_male=contribution.participants_male, participants_female=contribution.participants_female,
        participants_total=contribution.participants_total,
        hours=None if contribution.hours is None else str(contribution.hours),
        partner_people=contribution.partner_people, location=contribution.location,
        agreement_id=contribution.agreement_id, programme_id=contribution.programme_id)


@bp.get("/contributions")
@spec.validate(query=ContributionQuery, resp=Answers(HTTP_200=ContributionPage, HTTP_400=Problem, **REFUSALS),
               tags=["contributions"])
def contribution_list():
    """The contributions the organisation sees, newest first. Scope `contributions:read`."""
    _require("contributions:read")
    query: ContributionQuery = request.context.query
    found, last = keyset.page(contributions.listed(query.status and query.status.value,
                                                   query.type and query.type.value), Contribution,
                              query.after, query.limit)
    return ContributionPage(items=[_contribution(contribution) for contribution in found], next=last)


@bp.get("/contributions/<int:contribution_id>")
@spec.validate(resp=Answers(HTTP_200=ContributionOut, HTTP_404=Problem, **REFUSALS), tags=["contributions"])
def contribution(contribution_id: int):
    """One contribution; another organisation's answers 404. Scope `contributions:read`."""
    _require("contributions:read")
    return _contribution(get_shared_or_404(Contribution, contribution_id))


@bp.post("/contributions")
@spec.validate(json=ContributionIn, resp=Answers(HTTP_201=ContributionOut, HTTP_400=Problem, HTTP_404=Problem,
                                                  **REFUSALS), tags=["contributions"])
def record_contribution():
    """A partner's system records what it did for a facility; a facility officer verifies it next.
    Scope `contributions:write`."""
    _require("contributions:write")
    given: ContributionIn = request.context.json

    def record():
        pair = partnerships.visible_pair(given.facility_id, g.org.id)
        if pair is None:
            abort(404)
        fields = ContributionFields(
            type=given.type, title=given.title, started_on=given.started_on, ended_on=given.ended_on,
            description=given.description, participants_male=given.participants_male,
            participants_female=given.participants_female, participants_total=given.participants_total,
            hours=_decimal(given.hours), partner_people=given.partner_people, location=given.location,
            agreement=get_shared_or_404(Agreement, given.agreement_id) if given.agreement_id else None)
        return 201, _contribution(contributions.record_contribution(pair.facility, pair.partner, fields,
                                                                    actor=g.api_actor))
    return _once(record)


@bp.patch("/contributions/<int:contribution_id>")
@spec.validate(json=ContributionChange, resp=Answers(HTTP_200=ContributionOut, HTTP_400=Problem, HTTP_404=Problem,
                                                      **REFUSALS), tags=["contributions"])
def change_contribution(contribution_id: int):
    """Correct a contribution not yet verified (a returned one goes back to the officer). Scope
    `contributions:write`."""
    _require("contributions:write")
    found = get_shared_or_404(Contribution, contribution_id)
    change = request.context.json.model_dump(exclude_unset=True)
    if "hours" in change:
        change["hours"] = _decimal(change["hours"])
    fields = replace(ContributionFields.of(found), **change)
    contributions.update_contribution(found, fields, actor=g.api_actor)
    db.session.commit()
    return _contribution(found)


@bp.post("/contributions/<int:contribution_id>/verify")
@spec.validate(resp=Answers(HTTP_200=ContributionOut, HTTP_400=Problem, HTTP_404=Problem, **REFUSALS),
               tags=["contributions"])
def verify_contribution(contribution_id: int):
    """A facility officer's system confirms a contribution happened as recorded; from then on it counts.
    Scope `contributions:verify`."""
    _require("contributions:verify")
    found = get_shared_or_404(Contribution, contribution_id)

    def verify():
        contributions.verify_contribution(found, actor=g.api_actor)
        return 200, _contribution(found)
    return _once(verify)


@bp.post("/contributions/<int:contribution_id>/return")
@spec.validate(json=Reason, resp=Answers(HTTP_200=ContributionOut, HTTP_400=Problem, HTTP_404=Problem, **REFUSALS),
               tags=["contributions"])
def return_contribution(contribution_id: int):
    """A facility officer's system sends a contribution back to the partner with a reason. Scope
    `contributions:verify`."""
    _require("contributions:verify")
    found = get_shared_or_404(Contribution, contribution_id)

    def send_back():
        contributions.reject_contribution(found, request.context.json.reason, actor=g.api_actor)
        return 200, _contribution(found)
    return _once(send_back)


def _decimal(written: str | None) -> Decimal | None:
    return None if written is None else Decimal(written)


def _once(run) -> Response:
    """A POST answered once per `Idempotency-Key`: the same key and request answer what they answered the first
    time, and change nothing again; the same key with another request is refused."""
    key = request.headers.get("Idempotency-Key")
    fingerprint = None if key is None else idempotency.fingerprint(request.method, request.path, request.get_data())
    earlier = None if key is None else idempotency.earlier_answer(g.api_token, key, fingerprint)
    if earlier is not None:
        return Response(earlier.body, status=earlier.status, content_type="application/json")
    status, made = run()
    answer = idempotency.Answer(status, json.dumps(made.model_dump(mode="json")))
    if key is not None:
        idempotency.remember(g.api_token, key, fingerprint, answer)
    db.session.commit()
    return Response(answer.body, status=answer.status, content_type="application/json")


def _description() -> dict:
    """spectree's description, with what it cannot say: errors come as `application/problem+json`, documents as
    PDF."""
    described = copy.deepcopy(spec.spec)
    for path, operations in described["paths"].items():
        if path.endswith(".pdf"):
            operations["get"]["responses"]["200"]["content"] = {
                "application/pdf": {"schema": {"type": "string", "format": "binary"}}}
        for operation in operations.values():
            for status, answer in operation.get("responses", {}).items():
                if status.isdigit() and int(status) >= 400 and "application/json" in answer.get("content", {}):
                    answer["content"] = {"application/problem+json": answer["content"]["application/json"]}
    return described


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3.1 description, generated from the views above."""
    return jsonify(_description())


@bp.get("/")
def reference():
    """A reference page drawn from the same description: no script, no CDN."""
    return render_template("api/reference.html", description=_description(), webhook_events=webhook_events.EVENTS)

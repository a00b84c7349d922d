"""The organisation a token acts for, its partnerships, and its agreements."""
from __future__ import annotations

from flask import abort, g, request
from spectree import Response as Answers

from blueprints.api import bp, spec
from blueprints.api.access import REFUSALS, ref, require
from blueprints.api.schemas import (
    AgreementDetail, AgreementHistory, AgreementOut, AgreementPage, AgreementQuery, HistoryStep, OrganisationOut,
    PartnershipOut, Problem, SignatureOut, StepOut,
)
from blueprints.stored_files import stored_file
from portal.agreements import chains, lists as agreement_lists
from portal.agreements.lists import AgreementFilter
from portal.agreements.models import Agreement, DocumentKind
from portal.core import vocabulary
from portal.core.tenancy import get_shared_or_404
from portal.extensions import db
from portal.organisations import partnerships
from portal.privacy import document_access


def _agreement(agreement: Agreement) -> dict:
    return dict(id=agreement.id, kind=agreement.kind, type=agreement.type, title=agreement.title,
                status=agreement.status, facility=ref(agreement.facility), partner=ref(agreement.partner),
                facility_number=agreement.facility_number, partner_number=agreement.partner_number,
                start_date=agreement.start_date, end_date=agreement.end_date, signed_at=agreement.signed_at,
                verification_code=agreement.verification_code, updated_at=agreement.updated_at)


@bp.get("/organisation")
@spec.validate(resp=Answers(HTTP_200=OrganisationOut, **REFUSALS), tags=["organisation"])
def organisation():
    """The organisation the token acts for, and the partnerships it sees. Scope `organisation:read`."""
    require("organisation:read")
    org = g.org
    pairs = [PartnershipOut(facility=ref(pair.facility), partner=ref(pair.partner), since=pair.since)
             for pair in partnerships.visible_partnerships()]
    return OrganisationOut(id=org.id, name=org.name, kind=org.kind, province=org.province, partnerships=pairs)


@bp.get("/agreements")
@spec.validate(query=AgreementQuery, resp=Answers(HTTP_200=AgreementPage, HTTP_400=Problem, **REFUSALS),
               tags=["agreements"])
def agreements():
    """The agreements the organisation sees, newest first, with the filters of the agreement list.
    Scope `agreements:read`."""
    require("agreements:read")
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
    require("agreements:read")
    found = get_shared_or_404(Agreement, agreement_id)
    signatures = [SignatureOut(party=s.party, name=s.name, organisation=s.organisation_name, method=s.method,
                               signed_at=s.signed_at, signed_on=s.signed_on) for s in found.signatures]
    steps = [StepOut(position=number, name=step.name, actor=step.actor, status=step.state, current=step.current,
                     due_on=step.due_on, late=step.late, decided_at=step.decided_at, decided_by=step.decided_by,
                     decided_for=step.decided_for)
             for number, step in enumerate(chains.steps_of(found), start=1)]
    return AgreementDetail(**_agreement(found), signatures=signatures, steps=steps)


@bp.get("/agreements/<int:agreement_id>/history")
@spec.validate(resp=Answers(HTTP_200=AgreementHistory, HTTP_404=Problem, **REFUSALS), tags=["agreements"])
def agreement_history(agreement_id: int):
    """Every recorded step of an agreement, oldest first. Scope `agreements:read`."""
    require("agreements:read")
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
    require("agreements:read")
    found = get_shared_or_404(Agreement, agreement_id)
    final = found.document_of(DocumentKind.FINAL)
    if final is None:
        abort(404)
    document_access.record(final, actor=g.api_actor, organisation=g.org)
    db.session.commit()
    return stored_file(final.storage_key, final.content_type, download_name=final.filename,
                       headers={"Content-Length": str(final.size)})



"""Programmes through the API: listed, opened by either party, closed with who completed them."""
from __future__ import annotations

from flask import g, request
from spectree import Response as Answers

from blueprints.api import bp, spec
from blueprints.api.access import REFUSALS, answered_once, pair_with, ref, require
from blueprints.api.schemas import (
    Problem, ProgrammeClosing, ProgrammeIn, ProgrammeOut, ProgrammePage, ProgrammeQuery,
)
from portal.agreements.models import Agreement
from portal.contributions import programmes
from portal.contributions.models import Programme
from portal.contributions.programmes import ProgrammeFields
from portal.core.tenancy import get_shared_or_404
from portal.integrations import keyset


def _programme(programme: Programme) -> ProgrammeOut:
    return ProgrammeOut(
        id=programme.id, name=programme.name, type=programme.type, status=programme.status,
        facility=ref(programme.facility), partner=ref(programme.partner), agreement_id=programme.agreement_id,
        category=programme.category, duration_days=programme.duration_days, start_date=programme.start_date,
        end_date=programme.end_date, planned_participants=programme.planned_participants,
        actual_participants=programme.actual_participants, certificates_issued=programme.certificates_issued,
        closed_at=programme.closed_at)


@bp.get("/programmes")
@spec.validate(query=ProgrammeQuery, resp=Answers(HTTP_200=ProgrammePage, HTTP_400=Problem, **REFUSALS),
               tags=["programmes"])
def programme_list():
    """The programmes the organisation sees, newest first. Scope `contributions:read`."""
    require("contributions:read")
    query: ProgrammeQuery = request.context.query
    found, last = keyset.page(programmes.listed(query.status), Programme, query.after, query.limit)
    return ProgrammePage(items=[_programme(programme) for programme in found], next=last)


@bp.get("/programmes/<int:programme_id>")
@spec.validate(resp=Answers(HTTP_200=ProgrammeOut, HTTP_404=Problem, **REFUSALS), tags=["programmes"])
def programme(programme_id: int):
    """One programme; another organisation's answers 404. Scope `contributions:read`."""
    require("contributions:read")
    return _programme(get_shared_or_404(Programme, programme_id))


@bp.post("/programmes")
@spec.validate(json=ProgrammeIn, resp=Answers(HTTP_201=ProgrammeOut, HTTP_400=Problem, HTTP_404=Problem,
                                               HTTP_422=Problem, **REFUSALS), tags=["programmes"])
def open_programme():
    """The facility or the partner opens a programme; its sessions are contributions that name it. Scope
    `contributions:write`."""
    require("contributions:write")
    given: ProgrammeIn = request.context.json

    def open_it():
        pair = pair_with(given)
        fields = ProgrammeFields(
            name=given.name, type=given.type, start_date=given.start_date, end_date=given.end_date,
            category=given.category, duration_days=given.duration_days,
            planned_participants=given.planned_participants,
            agreement=get_shared_or_404(Agreement, given.agreement_id) if given.agreement_id else None)
        return 201, _programme(programmes.create_programme(pair.facility, pair.partner, fields, actor=g.api_actor))
    return answered_once(open_it)


@bp.post("/programmes/<int:programme_id>/close")
@spec.validate(json=ProgrammeClosing, resp=Answers(HTTP_200=ProgrammeOut, HTTP_400=Problem, HTTP_404=Problem,
                                                    HTTP_422=Problem, **REFUSALS), tags=["programmes"])
def close_programme(programme_id: int):
    """The closing: how many took part to the end, and the certificates handed over. Scope
    `contributions:write`."""
    require("contributions:write")
    found = get_shared_or_404(Programme, programme_id)
    closing: ProgrammeClosing = request.context.json

    def close_it():
        programmes.close_programme(found, actual_participants=closing.actual_participants,
                                   certificates_issued=closing.certificates_issued, end_date=closing.end_date,
                                   actor=g.api_actor)
        return 200, _programme(found)
    return answered_once(close_it)

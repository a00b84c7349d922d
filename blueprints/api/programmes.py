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
from portal.contributions.fields import PROGRAMME_FIELDS, Kind, ProgrammeFields
from portal.contributions.models import Programme
from portal.core.tenancy import get_shared_or_404
from portal.integrations import keyset


def _programme(programme: Programme) -> ProgrammeOut:
    return ProgrammeOut(facility=ref(programme.facility), partner=ref(programme.partner),
                        **{name: getattr(programme, name) for name in ProgrammeOut.model_fields
                           if name not in ("facility", "partner")})


def _taken(field, value):
    """A declared field's value as the API received it, as the service takes it (another pair's agreement: 404)."""
    if field.kind == Kind.AGREEMENT:
        return get_shared_or_404(Agreement, value) if value else None
    return value


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
        fields = ProgrammeFields(**{field.name: _taken(field, getattr(given, field.api_name))
                                    for field in PROGRAMME_FIELDS})
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

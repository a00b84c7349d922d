"""Contributions through the API: listed, recorded, corrected while unverified, verified or returned."""
from __future__ import annotations

from dataclasses import replace

from flask import abort, g, request
from spectree import Response as Answers

from blueprints.api import bp, spec
from blueprints.api.access import REFUSALS, answered_once, decimal_of, ref, require
from blueprints.api.schemas import (
    ContributionChange, ContributionIn, ContributionOut, ContributionPage, ContributionQuery, Problem, Reason,
)
from portal.agreements.models import Agreement
from portal.contributions import operations as contributions
from portal.contributions.models import Contribution
from portal.contributions.fields import FIELDS, ContributionFields, Kind
from portal.core.tenancy import get_shared_or_404
from portal.extensions import db
from portal.integrations import keyset
from portal.organisations import partnerships


def _contribution(contribution: Contribution) -> ContributionOut:
    return ContributionOut(
        id=contribution.id, status=contribution.status, facility=ref(contribution.facility),
        partner=ref(contribution.partner), **{field.api_name: _written(field, getattr(contribution, field.api_name))
                                              for field in FIELDS})


def _written(field, value):
    """A declared field's value as the API writes it: hours as a decimal string."""
    return str(value) if field.kind == Kind.HOURS and value is not None else value


def _taken(field, value):
    """A declared field's value as the API received it, as the service takes it: a linked record loaded (another
    pair's is a 404), hours as a decimal."""
    if field.kind == Kind.AGREEMENT:
        return get_shared_or_404(Agreement, value) if value else None
    return decimal_of(value) if field.kind == Kind.HOURS else value


def _fields_given(given: dict) -> dict:
    """The declared fields a body gave (by their API names), as `ContributionFields` names them."""
    return {field.name: _taken(field, given[field.api_name]) for field in FIELDS if field.api_name in given}


@bp.get("/contributions")
@spec.validate(query=ContributionQuery, resp=Answers(HTTP_200=ContributionPage, HTTP_400=Problem, **REFUSALS),
               tags=["contributions"])
def contribution_list():
    """The contributions the organisation sees, newest first. Scope `contributions:read`."""
    require("contributions:read")
    query: ContributionQuery = request.context.query
    found, last = keyset.page(contributions.listed(query.status and query.status.value,
                                                   query.type and query.type.value), Contribution,
                              query.after, query.limit)
    return ContributionPage(items=[_contribution(contribution) for contribution in found], next=last)


@bp.get("/contributions/<int:contribution_id>")
@spec.validate(resp=Answers(HTTP_200=ContributionOut, HTTP_404=Problem, **REFUSALS), tags=["contributions"])
def contribution(contribution_id: int):
    """One contribution; another organisation's answers 404. Scope `contributions:read`."""
    require("contributions:read")
    return _contribution(get_shared_or_404(Contribution, contribution_id))


@bp.post("/contributions")
@spec.validate(json=ContributionIn, resp=Answers(HTTP_201=ContributionOut, HTTP_400=Problem, HTTP_404=Problem,
                                                  HTTP_422=Problem, **REFUSALS), tags=["contributions"])
def record_contribution():
    """A partner's system records what it did for a facility; a facility officer verifies it next.
    Scope `contributions:write`."""
    require("contributions:write")
    given: ContributionIn = request.context.json

    def record():
        pair = partnerships.visible_pair(given.facility_id, g.org.id)
        if pair is None:
            abort(404)
        fields = ContributionFields(**_fields_given(given.model_dump()))
        return 201, _contribution(contributions.record_contribution(pair.facility, pair.partner, fields,
                                                                    actor=g.api_actor))
    return answered_once(record)


@bp.patch("/contributions/<int:contribution_id>")
@spec.validate(json=ContributionChange, resp=Answers(HTTP_200=ContributionOut, HTTP_400=Problem, HTTP_404=Problem,
                                                      HTTP_422=Problem, **REFUSALS), tags=["contributions"])
def change_contribution(contribution_id: int):
    """Correct a contribution not yet verified (a returned one goes back to the officer). Scope
    `contributions:write`."""
    require("contributions:write")
    found = get_shared_or_404(Contribution, contribution_id)
    fields = replace(ContributionFields.of(found), **_fields_given(request.context.json.model_dump(exclude_unset=True)))
    contributions.update_contribution(found, fields, actor=g.api_actor)
    db.session.commit()
    return _contribution(found)


@bp.post("/contributions/<int:contribution_id>/verify")
@spec.validate(resp=Answers(HTTP_200=ContributionOut, HTTP_400=Problem, HTTP_404=Problem,
                            HTTP_422=Problem, **REFUSALS), tags=["contributions"])
def verify_contribution(contribution_id: int):
    """A facility officer's system confirms a contribution happened as recorded; from then on it counts.
    Scope `contributions:verify`."""
    require("contributions:verify")
    found = get_shared_or_404(Contribution, contribution_id)

    def verify():
        contributions.verify_contribution(found, actor=g.api_actor)
        return 200, _contribution(found)
    return answered_once(verify)


@bp.post("/contributions/<int:contribution_id>/return")
@spec.validate(json=Reason, resp=Answers(HTTP_200=ContributionOut, HTTP_400=Problem, HTTP_404=Problem,
                                          HTTP_422=Problem, **REFUSALS), tags=["contributions"])
def return_contribution(contribution_id: int):
    """A facility officer's system sends a contribution back to the partner with a reason. Scope
    `contributions:verify`."""
    require("contributions:verify")
    found = get_shared_or_404(Contribution, contribution_id)

    def send_back():
        contributions.reject_contribution(found, request.context.json.reason, actor=g.api_actor)
        return 200, _contribution(found)
    return answered_once(send_back)



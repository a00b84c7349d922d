"""The API's description (OpenAPI 3.1, written by spectree from the views) and its reference page."""
from __future__ import annotations

import copy

from flask import jsonify, render_template

from blueprints.api import bp, spec
from portal.integrations import webhook_events


def _description() -> dict:
    """spectree's description, with what it cannot say: every operation needs a bearer token, errors come as
    `application/problem+json`, documents as PDF, and a body in another media type than the one described is
    refused (415, by `bodies`)."""
    described = copy.deepcopy(spec.spec)
    described.setdefault("components", {})["securitySchemes"] = {
        "token": {"type": "http", "scheme": "bearer", "description": "An API token (`mitrapas_...`) made by an "
                                                                    "organisation's manager, with its scopes."}}
    described["security"] = [{"token": []}]
    for path, operations in described["paths"].items():
        if path.endswith(".pdf"):
            operations["get"]["responses"]["200"]["content"] = {
                "application/pdf": {"schema": {"type": "string", "format": "binary"}}}
        for operation in operations.values():
            responses = operation.get("responses", {})
            if "requestBody" in operation:
                responses["415"] = {"description": "Unsupported Media Type",
                                    "content": copy.deepcopy(responses["400"]["content"])}
            for status, answer in responses.items():
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

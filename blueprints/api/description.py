"""The API's description (OpenAPI 3.1, written by spectree from the views) and its reference page."""
from __future__ import annotations

import copy

from flask import jsonify, render_template

from blueprints.api import bp, spec
from portal.services import webhook_events


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

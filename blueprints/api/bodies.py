"""How /api/v1 reads what a request sends: one place, under every operation spectree validates.

A body is read only in the media type its operation declares (JSON as `application/json`, an upload as
`multipart/form-data` with its boundary) and whole: anything else is a problem (415 or 400) before the view runs,
never a body read as nothing. JSON is read as JSON Schema reads it (strictly: `"5"` is not an integer, `0` not a
day), as the description says. A query or body the description does not allow is a problem (400) naming each
field and its rule, never echoing what was sent (a file cannot be written as JSON, and the caller knows what it
sent).
"""
from __future__ import annotations

from flask import abort
from flask_babel import gettext as _
from spectree.model_adapter.pydantic_adapter import PydanticModelAdapter
from spectree.plugins.base import Context
from spectree.plugins.flask_plugin import FlaskPlugin
from spectree.utils import get_multidict_items

from blueprints.api.problems import problem

JSON = "application/json"
FORM = "multipart/form-data"


class DeclaredBodies(FlaskPlugin):
    """spectree's Flask plugin, which read a body of another media type as none at all (the view then met `None`),
    an empty, broken or `null` JSON body as `{}`, and JSON leniently (`"5"` as 5)."""

    def request_validation(self, request, query, json, form, headers, cookies):
        check = self.model_adapter.validate_obj
        asked = check(query, get_multidict_items(request.args, query)) if query else None
        sent = _json_of(request, json) if json else check(form, _form_of(request, self.fill_form)) if form else None
        request.context = Context(
            asked,
            sent if json else None,
            sent if form else None,
            check(headers, dict(iter(request.headers))) if headers else None,
            check(cookies, get_multidict_items(request.cookies)) if cookies else None,
        )


def _json_of(request, model):
    if request.mimetype != JSON:
        abort(problem(415, _("Send the body as %(media_type)s.", media_type=JSON)))
    return model.model_validate_json(request.get_data(), strict=True)


def _form_of(request, fill_form) -> dict:
    if request.mimetype != FORM:
        abort(problem(415, _("Send the body as %(media_type)s.", media_type=FORM)))
    if not request.mimetype_params.get("boundary"):
        abort(problem(400, _("A multipart/form-data body needs its boundary.")))
    return fill_form(request)


class FieldErrors(PydanticModelAdapter):
    """pydantic's errors as spectree writes them (as JSON, before any hook sees them): without the input."""

    def validation_errors(self, err):
        return err.errors(include_url=False, include_context=False, include_input=False)


def refuse_invalid(request, response, error, instance, model_adapter) -> None:
    """A query or body the description does not allow: a problem (400) naming each field, not spectree's 422."""
    if error is not None:
        abort(problem(400, errors=[{"field": ".".join(str(part) for part in item["loc"]), "message": item["msg"]}
                                   for item in error.errors(include_url=False, include_input=False)]))

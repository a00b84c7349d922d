"""/api/v1: JSON for partner and ministry systems, over the same services, policy and tenancy as the pages.

A request carries an API token (`Authorization: Bearer ...`); it acts for the token's organisation
alone, within the token's scopes. The OpenAPI description is generated from the views' pydantic
models by spectree; errors are RFC 9457 problem details.
"""
from flask import Blueprint, current_app, request
from spectree import SpecTree

from blueprints.api.bodies import DeclaredBodies, FieldErrors, refuse_invalid
from blueprints.api.problems import problem
from blueprints.api.schemas import Problem
from portal.core.errors import answer_errors_under
from portal.extensions import csrf, limiter

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # a bearer token, not a cookie: nothing for a forged form to ride on


#: Only the views decorated with `spec.validate` are described; the description is served by `views.openapi`.
#: What a request sends is read by `bodies`; what it may not send is a problem (400), described as such.
spec = SpecTree("flask", backend=DeclaredBodies, model_adapter=FieldErrors(), title="MitraPAS API", version="1",
                mode="strict", page_templates={}, annotations=False, before=refuse_invalid,
                validation_error_status=400, validation_error_model=Problem)


def _limit() -> str:
    return current_app.config["API_LIMIT"]


def _token_key() -> str:
    """Per token, without asking the database (limits are checked before the token is looked up)."""
    from portal.integrations.api_tokens import digest
    return "api:" + digest(request.headers.get("Authorization", ""))[:24]


limiter.limit(_limit, key_func=_token_key)(bp)

# Every error under /api/v1/ is a problem, through the portal's own error handlers: raised by a view, by the
# rate limiter, or where no view was found (a malformed record number).
answer_errors_under(bp.url_prefix + "/", problem)

from blueprints.api import (  # noqa: E402,F401
    access, agreements, contributions, description, figures, materials, programmes, umkm,
)

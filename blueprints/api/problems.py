"""Errors as RFC 9457 problem details (`application/problem+json`), titled in the caller's language."""
from __future__ import annotations

from flask import Response, json
from flask_babel import gettext as _

TITLES = {
    400: lambda: _("The request is not valid."),
    401: lambda: _("A valid API token is needed."),
    403: lambda: _("This token may not do this."),
    404: lambda: _("Not found."),
    405: lambda: _("This method is not allowed here."),
    413: lambda: _("The request is too large."),
    415: lambda: _("This media type is not accepted here."),
    422: lambda: _("This request cannot be carried out."),
    429: lambda: _("Too many requests."),
    500: lambda: _("An error occurred on our side."),
    503: lambda: _("The service is unavailable for a moment."),
}


def problem(status: int, detail: str | None = None, **extra) -> Response:
    body = {"type": "about:blank", "title": (TITLES.get(status) or TITLES[400])(), "status": status}
    if detail:
        body["detail"] = detail
    body.update(extra)
    answer = Response(json.dumps(body), status=status, content_type="application/problem+json")
    if status == 401:
        answer.headers["WWW-Authenticate"] = 'Bearer realm="MitraPAS"'
    return answer

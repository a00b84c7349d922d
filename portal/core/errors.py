"""What can go wrong, and how each failure is shown to a person."""
from __future__ import annotations

from collections.abc import Callable

from flask import Flask, make_response, render_template, request
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from werkzeug.exceptions import HTTPException


class PlainText(LazyString):
    """A message translated when it is shown (an upload refused in storage's thread has no request's language)
    and escaped wherever it is shown: Flask-Babel's lazy strings count as HTML, so a file name in one, flashed,
    came back from the session cookie as markup."""

    def __html__(self) -> str:
        return str(escape(str(self)))


class DomainError(Exception):
    """A rule of the product was broken; the message is shown to the user as is, as plain text."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = PlainText(str, message)


class FieldErrors(DomainError):
    """Rules broken by named fields, all found at once: a form shows each message beside its field (the names are
    the service's, which the forms share); the API and an import read them joined, as one message."""

    def __init__(self, problems: dict[str, object]):
        super().__init__(" ".join(str(message) for message in problems.values()))
        self.problems = problems


class NotAllowed(DomainError):
    """The acting user may not do this."""

    def __init__(self, message=None):
        super().__init__(message or _l("You are not allowed to do this."))


#: Address prefixes whose errors another renderer answers (the API's problem details), by prefix.
_RENDERERS: dict[str, Callable[[int], object]] = {}


def answer_errors_under(prefix: str, renderer: Callable[[int], object]) -> None:
    """Errors of any address under `prefix` (an unknown record number in the URL, a database restart) are
    answered by `renderer(status)` instead of a page: an API caller reads JSON, not HTML."""
    _RENDERERS[prefix] = renderer


def _renderer_of_request():
    return next((renderer for prefix, renderer in _RENDERERS.items() if request.path.startswith(prefix)), None)


def register_error_handlers(app: Flask) -> None:
    def page(template: str, status: int):
        def answer(error):
            renderer = _renderer_of_request()
            shown = make_response(renderer(status) if renderer is not None
                                  else (render_template(f"errors/{template}.html", error=error), status))
            if isinstance(error, HTTPException):  # what the error says in headers: a 405's Allow (RFC 9110)
                for name, value in error.get_headers():
                    if name.lower() != "content-type":
                        shown.headers.setdefault(name, value)
            return shown
        return answer

    from sqlalchemy.exc import InterfaceError, OperationalError

    from portal.core.storage import StorageError

    app.register_error_handler(CSRFError, page("csrf", 400))
    app.register_error_handler(OperationalError, _database_unavailable)
    app.register_error_handler(InterfaceError, _database_unavailable)
    app.register_error_handler(NotAllowed, page("403", 403))
    app.register_error_handler(StorageError, page("503", 503))
    for status in (400, 403, 404, 405, 413, 429, 500, 503):
        app.register_error_handler(status, page(str(status), status))
    # Registered after Flask-SQLAlchemy's own teardown, so it runs first and leaves that one nothing to do.
    app.teardown_appcontext(release_session)


def release_session(error=None) -> None:
    """End the request's session; a database gone meanwhile must not turn an answer already made into a 500.

    Closing rolls back, and the rollback of a connection the database has just terminated
    (a restart under traffic) raises: its connections are then dropped without a word to it.
    """
    from sqlalchemy.exc import InterfaceError, OperationalError

    from portal.extensions import db

    try:
        db.session.remove()
    except (OperationalError, InterfaceError):
        db.session.registry().invalidate()
        db.session.registry.clear()


def _database_unavailable(error):
    """The database restarting or out of reach: the request's transaction is gone whole; say "try again".

    The page is drawn without the context processors (the bell, the menu), which
    would ask the database again, and in the language the session chose.
    """
    from flask import current_app, session
    from flask_babel import force_locale

    from portal.core.i18n import LANGUAGE_KEY

    renderer = _renderer_of_request()
    if renderer is not None:
        answer = renderer(503)
        answer.headers["Retry-After"] = "10"
        return answer
    locale = session.get(LANGUAGE_KEY) or current_app.config["BABEL_DEFAULT_LOCALE"]
    with force_locale(locale):
        page = current_app.jinja_env.get_template("errors/unavailable.html").render(locale=locale)
    return page, 503, {"Retry-After": "10"}

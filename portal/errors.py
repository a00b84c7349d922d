"""What can go wrong, and how each failure is shown to a person."""
from __future__ import annotations

from flask import Flask, render_template
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError


class DomainError(Exception):
    """A rule of the product was broken; the message is shown to the user as is."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


class NotAllowed(DomainError):
    """The acting user may not do this."""

    def __init__(self, message=None):
        super().__init__(message or _l("You are not allowed to do this."))


def register_error_handlers(app: Flask) -> None:
    def page(template: str, status: int):
        return lambda error: (render_template(f"errors/{template}.html", error=error), status)

    app.register_error_handler(CSRFError, page("csrf", 400))
    app.register_error_handler(NotAllowed, page("403", 403))
    for status in (400, 403, 404, 405, 413, 429, 500):
        app.register_error_handler(status, page(str(status), status))

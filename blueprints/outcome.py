"""Commit once per request, or roll back and tell the user which rule was broken."""
from contextlib import contextmanager
from dataclasses import dataclass

from flask import flash, jsonify
from werkzeug.exceptions import HTTPException

from portal.errors import DomainError, NotAllowed
from portal.extensions import db


@dataclass
class Outcome:
    ok: bool = False


@contextmanager
def committed():
    """Run a service call: commit it, or on a DomainError roll back and flash the message."""
    outcome = Outcome()
    try:
        yield outcome
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        outcome.ok = True


class Refused(HTTPException):
    """A broken rule, answered as JSON: {"error": the message}, 403 for permission, else 422."""

    def __init__(self, error: DomainError):
        super().__init__(response=jsonify(error=str(error.message)))
        self.response.status_code = 403 if isinstance(error, NotAllowed) else 422


@contextmanager
def committed_or_refused():
    """`committed` for JSON endpoints: commit, or roll back and answer the rule's message."""
    try:
        yield
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        raise Refused(error) from error

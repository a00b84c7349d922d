"""Commit once per request, or roll back and tell the user which rule was broken."""
from contextlib import contextmanager
from dataclasses import dataclass

from flask import flash, jsonify
from werkzeug.exceptions import HTTPException

from portal.core.errors import DomainError, FieldErrors, NotAllowed
from portal.core.transactional_files import FileRefused
from portal.extensions import db


@dataclass
class Outcome:
    ok: bool = False


@contextmanager
def committed(form=None, *, file_field: str | None = None):
    """Run a service call: commit it, or on a DomainError roll back and say why.

    With `form`, a rule broken by its fields (FieldErrors) is shown beside each field, and a refused file
    (FileRefused) beside `file_field`, where the person looks; anything else is flashed.
    """
    outcome = Outcome()
    try:
        yield outcome
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        if not _shown_beside_fields(form, file_field, error):
            flash(error.message, "danger")
    else:
        outcome.ok = True


def _shown_beside_fields(form, file_field: str | None, error: DomainError) -> bool:
    if form is None:
        return False
    problems = error.problems if isinstance(error, FieldErrors) else \
        {file_field: error.message} if isinstance(error, FileRefused) and file_field else {}
    if not problems or not all(name in form for name in problems):
        return False
    for name, message in problems.items():
        form[name].errors = [*form[name].errors, str(message)]  # str: a lazy string is never escaped
    return True


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

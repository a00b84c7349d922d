"""Commit once per request, or roll back and tell the user which rule was broken."""
from contextlib import contextmanager
from dataclasses import dataclass

from flask import flash

from portal.errors import DomainError
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

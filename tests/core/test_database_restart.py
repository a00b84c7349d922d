"""A database that goes away while a request ends (a restart under traffic) does not turn its answer into a 500."""
import pytest
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from portal.core.errors import release_session
from portal.extensions import db


def test_a_rollback_refused_by_a_terminated_connection_still_ends_the_session_quietly(app, monkeypatch):
    with app.app_context():
        broken_session = db.session()
        invalidated = []

        def terminated(self):
            raise OperationalError("ROLLBACK", {}, Exception("terminating connection due to administrator command"))
        monkeypatch.setattr(Session, "close", terminated)
        monkeypatch.setattr(Session, "invalidate", lambda self: invalidated.append(self))
        with pytest.raises(OperationalError):  # what Flask-SQLAlchemy's own teardown would let through
            db.session.remove()
        release_session()
        assert invalidated == [broken_session]
        monkeypatch.undo()
        assert db.session() is not broken_session  # the next request starts with a new session


def test_the_quiet_ending_runs_before_flask_sqlalchemys_own(app):
    assert app.teardown_appcontext_funcs[-1] is release_session  # Flask runs the last registered first

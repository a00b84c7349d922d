"""A database that goes away while a request ends (a restart under traffic) does not turn its answer into a 500;
one that ended a connection while it lay idle is not seen by the next request at all."""
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

import portal
from portal.core.errors import release_session
from portal.extensions import db
from tests.conftest import app_of_its_own
from tests.databases import server_url


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


# --- idle connections are asked before use; busy ones are not (issue 36) ------------------------------------------

@pytest.fixture(scope="module")
def pooled_app():
    if server_url() is None:
        pytest.skip("the pool is pinged on PostgreSQL; SQLite's connections are files")
    with app_of_its_own("pings") as app:
        yield app


def a_request(app) -> int:
    """What one request does with the pool: take a connection, ask something, give it back; its server process."""
    with app.app_context():
        backend = db.session.execute(text("SELECT pg_backend_pid()")).scalar()
        db.session.remove()
    return backend


def pings_counted(app, monkeypatch) -> list:
    with app.app_context():
        dialect = db.engine.dialect
    pings = []
    original = type(dialect).do_ping
    monkeypatch.setattr(type(dialect), "do_ping", lambda self, connection: pings.append(1) or original(self, connection))
    return pings


@pytest.mark.own_database
def test_a_connection_in_steady_use_is_not_pinged_before_each_request(pooled_app, monkeypatch):
    a_request(pooled_app)
    pings = pings_counted(pooled_app, monkeypatch)
    for _ in range(5):
        a_request(pooled_app)
    assert pings == []


@pytest.mark.own_database
def test_a_connection_the_server_ended_while_it_lay_idle_is_replaced_before_a_request_sees_it(pooled_app, monkeypatch):
    ended = a_request(pooled_app)
    with create_engine(server_url(), isolation_level="AUTOCOMMIT").connect() as admin:
        admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": ended})
    monkeypatch.setattr(portal, "PING_AFTER_IDLE_SECONDS", 0.0)  # as after a quiet night
    pings = pings_counted(pooled_app, monkeypatch)
    assert a_request(pooled_app) != ended
    assert pings


@pytest.mark.own_database
def test_a_connection_just_made_is_not_pinged(pooled_app, monkeypatch):
    with pooled_app.app_context():
        db.engine.dispose()
    pings = pings_counted(pooled_app, monkeypatch)
    a_request(pooled_app)
    assert pings == []

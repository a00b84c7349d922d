"""Story: whatever writes to the database through the portal (a request, a command, a job, a plain SQL statement
or a migration) retires the pages kept for sessions and for the public once it is committed; bookkeeping, a
rollback and a read do not. An operator who changed data elsewhere (psql, a restore) says so with one command
(issue 32, hole 5).

These tests commit, so they use a database of their own instead of the rolled-back transaction of the others."""
import pytest
from sqlalchemy import text, update

from portal.accounts.models import LoginSession
from portal.core import committed_writes, session_pages
from portal.core.tenancy import unscoped
from portal.extensions import cache, db
from portal.organisations.models import Role
from portal.public import kept_pages as public_cache
from tests.conftest import Web, app_of_its_own
from tests.factories import PASSWORD, FacilityFactory, member_of

pytestmark = pytest.mark.own_database


@pytest.fixture(scope="module")
def committing_app():
    with app_of_its_own("writes") as app:
        yield app


@pytest.fixture
def head(committing_app):
    """A head of a facility, committed, and the address of their dashboard."""
    with committing_app.app_context(), unscoped("test data is set up across tenants"):
        facility = FacilityFactory()
        person = member_of(facility, Role.HEAD)
        found = {"email": person.email, "id": person.id, "dashboard": f"/o/{facility.slug}/"}
        db.session.commit()
    return found


def versions(app) -> tuple:
    """The signed-in and the public version, as the store holds them."""
    with app.app_context():
        return cache.get(session_pages.DATA_VERSION_KEY), cache.get(public_cache.VERSION_KEY)


def moved_by(app, change) -> tuple[bool, bool]:
    """Whether committing `change` (in an application context of its own) moved the signed-in and the public
    versions on."""
    before = versions(app)
    with app.app_context():
        change()
    after = versions(app)
    return before[0] != after[0], before[1] != after[1]


def in_a_session(statement, **options):
    def change():
        with unscoped("test: a command's statement"):
            db.session.execute(statement.execution_options(**options))
            db.session.commit()
    return change


def on_a_connection(statement: str):
    def change():
        with db.engine.begin() as connection:
            connection.exec_driver_sql(statement)
    return change


def rolled_back():
    with unscoped("test: a change thought better of"):
        db.session.execute(text("UPDATE organisations SET name = name"))
        db.session.rollback()


def a_read():
    db.session.execute(text("SELECT count(*) FROM organisations")).scalar()
    db.session.commit()


def a_flush():
    with unscoped("test: a command that adds a facility"):
        FacilityFactory()
        db.session.commit()


@pytest.mark.parametrize("change, moves", [
    (a_flush, (True, True)),
    (in_a_session(text("UPDATE organisations SET name = name")), (True, True)),
    (in_a_session(update(LoginSession).values(revoked_at=None)), (True, False)),
    (on_a_connection("UPDATE organisations SET name = name"), (True, True)),
    (in_a_session(update(LoginSession).values(last_seen_at=db.func.now()), **committed_writes.BOOKKEEPING),
     (False, False)),
    (rolled_back, (False, False)),
    (a_read, (False, False)),
], ids=["orm flush", "text() in a session", "update() of a personal table", "a connection's own statement",
        "bookkeeping", "rolled back", "a read"])
def test_what_is_committed_moves_the_versions_on(committing_app, head, change, moves):
    assert moved_by(committing_app, change) == moves


def test_a_session_ended_by_a_plain_sql_statement_is_not_answered_its_kept_page(committing_app, head):
    person = Web(committing_app.test_client())
    assert person.login(head["email"], PASSWORD).status_code == 302
    person.get(head["dashboard"])
    assert person.get(head["dashboard"]).status_code == 200, "kept now"
    with committing_app.app_context(), unscoped("test: an operator ends every session by SQL"):
        db.session.execute(text("UPDATE login_sessions SET revoked_at = CURRENT_TIMESTAMP WHERE user_id = :id"),
                           {"id": head["id"]})
        db.session.commit()
    answer = person.get(head["dashboard"])
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]


def test_an_operator_retires_every_kept_page_after_changing_data_elsewhere(committing_app):
    before = versions(committing_app)
    result = committing_app.test_cli_runner().invoke(args=["portal", "forget-kept-pages"])
    assert result.exit_code == 0, result.output
    assert "Every kept page (public and signed-in) is retired" in result.output
    after = versions(committing_app)
    assert before[0] != after[0] and before[1] != after[1]


@pytest.mark.parametrize("statement, tables", [
    ('INSERT INTO contributions (title) VALUES (:t)', {"contributions"}),
    ('UPDATE "users" SET name = :n', {"users"}),
    ("DELETE FROM public.materials WHERE id = 1", {"materials"}),
    ("  /* a comment */ update agreements set title = 'x'", {"agreements"}),
    ("WITH gone AS (DELETE FROM uploads RETURNING id) SELECT count(*) FROM gone", {committed_writes.EVERY_TABLE}),
    ("WITH recent AS (SELECT 1) SELECT * FROM recent", set()),
    ("TRUNCATE news_items, news_quotes", {committed_writes.EVERY_TABLE}),
    ("ALTER TABLE users ADD COLUMN x int", {committed_writes.EVERY_TABLE}),
    ("SELECT * FROM agreements FOR UPDATE", set()),
    ("SELECT set_config('mitrapas.org_id', '1', true)", set()),
    ("BEGIN IMMEDIATE", set()),
    ("INSERT OR IGNORE INTO contributions (title) VALUES ('x')", {committed_writes.EVERY_TABLE}),
    ("REFRESH MATERIALIZED VIEW dashboard_figures", {committed_writes.EVERY_TABLE}),
    ("(UPDATE agreements SET title = 'x')", {committed_writes.EVERY_TABLE}),
    ("EXPLAIN ANALYZE UPDATE agreements SET title = 'x'", {committed_writes.EVERY_TABLE}),
])
def test_the_tables_a_statement_writes_are_read_from_its_text(statement, tables):
    assert committed_writes.tables_written(statement) == tables


def test_a_connection_lost_mid_transaction_is_rolled_back_without_a_second_error(committing_app):
    """A database restart invalidates the connection: its rollback must not fail on the notes of what it wrote
    (the mail worker died of that in the deployed tier's restart story)."""
    with committing_app.app_context():
        connection = db.engine.connect()
        transaction = connection.begin()
        connection.exec_driver_sql("UPDATE organisations SET name = name")
        connection.invalidate()
        transaction.rollback()
        connection.close()

"""Fixtures: one migrated database per session, one rolled-back transaction per test."""
from __future__ import annotations

from contextlib import contextmanager, nullcontext
import os
from pathlib import Path
import re
import shutil
import tempfile
import threading
import time

from cryptography.fernet import Fernet
from flask.testing import FlaskClient
from flask_migrate import upgrade
from flask_sqlalchemy.session import Session
import pytest
from sqlalchemy import event
from werkzeug.serving import make_server

from mitrapas_dev import demo
from mitrapas_dev.seaweedfs import SeaweedFS
from portal import create_app
from portal.core import committed_writes, session_pages, whose_pages
from portal.extensions import cache, db, limiter
from tests.databases import Database, fresh_database

# The tests' day is the portal's (its users', TIMEZONE, Asia/Jakarta), whatever zone the machine keeps: between
# 17:00 and 24:00 UTC a test's `date.today()` was a day behind the portal's `clock.today()`, and tests of "not in
# the future" or "expires today" failed. Processes the tests start (gunicorn, Chromium) inherit it.
os.environ["TZ"] = os.environ.get("TIMEZONE", "Asia/Jakarta")
time.tzset()

#: Seals TOTP secrets in the tests' databases (portal/core/sealing.py); a new one each run, as a deployment's own.
TEST_SECRETS_KEY = Fernet.generate_key().decode()

ARTIFACTS = Path(__file__).parent / "artifacts"
#: The portal CA's key folder for this run (never instance/, which `make run` keeps).
SIGNING_KEY_DIR = tempfile.mkdtemp(prefix="mitrapas-signing-")


class RequestPerContextClient(FlaskClient):
    """Each request gets its own app context (fresh `g`, its own session), as in production."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


def make_app(database, migrated: bool = True, **overrides):
    config = {
        "ENV_NAME": "testing",
        "SECRET_KEY": "test-secret-key",
        "SECRETS_KEYS": (TEST_SECRETS_KEY,),
        "SQLALCHEMY_DATABASE_URI": database.app_url,
        "MIGRATION_DATABASE_URL": database.owner_url,
        "RATELIMIT_STORAGE_URI": "memory://",
        "SERVER_NAME": None,
        "BACKGROUND_JOBS": "inline",  # each test's transaction is rolled back: a job must run inside it
        "CACHE_TYPE": "SimpleCache",  # drawn public pages stay in the test's process (cleared per test)
        "SESSION_PAGE_SECONDS": 120,  # one process shares its store: signed-in pages are kept, as deployed
        "SIGNING_KEY_DIR": SIGNING_KEY_DIR,  # the portal CA of this test run, made on first use
        "SIGNING_KEY_PASSPHRASE": b"test-signing-passphrase",
    }
    config.update(overrides)
    app = create_app(config)
    app.test_client_class = RequestPerContextClient
    if migrated:  # else left empty (a restore's target)
        with app.app_context():
            upgrade()
    return app


@contextmanager
def app_of_its_own(label: str, owner: bool = False):
    """The portal on a database of its own (for tests that commit), connected as the login role or the owner."""
    with fresh_database(label) as database:
        app = make_app(Database(database.owner_url, database.owner_url) if owner else database)
        yield app
        with app.app_context():
            db.engine.dispose()


@contextmanager
def postgres_of_its_own(label: str):
    """(app, database) on a PostgreSQL database of its own at head, for what exists there only (Row-Level Security,
    its policies and functions); skips where the tests run on SQLite."""
    with fresh_database(label) as database:
        if not database.is_postgres:
            pytest.skip("Row-Level Security exists on PostgreSQL only (CI runs this with DATABASE_URL)")
        app = make_app(database)
        try:
            yield app, database
        finally:
            with app.app_context():
                db.engine.dispose()


@pytest.fixture(scope="session")
def database():
    with fresh_database("main") as database:
        yield database


@pytest.fixture(scope="session")
def app(database):
    app = make_app(database)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def local_mail():
    """One local SMTP server (aiosmtpd) for the session; tests read real messages from it."""
    from mitrapas_dev.local_mail import LocalMailServer

    server = LocalMailServer().start()
    yield server
    server.stop()


@pytest.fixture
def mailbox(app, local_mail, monkeypatch):
    """The app sends to the session's SMTP server, whose inbox starts empty; no Redis unless a test asks."""
    local_mail.clear()
    for key, value in local_mail.settings().items():
        monkeypatch.setitem(app.config, key, int(value) if key == "MAIL_PORT" else value)
    monkeypatch.setitem(app.config, "MAIL_USE_TLS", False)
    monkeypatch.setitem(app.config, "REDIS_URL", "")
    return local_mail


@pytest.fixture(scope="session")
def seaweed():
    with tempfile.TemporaryDirectory(prefix="mitrapas-s3-") as folder:
        with SeaweedFS(Path(folder)) as server:
            yield server


@pytest.fixture
def storage_settings(app, seaweed):
    """Point the app at the test session's SeaweedFS, its bucket emptied for this test."""
    from portal.core import storage

    saved = {key: app.config[key] for key in seaweed.settings()}
    app.config.update(seaweed.settings())
    with app.app_context():
        for key in list(storage.keys()):
            storage.delete(key)
    yield seaweed
    app.config.update(saved)


class ConnectionBoundSession(Session):
    """Flask-SQLAlchemy's session, but always on the test's own connection (what a test writes, its requests see
    at once: they share its transaction)."""

    def get_bind(self, *args, **kwargs):
        return self.bind


def _written_is_committed(connection, cursor, statement, parameters, context, executemany) -> None:
    """The test's transaction is never committed: for the pages kept for a session, each statement written on
    its connection (a factory's flush, a test's UPDATE) is what a commit is when deployed."""
    if committed_writes.written_by(statement, context):
        session_pages.move_on()


@event.listens_for(ConnectionBoundSession, "after_commit")
def _commit_is_told(session) -> None:
    """A request's commit (a savepoint here) tells what it wrote, as the commit it stands for does."""
    committed_writes.tell(session.bind.info.pop(committed_writes.WRITTEN, None),
                          session.bind.info.pop(whose_pages.REACH, None))


@pytest.fixture(autouse=True)
def transaction(request, app):
    """Each test runs in one transaction that is rolled back; requests' commits become savepoints."""
    if request.node.get_closest_marker("browser") or request.node.get_closest_marker("own_database"):
        yield
        return
    with app.app_context():
        connection = db.engine.connect()
        event.listen(connection, "after_cursor_execute", _written_is_committed)
        outer = connection.begin()
        original = db.session
        db.session = db._make_scoped_session(
            {"bind": connection, "join_transaction_mode": "create_savepoint", "class_": ConnectionBoundSession})
        limiter.reset()
        cache.clear()
        app.extensions["kept_pages"].forget_everything()
        try:
            yield
        finally:
            db.session.remove()
            db.session = original
            outer.rollback()
            connection.close()


@pytest.fixture
def client(app):
    return app.test_client()


def deliver_mail() -> tuple[int, int]:
    """The mail worker's round, in an app context (and database session) of its own as in production: its
    commits leave what the test holds as it was."""
    from flask import current_app

    from portal.notifications import outbox

    with current_app.app_context():
        return outbox.send_due()


class Web:
    """A person at a browser: logs in, submits forms with their CSRF token."""

    def __init__(self, client):
        self.client = client

    def csrf_token(self) -> str:
        page = self.client.get("/", follow_redirects=True)
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)

    def login(self, email: str, password: str):
        """Password, then (for someone with two-factor sign-in) a fresh authenticator code."""
        response = self.post("/login", {"email": email, "password": password})
        if response.status_code == 302 and response.headers["Location"].endswith("/login/two-factor"):
            from portal.accounts.operations import find_user
            from tests.factories import fresh_code

            user_id = find_user(email).id
            response = self.post("/login/two-factor", {"code": fresh_code(user_id)})
        return response

    def logout(self):
        return self.post("/logout")

    def post(self, url: str, data: dict | None = None, **kwargs):
        return self.client.post(url, data={**(data or {}), "csrf_token": self.csrf_token()}, **kwargs)

    def get(self, url: str, **kwargs):
        return self.client.get(url, **kwargs)


@pytest.fixture
def web(client):
    return Web(client)


@pytest.fixture
def login_as(web):
    """Log in as `user` (made by a factory, with the factories' password)."""
    from tests.factories import PASSWORD

    def login(user):
        from portal.core.tenancy import unscoped

        with unscoped("test: the address the person types"):
            email = user.email
        response = web.login(email, PASSWORD)
        assert response.status_code == 302, "login failed"
        return web
    return login


@pytest.fixture
def pks(storage_settings):
    """Everyone around one PKS between Rutan Tamiang Layang and RSUD Tamiang Layang."""
    from tests.agreement_world import build_world

    return build_world()


# --- the browser journeys: a live portal with demo data, and Debian's Chromium -------------

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@contextmanager
def serving_portal(seaweed, local_mail, webhook_receiver, database=None, load_demo=True, **overrides):
    """The portal served on a free loopback port, with its own database (a fresh one unless given), the session's
    storage, mail and webhook receiver, and its outbox sent every half second; yields its base URL."""
    from mitrapas_dev.local_mail import OutboxSender

    with (nullcontext(database) if database else fresh_database("browser")) as database:
        mail = {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": local_mail.port, "MAIL_USE_TLS": False, "REDIS_URL": ""}
        hooks = {"WEBHOOK_ALLOW_PRIVATE_NETWORKS": True, "WEBHOOK_CA_FILE": webhook_receiver.ca_file}
        app = make_app(database, **{"WTF_CSRF_SSL_STRICT": False, "BACKGROUND_JOBS": "thread", **seaweed.settings(),
                                    **mail, **hooks, **overrides})
        if load_demo:
            with app.app_context():
                demo.load()
                db.session.commit()
                db.session.remove()
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        sender = OutboxSender(app, every=0.5)
        sender.start()
        try:
            yield f"http://127.0.0.1:{server.server_port}"
        finally:
            sender.stop()
            server.shutdown()
            with app.app_context():
                db.engine.dispose()


@pytest.fixture(scope="module")
def live_portal(seaweed, local_mail, webhook_receiver):
    """The portal with demo data, served on a free loopback port from its own database, storage and mail."""
    with serving_portal(seaweed, local_mail, webhook_receiver) as base:
        yield base


@pytest.fixture(scope="session")
def webhook_receiver():
    """A partner's system listening over HTTPS on loopback, for the live portal's webhooks."""
    from tests.webhook_receiver import WebhookReceiver

    receiver = WebhookReceiver().start()
    yield receiver
    receiver.stop()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import expect, sync_playwright

    # A page answered after a click is awaited, never read at once: under CI's load (two tiers side by side on
    # two cores) a page may take seconds, and expect() retries until it shows what the person would see.
    expect.set_options(timeout=20_000)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="id-ID", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


def log_in(page, base, email):
    page.goto(f"{base}/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Kata sandi").fill(demo.DEMO_PASSWORD)
    page.get_by_role("button", name="Masuk").click()




def signed_in_page(browser, base, email):
    """A browser of its own for one demo person, signed in and on their organisation's home page."""
    context = browser.new_context(locale="id-ID", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log_in(page, base, email)
    page.wait_for_url(re.compile(r".*/o/[^/]+/$"))
    return page

"""Story: a head reloads the agreement queue and the dashboard all morning. The portal answers the pages it kept
for that session, without the database, until anything at all is written; never to someone else, to a session
that ended or to another browser holding the cookie."""
import socket
import threading
import time

from flask import Flask
from flask_caching import Cache
import pytest
import redis
from sqlalchemy import event

from portal import config as settings
from portal.accounts import login_sessions
from portal.agreements.models import AgreementStatus as S
from portal.core import session_pages
from portal.core.tenancy import unscoped
from portal.extensions import db
from tests.conftest import Web
from tests.factories import PASSWORD


def agreements_of(organisation) -> str:
    return f"/o/{organisation.slug}/agreements/"


def asked(web, address, **kwargs) -> tuple[int, object]:
    """How many statements answering `address` sent to the database, and the answer."""
    statements = []
    engine = db.session.get_bind().engine
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        answer = web.get(address, **kwargs)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return len(statements), answer


def kept(web, address) -> bytes:
    """The page as the session keeps it: the first page after signing in makes the form secret (the session
    changes, so it is not kept); the next is drawn and kept."""
    web.get(address)
    return web.get(address).data


def signed_in_elsewhere(app, user) -> Web:
    web = Web(app.test_client())
    assert web.login(user.email, PASSWORD).status_code == 302
    return web


def test_a_reloaded_page_is_answered_without_the_database(pks, login_as):
    pks.in_state(S.SUBMITTED)
    head = login_as(pks.head)
    for address in (agreements_of(pks.facility), f"/o/{pks.facility.slug}/"):
        page = kept(head, address)
        statements, again = asked(head, address)
        assert again.status_code == 200 and statements == 0
        assert again.data == page and again.headers["Cache-Control"] == "no-store"


def test_a_change_is_on_the_next_page(pks, login_as, app):
    agreement = pks.in_state(S.SUBMITTED)
    head = login_as(pks.head)
    forwarded = "Menunggu keputusan Kepala"
    page = kept(head, agreements_of(pks.facility)).decode()
    officer = signed_in_elsewhere(app, pks.officer)
    assert officer.post(agreements_of(pks.facility) + f"{agreement.id}/forward").status_code == 302
    statements, after = asked(head, agreements_of(pks.facility))
    assert statements > 0 and after.text.count(forwarded) == page.count(forwarded) + 1


def test_a_session_ended_elsewhere_is_sent_to_sign_in(pks, login_as):
    head = login_as(pks.head)
    kept(head, f"/o/{pks.facility.slug}/")
    with unscoped("test: the head signs out everywhere from another device"):
        login_sessions.end_all(pks.head)
    answer = head.get(f"/o/{pks.facility.slug}/")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]


def test_the_cookie_in_another_browser_is_sent_to_sign_in(pks, login_as):
    head = login_as(pks.head)
    kept(head, f"/o/{pks.facility.slug}/")
    answer = head.get(f"/o/{pks.facility.slug}/", headers={"User-Agent": "Mozilla/5.0 (someone else)"})
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]


def test_two_people_of_one_facility_each_see_their_own_page(pks, login_as, app):
    head = login_as(pks.head)
    kept(head, f"/o/{pks.facility.slug}/")
    officer = signed_in_elsewhere(app, pks.officer)
    page = officer.get(f"/o/{pks.facility.slug}/").text
    with unscoped("test: the names the pages show"):
        assert pks.officer.name in page and pks.head.name not in page


def test_a_message_is_shown_once_and_not_kept(pks, login_as):
    agreement = pks.in_state(S.SUBMITTED)
    officer = login_as(pks.officer)
    kept(officer, agreements_of(pks.facility))
    shown = officer.post(agreements_of(pks.facility) + f"{agreement.id}/forward", follow_redirects=True)
    assert "Perjanjian telah diteruskan ke Kepala." in shown.text
    kept(officer, agreements_of(pks.facility))
    assert "Perjanjian telah diteruskan ke Kepala." not in officer.get(agreements_of(pks.facility)).text


def test_a_refusal_shown_again_is_gone_from_the_page_after_it(pks, login_as):
    """A refusal writes nothing: the page that shows it must not be kept (nor answered while it waits)."""
    agreement = pks.in_state(S.SUBMITTED)
    head = login_as(pks.head)
    page = agreements_of(pks.facility) + str(agreement.id)
    for _ in range(2):
        assert "tidak dapat menyetujui" in head.post(f"{page}/approve", follow_redirects=True).text
    assert "tidak dapat menyetujui" not in head.get(page).text


def test_a_filtered_page_is_drawn_each_time(pks, login_as):
    """Only pages asked for without arguments are kept: a session cannot fill the store with one per filter."""
    head = login_as(pks.head)
    address = agreements_of(pks.facility) + "?queue=review"
    kept(head, address)
    statements, answer = asked(head, address)
    assert answer.status_code == 200 and statements > 0


@pytest.mark.parametrize("redis_url, seconds", [("", 0), ("redis://127.0.0.1:6379/0", 120)])
def test_pages_are_kept_only_with_a_store_every_worker_shares(tmp_path, monkeypatch, redis_url, seconds):
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.delenv("SESSION_PAGE_SECONDS", raising=False)
    assert settings.load(tmp_path, {})["SESSION_PAGE_SECONDS"] == seconds


def test_a_store_that_stops_answering_holds_a_page_back_a_moment_not_for_ever(tmp_path, monkeypatch):
    """Every signed-in page asks the store for its versions: one that accepts and never answers must not hold the
    worker's thread (redis-py waits for ever unless told)."""
    silent = socket.create_server(("127.0.0.1", 0))
    accepted = []
    threading.Thread(target=lambda: accepted.append(silent.accept()), daemon=True).start()
    monkeypatch.setenv("REDIS_URL", f"redis://127.0.0.1:{silent.getsockname()[1]}/0")
    config = settings.load(tmp_path, {})
    bare = Flask("store-check")
    bare.config.update({key: value for key, value in config.items() if key.startswith("CACHE_")})
    store, outcome = Cache(bare), []

    def ask():
        try:
            store.cache.get(session_pages.DATA_VERSION_KEY)
            outcome.append("answered")
        except redis.exceptions.TimeoutError:
            outcome.append("gave up")
    asking = threading.Thread(target=ask, daemon=True)
    started = time.monotonic()
    asking.start()
    asking.join(10)
    assert outcome == ["gave up"] and time.monotonic() - started < 5
    silent.close()

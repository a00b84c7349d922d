"""A person sees where they are logged in and ends any session but the one in use."""
from datetime import timedelta
import re

import pytest
from sqlalchemy import select, update

from portal.accounts.models import LoginSession
from portal.core.columns import as_utc, utcnow
from portal.core.tenancy import as_person, unscoped
from portal.extensions import db
from portal.organisations.models import Role
from tests.conftest import Web
from tests.factories import PASSWORD, FacilityFactory, PartnerFactory, member_of, trail

PHONE = "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36"
OFFICE = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"


@pytest.fixture
def officer():
    return member_of(FacilityFactory(), Role.OFFICER)


@pytest.fixture
def device(app):
    """A browser on a device of its own, logged in as someone."""
    def open_on(user_agent: str, person) -> Web:
        web = Web(app.test_client())
        web.client.environ_base["HTTP_USER_AGENT"] = user_agent
        assert web.login(person.email, PASSWORD).status_code == 302
        return web
    return open_on


def listed(web) -> list[str]:
    page = web.get("/account/sessions").text
    return [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in re.findall(r'<tr data-testid="session">(.*?)</tr>', page, re.S)]


def handles(web) -> list[str]:
    return re.findall(r'name="session" value="([0-9a-f]+)"', web.get("/account/sessions").text)


def logged_in(web) -> bool:
    return not web.get("/account/profile").headers.get("Location", "").startswith("/login")


def test_a_person_sees_each_device_and_ends_the_phone_left_signed_in(device, officer):
    phone, office = device(PHONE, officer), device(OFFICE, officer)
    rows = listed(office)
    assert len(rows) == 2
    assert rows[0].startswith("Firefox 128 · Windows 10 Sesi ini"), rows
    assert rows[1].startswith("Chrome Mobile 120 · Android 10"), rows
    handle, = handles(office)
    answer = office.post("/account/sessions/end", {"session": handle}, follow_redirects=True)
    assert "Sesi telah diakhiri" in answer.text
    assert not logged_in(phone) and logged_in(office)
    [entry] = trail(action="session.ended_elsewhere")
    assert entry.actor_id == officer.id and entry.changes["after"]["device"] == "Chrome Mobile 120 · Android 10"


def test_ending_all_other_sessions_keeps_this_one(device, officer):
    others = [device(PHONE, officer), device(PHONE, officer)]
    office = device(OFFICE, officer)
    assert "2 sesi lain diakhiri" in office.post("/account/sessions/end-others", follow_redirects=True).text
    assert [logged_in(web) for web in others] == [False, False] and logged_in(office)
    assert len(listed(office)) == 1


def test_the_page_never_shows_a_session_token_and_no_one_ends_anothers_session(app, device, officer):
    stranger = member_of(PartnerFactory(), Role.ADMIN)
    theirs = device(PHONE, stranger)
    office = device(OFFICE, officer)
    their_handle, = handles(device(OFFICE, stranger))
    with unscoped("the test reads every session token"):
        tokens = db.session.scalars(select(LoginSession.id)).all()
    page = office.get("/account/sessions").text
    assert not any(token in page for token in tokens)
    refused = office.post("/account/sessions/end", {"session": their_handle}, follow_redirects=True)
    assert "Sesi itu sudah berakhir." in refused.text and logged_in(theirs)


def last_seen(person):
    with as_person(person):
        db.session.expire_all()
        return as_utc(db.session.scalar(select(LoginSession.last_seen_at).where(LoginSession.user_id == person.id)))


def test_last_seen_is_written_after_a_while_not_on_every_page(device, officer):
    office = device(OFFICE, officer)
    fresh = last_seen(officer)
    office.get("/account/sessions")
    assert last_seen(officer) == fresh, "not written within a few minutes"
    with as_person(officer):
        db.session.execute(update(LoginSession).where(LoginSession.user_id == officer.id)
                           .values(last_seen_at=utcnow() - timedelta(hours=2)))
    office.get("/account/sessions")
    assert utcnow() - last_seen(officer) < timedelta(minutes=1)

"""Story: it is an ordinary working hour; partners all over the country record what they did. A head in Bengkulu
keeps reloading the agreement queue, and the portal answers the page it kept for her while nothing she could see
has changed; the head, the provincial office and Ditjen PAS of the facility that was written to see the change on
their next page (issue 36).

A committed write retires the kept pages of the organisations and people it reaches (portal/core/whose_pages.py);
one that cannot say whom it reaches retires everyone's. These tests commit, so they use a database of their own."""
from datetime import date, timedelta
import threading

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import IntegrityError

from portal.accounts import login_sessions
from portal.accounts.models import User
from portal.contributions import tallies
from portal.contributions.models import Contribution
from portal.core import session_pages
from portal.core.tenancy import unscoped
from portal.extensions import cache, db
from portal.notifications.models import Notification
from portal.organisations.models import Organisation, Role
from portal.organisations.partnership_models import Partnership
from tests.conftest import Web, app_of_its_own
from tests.factories import (PASSWORD, ContributionFactory, FacilityFactory, OversightFactory, PartnerFactory,
                             member_of)
from tests.statements import statements_sent

pytestmark = pytest.mark.own_database


@pytest.fixture(scope="module")
def committing_app():
    with app_of_its_own("whose-pages") as app:
        yield app


@pytest.fixture(scope="module")
def country(committing_app):
    """Two facilities in two provinces, a partner of the first, each province's office and Ditjen PAS, each with
    someone signed in to it; as ids and addresses (each test reads them in contexts of its own)."""
    with committing_app.app_context(), unscoped("test data is set up across tenants"):
        papua = FacilityFactory(province="Papua", name="Lapas Kelas IIA Jayapura")
        bengkulu = FacilityFactory(province="Bengkulu", name="Rutan Kelas IIB Bengkulu")
        partner = PartnerFactory(name="RSUD Jayapura")
        offices = {"papua_office": OversightFactory(province="Papua"),
                   "bengkulu_office": OversightFactory(province="Bengkulu"),
                   "ditjenpas": OversightFactory(province=None, name="Ditjen PAS")}
        organisations = {"papua": papua, "bengkulu": bengkulu, "partner": partner, **offices}
        people = {name: member_of(organisation, Role.MEMBER if organisation is partner else
                                  Role.HEAD if organisation.kind == "facility" else Role.VIEWER)
                  for name, organisation in organisations.items()}
        db.session.add(Partnership(facility_id=papua.id, partner_id=partner.id, focus="Layanan kesehatan"))
        db.session.flush()
        found = {name: {"org": organisation.id, "slug": organisation.slug, "email": people[name].email,
                        "person": people[name].id} for name, organisation in organisations.items()}
        found["pair"] = db.session.scalar(select(Partnership.id).where(Partnership.partner_id == partner.id))
        db.session.commit()
    return found


def page_of(who: dict) -> str:
    return f"/o/{who['slug']}/contributions/"


def statements_answering(app, web: Web, address: str) -> tuple[int, str]:
    with statements_sent(app) as statements:
        answer = web.get(address)
    assert answer.status_code == 200
    return len(statements), answer.text


def signed_in(app, who: dict) -> Web:
    web = Web(app.test_client())
    assert web.login(who["email"], PASSWORD).status_code == 302
    web.get(page_of(who))  # the first page after signing in makes the form's secret: drawn, not kept
    web.get(page_of(who))  # kept
    return web


def test_a_contribution_in_papua_leaves_bengkulus_pages_kept_and_is_on_the_next_page_of_whoever_sees_it(
        committing_app, country):
    readers = ("papua", "bengkulu", "papua_office", "bengkulu_office", "ditjenpas")
    webs = {name: signed_in(committing_app, country[name]) for name in readers}
    assert all(statements_answering(committing_app, web, page_of(country[name]))[0] == 0
               for name, web in webs.items()), "every page is kept before the write"

    partner = signed_in(committing_app, country["partner"])
    title = "Pemeriksaan kesehatan WBP blok C"
    recorded = partner.post(f"/o/{country['partner']['slug']}/contributions/new?pair={country['pair']}", {
        "type": "health", "title": title, "started_on": (date.today() - timedelta(days=1)).isoformat(),
        "participants_total": "40", "hours": "4", "agreement": "0", "programme": "0"})
    assert recorded.status_code == 302, recorded.text

    answered = {name: statements_answering(committing_app, web, page_of(country[name]))
                for name, web in webs.items()}
    assert {name: statements == 0 for name, (statements, _) in answered.items()} == {
        "papua": False, "bengkulu": True, "papua_office": False, "bengkulu_office": True, "ditjenpas": False}
    assert {name: title in page for name, (_, page) in answered.items()} == {
        "papua": True, "bengkulu": False, "papua_office": True, "bengkulu_office": False, "ditjenpas": True}


def versions(app, country) -> dict:
    """Every version the store holds: the portal's, and each organisation's and person's of the country."""
    with app.app_context():
        keys = {"portal": session_pages.DATA_VERSION_KEY}
        for name, who in country.items():
            if isinstance(who, dict):
                keys[name] = session_pages.version_of("org", who["org"]).key
                keys[f"{name}'s person"] = session_pages.version_of("person", who["person"]).key
        return {name: cache.get(key) for name, key in keys.items()}


def moved_by(app, country, change) -> set[str]:
    """The versions committing `change` moved on (each version is made on first use, so all are read first)."""
    with app.app_context():
        for name, who in country.items():
            if isinstance(who, dict):
                for version in (session_pages.version_of("org", who["org"]),
                                session_pages.version_of("person", who["person"])):
                    version.checked(cache.get(version.key))
        session_pages.DATA_VERSION.checked(cache.get(session_pages.DATA_VERSION_KEY))
    before = versions(app, country)
    with app.app_context(), unscoped("test: a change committed as a command would"):
        change(country)
        db.session.commit()
    after = versions(app, country)
    return {name for name in before if before[name] != after[name]}


def a_contribution(country):
    ContributionFactory(facility=db.session.get(Organisation, country["papua"]["org"]),
                        partner=db.session.get(Organisation, country["partner"]["org"]))


def a_contribution_moved_to_another_pair(country):
    contribution = db.session.scalar(select(Contribution).order_by(Contribution.id.desc()))
    db.session.add(Partnership(facility_id=country["bengkulu"]["org"], partner_id=country["partner"]["org"],
                               focus="Layanan kesehatan"))
    contribution.facility_id = country["bengkulu"]["org"]


def a_tally_counted(country):
    contribution = db.session.scalar(select(Contribution).where(Contribution.facility_id == country["papua"]["org"]))
    tallies.count_in(contribution)


def an_entry_in_the_facilitys_own_name(country):
    from portal.audit import chain
    chain.record("api_token.created", actor=None, object_type="api_token", object_id=1,
                 organisation=db.session.get(Organisation, country["papua"]["org"]))


def an_undeclared_update_after_a_flush_that_failed(country):
    taken = ContributionFactory(facility=db.session.get(Organisation, country["papua"]["org"]),
                                partner=db.session.get(Organisation, country["partner"]["org"])).id
    try:
        with db.session.begin_nested():
            db.session.add(Contribution(id=taken, facility_id=country["papua"]["org"], title="Dua kali",
                                        partner_id=country["partner"]["org"], type="health",
                                        started_on=date.today()))
            db.session.flush()
    except IntegrityError:
        pass
    db.session.execute(update(Contribution).where(Contribution.facility_id == country["bengkulu"]["org"])
                       .values(title=Contribution.title))


def every_session_ended(country):
    login_sessions.end_all(db.session.get(User, country["bengkulu"]["person"]))


def a_plain_sql_update(country):
    db.session.execute(text("UPDATE contributions SET title = title"))


def a_notice(country):
    db.session.add(Notification(user_id=country["bengkulu"]["person"], organisation_id=country["bengkulu"]["org"],
                                kind="contribution.recorded", link="/", params={}))


def a_password_upgraded(country):
    db.session.get(User, country["bengkulu"]["person"]).password_hash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA"


def a_name_changed(country):
    db.session.get(User, country["partner"]["person"]).name = "dr. Maria Wonda, Sp.PD"


PAPUA_READERS = {"papua", "partner", "papua_office", "ditjenpas"}


@pytest.mark.parametrize("change, moved", [
    (a_contribution, PAPUA_READERS),
    (a_contribution_moved_to_another_pair, PAPUA_READERS | {"bengkulu", "bengkulu_office"}),
    (a_tally_counted, {"papua", "papua_office", "ditjenpas"}),
    (an_entry_in_the_facilitys_own_name, {"papua", "papua_office", "ditjenpas"}),
    (an_undeclared_update_after_a_flush_that_failed, {"portal"}),
    (every_session_ended, {"bengkulu's person"}),
    (a_plain_sql_update, {"portal"}),
    (a_notice, {"bengkulu's person"}),
    (a_password_upgraded, set()),
    (a_name_changed, {"portal"}),
], ids=["a contribution", "a contribution moved to another pair", "a tally counted by a Core upsert",
        "an audit entry a facility records in its own name", "an undeclared update after a flush that failed",
        "every session of a person ended",
        "a plain SQL update", "a notice", "a password's hash upgraded", "a name changed"])
def test_a_committed_write_moves_on_the_versions_of_whom_it_reaches(committing_app, country, change, moved):
    assert moved_by(committing_app, country, change) == moved


def test_a_store_gone_back_to_before_a_session_ended_answers_none_of_its_kept_pages(committing_app, country):
    """Redis restored from a snapshot (or failed over to a replica that lost recent writes) holds a page kept for
    a session, and the person's version it was kept at, from before the session was ended in another worker. This
    thread never read that person's newer version; it read the writes counter moved with it, on someone else's
    page, and finds the store behind it."""
    analyst, colleague = signed_in(committing_app, country["bengkulu_office"]), signed_in(committing_app,
                                                                                          country["papua_office"])
    with committing_app.app_context():
        store = cache.cache._cache  # the tests' store: cachelib's SimpleCache, one dict of (expiry, value)
        snapshot = dict(store)

    def elsewhere():
        with committing_app.app_context(), unscoped("test: the analyst ends every session from another device"):
            login_sessions.end_all(db.session.get(User, country["bengkulu_office"]["person"]))
            db.session.commit()
    worker = threading.Thread(target=elsewhere)
    worker.start(), worker.join()
    colleague.get(page_of(country["papua_office"]))
    store.update(snapshot)
    answer = analyst.get(page_of(country["bengkulu_office"]))
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]

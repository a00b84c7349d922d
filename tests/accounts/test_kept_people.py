"""Story: a head reads page after page of her facility; the portal knows who she is from the first one on, without
asking the database again, until something about her changes: one of her sessions ended, her membership removed,
her account turned off. A write anywhere else in the country leaves her known (issue 36, the signed-in floor).

These tests commit (the versions move on with commits), so they use a database of their own."""
from datetime import date, timedelta
import threading

import pytest
from sqlalchemy import delete, select

from portal.accounts import kept_people, login_sessions
from portal.accounts.models import LoginSession, User
from portal.core import data_versions, session_pages
from portal.core.tenancy import unscoped
from portal.extensions import cache, db
from portal.ops.cli import _retire_kept_pages
from portal.organisations.models import Membership, Organisation, Role
from tests.conftest import Web, app_of_its_own
from tests.databases import server_url
from tests.factories import PASSWORD, ContributionFactory, FacilityFactory, PartnerFactory, member_of
from tests.statements import statements_sent

pytestmark = pytest.mark.own_database


@pytest.fixture(scope="module")
def committing_app():
    with app_of_its_own("kept-people") as app:
        yield app


@pytest.fixture
def bengkulu(committing_app):
    """A facility in Bengkulu with its head, and a facility in Papua with a partner who records work there."""
    with committing_app.app_context(), unscoped("test data is set up across tenants"):
        facility = FacilityFactory(province="Bengkulu")
        head = member_of(facility, Role.HEAD)
        papua, partner = FacilityFactory(province="Papua"), PartnerFactory()
        found = {"slug": facility.slug, "email": head.email, "person": head.id, "org": facility.id,
                 "papua": papua.id, "partner": partner.id}
        db.session.commit()
    return found


def floor(who: dict) -> str:
    """The cheapest signed-in answer: party names for a search that finds none (never kept as a page)."""
    return f"/o/{who['slug']}/partners/names.json?q=zzzz"


def statements_for(app, web: Web, address: str, **post):
    """The answer to `address`, and the statements sent to the database to give it."""
    with statements_sent(app) as statements:
        answer = web.post(address, post) if post else web.get(address)
    return answer, statements


def reads_of_login_sessions(app, web: Web, address: str, **post):
    """The answer to `address`, and how many statements read a login session to give it."""
    answer, statements = statements_for(app, web, address, **post)
    return answer, sum("FROM login_sessions" in statement for statement in statements)


def signed_in(app, who: dict) -> Web:
    web = Web(app.test_client())
    assert web.login(who["email"], PASSWORD).status_code == 302
    return web


def committed(app, change) -> None:
    with app.app_context(), unscoped("test: a change committed as another person's request would"):
        change()
        db.session.commit()


def test_from_her_second_page_on_the_portal_knows_her_without_reading_her_session_again(committing_app, bengkulu):
    head = signed_in(committing_app, bengkulu)
    first, reads = reads_of_login_sessions(committing_app, head, floor(bengkulu))
    assert first.status_code == 200 and reads == 1
    for _ in range(3):
        answer, statements = statements_for(committing_app, head, floor(bengkulu))
        assert answer.status_code == 200 and answer.json == {"names": []}
        told = [statement for statement in statements if "set_config" in statement]
        asked = [statement for statement in statements if statement.startswith("SELECT") and statement not in told]
        # The page's only question, and (under Row-Level Security) the scope told to the database once for it.
        assert len(asked) == 1 and "FROM organisations" in asked[0], statements
        assert len(told) == (1 if server_url() else 0), statements


def test_a_contribution_recorded_in_papua_leaves_her_known(committing_app, bengkulu):
    head = signed_in(committing_app, bengkulu)
    reads_of_login_sessions(committing_app, head, floor(bengkulu))
    committed(committing_app, lambda: ContributionFactory(
        facility=db.session.get(Organisation, bengkulu["papua"]),
        partner=db.session.get(Organisation, bengkulu["partner"]),
        started_on=date.today() - timedelta(days=1)))
    assert reads_of_login_sessions(committing_app, head, floor(bengkulu))[1] == 0


def test_her_session_ended_from_her_phone_signs_the_laptop_out_at_its_next_page(committing_app, bengkulu):
    laptop = signed_in(committing_app, bengkulu)
    assert reads_of_login_sessions(committing_app, laptop, floor(bengkulu))[0].status_code == 200
    assert reads_of_login_sessions(committing_app, laptop, floor(bengkulu))[1] == 0

    def ended_from_her_phone():  # what "Akhiri" on Sesi aktif does: it reaches her alone
        her = db.session.get(User, bengkulu["person"])
        login_sessions.end(db.session.scalar(select(LoginSession.id).where(LoginSession.user_id == her.id)), her)
    committed(committing_app, ended_from_her_phone)

    answer, reads = reads_of_login_sessions(committing_app, laptop, floor(bengkulu))
    assert answer.status_code == 302 and "/login" in answer.headers["Location"] and reads == 1


def test_removed_from_the_facility_her_next_page_of_it_is_not_found(committing_app, bengkulu):
    head = signed_in(committing_app, bengkulu)
    assert reads_of_login_sessions(committing_app, head, floor(bengkulu))[0].status_code == 200
    committed(committing_app, lambda: db.session.execute(delete(Membership).where(
        Membership.user_id == bengkulu["person"], Membership.organisation_id == bengkulu["org"])))
    assert reads_of_login_sessions(committing_app, head, floor(bengkulu))[0].status_code == 404


def test_her_account_turned_off_her_next_page_asks_her_to_sign_in(committing_app, bengkulu):
    head = signed_in(committing_app, bengkulu)
    assert reads_of_login_sessions(committing_app, head, floor(bengkulu))[0].status_code == 200

    def turned_off():
        db.session.get(User, bengkulu["person"]).is_active = False
    committed(committing_app, turned_off)

    answer, _ = reads_of_login_sessions(committing_app, head, floor(bengkulu))
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]


def test_a_form_she_sends_reads_who_she_is_from_the_database(committing_app, bengkulu):
    head = signed_in(committing_app, bengkulu)
    reads_of_login_sessions(committing_app, head, floor(bengkulu))
    reads_of_login_sessions(committing_app, head, "/account/sessions")
    _, reads = reads_of_login_sessions(committing_app, head, "/account/sessions/end", session="nothing")
    assert reads >= 1


# --- when the store misses a version's move (review of the change) ------------------------------------------------

def store_away_for_increments(monkeypatch):
    """The shared store does not answer one commit's increments (a timeout), then answers again."""
    answering = data_versions.ask
    monkeypatch.setattr(data_versions, "ask", lambda operation, *args, **kwargs: None if operation == "inc"
                        else answering(operation, *args, **kwargs))
    return lambda: monkeypatch.setattr(data_versions, "ask", answering)


def later(monkeypatch, seconds: float) -> None:
    now = kept_people._now()
    monkeypatch.setattr(kept_people, "_now", lambda: now + seconds)


def test_her_session_ended_while_the_store_missed_it_is_seen_once_she_is_no_longer_kept(committing_app, bengkulu,
                                                                                        monkeypatch):
    laptop = signed_in(committing_app, bengkulu)
    reads_of_login_sessions(committing_app, laptop, floor(bengkulu))
    assert reads_of_login_sessions(committing_app, laptop, floor(bengkulu))[1] == 0

    answering_again = store_away_for_increments(monkeypatch)
    committed(committing_app, lambda: login_sessions.end_all(db.session.get(User, bengkulu["person"])))
    answering_again()

    later(monkeypatch, committing_app.config["SESSION_PAGE_SECONDS"] + 1)
    answer, reads = reads_of_login_sessions(committing_app, laptop, floor(bengkulu))
    assert answer.status_code == 302 and reads == 1


def test_a_restored_snapshot_of_the_store_then_forget_kept_pages_keeps_no_one_from_before(committing_app, bengkulu):
    laptop = signed_in(committing_app, bengkulu)
    with committing_app.app_context():
        keys = [session_pages.DATA_VERSION.key, session_pages.WRITES.key,
                session_pages.version_of("person", bengkulu["person"]).key]
        snapshot = {key: cache.cache.get(key) for key in keys}  # the store's nightly snapshot

    def renamed():  # a write that reaches everyone
        db.session.get(Organisation, bengkulu["partner"]).name = "Koperasi Produsen Warga Binaan"
    committed(committing_app, renamed)
    assert reads_of_login_sessions(committing_app, laptop, floor(bengkulu))[1] == 1  # kept at the version after
    committed(committing_app, lambda: login_sessions.end_all(db.session.get(User, bengkulu["person"])))

    with committing_app.app_context():
        for key, value in snapshot.items():  # the store restored from its snapshot
            cache.cache.set(key, value, timeout=0)
    found = []

    def the_operator_then_another_worker():  # a thread of its own: it has read none of the versions since
        with committing_app.app_context():
            assert _retire_kept_pages()  # `mitrapas portal forget-kept-pages`, as the README says
        found.append(reads_of_login_sessions(committing_app, laptop, floor(bengkulu)))
    other = threading.Thread(target=the_operator_then_another_worker)
    other.start()
    other.join()
    answer, reads = found[0]
    assert answer.status_code == 302 and reads == 1


def test_the_kept_copy_holds_no_secret_and_her_notification_settings_still_show_her_choices(committing_app, bengkulu):
    head = signed_in(committing_app, bengkulu)
    reads_of_login_sessions(committing_app, head, floor(bengkulu))
    with committing_app.app_context():
        copies = [kept.user for key, kept in kept_people._kept.items() if key[0] == id(committing_app)
                  and kept.user.id == bengkulu["person"]]
    assert copies and all(not set(kept_people.NOT_KEPT) & set(vars(copy)) for copy in copies)
    settings, reads = reads_of_login_sessions(committing_app, head, "/notifications/settings")
    assert settings.status_code == 200 and reads == 0 and 'name="route_agreements"' in settings.text

"""An intern leaves at the end of the programme: their admin removes them, sign-in stops and their sessions end
at once; invited again later, they come back with their old password."""
import pytest

from portal.accounts.models import User
from portal.core import links
from portal.core.tenancy import unscoped
from portal.extensions import db
from portal.organisations.models import Role
from tests.conftest import Web
from tests.factories import (
    PASSWORD, FacilityFactory, InvitationFactory, PartnerFactory, fresh_code, member_of, trail, with_two_factor,
)

GENERIC_ERROR = "Alamat e-mail atau kata sandi salah."


@pytest.fixture
def programme():
    return PartnerFactory(name="Program Pemagangan Contoh")


@pytest.fixture
def intern(programme):
    return member_of(programme, Role.MEMBER, name="Peserta Magang Psikologi")


def signed_in_as(app, person) -> Web:
    web = Web(app.test_client())
    assert web.login(person.email, PASSWORD).status_code == 302
    return web


def remove(app, admin, membership):
    web = signed_in_as(app, admin)
    organisation = membership.organisation
    answer = web.post(f"/o/{organisation.slug}/members/{membership.id}/remove")
    assert answer.status_code == 302


def test_removing_an_intern_from_their_only_organisation_stops_sign_in_at_once(app, programme, intern):
    admin = member_of(programme, Role.ADMIN)
    phone = signed_in_as(app, intern)
    remove(app, admin, intern.memberships[0])
    assert phone.get("/account/profile").headers["Location"].startswith("/login"), "the open session ended"
    assert GENERIC_ERROR in Web(app.test_client()).login(intern.email, PASSWORD).text
    with unscoped("test: the account as the platform admin sees it"):
        person = db.session.get(User, intern.id, populate_existing=True)
        assert not person.is_active and person.left_at is not None
    [entry] = trail(action="user.left")
    assert entry.actor_id == admin.id and entry.object_id == str(intern.id)


def test_someone_who_still_belongs_elsewhere_keeps_signing_in(app, programme, intern):
    admin = member_of(programme, Role.ADMIN)
    rutan = FacilityFactory()
    _also_member(intern, rutan)
    remove(app, admin, next(m for m in intern.memberships if m.organisation_id == programme.id))
    with unscoped("test: the account as the platform admin sees it"):
        assert db.session.get(User, intern.id, populate_existing=True).is_active
    assert signed_in_as(app, intern).get("/", follow_redirects=True).request.path == f"/o/{rutan.slug}/"


def _also_member(person, organisation):
    from portal.organisations.models import Membership

    with unscoped("test data is set up across tenants"):
        db.session.add(Membership(user=person, organisation=organisation, role=Role.VIEWER))
        db.session.flush()


def test_an_intern_who_left_comes_back_through_a_new_invitation(app, programme, intern):
    admin = member_of(programme, Role.ADMIN)
    remove(app, admin, intern.memberships[0])
    token, digest = links.new_token()
    InvitationFactory(organisation=programme, email=intern.email, role=Role.MEMBER, token_hash=digest)
    back = Web(app.test_client())
    answer = back.post(f"/invitation/{token}", {"password": PASSWORD})
    assert answer.status_code == 302, answer.text
    with unscoped("test: the account as the platform admin sees it"):
        person = db.session.get(User, intern.id, populate_existing=True)
        assert person.is_active and person.left_at is None
    assert signed_in_as(app, intern).get("/", follow_redirects=True).request.path == f"/o/{programme.slug}/"


def test_an_intern_with_two_step_sign_in_comes_back_only_with_their_code(app, programme, intern):
    with_two_factor(intern)
    remove(app, member_of(programme, Role.ADMIN), intern.memberships[0])
    token, digest = links.new_token()
    InvitationFactory(organisation=programme, email=intern.email, role=Role.MEMBER, token_hash=digest)
    back = Web(app.test_client())
    page = back.get(f"/invitation/{token}")
    assert 'name="code"' in page.text
    refused = back.post(f"/invitation/{token}", {"password": PASSWORD})
    assert refused.status_code == 200 and "Kodenya tidak tepat" in refused.text
    assert back.get(f"/o/{programme.slug}/").status_code == 302, "no session without the code"
    answer = back.post(f"/invitation/{token}", {"password": PASSWORD, "code": fresh_code(intern.id)})
    assert answer.status_code == 302 and answer.headers["Location"] == f"/o/{programme.slug}/"


def test_an_account_a_platform_admin_switched_off_does_not_come_back_by_invitation(app, programme):
    suspended = member_of(FacilityFactory(), Role.VIEWER)
    with unscoped("test: a platform admin switched the account off"):
        suspended.is_active = False
        db.session.flush()
    token, digest = links.new_token()
    InvitationFactory(organisation=programme, email=suspended.email, role=Role.MEMBER, token_hash=digest)
    answer = Web(app.test_client()).post(f"/invitation/{token}", {"password": PASSWORD})
    assert "Kata sandi salah." in answer.text

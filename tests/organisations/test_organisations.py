"""Organisations and people: the platform admin creates tenants; heads and admins manage members."""
import re

import pytest
from sqlalchemy import select

from portal.accounts.models import User
from portal.accounts.operations import find_user
from portal.core.tenancy import acting_for, unscoped
from portal.extensions import db
from portal.organisations import operations as organisations
from portal.organisations.invitation_models import Invitation
from portal.organisations.models import Membership, Organisation, OrgKind, Role
from portal.organisations.operations import Person
from tests.factories import FacilityFactory, PartnerFactory, also_member_of, member_of
from tests.organisations.test_invitations import invitation_link


@pytest.fixture
def platform_admin():
    return member_of(PartnerFactory(), Role.MEMBER, is_platform_admin=True)


def test_platform_admin_creates_a_facility_with_its_head(login_as, platform_admin):
    web = login_as(platform_admin)
    response = web.post("/admin/organisations/new", {
        "kind": "facility", "org_name": "Rutan Kelas IIB Tamiang Layang", "province": "Kalimantan Tengah",
        "city": "Kabupaten Barito Timur", "facility_class": "Rutan Kelas IIB",
        "email": "agung@rutan-tamianglayang.go.id", "name": "Agung Novarianto",
        "position": "Kepala Rutan", "password": "rahasia-awal-123"})
    assert response.status_code == 302
    facility = db.session.scalar(select(Organisation).where(Organisation.slug == "rutan-kelas-iib-tamiang-layang"))
    assert (facility.kind, facility.province) == (OrgKind.FACILITY, "Kalimantan Tengah")
    assert [(m.user.name, m.role) for m in facility.memberships] == [("Agung Novarianto", Role.HEAD)]


def test_a_facility_without_province_is_refused_with_a_clear_message(login_as, platform_admin):
    web = login_as(platform_admin)
    response = web.post("/admin/organisations/new", {
        "kind": "facility", "org_name": "Rutan Tanpa Provinsi", "email": "x@rutan.go.id",
        "name": "X", "password": "rahasia-awal-123"})
    assert response.status_code == 200
    assert "UPT wajib memiliki provinsi." in response.text
    assert db.session.scalar(select(Organisation).where(Organisation.name == "Rutan Tanpa Provinsi")) is None


@pytest.mark.parametrize("role", [Role.HEAD, Role.OFFICER, Role.VIEWER])
def test_only_platform_admins_reach_administration(login_as, role):
    web = login_as(member_of(FacilityFactory(), role))
    assert web.get("/admin/organisations").status_code == 403
    assert web.post("/admin/organisations/new", {"kind": "partner", "org_name": "X"}).status_code == 403


@pytest.mark.parametrize("kind, role, may_manage", [
    ("facility", Role.HEAD, True), ("facility", Role.OFFICER, False), ("facility", Role.VIEWER, False),
    ("partner", Role.ADMIN, True), ("partner", Role.MEMBER, False),
])
def test_who_adds_members(login_as, kind, role, may_manage):
    organisation = FacilityFactory() if kind == "facility" else PartnerFactory()
    web = login_as(member_of(organisation, role))
    new_role = "viewer" if kind == "facility" else "member"
    response = web.post(f"/o/{organisation.slug}/members/new", {
        "email": "orang.baru@mitra.or.id", "name": "Orang Baru", "password": "rahasia-awal-123",
        "role": new_role})
    assert response.status_code == (302 if may_manage else 403)
    with acting_for(organisation):
        invited = db.session.scalar(select(Invitation).where(Invitation.email == "orang.baru@mitra.or.id"))
    assert (invited is not None) == may_manage
    assert find_user("orang.baru@mitra.or.id") is None, "the person sets their own password on accepting"


def test_a_role_of_another_kind_of_organisation_is_refused(login_as):
    partner = PartnerFactory()
    web = login_as(member_of(partner, Role.ADMIN))
    response = web.post(f"/o/{partner.slug}/members/new", {
        "email": "kepala@mitra.or.id", "name": "Bukan Kepala", "password": "rahasia-awal-123", "role": "head"})
    assert response.status_code == 200
    assert "Pilihan tidak valid." in response.text


def test_an_existing_person_invited_to_a_second_organisation_accepts_and_picks_one(login_as, web, mailbox):
    first, second = FacilityFactory(name="Rutan Pertama"), PartnerFactory(name="Mitra Kedua")
    intern = member_of(first, Role.VIEWER)
    admin = member_of(second, Role.ADMIN)
    login_as(admin).post(f"/o/{second.slug}/members/new", {"email": intern.email, "role": "member"})
    web.logout()
    web.login(intern.email, "benar-sekali-42")
    assert "Mitra Kedua" not in web.get("/", follow_redirects=True).text, "not before accepting"
    assert web.post(invitation_link(mailbox)).headers["Location"] == f"/o/{second.slug}/"
    picker = web.get("/")
    assert picker.status_code == 200
    assert "Rutan Pertama" in picker.text and "Mitra Kedua" in picker.text
    dashboard = web.get(f"/o/{second.slug}/")
    assert 'data-testid="org-switcher"' in dashboard.text and "Rutan Pertama" in dashboard.text


def test_a_partner_admin_who_adds_a_strangers_address_only_invites_them_and_learns_nothing(login_as, mailbox):
    facility, partner = FacilityFactory(), PartnerFactory(name="Mitra Penasaran")
    stranger = member_of(facility, Role.HEAD, name="Kepala Tak Dikenal", position="Kepala Rutan Rahasia")
    web = login_as(member_of(partner, Role.ADMIN))
    answers = []
    for email in (stranger.email, "belum.punya.akun@contoh.id"):
        answer = web.post(f"/o/{partner.slug}/members/new", {
            "email": email, "name": "Orang Baru", "password": "rahasia-awal-123", "role": "member"},
            follow_redirects=True)
        assert answer.status_code == 200
        answers.append([flash.replace(email, "<alamat>") for flash in re.findall(r'role="alert">([^<]*)<', answer.text)])
        assert "Kepala Tak Dikenal" not in answer.text and "Kepala Rutan Rahasia" not in answer.text
    assert answers[0] == answers[1] == ["Undangan telah dikirim ke <alamat>."], "one answer, account or not"
    with acting_for(partner):
        assert stranger.id not in [m.user_id for m in partner.memberships]
        assert sorted(i.email for i in db.session.scalars(select(Invitation))) == \
            sorted(["belum.punya.akun@contoh.id", stranger.email])
    assert find_user("belum.punya.akun@contoh.id") is None, "the person chooses their own password on accepting"
    page = web.get(f"/o/{partner.slug}/members/").text
    assert "Kepala Tak Dikenal" not in page and "Kepala Rutan Rahasia" not in page


def test_no_caller_of_the_service_attaches_an_existing_account_without_its_consent(app):
    facility, partner = FacilityFactory(), PartnerFactory()
    stranger, admin = member_of(facility, Role.HEAD), member_of(partner, Role.ADMIN)
    with acting_for(partner):
        answer = organisations.add_member(partner, Person(email=stranger.email), Role.MEMBER, actor=admin)
        assert isinstance(answer, Invitation) and answer.email == stranger.email
        assert stranger.membership_in(partner, include_lapsed=True) is None


def test_a_platform_admin_adding_someone_who_has_an_account_sends_them_an_invitation(login_as, platform_admin,
                                                                                       mailbox):
    facility, partner = FacilityFactory(), PartnerFactory()
    existing = member_of(facility, Role.OFFICER)
    web = login_as(platform_admin)
    answer = web.post(f"/admin/organisations/{partner.id}", {"email": existing.email, "role": "admin"},
                      follow_redirects=True)
    assert f"Undangan telah dikirim ke {existing.email}." in answer.text
    assert existing.membership_in(partner, include_lapsed=True) is None
    fresh = web.post(f"/admin/organisations/{partner.id}", {
        "email": "baru@mitra.or.id", "name": "Orang Baru", "password": "rahasia-awal-123", "role": "member"},
        follow_redirects=True)
    assert "Anggota telah ditambahkan." in fresh.text and find_user("baru@mitra.or.id") is not None


def test_the_last_head_cannot_be_removed(login_as):
    facility = FacilityFactory()
    head = member_of(facility, Role.HEAD)
    web = login_as(head)
    membership = head.memberships[0]
    response = web.post(f"/o/{facility.slug}/members/{membership.id}/remove", follow_redirects=True)
    assert "Organisasi harus tetap memiliki sedikitnya satu kepala atau admin." in response.text
    assert db.session.get(Membership, membership.id) is not None


def test_a_head_changes_an_officers_role(login_as):
    facility = FacilityFactory()
    web = login_as(member_of(facility, Role.HEAD))
    officer = member_of(facility, Role.OFFICER)
    web.post(f"/o/{facility.slug}/members/{officer.memberships[0].id}/role", {"role": "viewer"})
    db.session.expire_all()
    assert officer.memberships[0].role == Role.VIEWER


def test_a_facility_head_links_a_partner(login_as):
    facility, partner = FacilityFactory(), PartnerFactory(name="SEKATA Balikpapan")
    web = login_as(member_of(facility, Role.HEAD))
    response = web.post(f"/o/{facility.slug}/partners/new", {"partner": partner.id, "focus": "Rehabilitasi"},
                        follow_redirects=True)
    assert "SEKATA Balikpapan kini menjadi mitra." in response.text
    again = web.post(f"/o/{facility.slug}/partners/new", {"partner": partner.id})
    assert "sudah menjadi mitra UPT ini" in again.text


def test_a_partner_cannot_link_itself_to_a_facility(login_as):
    partner = PartnerFactory()
    web = login_as(member_of(partner, Role.ADMIN))
    assert web.get(f"/o/{partner.slug}/partners/new").status_code == 403


def test_the_bell_and_the_account_pages_keep_the_menu_of_the_organisation_last_worked_in(login_as):
    first, second = FacilityFactory(name="Rutan Pertama"), PartnerFactory(name="Mitra Kedua")
    person = also_member_of(member_of(first, Role.OFFICER), second, Role.MEMBER)
    web = login_as(person)
    web.get(f"/o/{second.slug}/")
    for page in ("/notifications/", "/account/two-factor", "/account/sessions", "/account/data"):
        text = web.get(page).text
        switcher = text[text.find('data-testid="org-switcher"'):text.find('class="dropdown-menu"')]
        assert "Mitra Kedua" in switcher and "Pilih organisasi" not in switcher, page
        assert f'href="/o/{second.slug}/contributions/"' in text, f"{page}: the organisation's menu"
    web.get(f"/o/{first.slug}/")
    assert "Rutan Pertama" in web.get("/notifications/").text.split('class="dropdown-menu"')[0]


def test_an_organisation_whose_term_has_ended_leaves_the_switcher_and_the_menu(login_as):
    """An intern's fixed term ended: the organisation stayed in 'Pilih organisasi' and, once last worked in,
    in the menu of the account pages, each link a 404. Found in review."""
    from datetime import timedelta

    from portal.core import clock

    placement, campus = FacilityFactory(name="Rutan Tempat Magang"), PartnerFactory(name="Kampus Asal")
    intern = also_member_of(member_of(campus, Role.MEMBER), placement, Role.VIEWER)
    web = login_as(intern)
    web.get(f"/o/{placement.slug}/")
    with unscoped("the test ends the placement's term"):
        for membership in intern.memberships:
            if membership.organisation_id == placement.id:
                membership.access_until = clock.today() - timedelta(days=1)
        db.session.flush()
    page = web.get("/notifications/").text
    assert "Rutan Tempat Magang" not in page and "Kampus Asal" in page


def test_the_members_table_scrolls_in_one_box_and_every_column_has_a_heading(login_as):
    """Two scrolling boxes, one inside the other, and an unnamed column of buttons (a screen reader read none)."""
    partner = PartnerFactory()
    page = login_as(member_of(partner, Role.ADMIN)).get(f"/o/{partner.slug}/members/").text
    members = page[page.index("<main"):page.index("</table>")]
    assert members.count('table-responsive') == 1
    assert "<th></th>" not in members and "Tindakan" in members

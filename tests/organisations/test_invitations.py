"""Invitations: single-use expiring links that grant one role in one organisation, never more."""
from datetime import date, timedelta
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from portal.core.tenancy import acting_for, unscoped
from portal.extensions import db
from portal.organisations.invitation_models import Invitation
from portal.organisations.models import Membership, Organisation, Role
from portal.organisations.partnership_models import Partnership
from tests.conftest import Web, deliver_mail
from tests.factories import PASSWORD, FacilityFactory, PartnerFactory, fresh_code, member_of, with_two_factor

NEW_PASSWORD = "kalimat sandi yang panjang"


def invitation_link(mailbox, count=1) -> str:
    """The path of the link in the latest invitation mail, read from the SMTP server."""
    deliver_mail()
    message = mailbox.wait_for(count)[-1]
    text = message.get_body(("plain",)).get_content()
    return "/" + re.search(r"https?://[^/\s]+/(invitation/\S+)", text).group(1)


def accept_as_new_person(app, path, name="Rina Mitra", password=NEW_PASSWORD):
    visitor = Web(app.test_client())
    response = visitor.post(path, {"name": name, "password": password, "confirm": password})
    return visitor, response


def test_a_head_invites_a_new_partners_first_admin_who_lands_in_the_partner_dashboard(app, login_as, mailbox):
    facility = FacilityFactory(name="Rutan Kelas IIB Contoh")
    head = member_of(facility, Role.HEAD)
    web = login_as(head)
    response = web.post(f"/o/{facility.slug}/partners/invite", {
        "partner": 0, "new_partner_name": "Yayasan Pelita Harapan", "category": "ngo",
        "focus": "Pendampingan keluarga WBP", "email": "Rina@Pelita.or.id"})
    assert response.status_code == 302
    message = mailbox.wait_for(0) or None
    path = invitation_link(mailbox)
    mail = mailbox.messages[-1]
    assert mail["To"] == "rina@pelita.or.id" and "Yayasan Pelita Harapan" in mail["Subject"]
    assert "Rutan Kelas IIB Contoh" in mail.get_body(("plain",)).get_content()
    visitor, response = accept_as_new_person(app, path)
    partner = db.session.query(Organisation).filter_by(name="Yayasan Pelita Harapan").one()
    assert response.status_code == 302 and response.headers["Location"] == f"/o/{partner.slug}/"
    assert visitor.get(f"/o/{partner.slug}/").status_code == 200
    with unscoped("test: the pair the invitation linked"):
        assert db.session.query(Partnership).filter_by(facility_id=facility.id, partner_id=partner.id).count() == 1
    with acting_for(partner):
        membership = db.session.query(Membership).filter_by(organisation_id=partner.id).one()
        assert membership.role == Role.ADMIN and membership.user.name == "Rina Mitra"
    deliver_mail()
    assert mailbox.messages[-1]["To"] == head.email, "the head hears that the invitation was accepted"
    assert message is None


def test_the_link_works_once_expires_and_cannot_be_guessed(app, login_as, mailbox):
    partner = PartnerFactory()
    web = login_as(member_of(partner, Role.ADMIN))
    web.post(f"/o/{partner.slug}/members/invite", {"email": "magang@contoh.ac.id", "role": "member"})
    path = invitation_link(mailbox)
    tampered = path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB")
    assert Web(app.test_client()).get(tampered).status_code == 410
    _, response = accept_as_new_person(app, path)
    assert response.status_code == 302
    assert Web(app.test_client()).get(path).status_code == 410, "used once"
    web.post(f"/o/{partner.slug}/members/invite", {"email": "lain@contoh.ac.id", "role": "member"})
    second = invitation_link(mailbox, 2)
    with acting_for(partner):
        db.session.query(Invitation).filter_by(email="lain@contoh.ac.id").one().expires_at -= timedelta(days=8)
        db.session.flush()
    assert Web(app.test_client()).get(second).status_code == 410, "expired after INVITATION_DAYS"


def test_resending_replaces_the_link_and_revoking_kills_it(app, login_as, mailbox):
    facility = FacilityFactory()
    web = login_as(member_of(facility, Role.HEAD))
    web.post(f"/o/{facility.slug}/members/invite", {"email": "petugas@contoh.go.id", "role": "officer"})
    first = invitation_link(mailbox)
    with acting_for(facility):
        invitation_id = db.session.query(Invitation).one().id
    assert web.post(f"/o/{facility.slug}/members/invitations/{invitation_id}/resend").status_code == 302
    second = invitation_link(mailbox, 2)
    assert first != second and Web(app.test_client()).get(first).status_code == 410
    assert Web(app.test_client()).get(second).status_code == 200
    assert web.post(f"/o/{facility.slug}/members/invitations/{invitation_id}/revoke").status_code == 302
    assert Web(app.test_client()).get(second).status_code == 410


def test_an_intern_invited_until_a_date_loses_access_after_it(app, login_as, mailbox, monkeypatch):
    from portal.core import clock

    partner = PartnerFactory()
    web = login_as(member_of(partner, Role.ADMIN))
    until = date.today() + timedelta(days=30)
    web.post(f"/o/{partner.slug}/members/invite",
             {"email": "intern@kampus.ac.id", "role": "member", "access_until": until.isoformat()})
    intern, _ = accept_as_new_person(app, invitation_link(mailbox), name="Peserta Magang")
    assert intern.get(f"/o/{partner.slug}/").status_code == 200
    monkeypatch.setattr(clock, "today", lambda: until + timedelta(days=1))
    assert intern.get(f"/o/{partner.slug}/").status_code == 404, "access lapsed by itself"
    membership = db.session.query(Membership).filter_by(organisation_id=partner.id, role=Role.MEMBER).one()
    assert membership.user.name == "Peserta Magang", "the record keeps the person"


def test_an_invitation_never_opens_another_organisation(app, login_as, mailbox):
    ours, theirs = PartnerFactory(), PartnerFactory()
    web = login_as(member_of(ours, Role.ADMIN))
    their_admin = member_of(theirs, Role.ADMIN)
    web.post(f"/o/{ours.slug}/members/invite", {"email": "baru@contoh.id", "role": "member"})
    person, _ = accept_as_new_person(app, invitation_link(mailbox))
    assert person.get(f"/o/{ours.slug}/").status_code == 200
    assert person.get(f"/o/{theirs.slug}/").status_code == 404
    with acting_for(ours):
        invitation = db.session.query(Invitation).one()
    other = Web(app.test_client())
    assert other.login(their_admin.email, PASSWORD).status_code == 302
    for action in ("resend", "revoke"):
        assert other.post(f"/o/{theirs.slug}/members/invitations/{invitation.id}/{action}").status_code == 404


def test_someone_with_an_account_accepts_while_logged_in_as_themselves(app, login_as, mailbox):
    facility, partner = FacilityFactory(), PartnerFactory()
    existing = member_of(facility, Role.OFFICER)
    web = login_as(member_of(partner, Role.ADMIN))
    web.post(f"/o/{partner.slug}/members/invite", {"email": existing.email, "role": "member"})
    path = invitation_link(mailbox)
    visitor = Web(app.test_client())
    assert visitor.login(existing.email, PASSWORD).status_code == 302
    page = visitor.get(path)
    assert page.status_code == 200 and existing.email in page.text
    assert visitor.post(path).status_code == 302
    assert visitor.get(f"/o/{partner.slug}/").status_code == 200
    assert visitor.get(f"/o/{facility.slug}/").status_code == 200, "the old membership stays"


def test_a_head_with_two_step_sign_in_logs_in_with_their_code_before_joining_and_comes_back(
        app, login_as, mailbox):
    facility, partner = FacilityFactory(), PartnerFactory()
    head = with_two_factor(member_of(facility, Role.HEAD))
    web = login_as(member_of(partner, Role.ADMIN))
    web.post(f"/o/{partner.slug}/members/invite", {"email": head.email, "role": "member"})
    path = invitation_link(mailbox)
    visitor = Web(app.test_client())
    answer = visitor.post(path, {"password": PASSWORD})
    to_login = urlsplit(answer.headers["Location"])
    assert answer.status_code == 302 and to_login.path == "/login" and parse_qs(to_login.query)["next"] == [path]
    assert visitor.get(f"/o/{facility.slug}/").status_code == 302, "the password alone opened no session"
    with acting_for(partner):
        assert db.session.query(Membership).filter_by(organisation_id=partner.id, user_id=head.id).count() == 0
    assert f"Masuk sebagai {head.email} untuk menerima undangan ini." in visitor.get(answer.headers["Location"]).text
    assert visitor.post(answer.headers["Location"], {"email": head.email, "password": PASSWORD}) \
        .headers["Location"].endswith("/login/two-factor")
    back = visitor.post("/login/two-factor", {"code": fresh_code(head.id)})
    assert back.status_code == 302 and back.headers["Location"] == path, "back to the invitation"
    assert visitor.post(path).headers["Location"] == f"/o/{partner.slug}/"
    assert visitor.get(f"/o/{partner.slug}/").status_code == 200


def test_an_invitation_for_another_address_is_not_accepted_by_whoever_is_logged_in(app, login_as, mailbox):
    partner = PartnerFactory()
    invited, bystander = member_of(FacilityFactory(), Role.HEAD), member_of(FacilityFactory(), Role.OFFICER)
    web = login_as(member_of(partner, Role.ADMIN))
    web.post(f"/o/{partner.slug}/members/invite", {"email": invited.email, "role": "member"})
    path = invitation_link(mailbox)
    visitor = Web(app.test_client())
    assert visitor.login(bystander.email, PASSWORD).status_code == 302
    for answer in (visitor.get(path), visitor.post(path, {"password": PASSWORD})):
        assert answer.status_code == 403 and f"Undangan ini untuk {invited.email}" in answer.text
    with acting_for(partner):
        assert db.session.query(Membership).filter_by(organisation_id=partner.id).count() == 1
    assert visitor.get(f"/o/{partner.slug}/").status_code == 404


def test_inviting_is_for_managers_and_into_roles_the_organisation_has(login_as, mailbox):
    facility = FacilityFactory()
    officer_web = login_as(member_of(facility, Role.OFFICER))
    assert officer_web.post(f"/o/{facility.slug}/members/invite",
                            {"email": "x@contoh.go.id", "role": "officer"}).status_code == 403
    officer_web.logout()
    head_web = login_as(member_of(facility, Role.HEAD))
    page = head_web.post(f"/o/{facility.slug}/members/invite", {"email": "x@contoh.go.id", "role": "admin"})
    with acting_for(facility):
        assert page.status_code == 200 and db.session.query(Invitation).count() == 0


@pytest.mark.parametrize("existing", [True, False])
def test_an_officer_may_invite_a_partners_first_admin(login_as, mailbox, existing):
    facility = FacilityFactory()
    partner = PartnerFactory() if existing else None
    web = login_as(member_of(facility, Role.OFFICER))
    form = web.get(f"/o/{facility.slug}/partners/invite").text
    assert 'autocomplete="None"' not in form and 'autocomplete="off"' in form  # only where asked for
    data = {"partner": partner.id if partner else 0, "new_partner_name": "" if partner else "Koperasi Baru",
            "category": "business", "email": "admin@mitra.id"}
    assert web.post(f"/o/{facility.slug}/partners/invite", data).status_code == 302
    with acting_for(facility):
        invitation = db.session.query(Invitation).one()
    assert invitation.role == Role.ADMIN and invitation.sent_for_id == facility.id
    assert "admin@mitra.id" in web.get(f"/o/{facility.slug}/partners/").text

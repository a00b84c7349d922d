"""People who left, or asked for erasure, keep no name, e-mail or phone in the portal: a pseudonym stands in
for them everywhere, the records they made still point at them, and the audit trail still verifies."""
from datetime import timedelta
import re

import pytest
from sqlalchemy import JSON, Enum, String, Text, cast, func, select, update

from portal.accounts.models import User
from portal.audit import chain as audit
from portal.core.columns import utcnow
from portal.core.tenancy import unscoped
from portal.extensions import db
from portal.notifications.mail_models import OutboxMessage
from portal.organisations.models import Role
from portal.privacy import pseudonyms
from tests.conftest import Web
from tests.factories import (
    PASSWORD, ContributionFactory, FacilityFactory, InvitationFactory, LoginSessionFactory, NotificationFactory,
    PartnerFactory, PartnershipFactory, member_of,
)

PHONE = "081298765432"
GENERIC_ERROR = "Alamat e-mail atau kata sandi salah."


def places_holding(value: str) -> list[str]:
    """Every table and column whose stored text contains `value` (signatures aside: they are archive)."""
    found = []
    with unscoped("the test reads the whole database"):
        for table in db.metadata.sorted_tables:
            for column in table.columns:
                if table.name == "signatures" or isinstance(column.type, Enum) \
                        or not isinstance(column.type, (String, Text, JSON)):
                    continue
                text = column if not isinstance(column.type, JSON) else cast(column, String)
                if db.session.scalar(select(func.count()).select_from(table).where(text.contains(value))):
                    found.append(f"{table.name}.{column.name}")
    return found


@pytest.fixture
def intern():
    rutan, programme = FacilityFactory(), PartnerFactory(name="Program Magang Contoh")
    PartnershipFactory(facility=rutan, partner=programme)
    person = member_of(programme, Role.MEMBER, name="Sari Wulandari", phone=PHONE)
    admin = member_of(programme, Role.ADMIN)
    ContributionFactory(facility=rutan, partner=programme, title="Konseling kelompok", created_by_id=person.id)
    NotificationFactory(recipient=person, organisation=programme)
    NotificationFactory(recipient=admin, organisation=programme, kind="invitation.accepted",
                        params={"person": person.email, "joined": "Program Magang Contoh"})
    InvitationFactory(organisation=programme, email=person.email)
    LoginSessionFactory(user=person)
    return person


def leave(app, intern) -> None:
    """The programme's admin removes the intern at the end of the programme."""
    with unscoped("test: who the programme's admin is"):
        admin = next(m.user for m in intern.memberships[0].organisation.memberships if m.role == Role.ADMIN)
        membership = intern.memberships[0]
        path = f"/o/{membership.organisation.slug}/members/{membership.id}/remove"
        web = Web(app.test_client())
        web.login(admin.email, PASSWORD)
    web.post(path)


def test_someone_who_left_is_pseudonymised_after_the_period_and_the_trail_still_verifies(app, intern):
    email, person_id = intern.email, intern.id
    assert {"users.email", "invitations.email", "notifications.params"} <= set(places_holding(email))
    leave(app, intern)
    run = lambda: app.test_cli_runner().invoke(args=["portal", "purge-expired"]).output  # noqa: E731
    assert re.search(r"^departed_people\s+0 older than", run(), re.M), "not before the period"
    with unscoped("the test moves the departure back"):
        db.session.execute(update(User).where(User.id == person_id).values(left_at=utcnow() - timedelta(days=91)))
    run()
    db.session.expire_all()
    with unscoped("test: the account as the platform admin sees it"):
        person = db.session.get(User, person_id)
    assert (person.name, person.email, person.phone) == (f"Pengguna {person_id}", f"pengguna-{person_id}@pseudonim.invalid", None)
    for value in (email, "Sari Wulandari", PHONE):
        assert places_holding(value) == [], value
    with unscoped("the test reads the whole trail"):
        assert audit.verify_chain() == []
    assert GENERIC_ERROR in Web(app.test_client()).login(email, PASSWORD).text


def test_a_person_asks_for_erasure_and_a_platform_admin_grants_it(app, intern, mailbox):
    admin = member_of(FacilityFactory(), Role.VIEWER, is_platform_admin=True)
    person_id, email = intern.id, intern.email
    web = Web(app.test_client())
    web.login(email, PASSWORD)
    asked = web.post("/account/data/erase", follow_redirects=True)
    assert "Permintaan Anda telah dikirim" in asked.text and 'data-testid="erasure-requested"' in asked.text
    with unscoped("the test reads the outbox"):
        mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.to == admin.email))
        assert mail is not None and "Sari Wulandari" in mail.text and "Sari Wulandari" not in mail.subject
    admin_web = Web(app.test_client())
    admin_web.login(admin.email, PASSWORD)
    page = admin_web.get("/admin/erasure").text
    assert "Sari Wulandari" in page
    admin_web.post(f"/admin/erasure/{person_id}")
    assert 'data-testid="no-erasure-requests"' in admin_web.get("/admin/erasure").text
    assert web.get("/account/profile").headers["Location"].startswith("/login"), "signed out at once"
    for value in (email, "Sari Wulandari", PHONE):
        assert places_holding(value) == [], value
    with unscoped("the test reads the whole trail"):
        assert audit.verify_chain() == []


def test_only_a_platform_admin_decides(app, intern):
    web = Web(app.test_client())
    web.login(intern.email, PASSWORD)
    assert web.get("/admin/erasure").status_code in (403, 404)
    assert web.post(f"/admin/erasure/{intern.id}").status_code in (403, 404)
    db.session.expire_all()
    assert db.session.get(User, intern.id).pseudonymised_at is None

"""The audit trail: every change recorded with who and where, tamper-evident, readable by the right people."""
import pytest
from sqlalchemy import update

from portal.audit import chain as audit
from portal.audit.models import AuditEntry
from portal.core.tenancy import acting_for
from portal.extensions import db
from portal.ops.cli import audit_verify
from portal.organisations.models import Role
from tests.conftest import app_of_its_own
from tests.factories import FacilityFactory, PartnerFactory, member_of, trail


@pytest.fixture(scope="module")
def owner_app():
    """An app connected as the tables' owner: on PostgreSQL only the owner can tamper with the trail."""
    with app_of_its_own("audit", owner=True) as app:
        yield app


@pytest.fixture
def as_owner(owner_app):
    """Work on the owner's database in a session of its own, rolled back afterwards."""
    test_session, db.session = db.session, db._make_scoped_session({})
    try:
        with owner_app.app_context():
            yield owner_app
            db.session.rollback()
            db.session.remove()
    finally:
        db.session = test_session


def test_each_entry_links_to_the_one_before():
    first = audit.record("test.first", actor=None, object_type="test")
    second = audit.record("test.second", actor=None, object_type="test")
    assert second.prev_hash == first.hash
    assert audit.verify_chain() == []


def test_verify_notices_a_changed_entry(as_owner):
    entry = audit.record("member.added", actor=None, object_type="membership", after={"role": "viewer"})
    audit.record("test.later", actor=None, object_type="test")
    db.session.execute(update(AuditEntry).where(AuditEntry.id == entry.id)
                       .values(changes={"before": {}, "after": {"role": "head"}}))
    assert [b.entry_id for b in audit.verify_chain()] == [entry.id]


def test_verify_notices_a_deleted_entry(as_owner):
    audit.record("test.a", actor=None, object_type="test")
    middle = audit.record("test.b", actor=None, object_type="test")
    last = audit.record("test.c", actor=None, object_type="test")
    db.session.delete(middle)
    db.session.flush()
    assert [(b.entry_id, b.problem) for b in audit.verify_chain()] == [(last.id, "previous entry missing or changed")]


def test_audit_verify_command_exit_codes(as_owner):
    audit.record("test.ok", actor=None, object_type="test")
    runner = as_owner.test_cli_runner()
    assert runner.invoke(audit_verify).exit_code == 0
    db.session.execute(update(AuditEntry).values(action="tampered"))
    result = runner.invoke(audit_verify)
    assert result.exit_code == 1 and "entry content changed" in result.output


def test_a_web_action_is_audited_with_actor_organisation_and_ip(login_as):
    facility = FacilityFactory()
    head = member_of(facility, Role.HEAD)
    web = login_as(head)
    web.post(f"/o/{facility.slug}/members/invite", {"email": "baru@rutan-contoh.go.id", "role": "officer"})
    [entry] = trail(action="invitation.sent")
    assert (entry.actor_id, entry.organisation_id, entry.ip) == (head.id, facility.id, "127.0.0.1")
    assert entry.changes["after"] == {"organisation": facility.name, "role": "officer", "access_until": None}


@pytest.mark.parametrize("role, status", [(Role.HEAD, 200), (Role.OFFICER, 403), (Role.VIEWER, 403)])
def test_who_reads_the_facility_trail(login_as, role, status):
    facility = FacilityFactory()
    web = login_as(member_of(facility, role))
    assert web.get(f"/o/{facility.slug}/audit/").status_code == status


def test_a_trail_never_shows_another_organisations_entries(login_as):
    ours, theirs = FacilityFactory(), FacilityFactory()
    audit.record("secret.of.theirs", actor=None, object_type="test", organisation=theirs)
    audit.record("visible.to.us", actor=None, object_type="test", organisation=ours)
    page = login_as(member_of(ours, Role.HEAD)).get(f"/o/{ours.slug}/audit/")
    assert "visible.to.us" in page.text and "secret.of.theirs" not in page.text


def test_a_partner_admin_sees_entries_of_its_pairs():
    facility, partner = FacilityFactory(), PartnerFactory()
    audit.record("pair.event", actor=None, object_type="test", facility=facility, partner=partner)
    with acting_for(partner):
        assert [e.action for e in audit.entries_visible_to(partner)] == ["pair.event"]


def test_an_oversight_analyst_reads_the_trail_of_its_province_only(login_as):
    from tests.factories import OversightFactory

    bengkulu, kaltim = FacilityFactory(province="Bengkulu"), FacilityFactory(province="Kalimantan Timur")
    kanwil = OversightFactory(province="Bengkulu")
    audit.record("in.bengkulu", actor=None, object_type="test", organisation=bengkulu, facility=bengkulu)
    audit.record("in.kaltim", actor=None, object_type="test", organisation=kaltim, facility=kaltim)
    page = login_as(member_of(kanwil, Role.ANALYST)).get(f"/o/{kanwil.slug}/audit/")
    assert page.status_code == 200
    assert "in.bengkulu" in page.text and "in.kaltim" not in page.text

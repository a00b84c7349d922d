"""Records about people are kept no longer than the privacy notice says: the daily purge shows what it will
remove, removes it, and leaves agreements and other evidence alone."""
from datetime import timedelta
import re

import pytest
from sqlalchemy import select

from portal.accounts.models import LoginSession
from portal.audit.models import AuditEntry
from portal.core.columns import utcnow
from portal.core.tenancy import unscoped
from portal.extensions import db
from portal.materials.models import Material
from portal.notifications.models import Notification
from portal.organisations.models import Role
from tests.conftest import Web
from tests.factories import (
    PASSWORD, AgreementFactory, ContributionFactory, FacilityFactory, LoginSessionFactory, MaterialFactory,
    MaterialVersionFactory, NotificationFactory, member_of,
)

LONG_AGO = utcnow() - timedelta(days=800)


def evidence_photo(contribution, *, content_type="image/jpeg", created_at=LONG_AGO, **material):
    photo = MaterialFactory(facility=contribution.facility, partner=contribution.partner,
                            contribution_id=contribution.id, created_at=created_at, **material)
    MaterialVersionFactory(material=photo, content_type=content_type, filename="kegiatan.jpg")
    return photo


@pytest.fixture
def records():
    """Old and fresh records of each kind."""
    contribution = ContributionFactory()
    agreement = AgreementFactory(facility=contribution.facility, partner=contribution.partner)
    return {
        "old_notice": NotificationFactory(created_at=utcnow() - timedelta(days=400)),
        "fresh_notice": NotificationFactory(),
        "old_login": LoginSessionFactory(created_at=utcnow() - timedelta(days=200)),
        "fresh_login": LoginSessionFactory(),
        "old_photo": evidence_photo(contribution),
        "fresh_photo": evidence_photo(contribution, created_at=utcnow() - timedelta(days=10)),
        "old_report": evidence_photo(contribution, content_type="application/pdf"),
        "agreement_photo": evidence_photo(contribution, agreement_id=agreement.id),
    }


def held(model, record_id) -> bool:
    """Whether the database still holds the record, whoever's it is."""
    with unscoped("the test looks at every tenant's and person's records"):
        db.session.expire_all()
        return db.session.get(model, record_id) is not None


def deleted_at(material_id: int):
    """When the material was deleted (None: it is not), as the database holds it, whoever's it is."""
    with unscoped("the test looks at every tenant's materials"):
        db.session.expire_all()
        return db.session.get(Material, material_id).deleted_at


def run(app, *args):
    result = app.test_cli_runner().invoke(args=["portal", "purge-expired", *args])
    assert result.exit_code == 0, result.output
    return result.output


def counts(output: str) -> dict[str, int]:
    """The command's preview lines: `<kind>  <count> older than ...`."""
    return {kind: int(count) for kind, count in re.findall(r"^(\w+)\s+(\d+) older than", output, re.M)}


def test_a_dry_run_shows_what_would_go_and_removes_nothing(app, records):
    ids = {name: record.id for name, record in records.items()}
    output = run(app, "--dry-run")
    found = counts(output)
    assert found["notifications"] >= 1 and found["login_history"] >= 1 and found["evidence_photos"] >= 1
    assert "older than 365 days (RETENTION_NOTIFICATION_DAYS)" in output and "Nothing removed" in output
    assert held(Notification, ids["old_notice"])
    assert held(LoginSession, ids["old_login"])
    assert deleted_at(ids["old_photo"]) is None


def test_the_purge_removes_what_is_past_its_period_and_keeps_the_rest(app, records):
    ids = {name: record.id for name, record in records.items()}
    preview = counts(run(app, "--dry-run"))
    output = run(app)
    assert f"notifications {preview['notifications']}" in output
    db.session.expire_all()
    assert not held(Notification, ids["old_notice"])
    assert held(Notification, ids["fresh_notice"])
    assert not held(LoginSession, ids["old_login"])
    assert held(LoginSession, ids["fresh_login"])
    assert deleted_at(ids["old_photo"]) is not None, "then purge-materials removes it"
    kept = [deleted_at(ids[name]) for name in ("fresh_photo", "old_report", "agreement_photo")]
    assert kept == [None, None, None], "a fresh photo, a document and an agreement's photo stay"
    with unscoped("the test reads the system's entry in the trail"):
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "material.retention_expired",
                                                           AuditEntry.object_id == str(ids["old_photo"])))
        assert entry is not None and entry.actor_id is None


def test_the_periods_are_settings(app, records, monkeypatch):
    ids = {name: record.id for name, record in records.items()}
    monkeypatch.setitem(app.config, "RETENTION_LOGIN_DAYS", 1000)
    monkeypatch.setitem(app.config, "RETENTION_EVIDENCE_PHOTO_DAYS", 1000)
    run(app)
    db.session.expire_all()
    assert held(LoginSession, ids["old_login"])
    assert deleted_at(ids["old_photo"]) is None


def test_anyone_reads_the_privacy_notice_with_the_periods_in_force(app, monkeypatch):
    visitor = Web(app.test_client())
    page = visitor.get("/privasi").text
    assert "Pemberitahuan privasi" in page and "Undang-Undang Nomor 27 Tahun 2022" in page
    assert 'data-kind="login_history"' in page and "180 hari" in page and "24 jam" in page
    monkeypatch.setitem(app.config, "RETENTION_LOGIN_DAYS", 30)
    monkeypatch.setitem(app.config, "PRIVACY_CONTACT", "dpo@ditjenpas.go.id")
    page = visitor.get("/privasi").text
    row = page[page.index('data-kind="login_history"'):]
    assert "30 hari" in row[:row.index("</tr>")] and "dpo@ditjenpas.go.id" in page
    assert 'href="/privasi"' in visitor.get("/login").text, "the footer links to it"


def test_the_platform_admin_sees_what_the_next_purge_removes(app, records):
    admin = member_of(FacilityFactory(), Role.VIEWER, is_platform_admin=True)
    web = Web(app.test_client())
    web.login(admin.email, PASSWORD)
    page = web.get("/admin/retention").text
    expected = counts(run(app, "--dry-run"))
    for kind, count in expected.items():
        row = page[page.index(f'data-kind="{kind}"'):]
        assert f'data-testid="count">{count}<' in row[:row.index("</tr>")]
    assert web.get("/admin/retention").status_code == 200
    someone = member_of(FacilityFactory(), Role.HEAD)
    other = Web(app.test_client())
    other.login(someone.email, PASSWORD)
    assert other.get("/admin/retention").status_code in (403, 404)


@pytest.mark.usefixtures("storage_settings")
def test_a_rejected_draft_is_emptied_after_its_period_and_signed_agreements_stay_whole(app, pks):
    from portal.agreements.models import Agreement, AgreementDocument, AgreementStatus as S
    from portal.core import storage

    rejected, signed = pks.in_state(S.REJECTED), pks.in_state(S.ACTIVE)
    ids = {"rejected": rejected.id, "signed": signed.id}
    with unscoped("test: what each agreement holds"):
        keys = {name: [d.storage_key for d in db.session.scalars(select(AgreementDocument).where(
            AgreementDocument.agreement_id == agreement_id))] for name, agreement_id in ids.items()}
        assert keys["rejected"] and keys["signed"]
        assert re.search(r"^rejected_drafts\s+0 older than", run(app), re.M), "not before the period"
        db.session.execute(Agreement.__table__.update().values(updated_at=utcnow() - timedelta(days=400)))
    output = run(app)
    assert re.search(r"^rejected_drafts\s+1 older than", output, re.M), output
    with unscoped("test: what each agreement holds now"):
        db.session.expire_all()
        emptied, whole = db.session.get(Agreement, ids["rejected"]), db.session.get(Agreement, ids["signed"])
        assert (emptied.title, emptied.scope, emptied.status_reason, emptied.partner_signatory_nip) == (
            f"Draf PKS ditolak #{ids['rejected']}", "", None, None)
        assert emptied.status == S.REJECTED and emptied.facility_id == pks.facility.id, "the record stays"
        assert emptied.documents == [] and not [k for k in keys["rejected"] if k in set(storage.keys())]
        assert whole.title == "Sistem Rujukan Pelayanan Kesehatan" and len(whole.documents) == len(keys["signed"])
        assert [e.object_id for e in db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "agreement.draft_emptied"))] == [str(ids["rejected"])]
    assert re.search(r"^rejected_drafts\s+0 older than", run(app), re.M), "once emptied, nothing is left to do"

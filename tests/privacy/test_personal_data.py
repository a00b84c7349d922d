"""A person reads, and takes away, everything the portal keeps about them, and nothing about anyone else."""
import json
import re

import pytest
from sqlalchemy import text
from sqlalchemy.exc import ProgrammingError

from portal.core.tenancy import acting_for, unscoped
from portal.extensions import db
from portal.organisations.models import Role
from tests import sample_files
from tests.conftest import Web
from tests.factories import (
    PASSWORD, ContributionFactory, FacilityFactory, LoginSessionFactory, NotificationFactory, PartnerFactory,
    PartnershipFactory, member_of, trail,
)


@pytest.fixture
def intern():
    """A psychology intern of the ministry's programme, placed at a Rutan."""
    rutan, programme = FacilityFactory(name="Rutan Kelas IIB Contoh"), PartnerFactory(name="Program Magang Contoh")
    PartnershipFactory(facility=rutan, partner=programme)
    person = member_of(programme, Role.MEMBER, name="Peserta Magang Psikologi", phone="081234567890")
    colleague = member_of(programme, Role.MEMBER, name="Peserta Magang Sosiologi")
    ContributionFactory(facility=rutan, partner=programme, title="Konseling kelompok pekan pertama",
                        created_by_id=person.id)
    ContributionFactory(facility=rutan, partner=programme, title="Catatan rekan lain", created_by_id=colleague.id)
    NotificationFactory(recipient=person, organisation=programme, kind="contribution.verified")
    NotificationFactory(recipient=colleague, organisation=programme, kind="contribution.returned")
    LoginSessionFactory(user=colleague, ip="10.9.9.9")
    return person


def test_a_person_downloads_everything_about_them_and_the_download_is_audited(login_as, intern):
    web = login_as(intern)
    answer = web.get("/account/data.json")
    assert answer.status_code == 200 and "attachment" in answer.headers["Content-Disposition"]
    copy = json.loads(answer.text)
    assert copy["profile"]["email"] == intern.email and copy["profile"]["phone"] == "081234567890"
    assert [m["organisation"] for m in copy["memberships"]] == ["Program Magang Contoh"]
    assert [c["title"] for c in copy["contributions_recorded"]] == ["Konseling kelompok pekan pertama"]
    assert [n["kind"] for n in copy["notifications"]] == ["contribution.verified"]
    assert len(copy["sessions"]) == 1 and copy["sessions"][0]["ended_at"] is None
    assert any(entry["action"] == "session.started" for entry in copy["activity"])
    assert len(trail(action="user.data_exported", actor_id=intern.id)) == 1


def test_the_copy_holds_nothing_of_a_colleague(login_as, intern):
    text = login_as(intern).get("/account/data.json").text
    for theirs in ("Catatan rekan lain", "contribution.returned", "10.9.9.9", "Peserta Magang Sosiologi"):
        assert theirs not in text


def test_the_page_shows_the_same_in_bahasa_indonesia(login_as, intern):
    page = login_as(intern).get("/account/data").text
    assert re.search(r"<title>\s*Data saya\b[^<]*</title>", page), "the title is the page's name alone"
    assert "Unduh data saya (JSON)" in page
    assert "Konseling kelompok pekan pertama" in page and "Program Magang Contoh" in page
    assert "Catatan rekan lain" not in page


def test_the_page_reads_in_words_not_as_the_file_holds_it(login_as, intern):
    """Dates in words, the language by name, notifications as their text, what the person did as sentences;
    the file keeps ISO dates and codes. It showed '2026-12-06T13:24:00+00:00', 'id', 'contribution.verified',
    'session.started' and 'user 5'."""
    page = login_as(intern).get("/account/data").text
    shown = re.sub(r"<[^>]+>", " ", re.sub(r"<details.*?</details>", " ", page, flags=re.S))
    assert not re.search(r"\d{4}-\d\d-\d\dT", shown), "no ISO moments"
    assert not re.search(r"\b(contribution|session|user)\.[a-z_]+\b", shown), "no codes"
    assert not re.search(r"\b(user|contribution|agreement) \d+\b", shown), "no internal ids"
    assert "Bahasa Indonesia" in shown
    activity = shown[shown.index("Apa yang Anda lakukan"):]
    assert "Peserta Magang Psikologi" in activity and "masuk" in activity, activity[:400]


def test_the_partner_director_sees_who_downloaded_the_agreement_she_drafted(pks, app):
    agreement = pks.draft(document=sample_files.pdf("Isi PKS"))
    with pks.acting(pks.partner_admin):
        document = agreement.latest_draft()
    officer = Web(app.test_client())
    officer.login(pks.officer.email, PASSWORD)
    assert officer.get(f"/o/{pks.facility.slug}/agreements/{agreement.id}/documents/{document.id}").status_code == 200
    analyst = Web(app.test_client())
    analyst.login(pks.analyst.email, PASSWORD)
    assert analyst.get(f"/o/{pks.kanwil.slug}/agreements/{agreement.id}/documents/{document.id}").status_code == 200
    director = Web(app.test_client())
    director.login(pks.partner_admin.email, PASSWORD)
    openings = json.loads(director.get("/account/data.json").text)["openings_of_documents_naming_you"]
    assert {(o["by"], o["organisation"], o["file"], o["how"]) for o in openings} == {
        ("Petugas Pelayanan", "Rutan Kelas IIB Tamiang Layang", "Draf PKS RSUD.pdf", "Diunduh"),
        (pks.analyst.name, pks.kanwil.name, "Draf PKS RSUD.pdf", "Diunduh")}
    page = director.get("/account/data").text
    assert "Petugas Pelayanan" in page and "Diunduh" in page


def test_an_opening_is_recorded_only_in_the_name_of_the_organisation_acting(pks):
    """On PostgreSQL the table's policies refuse a row in another organisation's name, and reading it back."""
    if db.session.get_bind().dialect.name != "postgresql":
        pytest.skip("Row-Level Security exists on PostgreSQL only")
    with acting_for(pks.facility):
        with pytest.raises(ProgrammingError, match="row-level security"):
            with db.session.begin_nested():
                db.session.execute(text(
                    "INSERT INTO document_accesses (at, organisation_id, file_kind, file_id, filename, how, "
                    "facility_id, partner_id) VALUES (now(), :other, 'agreement_document', 1, 'x.pdf', "
                    "'download', :f, :p)"), {"other": pks.partner.id, "f": pks.facility.id, "p": pks.partner.id})
        db.session.execute(text(
            "INSERT INTO document_accesses (at, organisation_id, file_kind, file_id, filename, how, facility_id, "
            "partner_id) VALUES (now(), :own, 'agreement_document', 1, 'x.pdf', 'download', :f, :p)"),
            {"own": pks.facility.id, "f": pks.facility.id, "p": pks.partner.id})
        assert db.session.scalar(text("SELECT count(*) FROM document_accesses")) == 0, "nobody reads them back"
    with unscoped("the test reads the log"):
        assert db.session.scalar(text("SELECT count(*) FROM document_accesses")) == 1


def test_records_are_named_as_the_persons_entries_kept_them_not_as_an_organisation_left_calls_them_now(pks, login_as):
    """Someone who left a partner (and still signs in elsewhere) read on 'Data saya' what that partner's
    records are called now, after other people's edits. Found in review."""
    from portal.agreements import operations as agreements
    from portal.organisations import operations as organisations
    from portal.organisations.models import Membership
    from tests.factories import MembershipFactory

    former = member_of(pks.partner, Role.ADMIN, name="Mantan Admin")
    MembershipFactory(organisation=PartnerFactory(), role=Role.MEMBER, user=former)
    agreement = pks.draft(by=former)
    with unscoped("the test finds the membership"):
        membership = db.session.query(Membership).filter_by(user_id=former.id, organisation_id=pks.partner.id).one()
    with acting_for(pks.partner):
        organisations.remove_member(membership, actor=pks.partner_admin)
        agreements.update_agreement(agreement, pks.fields(title="Judul baru setelah ia keluar"),
                                    actor=pks.partner_admin)
    page = login_as(former).get("/account/data").text
    activity = page[page.index('data-testid="activity"'):]
    assert "Mantan Admin" in activity and "Judul baru setelah ia keluar" not in activity

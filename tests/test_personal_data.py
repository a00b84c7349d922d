"""A person reads, and takes away, everything the portal keeps about them, and nothing about anyone else."""
import json

import pytest

from portal.extensions import db
from portal.models import AuditEntry, Role
from tests.factories import (
    ContributionFactory, FacilityFactory, LoginSessionFactory, NotificationFactory, PartnerFactory,
    PartnershipFactory, member_of,
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
    assert db.session.query(AuditEntry).filter_by(action="user.data_exported", actor_id=intern.id).count() == 1


def test_the_copy_holds_nothing_of_a_colleague(login_as, intern):
    text = login_as(intern).get("/account/data.json").text
    for theirs in ("Catatan rekan lain", "contribution.returned", "10.9.9.9", "Peserta Magang Sosiologi"):
        assert theirs not in text


def test_the_page_shows_the_same_in_bahasa_indonesia(login_as, intern):
    page = login_as(intern).get("/account/data").text
    assert "Data saya" in page and "Unduh data saya (JSON)" in page
    assert "Konseling kelompok pekan pertama" in page and "Program Magang Contoh" in page
    assert "Catatan rekan lain" not in page

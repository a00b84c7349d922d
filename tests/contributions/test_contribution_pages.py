"""The contribution pages: an intern records with evidence, an officer rejects, the intern corrects, verified."""
from datetime import date, timedelta
import io
import re

from sqlalchemy import select

from portal.contributions.models import Contribution, ContributionStatus as C
from portal.core.tenancy import unscoped
from portal.extensions import db
from portal.materials.models import Material
from portal.organisations.partnership_models import Partnership
from tests import sample_files


def pair_id(pks):
    with unscoped("the test looks up its own pair"):
        return db.session.scalar(select(Partnership.id).where(Partnership.facility_id == pks.facility.id))


def form(**changes):
    data = dict(type="counselling", title="Konseling psikologis WBP", description="Komunikasi terapeutik",
                started_on=(date.today() - timedelta(days=1)).isoformat(), participants_male="10",
                participants_female="2", participants_total="12", hours="3", partner_people="2 peserta magang",
                location="Klinik Pratama", agreement="0", programme="0")
    data.update(changes)
    return data


def the_contribution():
    db.session.expire_all()
    with unscoped("the test reads the outcome"):
        return db.session.scalar(select(Contribution).order_by(Contribution.id.desc()))


def test_record_reject_correct_verify_through_the_pages(pks, login_as):
    intern = login_as(pks.partner_member)
    data = form(evidence=[(io.BytesIO(sample_files.pdf("daftar hadir")), "rekap-kehadiran.pdf")])
    page = intern.post(f"/o/{pks.partner.slug}/contributions/new?pair={pair_id(pks)}", data,
                       content_type="multipart/form-data", follow_redirects=True)
    assert "Kontribusi telah dicatat" in page.text and "rekap-kehadiran.pdf" in page.text
    contribution = the_contribution()
    with unscoped("the test reads the evidence"):
        assert db.session.scalar(select(Material.contribution_id)) == contribution.id
    intern.logout()

    officer = login_as(pks.officer)
    queue = officer.get(f"/o/{pks.facility.slug}/contributions/?status=submitted").text
    assert "Konseling psikologis WBP" in queue
    officer.post(f"/o/{pks.facility.slug}/contributions/{contribution.id}/reject",
                 {"reason": "Jumlah peserta perempuan keliru"})
    assert the_contribution().status == C.REJECTED
    officer.logout()

    intern = login_as(pks.partner_member)
    shown = intern.get(f"/o/{pks.partner.slug}/contributions/{contribution.id}").text
    assert "Jumlah peserta perempuan keliru" in shown
    correcting = intern.get(f"/o/{pks.partner.slug}/contributions/{contribution.id}/edit").text
    assert re.search(r"<title>\s*Perbaiki kontribusi", correcting), "the tab says what the page does"
    intern.post(f"/o/{pks.partner.slug}/contributions/{contribution.id}/edit",
                form(participants_female="3", participants_total="13", version=str(the_contribution().version)))
    assert the_contribution().status == C.SUBMITTED and the_contribution().participants_total == 13
    intern.logout()

    officer = login_as(pks.officer)
    officer.post(f"/o/{pks.facility.slug}/contributions/{contribution.id}/verify")
    assert the_contribution().status == C.VERIFIED
    listing = officer.get(f"/o/{pks.facility.slug}/contributions/").text
    assert "Terverifikasi sejauh ini: 1 kontribusi, 13 peserta WBP, 3 jam." in listing


def test_a_bad_number_is_refused_on_the_page_and_nothing_is_recorded(pks, login_as):
    intern = login_as(pks.partner_member)
    page = intern.post(f"/o/{pks.partner.slug}/contributions/new?pair={pair_id(pks)}",
                       form(participants_male="20", participants_total="12"))
    assert "lebih banyak daripada jumlah total (12)" in page.text
    assert the_contribution() is None


def test_the_facility_cannot_record_and_the_partner_cannot_verify(pks, login_as):
    officer = login_as(pks.officer)
    assert officer.get(f"/o/{pks.facility.slug}/contributions/new?pair={pair_id(pks)}").status_code == 403
    officer.logout()
    from tests.factories import ContributionFactory
    contribution = ContributionFactory(facility=pks.facility, partner=pks.partner)
    admin = login_as(pks.partner_admin)
    admin.post(f"/o/{pks.partner.slug}/contributions/{contribution.id}/verify")
    assert the_contribution().status == C.SUBMITTED


def test_a_programme_shows_its_sessions_and_closes_with_certificates(pks, login_as):
    intern = login_as(pks.partner_member)
    start = (date.today() - timedelta(days=30)).isoformat()
    intern.post(f"/o/{pks.partner.slug}/contributions/programmes/new?pair={pair_id(pks)}", {
        "name": "Program Rehabilitasi Kategori II", "type": "rehabilitation", "category": "Kategori II",
        "duration_days": "30", "start_date": start, "planned_participants": "18", "agreement": "0"})
    from portal.contributions.models import Programme
    with unscoped("the test finds the programme"):
        programme = db.session.scalar(select(Programme))
    intern.post(f"/o/{pks.partner.slug}/contributions/new?programme={programme.id}",
                form(type="rehabilitation", title="Sesi pembinaan mental", programme=str(programme.id),
                     participants_male="18", participants_female="0", participants_total="18"))
    intern.post(f"/o/{pks.partner.slug}/contributions/programmes/{programme.id}",
                {"actual_participants": "18", "certificates_issued": "18", "end_date": date.today().isoformat()})
    page = intern.get(f"/o/{pks.partner.slug}/contributions/programmes/{programme.id}").text
    assert "Sesi pembinaan mental" in page and 'data-testid="programme-certificates">18<' in page


def test_several_sessions_of_a_programme_at_once_all_or_none(pks, login_as):
    from portal.contributions.models import Programme
    from tests.factories import ProgrammeFactory

    programme = ProgrammeFactory(facility=pks.facility, partner=pks.partner)
    intern = login_as(pks.partner_member)
    url = f"/o/{pks.partner.slug}/contributions/programmes/{programme.id}/sessions"
    day = lambda n: (date.today() - timedelta(days=n)).isoformat()  # noqa: E731
    bad = intern.post(url, {"sessions-0-started_on": day(3), "sessions-0-participants_total": "18",
                            "sessions-0-hours": "2", "sessions-1-started_on": day(2), "sessions-1-hours": "30"})
    assert "Sesi 2:" in bad.text and the_contribution() is None
    intern.post(url, {f"sessions-{n}-started_on": day(5 - n) for n in range(3)}
                | {f"sessions-{n}-participants_total": "18" for n in range(3)})
    with unscoped("the test counts the sessions"):
        assert len(db.session.get(Programme, programme.id).contributions) == 3


def test_the_form_marks_each_agreement_with_the_kinds_it_covers_and_its_days(pks, login_as):
    """contribution-form.js offers the agreements that fit the type, and chooses the one that fits type and day."""
    from portal.agreements.models import AgreementStatus, AgreementType

    agreement = pks.in_state(AgreementStatus.ACTIVE, type=AgreementType.HEALTH_REFERRAL,
                             title="PKS Rujukan Kesehatan")
    intern = login_as(pks.partner_member)
    page = intern.get(f"/o/{pks.partner.slug}/contributions/new?pair={pair_id(pks)}").text
    assert 'data-contribution-types="health"' in page and "PKS Rujukan Kesehatan" in page
    assert f'data-from="{agreement.start_date.isoformat()}"' in page
    assert f'data-until="{agreement.end_date.isoformat()}"' in page


def test_a_form_sent_twice_records_one_contribution_with_its_evidence_once(pks, login_as):
    """A double click, or a resubmission after a time-out: the form's one-time key makes it one record."""
    intern = login_as(pks.partner_member)
    new = f"/o/{pks.partner.slug}/contributions/new?pair={pair_id(pks)}"
    key = intern.get(new).text.split('name="submission_key" type="hidden" value="')[1].split('"')[0]

    def send():
        evidence = [(io.BytesIO(sample_files.pdf("daftar hadir")), "rekap-kehadiran.pdf")]
        return intern.post(new, form(submission_key=key, evidence=evidence), content_type="multipart/form-data",
                           follow_redirects=True)

    first, second = send(), send()

    assert "Kontribusi telah dicatat" in first.text
    assert "Formulir ini sudah pernah dikirim" in second.text
    with unscoped("the test counts what was recorded"):
        assert len(db.session.scalars(select(Contribution).where(Contribution.submission_key == key)).all()) == 1
        assert len(db.session.scalars(select(Material)).unique().all()) == 1
    another = intern.get(new).text.split('name="submission_key" type="hidden" value="')[1].split('"')[0]
    assert another != key


def test_a_key_another_pair_used_records_a_new_contribution_and_shows_nothing_of_theirs(pks, login_as):
    """A forged (or copied) one-time key that another pair's form already used: found on the deployed stack as a
    500 (the key is unique, but the other pair's contribution is out of sight, so the portal tried to insert)."""
    from tests.factories import ContributionFactory

    used = "0123456789abcdef0123456789abcdef"
    ContributionFactory(facility=pks.stranger_facility, partner=pks.partner, submission_key=used,
                        title="Kontribusi di UPT lain")
    ContributionFactory(submission_key=used, title="Kontribusi mitra lain")  # a pair out of the intern's sight
    intern = login_as(pks.partner_member)
    answer = intern.post(f"/o/{pks.partner.slug}/contributions/new?pair={pair_id(pks)}",
                         form(submission_key=used, title="Konseling di UPT ini"), follow_redirects=True)
    assert answer.status_code == 200 and "Kontribusi telah dicatat" in answer.text
    assert "Konseling di UPT ini" in answer.text and "Kontribusi di UPT lain" not in answer.text
    with unscoped("the test counts what was recorded"):
        keyed = db.session.scalars(select(Contribution).where(Contribution.submission_key == used)).all()
    assert len(keyed) == 3


def test_a_form_sent_back_ties_each_error_to_its_field_and_says_which_fields_are_required(pks, login_as):
    import re

    intern = login_as(pks.partner_member)
    page = intern.post(f"/o/{pks.partner.slug}/contributions/new?pair={pair_id(pks)}",
                       form(title="", started_on="")).text
    title = re.search(r'<input[^>]*id="title"[^>]*>', page).group(0)
    assert 'aria-invalid="true"' in title and 'aria-describedby="title-error"' in title
    assert re.search(r'<div id="title-error" class="invalid-feedback d-block">[^<]+</div>', page)
    assert re.search(r'<label class="form-label" for="title">Judul <span class="required-mark">\(wajib\)</span>',
                     page)
    assert the_contribution() is None


def test_the_partners_people_are_named_as_the_partners_whoever_reads_the_form(pks, login_as):
    """The form said 'Personel Anda yang terlibat': read by the facility's officer on a correction, that was
    the partner's staff called theirs."""
    page = login_as(pks.partner_member).get(f"/o/{pks.partner.slug}/contributions/new?pair={pair_id(pks)}").text
    assert "Personel mitra yang terlibat" in page and "Personel Anda" not in page

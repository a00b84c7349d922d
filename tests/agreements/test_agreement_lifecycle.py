"""The PKS journeys of issue 3, told through the services people's clicks end up in."""
from datetime import date, timedelta
import io

from pypdf import PdfReader
import pytest

from portal.agreements import (
    lists as agreement_lists, operations as agreements, signing as agreement_signing, verification,
)
from portal.agreements.models import AgreementStatus as S, DocumentKind, Party, SignatureMethod
from portal.agreements.moves import AgreementChanged, IllegalTransition
from portal.core import storage, transactional_files as files
from portal.core.errors import DomainError, NotAllowed
from tests import sample_files
from tests.conftest import ARTIFACTS
from tests.factories import PASSWORD, fresh_code, trail


def test_a_partner_drafts_edits_and_submits_a_health_referral_pks(pks):
    agreement = pks.draft()
    assert agreement.status == S.DRAFT and agreement.latest_draft().number == 1
    with pks.acting(pks.partner_admin):
        agreements.update_agreement(agreement, pks.fields(objectives="Rujukan dalam 1 x 24 jam"),
                                    actor=pks.partner_admin, expected_version=agreement.version)
        agreements.submit_agreement(agreement, actor=pks.partner_admin)
    assert agreement.status == S.SUBMITTED
    assert agreement.objectives == "Rujukan dalam 1 x 24 jam"
    with pks.acting(pks.partner_admin):
        steps = [entry.action for entry in agreement_lists.timeline(agreement)]
    assert steps == ["agreement.created", "agreement.document_added", "agreement.updated", "agreement.submitted"]


def test_changes_requested_with_a_reason_then_a_new_version_is_resubmitted(pks):
    agreement = pks.in_state(S.SUBMITTED)
    with pks.acting(pks.officer):
        agreements.request_changes(agreement, "Mohon lengkapi NIP penandatangan", actor=pks.officer)
    assert agreement.status == S.CHANGES_REQUESTED
    assert agreement.status_reason == "Mohon lengkapi NIP penandatangan"
    with pks.acting(pks.partner_admin):
        agreements.add_draft_document(agreement, io.BytesIO(sample_files.docx()), "Draf v2.docx",
                                      actor=pks.partner_admin)
        agreements.submit_agreement(agreement, actor=pks.partner_admin)
    versions = agreement.drafts()
    assert [(d.number, d.content_type, d.uploaded_by) for d in versions] == [
        (1, files.PDF, pks.partner_admin), (2, files.DOCX, pks.partner_admin)]
    assert agreement.status == S.SUBMITTED


def test_the_officer_forwards_and_only_the_head_approves(pks):
    agreement = pks.in_state(S.FORWARDED)
    with pks.acting(pks.officer), pytest.raises(NotAllowed):
        agreements.approve_agreement(agreement, actor=pks.officer)
    with pks.acting(pks.head):
        agreements.approve_agreement(agreement, actor=pks.head)
    assert agreement.status == S.APPROVED
    assert agreement.approved_document() == agreement.latest_draft()


def test_the_head_rejects_with_a_reason(pks):
    agreement = pks.in_state(S.FORWARDED)
    with pks.acting(pks.head):
        with pytest.raises(DomainError):
            agreements.reject_agreement(agreement, "  ", actor=pks.head)
        agreements.reject_agreement(agreement, "Ruang lingkup belum jelas", actor=pks.head)
    assert agreement.status == S.REJECTED and agreement.status_reason == "Ruang lingkup belum jelas"


def test_both_signatories_sign_and_the_final_pdf_carries_a_certificate(pks):
    agreement = pks.in_state(S.APPROVED)
    signed_hash = agreement.approved_document().sha256
    with pks.acting(pks.head), pytest.raises(IllegalTransition):
        agreement_signing.sign_agreement(agreement, PASSWORD, fresh_code(pks.head.id), actor=pks.head)  # the partner signs first
    with pks.acting(pks.partner_admin):
        with pytest.raises(DomainError, match="password|sandi"):
            agreement_signing.sign_agreement(agreement, "salah-sekali", fresh_code(pks.partner_admin.id), actor=pks.partner_admin)
        agreement_signing.sign_agreement(agreement, PASSWORD, fresh_code(pks.partner_admin.id), actor=pks.partner_admin)
    assert agreement.status == S.PARTNER_SIGNED
    with pks.acting(pks.head):
        agreement_signing.sign_agreement(agreement, PASSWORD, fresh_code(pks.head.id), actor=pks.head)
        signatures = {s.party: s for s in agreement.signatures}
    assert agreement.status == S.ACTIVE  # its start date is today
    assert signatures[Party.PARTNER].name == "Vinny Safari" and signatures[Party.FACILITY].name == "Agung Novarianto"
    assert {s.sha256 for s in signatures.values()} == {signed_hash}
    assert all(s.method == SignatureMethod.ELECTRONIC and s.signed_at for s in signatures.values())

    final = agreement.document_of(DocumentKind.FINAL)
    body = b"".join(storage.get(final.storage_key))
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "pks-final.pdf").write_bytes(body)  # for a person to look at
    reader = PdfReader(io.BytesIO(body))
    assert len(reader.pages) == 2  # the signed page, then the certificate
    certificate = reader.pages[-1].extract_text()
    for expected in ("SERTIFIKAT", agreement.verification_code, "Vinny Safari", "Agung Novarianto",
                     signed_hash[:32], "RSUD Tamiang Layang", "Rutan Kelas IIB Tamiang Layang"):
        assert expected in certificate.replace("\n", " ")
    assert verification.by_code(agreement.verification_code).status == S.ACTIVE
    assert verification.check_file(io.BytesIO(body)).verdict.facility_number == agreement.facility_number
    assert verification.check_file(io.BytesIO(body + b"x")).verdict is None


def test_a_docx_draft_gets_a_generated_agreement_pdf(pks):
    agreement = pks.in_state(S.APPROVED, document=sample_files.docx())
    with pks.acting(pks.partner_admin):
        agreement_signing.sign_agreement(agreement, PASSWORD, fresh_code(pks.partner_admin.id), actor=pks.partner_admin)
    with pks.acting(pks.head):
        agreement_signing.sign_agreement(agreement, PASSWORD, fresh_code(pks.head.id), actor=pks.head)
    body = b"".join(storage.get(agreement.document_of(DocumentKind.FINAL).storage_key))
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)
    assert "Sistem Rujukan Pelayanan Kesehatan" in text and "Kewajiban" in text


#: The closing ceremony at Rutan Tamiang Layang (seed 004), where the PKS with RSUD was signed on paper.
CEREMONY = date(2025, 11, 28)


def test_a_paper_signed_scan_counts_once_an_officer_confirms_it(pks):
    agreement = pks.in_state(S.APPROVED)
    with pks.acting(pks.partner_admin):
        with pytest.raises(DomainError):
            agreement_signing.upload_signed_scan(agreement, io.BytesIO(sample_files.docx()), "scan.docx",
                                          actor=pks.partner_admin)
        scan = agreement_signing.upload_signed_scan(agreement, io.BytesIO(sample_files.pdf("PKS bertanda tangan")),
                                             "scan PKS.pdf", actor=pks.partner_admin)
        with pytest.raises(NotAllowed):
            agreement_signing.confirm_signed_scan(agreement, signed_on=CEREMONY, actor=pks.partner_admin)
    with pks.acting(pks.officer):
        agreement_signing.confirm_signed_scan(agreement, signed_on=CEREMONY, actor=pks.officer)
    assert agreement.status == S.ACTIVE
    assert {(s.party, s.method, s.sha256, s.confirmed_by_id, s.signed_on) for s in agreement.signatures} == {
        (Party.PARTNER, SignatureMethod.PAPER, scan.sha256, pks.officer.id, CEREMONY),
        (Party.FACILITY, SignatureMethod.PAPER, scan.sha256, pks.officer.id, CEREMONY)}
    confirmed = trail(action="agreement.scan_confirmed", object_id=str(agreement.id))
    assert confirmed[0].changes["after"]["signed_on"] == "2025-11-28"


def test_whoever_uploaded_the_scan_does_not_confirm_it_too(pks):
    """The scan puts both parties' signatures on record: a second person, not the uploader, confirms it."""
    agreement = pks.in_state(S.APPROVED)
    with pks.acting(pks.officer):
        agreement_signing.upload_signed_scan(agreement, io.BytesIO(sample_files.pdf("PKS bertanda tangan")),
                                             "scan PKS.pdf", actor=pks.officer)
        with pytest.raises(DomainError, match="selain yang mengunggah"):
            agreement_signing.confirm_signed_scan(agreement, signed_on=CEREMONY, actor=pks.officer)
    assert agreement.status == S.APPROVED and not agreement.signatures
    with pks.acting(pks.head):
        agreement_signing.confirm_signed_scan(agreement, signed_on=CEREMONY, actor=pks.head)
    assert agreement.status == S.ACTIVE


@pytest.mark.parametrize("signed_on, message", [(None, "Isi tanggal"), (date.today() + timedelta(days=1), "masa depan")])
def test_a_paper_signature_needs_the_date_on_the_paper_and_not_a_future_one(pks, signed_on, message):
    agreement = pks.in_state(S.APPROVED)
    with pks.acting(pks.partner_admin):
        agreement_signing.upload_signed_scan(agreement, io.BytesIO(sample_files.pdf("PKS bertanda tangan")),
                                             "scan PKS.pdf", actor=pks.partner_admin)
    with pks.acting(pks.officer), pytest.raises(DomainError, match=message):
        agreement_signing.confirm_signed_scan(agreement, signed_on=signed_on, actor=pks.officer)
    assert agreement.status == S.APPROVED and not agreement.signatures


def test_the_certificate_page_and_a_news_draft_give_the_date_signed_on_paper(pks):
    from portal.organisations.models import Role
    from portal.public import news
    from tests.factories import member_of

    agreement = pks.in_state(S.APPROVED)
    with pks.acting(pks.partner_admin):
        agreement_signing.upload_signed_scan(agreement, io.BytesIO(sample_files.pdf("PKS bertanda tangan")),
                                             "scan PKS.pdf", actor=pks.partner_admin)
    with pks.acting(pks.officer):
        agreement_signing.confirm_signed_scan(agreement, signed_on=CEREMONY, actor=pks.officer)
    body = b"".join(storage.get(agreement.document_of(DocumentKind.FINAL).storage_key))
    certificate = PdfReader(io.BytesIO(body)).pages[-1].extract_text()
    assert certificate.count("28 November 2025") == 2
    humas = member_of(pks.facility, Role.HUMAS)
    with pks.acting(humas):
        draft = news.draft(pks.facility, agreement, actor=humas)
    assert "pada 28 November 2025" in draft.body


def test_the_tick_activates_and_expires_by_the_calendar_and_is_idempotent(pks):
    later = pks.in_state(S.PARTNER_SIGNED, start_date=date.today() + timedelta(days=10),
                         end_date=date.today() + timedelta(days=40))
    with pks.acting(pks.head):
        agreement_signing.sign_agreement(later, PASSWORD, fresh_code(pks.head.id), actor=pks.head)
    assert later.status == S.SIGNED
    from portal.core.tenancy import unscoped
    with unscoped("the scheduled job sees every tenant"):
        assert agreements.tick(date.today()) == {"activated": 0, "expired": 0}
        assert agreements.tick(date.today() + timedelta(days=10)) == {"activated": 1, "expired": 0}
        assert agreements.tick(date.today() + timedelta(days=10)) == {"activated": 0, "expired": 0}
        assert later.status == S.ACTIVE
        assert agreements.tick(date.today() + timedelta(days=41)) == {"activated": 0, "expired": 1}
        assert agreements.tick(date.today() + timedelta(days=41)) == {"activated": 0, "expired": 0}
    assert later.status == S.EXPIRED


def test_an_addendum_signed_by_both_extends_the_agreement(pks):
    agreement = pks.in_state(S.ACTIVE)
    with pks.acting(pks.partner_admin):
        addendum = agreements.start_addendum(agreement, actor=pks.partner_admin)
        fields = agreements.AgreementFields.of(addendum)
        fields.end_date = agreement.end_date + timedelta(days=180)
        agreements.update_agreement(addendum, fields, actor=pks.partner_admin)
        agreements.add_draft_document(addendum, io.BytesIO(sample_files.pdf("Adendum")), "adendum.pdf",
                                      actor=pks.partner_admin)
        agreements.submit_agreement(addendum, actor=pks.partner_admin)
    with pks.acting(pks.officer):
        agreements.forward_agreement(addendum, actor=pks.officer)
    with pks.acting(pks.head):
        agreements.approve_agreement(addendum, actor=pks.head)
    with pks.acting(pks.partner_admin):
        agreement_signing.sign_agreement(addendum, PASSWORD, fresh_code(pks.partner_admin.id), actor=pks.partner_admin)
    with pks.acting(pks.head):
        agreement_signing.sign_agreement(addendum, PASSWORD, fresh_code(pks.head.id), actor=pks.head)
    assert addendum.amends == agreement and addendum.status == S.ACTIVE
    assert agreement.end_date == addendum.end_date
    with pks.acting(pks.head):
        assert "agreement.addendum_applied" in [e.action for e in agreement_lists.timeline(agreement)]


def test_renewal_is_a_new_draft_linked_to_the_old_agreement(pks):
    agreement = pks.in_state(S.EXPIRED)
    with pks.acting(pks.officer):
        renewal = agreements.renew_agreement(agreement, actor=pks.officer)
    assert renewal.status == S.DRAFT and renewal.renews == agreement
    assert renewal.start_date == agreement.end_date + timedelta(days=1)
    assert renewal.facility_number is None and renewal.title == agreement.title


def test_termination_by_the_head_with_a_reason(pks):
    agreement = pks.in_state(S.ACTIVE)
    with pks.acting(pks.officer), pytest.raises(NotAllowed):
        agreements.terminate_agreement(agreement, "Tidak berjalan", actor=pks.officer)
    with pks.acting(pks.head):
        agreements.terminate_agreement(agreement, "Mitra tidak lagi beroperasi", actor=pks.head)
    assert agreement.status == S.TERMINATED


def test_a_signed_agreement_cannot_be_edited_by_anyone(pks):
    agreement = pks.in_state(S.ACTIVE)
    for person in (pks.partner_admin, pks.head, pks.officer):
        with pks.acting(person), pytest.raises(IllegalTransition):
            agreements.update_agreement(agreement, pks.fields(title="Diubah"), actor=person)
        with pks.acting(person), pytest.raises(IllegalTransition):
            agreements.add_draft_document(agreement, io.BytesIO(sample_files.pdf()), "x.pdf", actor=person)


def test_a_stale_edit_is_refused_and_nothing_is_written(pks):
    agreement = pks.draft()
    seen_version = agreement.version
    with pks.acting(pks.officer):
        agreements.update_agreement(agreement, pks.fields(scope="Diubah petugas"), actor=pks.officer)
    with pks.acting(pks.partner_admin), pytest.raises(AgreementChanged):
        agreements.update_agreement(agreement, pks.fields(scope="Diubah mitra"), actor=pks.partner_admin,
                                    expected_version=seen_version)
    assert agreement.scope == "Diubah petugas"


def test_a_disguised_or_empty_draft_document_is_refused(pks):
    agreement = pks.draft()
    with pks.acting(pks.partner_admin):
        for content in (sample_files.executable_named_pdf(), b""):
            with pytest.raises(DomainError):
                agreements.add_draft_document(agreement, io.BytesIO(content), "PKS.pdf", actor=pks.partner_admin)
        assert len(agreement.drafts()) == 1

"""Signatures a PDF reader and a court can check: each party's signing move puts a PAdES signature in the
agreement PDF, the facility's second without breaking the partner's, and the fully signed PDF ends B-LTA.
Held to outside tools: poppler's pdfsig, and pyHanko's validator with a real test PKI (certomancer) as TSA."""
from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
import contextvars
from datetime import datetime, timedelta, timezone
import io
import os
import subprocess

from asn1crypto import ocsp as asn1_ocsp
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.report import AdESStatus
from pyhanko.sign.validation.ades import ades_lta_validation, simulate_future_ades_lta_validation
from pyhanko.sign.validation.policy_decl import (
    PdfSignatureValidationSpec, RevinfoOnlineFetchingRule, RevocationInfoGatheringSpec, SignatureValidationSpec,
)
from pyhanko_certvalidator.context import CertValidationPolicySpec
from pyhanko_certvalidator.policy_decl import REQUIRE_REVINFO, CertRevTrustPolicy
from pyhanko_certvalidator.registry import SimpleTrustManager
import pytest
from sqlalchemy import select

from portal import signing
from portal.agreements import signing as agreement_signing
from portal.agreements.models import AgreementStatus as S, DocumentKind
from portal.core import session_pages, storage
from portal.core.errors import DomainError
from portal.core.tenancy import unscoped
from portal.extensions import db
from portal.organisations.models import Role
from portal.privacy import pseudonyms
from portal.signing.models import SigningCertificate
from tests.conftest import ARTIFACTS, Web
from tests.factories import PASSWORD, fresh_code, member_of, trail
from tests.outside_pki import PSRE_PASSWORD, PSRE_PEOPLE, PSRE_USER, OutsideTimeStampingAuthority
from tests.accounts.test_two_factor import enrol


@pytest.fixture(scope="module")
def outside_pki():
    authority = OutsideTimeStampingAuthority().start()
    yield authority
    authority.stop()


@pytest.fixture
def outside_tsa(app, outside_pki, monkeypatch):
    """The portal configured as production would be: an outside TSA, whose root the portal trusts."""
    monkeypatch.setitem(app.config, "SIGNING_TSA_URL", outside_pki.tsa_url)
    monkeypatch.setitem(app.config, "SIGNING_TRUST_FILE", str(outside_pki.root_pem))
    return outside_pki


def fully_signed(pks) -> bytes:
    agreement = pks.in_state(S.ACTIVE)
    with pks.acting(pks.head):
        final = agreement.document_of(DocumentKind.FINAL)
        assert agreement.document_of(DocumentKind.SIGNED) is not None  # the partner-signed copy is kept
        return b"".join(storage.get(final.storage_key))


def pdfsig(pdf: bytes, name: str) -> str:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    path.write_bytes(pdf)
    return subprocess.run(["pdfsig", "-nocert", str(path)], capture_output=True, text=True, timeout=60).stdout


def in_its_own_loop(coroutine):
    """Run `coroutine` in an event loop of its own, in a thread of its own (Playwright's journeys leave one
    running in the test process's thread), with this thread's app context and tenancy scope."""
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(contextvars.copy_context().run, asyncio.run, coroutine).result()


def b_lta(signature, *, years_ahead: int = 0) -> "AdESStatus":
    """pyHanko's PAdES B-LTA validation (ETSI EN 319 102-1, 5.6.3), offline: only what the PDF carries, with
    the portal CA's and the test PKI's roots trusted and revocation information required. `years_ahead`
    simulates a validation that far in the future, when the signer's certificate has expired."""
    spec = PdfSignatureValidationSpec(SignatureValidationSpec(
        cert_validation_policy=CertValidationPolicySpec(
            trust_manager=SimpleTrustManager.build(
                trust_roots=[signing.pades.asn1_certificate(c) for c in signing.trusted_roots()]),
            revinfo_policy=CertRevTrustPolicy(REQUIRE_REVINFO)),
        revinfo_gathering_policy=RevocationInfoGatheringSpec(
            online_fetching_rule=RevinfoOnlineFetchingRule.LOCAL_ONLY)))
    if years_ahead:
        later = datetime.now(timezone.utc) + timedelta(days=365 * years_ahead)
        result = in_its_own_loop(simulate_future_ades_lta_validation(signature, spec, later))
    else:
        result = in_its_own_loop(ades_lta_validation(signature, spec))
    assert result.ades_subindic.status == AdESStatus.PASSED, (result.ades_subindic, result.failure_msg)
    return result


def test_pdfsig_finds_each_partys_signature_valid_and_the_document_timestamp(pks, outside_tsa):
    pdf = fully_signed(pks)
    report = pdfsig(pdf, "pks-signed-pades.pdf")
    assert report.count("Signature is Valid.") == 2, report
    assert "Signer Certificate Common Name: Vinny Safari" in report
    assert "Signer Certificate Common Name: Agung Novarianto" in report
    assert "Signer Certificate Common Name: Test TSA" in report  # the archival document timestamp
    assert "title=Direktur RSUD,O=RSUD Tamiang Layang" in report
    assert "title=Kepala Rutan,O=Rutan Kelas IIB Tamiang Layang" in report

    changed = bytearray(pdf)
    changed[len(pdf) // 5] ^= 0x01  # one byte inside what both parties signed
    tampered = pdfsig(bytes(changed), "pks-signed-pades-tampered.pdf")
    assert "Signature is Valid." not in tampered and "Digest Mismatch" in tampered, tampered


def test_pyhanko_finds_b_lta_with_the_test_pki_trusted(pks, outside_tsa):
    pdf = fully_signed(pks)
    reader = PdfFileReader(io.BytesIO(pdf))
    partner, facility = reader.embedded_regular_signatures
    assert (partner.field_name, facility.field_name) == ("PihakKedua", "PihakPertama")
    for signature in (partner, facility):
        result = b_lta(signature)
        assert result.oldest_evidence_record_timestamp is not None  # the archival document timestamp
        assert result.api_status.timestamp_validity.signing_cert.subject.native["common_name"] == "Test TSA"
        b_lta(signature, years_ahead=5)  # the signatories' certificates (3 years) have long expired by then
    assert reader.embedded_signatures[-1].sig_object_type == "/DocTimeStamp"
    assert "/DSS" in reader.root


def test_signing_works_in_a_thread_that_already_runs_an_event_loop(pks):
    """pyHanko's synchronous calls start their own event loop; in a thread running one (after the browser
    journeys in this process, or under an async server) they failed with "asyncio.run() cannot be called
    from a running event loop"."""
    agreement = pks.in_state(S.PARTNER_SIGNED)

    async def the_head_signs():
        with pks.acting(pks.head):
            agreement_signing.sign_agreement(agreement, PASSWORD, fresh_code(pks.head.id), actor=pks.head)
            return signing.read(b"".join(storage.get(agreement.document_of(DocumentKind.FINAL).storage_key)))

    found = in_its_own_loop(the_head_signs())
    assert agreement.status == S.ACTIVE and len(found) == 3 and all(signature.intact for signature in found)


def test_the_facility_signs_second_without_breaking_the_partners_signature(pks, outside_tsa):
    pdf = fully_signed(pks)
    with pks.acting(pks.head):
        found = signing.read(pdf)
    partner, facility, archive = found
    for signature in (partner, facility, archive):
        assert signature.intact and signature.covers_everything_allowed and signature.trusted, signature
        assert signature.timestamped_at is not None and signature.has_validation_data
    assert (partner.signer, partner.position, partner.organisation) == (
        "Vinny Safari", "Direktur RSUD", "RSUD Tamiang Layang")
    assert facility.reason.startswith("Menyetujui PKS") and facility.location == "Rutan Kelas IIB Tamiang Layang"
    assert archive.is_timestamp and archive.signer == "Test TSA"


def test_without_an_outside_tsa_the_portal_stamps_time_itself_and_the_pdf_is_still_b_lta(pks):
    pdf = fully_signed(pks)
    reader = PdfFileReader(io.BytesIO(pdf))
    for signature in reader.embedded_regular_signatures:
        result = b_lta(signature)
        assert result.api_status.timestamp_validity.signing_cert.subject.native["common_name"] == "MitraPAS TSA"


def check_on_the_verify_page(client, web, pdf: bytes):
    token = web.csrf_token()
    return client.post("/verify/", data={"csrf_token": token, "f-csrf_token": token, "f-submit": "1",
                                         "f-document": (io.BytesIO(pdf), "pks.pdf")}, content_type="multipart/form-data")


def test_the_verify_page_reports_each_signature_and_a_tampered_copy_as_modified(pks, client, web):
    pdf = fully_signed(pks)
    page = check_on_the_verify_page(client, web, pdf)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Vinny Safari" in html and "Agung Novarianto" in html
    assert html.count("Utuh: tidak berubah sejak ditandatangani") == 3, html
    assert "Dipercaya oleh MitraPAS" in html and "Tertanam (validasi jangka panjang)" in html

    changed = bytearray(pdf)
    changed[len(pdf) // 5] ^= 0x01
    page = check_on_the_verify_page(client, web, bytes(changed))
    html = page.get_data(as_text=True)
    assert page.status_code == 404  # not the final PDF of any agreement
    assert "Diubah setelah ditandatangani, atau rusak" in html


def test_a_file_that_is_not_a_pdf_is_said_so(client, web):
    page = check_on_the_verify_page(client, web, b"bukan pdf")
    assert page.status_code == 404 and "bukan PDF yang tanda tangannya dapat dibaca" in page.get_data(as_text=True)


def _ocsp(client, certificate: x509.Certificate, issuer: x509.Certificate):
    request = ocsp.OCSPRequestBuilder().add_certificate(certificate, issuer, hashes.SHA1()).build()
    answer = client.post("/pki/ocsp", data=request.public_bytes(serialization.Encoding.DER),
                         content_type="application/ocsp-request")
    assert answer.status_code == 200 and answer.mimetype == "application/ocsp-response"
    return ocsp.load_der_ocsp_response(answer.data)


def test_a_head_gets_a_certificate_at_enrolment_and_loses_it_when_erased(app, pks, client, login_as):
    head = member_of(pks.facility, Role.HEAD, name="Siti Rahmawati", position="Kepala Rutan")
    officer = member_of(pks.facility, Role.OFFICER)
    enrol(login_as(head))
    with unscoped("test: the address the officer types"):
        email = officer.email
    other = Web(app.test_client())
    assert other.login(email, PASSWORD).status_code == 302
    enrol(other)  # an officer signs nothing, so holds no signing key
    with unscoped("the test reads the certificates issued"):
        held = db.session.scalars(select(SigningCertificate).where(
            SigningCertificate.user_id.in_([head.id, officer.id]))).one()
    assert trail(action="signing_certificate.issued", object_id=str(held.id))
    ca = signing.authority()
    certificate = x509.load_der_x509_certificate(held.der)
    assert certificate.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value == "Siti Rahmawati"
    assert _ocsp(client, certificate, ca.root_certificate()).certificate_status == ocsp.OCSPCertStatus.GOOD

    with pks.acting(pks.head):
        pseudonyms.pseudonymise(head, actor=pks.head)
    with unscoped("the test reads the certificate back"):
        db.session.refresh(held)
    assert held.revoked_at is not None
    assert not ca.holds_key_of(certificate.serial_number)  # the key is destroyed
    assert _ocsp(client, certificate, ca.root_certificate()).certificate_status == ocsp.OCSPCertStatus.REVOKED
    crl = x509.load_der_x509_crl(client.get("/pki/ca.crl").data)
    assert crl.get_revoked_certificate_by_serial_number(certificate.serial_number) is not None


def test_ocsp_does_not_vouch_for_a_certificate_the_portal_did_not_issue(client, outside_pki):
    stranger = x509.load_pem_x509_certificate(outside_pki.root_pem.read_bytes())
    answer = _ocsp(client, stranger, stranger)
    assert answer.response_status == ocsp.OCSPResponseStatus.UNAUTHORIZED
    garbage = client.post("/pki/ocsp", data=b"not ocsp", content_type="application/ocsp-request")
    assert asn1_ocsp.OCSPResponse.load(garbage.data)["response_status"].native == "malformed_request"


# --- the keys in a PKCS#11 token (SoftHSM2 here, an HSM in production) ------------------------------------

SOFTHSM = "/usr/lib/softhsm/libsofthsm2.so"


@pytest.fixture(scope="module")
def softhsm(tmp_path_factory):
    """A fresh SoftHSM2 token; the library reads SOFTHSM2_CONF when it first loads in this process."""
    folder = tmp_path_factory.mktemp("softhsm")
    (folder / "tokens").mkdir()
    conf = folder / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {folder / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", "mitrapas-test", "--pin", "4321",
                    "--so-pin", "87654321"], check=True, capture_output=True)
    yield "mitrapas-test"


@pytest.fixture
def keys_in_the_token(app, softhsm, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "SIGNING_PKCS11_MODULE", SOFTHSM)
    monkeypatch.setitem(app.config, "SIGNING_PKCS11_TOKEN", softhsm)
    monkeypatch.setitem(app.config, "SIGNING_PKCS11_PIN", "4321")
    monkeypatch.setitem(app.config, "SIGNING_KEY_DIR", str(tmp_path / "signing"))
    return tmp_path / "signing"


def test_with_the_keys_in_a_pkcs11_token_the_signatures_are_the_same_and_no_key_is_a_file(pks, keys_in_the_token):
    import pkcs11
    pdf = fully_signed(pks)
    assert pdfsig(pdf, "pks-signed-hsm.pdf").count("Signature is Valid.") == 2
    reader = PdfFileReader(io.BytesIO(pdf))
    for signature in reader.embedded_regular_signatures:
        b_lta(signature)
    with pks.acting(pks.head):
        root = signing.authority().root_certificate()
    assert root.subject.rfc4514_string() == "CN=MitraPAS Root CA,O=MitraPAS,C=ID"
    # The root's and the signatories' keys were made inside the token and stayed there; only the delegates
    # that must answer at any hour (OCSP responder, own time-stamping unit) are files.
    assert sorted(path.name for path in keys_in_the_token.glob("*.p12")) == ["ocsp.p12", "tsa.p12"]
    token = pkcs11.lib(SOFTHSM).get_token(token_label="mitrapas-test")
    with token.open() as session:  # the portal process is logged in, and login is per application
        labels = {key.label for key in session.get_objects({pkcs11.Attribute.CLASS: pkcs11.ObjectClass.PRIVATE_KEY})}
    assert "root" in labels and sum(label.startswith("signatory-") for label in labels) == 2


# --- a certified PSrE signs instead of the portal CA ------------------------------------------------------

@pytest.fixture
def psre(app, outside_tsa, monkeypatch):
    """SIGNING_SERVICE=psre, as a facility with a PSrE account configures it: no code changes."""
    monkeypatch.setitem(app.config, "SIGNING_SERVICE", "psre")
    monkeypatch.setitem(app.config, "SIGNING_PSRE_URL", outside_tsa.psre_url)
    monkeypatch.setitem(app.config, "SIGNING_PSRE_USER", PSRE_USER)
    monkeypatch.setitem(app.config, "SIGNING_PSRE_PASSWORD", PSRE_PASSWORD)
    return outside_tsa


def test_a_psre_signs_with_the_keys_it_holds_and_the_result_is_b_lta(pks, psre):
    agreement = pks.in_state(S.APPROVED)
    with pks.acting(pks.partner_admin), pytest.raises(DomainError, match="passphrase"):
        agreement_signing.sign_agreement(agreement, PASSWORD, fresh_code(pks.partner_admin.id), actor=pks.partner_admin)  # none typed
    with pks.acting(pks.partner_admin), pytest.raises(DomainError, match="Passphrase anda salah"):
        agreement_signing.sign_agreement(agreement, PASSWORD, fresh_code(pks.partner_admin.id), actor=pks.partner_admin, passphrase="tebakan")
    assert agreement.status == S.APPROVED and not trail(action="agreement.signed")
    with pks.acting(pks.partner_admin):
        agreement_signing.sign_agreement(agreement, PASSWORD, fresh_code(pks.partner_admin.id), actor=pks.partner_admin,
                                         passphrase=PSRE_PEOPLE["Vinny Safari"][1])
    with pks.acting(pks.head):
        agreement_signing.sign_agreement(agreement, PASSWORD, fresh_code(pks.head.id), actor=pks.head,
                                         passphrase=PSRE_PEOPLE["Agung Novarianto"][1])
        pdf = b"".join(storage.get(agreement.document_of(DocumentKind.FINAL).storage_key))
    sent = psre.psre_requests[-1]
    assert (sent["nama"], sent["field"], sent["tampilan"]) == ("Agung Novarianto", "PihakPertama", "visible")
    assert sent["reason"].startswith("Menyetujui PKS")
    with unscoped("the test looks for certificates the portal CA issued"):
        assert not db.session.scalars(select(SigningCertificate)).all()  # the PSrE held the keys
    report = pdfsig(pdf, "pks-signed-psre.pdf")
    assert report.count("Signature is Valid.") == 2 and "O=Test PSrE signatories" in report
    for signature in PdfFileReader(io.BytesIO(pdf)).embedded_regular_signatures:
        b_lta(signature)


def test_the_sign_form_asks_for_the_psre_passphrase_only_where_a_psre_signs(pks, app, login_as, monkeypatch):
    agreement = pks.in_state(S.APPROVED)
    web = login_as(pks.partner_admin)
    assert 'name="passphrase"' not in web.get(f"/o/{pks.partner.slug}/agreements/{agreement.id}").text
    monkeypatch.setitem(app.config, "SIGNING_PSRE_ORGANISATIONS", (pks.facility.slug,))  # not the partner
    session_pages.remember_configuration(app)  # as the restart with the new setting does
    assert 'name="passphrase"' not in web.get(f"/o/{pks.partner.slug}/agreements/{agreement.id}").text
    monkeypatch.setitem(app.config, "SIGNING_PSRE_ORGANISATIONS", (pks.partner.slug,))
    session_pages.remember_configuration(app)
    assert 'name="passphrase"' in web.get(f"/o/{pks.partner.slug}/agreements/{agreement.id}").text


def test_the_hospital_signs_through_its_psre_and_the_rutan_through_the_portal_ca(pks, app, psre, monkeypatch):
    """Each organisation with a PSrE account switches by configuration alone; the other party keeps the
    portal CA, and the PDF carries one signature of each kind, both checkable."""
    monkeypatch.setitem(app.config, "SIGNING_SERVICE", "portal-ca")
    monkeypatch.setitem(app.config, "SIGNING_PSRE_ORGANISATIONS", (pks.partner.slug,))
    agreement = pks.in_state(S.APPROVED)
    with pks.acting(pks.partner_admin):
        agreement_signing.sign_agreement(agreement, PASSWORD, fresh_code(pks.partner_admin.id), actor=pks.partner_admin,
                                         passphrase=PSRE_PEOPLE["Vinny Safari"][1])
    with pks.acting(pks.head):
        agreement_signing.sign_agreement(agreement, PASSWORD, fresh_code(pks.head.id), actor=pks.head)
        pdf = b"".join(storage.get(agreement.document_of(DocumentKind.FINAL).storage_key))
        found = signing.read(pdf)
    partner, facility, _archive = found
    assert (partner.organisation, facility.organisation) == ("Test PSrE signatories", "Rutan Kelas IIB Tamiang Layang")
    assert all(signature.intact and signature.trusted for signature in found)
    for signature in PdfFileReader(io.BytesIO(pdf)).embedded_regular_signatures:
        b_lta(signature)


def test_the_doctor_says_when_the_signing_keys_do_not_open(app, monkeypatch):
    from portal.ops import doctor
    signing.authority().root_certificate()
    assert doctor.signing_keys() == []
    monkeypatch.setitem(app.config, "SIGNING_KEY_PASSPHRASE", b"not-the-passphrase")
    assert doctor.signing_keys() == ["the signing keys do not open with SIGNING_KEY_PASSPHRASE"]
    monkeypatch.setitem(app.config, "SIGNING_SERVICE", "psre")
    assert "a PSrE signs (SIGNING_SERVICE or SIGNING_PSRE_ORGANISATIONS) but SIGNING_PSRE_URL is empty" in \
        doctor.signing_keys()


def _longest_last_range(pdf: bytes) -> bytes:
    """The first signature claims to cover more bytes than the file has (same length, so the file still opens)."""
    start = pdf.index(b"/ByteRange [")
    end = pdf.index(b"]", start)
    numbers = pdf[start:end].split(b" ")
    numbers[-1] = b"9" * len(numbers[-1])
    return pdf[:start] + b" ".join(numbers) + pdf[end:]


def damaged_copies(pdf: bytes) -> dict[str, bytes]:
    """What a careless or hostile uploader sends /verify/ instead of the PDF."""
    contents = pdf.index(b"/Contents <") + len(b"/Contents <") + 200
    return {
        "cut short": pdf[: len(pdf) * 3 // 5],
        "signature bytes changed": pdf[:contents] + (b"0" if pdf[contents:contents + 1] != b"0" else b"1")
        + pdf[contents + 1:],
        "byte range past the end": _longest_last_range(pdf),
        "nested a hundred thousand deep": b"%PDF-1.7\n1 0 obj\n" + b"[" * 100_000 + b"]" * 100_000
        + b"\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n",
        "a header and nothing else": b"%PDF-1.7\n%%EOF\n",
    }


def test_a_damaged_or_hostile_pdf_is_reported_never_an_error_page(pks, client, web):
    pdf = fully_signed(pks)
    for what, copy in damaged_copies(pdf).items():
        page = check_on_the_verify_page(client, web, copy)
        assert page.status_code == 404, what  # not an agreement's final PDF; and not a 500
        html = page.get_data(as_text=True)
        assert ("Diubah setelah ditandatangani, atau rusak" in html
                or "bukan PDF yang tanda tangannya dapat dibaca" in html
                or "tidak memuat tanda tangan elektronik" in html), what
        if what in ("signature bytes changed", "byte range past the end"):
            assert "Diubah setelah ditandatangani, atau rusak" in html, what


def test_each_signatures_box_tells_its_time_as_the_certificate_page_does_on_a_server_kept_in_utc(pks, monkeypatch):
    """Servers keep their clocks in UTC; the page the signatures sit on speaks WIB (the portal's time zone),
    so the boxes must too: they read '06-12-2026 13:27:32 UTC' beside 'Diterbitkan ... 20:27:31 WIB'."""
    import time as clock

    monkeypatch.setenv("TZ", "UTC")
    clock.tzset()
    try:
        pdf = fully_signed(pks)
    finally:
        monkeypatch.undo()
        clock.tzset()
    path = ARTIFACTS / "pks-signed-utc-server.pdf"
    path.write_bytes(pdf)
    pages = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
    last = next(line.split()[-1] for line in pages.splitlines() if line.startswith("Pages:"))
    text = subprocess.run(["pdftotext", "-layout", "-f", last, "-l", last, str(path), "-"],
                          capture_output=True, text=True, timeout=60).stdout
    assert "UTC" not in text, text
    assert text.count("WIB") == 3, text  # when it was issued, and when each party signed

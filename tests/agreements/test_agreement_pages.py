"""The agreement pages as a person uses them: forms, refusals in Bahasa Indonesia, downloads, lists."""
from datetime import date, timedelta
import hashlib
import html
import io
import re

import pyotp
import pytest
from sqlalchemy import select

from portal.agreements import signing as agreement_signing
from portal.agreements.models import Agreement, AgreementStatus as S, AgreementType, DocumentKind
from portal.core.tenancy import unscoped
from portal.extensions import db
from portal.organisations.partnership_models import Partnership
from tests import office_pages, sample_files
from tests.factories import PASSWORD, fresh_code
from tests.office_pages import digests_in


def url(org, path=""):
    return f"/o/{org.slug}/agreements/{path}"


def pair_id(pks):
    with unscoped("the test looks up its own pair"):
        return db.session.scalar(select(Partnership.id).where(Partnership.facility_id == pks.facility.id))


def form_data(pks, **changes):
    data = dict(type="health_referral", title="Sistem Rujukan Pelayanan Kesehatan", scope="Rujukan WBP",
                objectives="Layanan cepat", start_date="2026-12-01", end_date="2027-11-30",
                facility_number="W17-123", partner_number="445/RSUD", facility_signatory=str(pks.head.id),
                partner_signatory=str(pks.partner_admin.id))
    data.update(changes)
    return data


def fresh(agreement):
    db.session.expire_all()
    with unscoped("the test reads the outcome"):
        return db.session.get(Agreement, agreement.id)


def test_a_partner_admin_drafts_with_a_document_and_sees_it_in_the_list(pks, login_as):
    web = login_as(pks.partner_admin)
    data = form_data(pks, document=(io.BytesIO(sample_files.pdf()), "Draf PKS RSUD.pdf"))
    response = web.post(url(pks.partner, f"new?pair={pair_id(pks)}"), data, content_type="multipart/form-data")
    assert response.status_code == 302
    listing = web.get(url(pks.partner)).text
    assert "Sistem Rujukan Pelayanan Kesehatan" in listing and "Draf" in listing


def test_a_draft_is_saved_and_submitted_with_one_button_and_names_the_only_possible_signatories(pks, login_as):
    web = login_as(pks.partner_admin)
    form = web.get(url(pks.partner, f"new?pair={pair_id(pks)}")).text
    assert f'<option selected value="{pks.head.id}">' in form, "the facility's only head is its signatory"
    assert '<option selected value="0">' in form, "the partner has two admins: that choice is left to make"
    data = form_data(pks, save_and_submit="y", document=(io.BytesIO(sample_files.pdf()), "Draf PKS RSUD.pdf"))
    web.post(url(pks.partner, f"new?pair={pair_id(pks)}"), data, content_type="multipart/form-data")
    with unscoped("the test reads the outcome"):
        assert db.session.scalar(select(Agreement.status)) == S.SUBMITTED


def test_a_draft_that_cannot_be_submitted_is_not_half_saved_either(pks, login_as):
    web = login_as(pks.partner_admin)
    page = web.post(url(pks.partner, f"new?pair={pair_id(pks)}"), form_data(pks, save_and_submit="y"),
                    follow_redirects=True)  # no document: it cannot go for review
    with unscoped("the test counts every agreement"):
        assert db.session.scalar(select(Agreement.id)) is None
    assert "Unggah dokumen draf (PDF atau DOCX) sebelum mengajukan." in page.text


def test_bad_input_is_refused_in_bahasa_indonesia_and_nothing_is_saved(pks, login_as):
    web = login_as(pks.partner_admin)
    page = web.post(url(pks.partner, f"new?pair={pair_id(pks)}"),
                    form_data(pks, title="", end_date="2026-01-01", facility_signatory_nip="12ab"))
    assert page.status_code == 200
    assert "Tanggal berakhir tidak boleh sebelum tanggal mulai." in page.text
    assert "NIP terdiri dari 18 angka." in page.text
    with unscoped("the test counts every agreement"):
        assert db.session.scalar(select(Agreement.id)) is None


def test_a_disguised_executable_is_refused_with_the_reason(pks, login_as):
    web = login_as(pks.partner_admin)
    data = form_data(pks, document=(io.BytesIO(sample_files.executable_named_pdf()), "PKS.pdf"))
    page = web.post(url(pks.partner, f"new?pair={pair_id(pks)}"), data, content_type="multipart/form-data")
    assert 'id="document-error"' in page.text, "said beside the document's field"
    assert "isinya bukan salah satu jenis berkas yang diterima di sini (PDF atau Word, paling besar 20 MB)" in page.text
    with unscoped("the test counts every agreement"):
        assert db.session.scalar(select(Agreement.id)) is None


def test_an_edit_from_a_stale_page_is_refused(pks, login_as):
    agreement = pks.draft()
    stale_version = agreement.version
    with pks.acting(pks.officer):
        from portal.agreements import operations as agreements
        agreements.update_agreement(agreement, pks.fields(scope="Versi petugas"), actor=pks.officer)
    db.session.flush()
    web = login_as(pks.partner_admin)
    page = web.post(url(pks.partner, f"{agreement.id}/edit"), form_data(pks, scope="Versi mitra",
                                                                         version=str(stale_version)),
                    follow_redirects=True)
    assert "baru saja diubah orang lain" in page.text
    assert fresh(agreement).scope == "Versi petugas"


def test_the_officer_requests_changes_and_the_partner_reads_the_reason(pks, login_as, client):
    agreement = pks.in_state(S.SUBMITTED)
    officer = login_as(pks.officer)
    review = officer.get(url(pks.facility, "?queue=review")).text
    assert agreement.title in review
    officer.post(url(pks.facility, f"{agreement.id}/request-changes"), {"reason": "Lengkapi NIP direktur"})
    officer.logout()
    partner = login_as(pks.partner_admin)
    page = partner.get(url(pks.partner, str(agreement.id))).text
    assert "Lengkapi NIP direktur" in page and "Perubahan diminta" in page


def test_an_illegal_step_is_explained_and_changes_nothing(pks, login_as):
    agreement = pks.in_state(S.SUBMITTED)
    head = login_as(pks.head)
    page = head.post(url(pks.facility, f"{agreement.id}/approve"), follow_redirects=True)
    assert "tidak dapat menyetujui" in page.text
    assert fresh(agreement).status == S.SUBMITTED


def test_signing_needs_the_password_and_a_fresh_code_and_then_the_signature_is_recorded(pks, login_as):
    agreement = pks.in_state(S.APPROVED)
    signatory = pks.partner_admin.id  # read before fresh() expires the session's objects
    web = login_as(pks.partner_admin)
    page = web.get(url(pks.partner, str(agreement.id))).text
    assert "Penandatanganan meminta kata sandi Anda dan kode dari aplikasi autentikator" in page, "said before a click"
    refused = web.post(url(pks.partner, f"{agreement.id}/sign"),
                       {"password": "keliru-sekali", "code": fresh_code(signatory), "agree": "y"},
                       follow_redirects=True)
    assert "Kata sandi salah" in refused.text and fresh(agreement).status == S.APPROVED
    refused = web.post(url(pks.partner, f"{agreement.id}/sign"), {"password": PASSWORD, "code": "000000", "agree": "y"},
                       follow_redirects=True)
    assert "Kode dari aplikasi autentikator Anda tidak tepat" in refused.text and fresh(agreement).status == S.APPROVED
    web.post(url(pks.partner, f"{agreement.id}/sign"),
             {"password": PASSWORD, "code": fresh_code(signatory), "agree": "y"})
    signed = fresh(agreement)
    assert signed.status == S.PARTNER_SIGNED
    with unscoped("the test reads the signature"):
        assert signed.signatures[0].ip == "127.0.0.1"


def test_a_code_used_again_in_its_half_minute_is_told_as_used_not_as_wrong(pks, login_as):
    first, second = pks.in_state(S.PARTNER_SIGNED), pks.in_state(S.PARTNER_SIGNED)
    second_id = second.id  # read before fresh() expires the session's objects
    web = login_as(pks.head)
    code = fresh_code(pks.head.id)
    web.post(url(pks.facility, f"{first.id}/sign"), {"password": PASSWORD, "code": code, "agree": "y"})
    assert fresh(first).status == S.ACTIVE
    again = web.post(url(pks.facility, f"{second_id}/sign"), {"password": PASSWORD, "code": code, "agree": "y"},
                     follow_redirects=True)
    assert "Kode ini sudah dipakai; tunggu kode berikutnya" in again.text
    assert fresh(second).status == S.PARTNER_SIGNED


def test_each_party_reads_whose_turn_it_is_in_words(pks, login_as):
    agreement = pks.in_state(S.APPROVED)

    def page_of(person, organisation):
        web = login_as(person)
        text = web.get(url(organisation, str(agreement.id))).text
        web.logout()
        return text

    assert "Menunggu tanda tangan Anda; setelah itu Kepala Rutan Kelas IIB Tamiang Layang" in page_of(
        pks.partner_admin, pks.partner)
    officer_page = page_of(pks.officer, pks.facility)
    assert "Menunggu tanda tangan RSUD Tamiang Layang (Vinny Safari)" in officer_page
    assert "Sudah ditandatangani di atas kertas? Unggah pindaiannya" in officer_page, "offered as the alternative"
    with pks.acting(pks.partner_admin):
        agreement_signing.sign_agreement(agreement, PASSWORD, fresh_code(pks.partner_admin.id),
                                         actor=pks.partner_admin)
    assert "RSUD Tamiang Layang telah menandatangani. Menunggu tanda tangan Anda." in page_of(pks.head, pks.facility)
    partner_page = page_of(pks.partner_admin, pks.partner)
    assert "Menunggu tanda tangan Kepala Rutan, Agung Novarianto." in partner_page
    assert "pindaian" not in partner_page, "after an electronic signature, paper is no next step"


def test_a_signatory_without_two_step_sign_in_is_offered_it_before_signing_and_comes_back(pks, login_as):
    agreement = pks.in_state(S.FORWARDED)
    with unscoped("test: the head never enrolled"):
        pks.head.totp_secret = pks.head.totp_enabled_at = None
        db.session.flush()
    web = login_as(pks.head)
    page = web.get(url(pks.facility, str(agreement.id))).text
    back = f"/o/{pks.facility.slug}/agreements/{agreement.id}"
    assert "Verifikasi dua langkah Anda belum aktif" in page, "told while approving, before it is their turn"
    enrol_link = re.search(r'href="([^"]+)" data-testid="enrol-two-factor"', page).group(1)
    assert enrol_link == f"/account/two-factor?next={back}"
    enrolment = web.get(html.unescape(enrol_link)).text
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7]+)<', enrolment).group(1)
    done = web.post(html.unescape(enrol_link), {"code": pyotp.TOTP(secret).now()}).text
    assert f'href="{back}" data-testid="recovery-codes-kept"' in done, "straight back to the agreement"
    page = web.get(back).text
    assert "Verifikasi dua langkah Anda belum aktif" not in page and 'data-testid="sign-later"' in page


def test_the_way_back_after_enrolling_stays_on_this_site(pks, login_as):
    web = login_as(pks.officer)
    page = web.get("/account/two-factor?next=https://jahat.example/phish").text
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7]+)<', page).group(1)
    done = web.post("/account/two-factor?next=//jahat.example/x", {"code": pyotp.TOTP(secret).now()}).text
    assert 'href="/" data-testid="recovery-codes-kept"' in done
    for elsewhere in ("/\\jahat.example", "/\\/jahat.example", "/\t/jahat.example", "/\n/jahat.example"):
        page = web.get("/account/two-factor", query_string={"next": elsewhere}).text  # enrolled: "Lanjutkan"
        assert "jahat.example" not in page, f"a browser reads {elsewhere!r} as another site"


def test_a_document_downloads_as_an_attachment_with_its_exact_bytes(pks, login_as):
    content = sample_files.pdf("Isi PKS")
    agreement = pks.draft(document=content)
    with pks.acting(pks.partner_admin):
        document = agreement.latest_draft()
    web = login_as(pks.officer)
    response = web.get(url(pks.facility, f"{agreement.id}/documents/{document.id}"))
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "Draf%20PKS%20RSUD.pdf" in response.headers["Content-Disposition"]
    assert hashlib.sha256(response.data).hexdigest() == hashlib.sha256(content).hexdigest() == document.sha256


def test_the_public_verification_page_says_only_what_it_should(pks, client, web):
    agreement = pks.in_state(S.ACTIVE)
    with pks.acting(pks.head):
        code, final = agreement.verification_code, agreement.document_of(DocumentKind.FINAL)
    page = client.get(f"/verify/{code.lower()}")
    assert page.status_code == 200
    for shown in ("Asli", agreement.facility_number, agreement.partner_number, "RSUD Tamiang Layang", "Aktif"):
        assert shown in page.text
    for hidden in (agreement.title, "Agung Novarianto", "Vinny Safari", agreement.scope):
        assert hidden not in page.text
    assert client.get("/verify/AAAA-BBBB-CCCC").status_code == 404

    from portal.core import storage
    body = b"".join(storage.get(final.storage_key))
    token = web.csrf_token()
    upload = client.post("/verify/", data={"csrf_token": token, "f-csrf_token": token, "f-submit": "1",
                                           "f-document": (io.BytesIO(body), "pks.pdf")},
                         content_type="multipart/form-data")
    assert upload.status_code == 200 and agreement.facility_number in upload.text
    tampered = client.post("/verify/", data={"csrf_token": token, "f-csrf_token": token, "f-submit": "1",
                                             "f-document": (io.BytesIO(body + b"%"), "pks.pdf")},
                           content_type="multipart/form-data")
    assert tampered.status_code == 404 and "Tidak dikenali" in tampered.text


def test_verification_is_rate_limited(app, client):
    app.config["VERIFY_LIMIT"] = "3 per minute"
    try:
        statuses = [client.get("/verify/AAAA-BBBB-CCCC").status_code for _ in range(4)]
    finally:
        app.config["VERIFY_LIMIT"] = "30 per minute"
    assert statuses == [404, 404, 404, 429]


@pytest.fixture
def many(pks):
    """Twenty-three agreements of the pair in assorted states, types and end dates."""
    from tests.factories import AgreementFactory

    today = date.today()
    made = []
    for n in range(23):
        made.append(AgreementFactory(
            facility=pks.facility, partner=pks.partner, title=f"PKS nomor {n:02d}",
            type=AgreementType.COUNSELLING if n % 2 else AgreementType.HEALTH_REFERRAL,
            status=S.ACTIVE if n % 3 == 0 else S.DRAFT,
            end_date=today + timedelta(days=30 if n < 4 else 400)))
    return made


def test_the_list_filters_by_status_type_expiry_and_search_and_pages(pks, many, login_as):
    web = login_as(pks.head)

    def titles(query):
        return {a.title for a in many if a.title in web.get(url(pks.facility, query)).text}

    assert len(titles("")) == 20  # first page
    assert len(titles("?page=2")) == 3
    assert titles("?status=active") == {a.title for a in many if a.status == S.ACTIVE}
    assert titles("?type=counselling&page=1") == {a.title for a in many if a.type == AgreementType.COUNSELLING}
    assert titles("?expiring=y") == {"PKS nomor 00", "PKS nomor 03"}
    assert titles("?q=nomor+07") == {"PKS nomor 07"}
    assert titles("?party=rsud+TAMIANG&status=draft") == {
        a.title for a in many if a.status == S.DRAFT}
    assert titles("?party=tidak+ada+mitra+bernama+ini") == set()
    assert titles("?status=bukan-status") == titles("")


def test_the_tick_command_is_idempotent(pks, app):
    agreement = pks.in_state(S.SIGNED)
    runner = app.test_cli_runner()
    first = runner.invoke(args=["portal", "agreements-tick"])
    second = runner.invoke(args=["portal", "agreements-tick"])
    assert "1 agreement(s) now in force" in first.output, first.output
    assert "0 agreement(s) now in force, 0 expired" in second.output
    assert fresh(agreement).status == S.ACTIVE


def test_the_dashboards_show_what_waits_for_whom(pks, login_as):
    waiting = pks.in_state(S.SUBMITTED, title="PKS menunggu tinjauan")
    signing = pks.in_state(S.APPROVED, title="PKS menunggu tanda tangan")
    officer = login_as(pks.officer)
    assert 'data-testid="waiting-review">1<' in officer.get(f"/o/{pks.facility.slug}/").text
    officer.logout()
    partner = login_as(pks.partner_admin)
    dashboard = partner.get(f"/o/{pks.partner.slug}/").text
    assert 'data-testid="waiting-signature">1<' in dashboard
    queue = partner.get(url(pks.partner, "?queue=to_sign")).text
    assert signing.title in queue and waiting.title not in queue


def test_a_document_over_the_limit_is_refused_with_the_limit_named(pks, login_as, app):
    web = login_as(pks.partner_admin)
    saved = app.config["AGREEMENT_DOCUMENT_MAX_BYTES"]
    app.config["AGREEMENT_DOCUMENT_MAX_BYTES"] = 1024 * 1024
    try:
        big = sample_files.pdf() + b"%" * (1024 * 1024 + 10)
        page = web.post(url(pks.partner, f"new?pair={pair_id(pks)}"),
                        form_data(pks, document=(io.BytesIO(big), "besar.pdf")), content_type="multipart/form-data")
    finally:
        app.config["AGREEMENT_DOCUMENT_MAX_BYTES"] = saved
    assert "besar.pdf&#34; melebihi batas 1 MB." in page.text
    with unscoped("the test counts every agreement"):
        assert db.session.scalar(select(Agreement.id)) is None


def test_a_request_over_the_portal_limit_gets_a_page_in_bahasa_indonesia(pks, login_as, app):
    web = login_as(pks.partner_admin)
    saved = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    try:
        page = web.post(url(pks.partner, f"new?pair={pair_id(pks)}"),
                        form_data(pks, document=(io.BytesIO(b"%PDF-" + b"0" * 2 * 1024 * 1024), "besar.pdf")),
                        content_type="multipart/form-data")
    finally:
        app.config["MAX_CONTENT_LENGTH"] = saved
    assert page.status_code == 413 and "Terlalu besar" in page.text and "berkas yang lebih kecil" in page.text


def test_fingerprints_and_addresses_are_folded_under_technical_details(pks, login_as):
    agreement, head = pks.in_state(S.ACTIVE), pks.head.name
    page = login_as(pks.officer).get(url(pks.facility, str(agreement.id))).text
    assert digests_in(page) == [] and "127.0.0.1" not in office_pages.shown_outright(page)
    details = page[page.index('data-testid="technical-details"'):]
    assert re.search(r"<code[^>]*>[0-9a-f]{64}</code>", details) and "Rincian teknis" in details
    assert head in office_pages.shown_outright(page), "who signed is said outright"


def test_ending_or_rejecting_needs_a_tick_that_it_cannot_be_undone(pks, login_as):
    """One tap with any word in the reason box ended a signed PKS for good (found on a phone)."""
    active, forwarded = pks.in_state(S.ACTIVE), pks.in_state(S.FORWARDED)
    active_id = active.id  # read before fresh() expires the session's objects
    head = login_as(pks.head)
    page = head.get(url(pks.facility, str(active.id))).text
    box = page[page.index('data-testid="terminate-box"'):]
    assert page.rindex("<details", 0, page.index('data-testid="terminate-box"')) > page.index("Yang dapat Anda"), \
        "the end of an agreement is folded away, not the first thing under the actions"
    assert 'name="understood"' in box[:box.index("</form>")]
    for agreement, step in ((active, "terminate"), (forwarded, "reject")):
        refused = head.post(url(pks.facility, f"{agreement.id}/{step}"), {"reason": "coba"}, follow_redirects=True)
        assert "tidak dapat dibatalkan; belum ada yang diubah" in refused.text
    assert fresh(active).status == S.ACTIVE
    assert fresh(forwarded).status == S.FORWARDED
    head.post(url(pks.facility, f"{active_id}/terminate"), {"reason": "RSUD berganti status", "understood": "y"})
    assert fresh(active).status == S.TERMINATED

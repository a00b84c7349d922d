"""The PKS journeys of issue 3 in a real browser: draft, review, approval, signing, verification."""
import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests import qr_codes, sample_files
from tests.authenticator import Authenticator
from tests.conftest import ARTIFACTS, log_in

pytestmark = pytest.mark.browser

RSUD = "vinny.safari@mitrapas.test"
OFFICER = "pelayanan@rutan-tamiang-layang.mitrapas.test"
HEAD = "agung.novarianto@mitrapas.test"
PASSWORD = "mitrapas-demo-2025"


def shot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"pks-{name}.png"), full_page=True)


#: The authenticator apps of the signatories who turned on two-factor sign-in during these journeys.
APPS: dict[str, Authenticator] = {}


def as_person(browser, base, email):
    context = browser.new_context(locale="id-ID", viewport={"width": 1280, "height": 900}, accept_downloads=True)
    person = context.new_page()
    log_in(person, base, email)
    if email in APPS:  # the second step, with a code the portal has not seen from them yet
        person.wait_for_url(re.compile(r".*/login/two-factor$"))
        person.get_by_label("Kode").fill(APPS[email].code())
        person.get_by_role("button", name="Lanjutkan").click()
    person.wait_for_url(re.compile(r".*/o/[^/]+/$"))
    return person


def turn_on_two_factor(person, email):
    """From the agreement: the signatory scans the QR code (here: reads the key beside it, and checks the code
    carries it), confirms with a code, keeps the recovery codes and is straight back on the agreement."""
    back = person.url
    person.get_by_test_id("enrol-two-factor").click()
    APPS[email] = app = Authenticator(person.get_by_test_id("totp-secret").inner_text(), [])
    read = qr_codes.scanned(person.locator(".qr svg"), ARTIFACTS / "two-factor-qr.png")
    assert f"secret={app.secret}" in read, "the QR code carries the key printed"
    person.get_by_label("Kode").fill(app.code())
    person.get_by_role("button", name="Lanjutkan").click()
    app.recovery = person.get_by_test_id("recovery-codes").locator("li").all_inner_texts()
    assert len(app.recovery) == 10
    person.get_by_test_id("recovery-codes-kept").click()
    assert person.url == back


def sign(person, email, password=PASSWORD):
    """The password again and a code of the authenticator's that the portal has not seen yet."""
    person.get_by_label("Kata sandi Anda").fill(password)
    person.get_by_label("Kode dari aplikasi autentikator").fill(APPS[email].code())
    person.get_by_label("Saya telah membaca").check()
    person.get_by_role("button", name="Tanda tangani").click()


def open_agreement(person, title):
    person.get_by_role("link", name="Perjanjian", exact=True).click()
    person.get_by_role("link", name=title).first.click()


def test_a_pks_from_draft_to_verified_signature(live_portal, browser, tmp_path):
    base, title = live_portal, "Sistem Rujukan Pelayanan Kesehatan"
    draft_v1, draft_v2 = tmp_path / "Draf PKS RSUD.pdf", tmp_path / "Draf PKS RSUD v2.pdf"
    draft_v1.write_bytes(sample_files.pdf("Draf PKS v1"))
    draft_v2.write_bytes(sample_files.pdf("Draf PKS v2", pages=2))

    # 1. The RSUD director drafts the agreement with the Rutan, saves, edits, submits.
    rsud = as_person(browser, base, RSUD)
    rsud.get_by_role("link", name="Perjanjian", exact=True).click()
    rsud.get_by_role("link", name="Buat draf perjanjian").click()
    rsud.get_by_label("Jenis kerja sama").select_option(label="Rujukan kesehatan")
    rsud.get_by_label("Judul").fill(title)
    rsud.get_by_label("Ruang lingkup").fill("Rujukan pelayanan kesehatan bagi WBP Rutan Tamiang Layang ke RSUD")
    rsud.get_by_label("Tujuan").fill("Layanan rujukan yang cepat, tepat dan akuntabel")
    rsud.get_by_label("Tanggal mulai").fill(date.today().isoformat())
    rsud.get_by_label("Tanggal berakhir").fill((date.today() + timedelta(days=3 * 365)).isoformat())
    rsud.get_by_label("Nomor perjanjian UPT").fill("W17.PAS.PAS.10-PK.01.01-128")
    rsud.get_by_label("Nomor perjanjian mitra").fill("445/128/RSUD-TL/XI/2025")
    rsud.get_by_label("Penanda tangan UPT").select_option(label="Agung Novarianto")
    rsud.get_by_label("Penanda tangan mitra").select_option(label="Vinny Safari")
    rsud.get_by_label("Dokumen draf (PDF atau DOCX)").set_input_files(str(draft_v1))
    shot(rsud, "1-draft-form")
    rsud.get_by_role("button", name="Simpan draf").click()
    expect(rsud.get_by_text("Draf telah disimpan.")).to_be_visible()
    rsud.get_by_role("link", name="Ubah draf").click()
    rsud.get_by_label("Hak mitra").fill("Menerima data rujukan yang lengkap")
    rsud.get_by_role("button", name="Simpan draf").click()
    rsud.get_by_role("button", name="Ajukan untuk ditinjau").click()
    expect(rsud.get_by_test_id("status-badge")).to_have_text("Diajukan untuk ditinjau")

    # 2. The officer finds it in the review queue and asks for a change, with a reason.
    officer = as_person(browser, base, OFFICER)
    officer.get_by_role("link", name="Perjanjian", exact=True).click()
    officer.get_by_test_id("queue-review").click()
    officer.get_by_role("link", name=title).click()
    officer.get_by_label("Apa yang harus diubah?").fill("Mohon cantumkan NIP Direktur RSUD")
    officer.get_by_role("button", name="Minta perubahan").click()
    expect(officer.get_by_test_id("status-badge")).to_have_text("Perubahan diminta")

    # ...the partner reads the reason, uploads a second version and resubmits.
    rsud.reload()
    assert "Mohon cantumkan NIP Direktur RSUD" in rsud.get_by_test_id("status-reason").inner_text()
    shot(rsud, "2-changes-requested")
    rsud.get_by_role("link", name="Ubah draf").click()
    rsud.locator("#partner_signatory_nip").fill("197505052000122002")
    rsud.get_by_label("Dokumen draf (PDF atau DOCX)").set_input_files(str(draft_v2))
    rsud.get_by_role("button", name="Simpan draf").click()
    rsud.get_by_role("button", name="Ajukan untuk ditinjau").click()
    documents = rsud.get_by_test_id("documents").inner_text()
    assert "Dokumen draf v2" in documents and "Dokumen draf v1" in documents

    # 3. The officer forwards; the head approves.
    officer.reload()
    officer.get_by_role("button", name="Teruskan ke Kepala").click()
    head = as_person(browser, base, HEAD)
    open_agreement(head, title)
    head.get_by_role("button", name="Setujui").click()
    expect(head.get_by_test_id("status-badge")).to_have_text("Disetujui, menunggu tanda tangan")

    # 4. Each signatory reads what signing asks before any click, turns on two-step sign-in from the agreement
    #    and comes straight back to sign: the partner's first, then the head.
    rsud.reload()
    assert "kode dari aplikasi autentikator" in rsud.get_by_test_id("sign-asks").inner_text()
    turn_on_two_factor(rsud, RSUD)
    sign(rsud, RSUD, password="bukan-kata-sandi")
    expect(rsud.get_by_text("Kata sandi salah; perjanjian tidak ditandatangani.")).to_be_visible()
    sign(rsud, RSUD)
    expect(rsud.get_by_test_id("status-badge")).to_have_text("Ditandatangani mitra")
    assert "Menunggu tanda tangan Kepala Rutan" in rsud.get_by_test_id("standing").inner_text()
    head.reload()
    turn_on_two_factor(head, HEAD)
    sign(head, HEAD)
    expect(head.get_by_test_id("status-badge")).to_have_text("Aktif")
    signatures = head.get_by_test_id("signatures").inner_text()
    assert "Vinny Safari" in signatures and "Agung Novarianto" in signatures
    timeline = head.get_by_test_id("timeline").inner_text()
    for step in ("Draf perjanjian dibuat", "Perubahan diminta", "Diteruskan ke Kepala", "Disetujui Kepala",
                 "Ditandatangani kedua pihak; PDF final diterbitkan"):
        assert step in timeline
    shot(head, "3-signed")

    # 5. The final PDF downloads; anyone can verify it by code or by the file itself.
    with head.expect_download() as download:
        head.get_by_role("link", name=re.compile(r"^PKS-\d+-\w{4}-\w{4}-\w{4}\.pdf$")).click()  # not the partner's copy
    final_pdf = tmp_path / "final.pdf"
    download.value.save_as(final_pdf)
    code = head.get_by_test_id("verification-code").inner_text()
    assert f"/verify/{code}" in qr_codes.printed_in(final_pdf), "the PDF's verification QR code scans to its page"
    public = browser.new_context(locale="id-ID").new_page()
    public.goto(f"{base}/verify/{code}")
    expect(public.get_by_test_id("verdict-status")).to_have_text("Aktif")
    assert title not in public.content()
    public.goto(f"{base}/verify/")
    public.get_by_label("Berkas PDF yang Anda terima").set_input_files(str(final_pdf))
    public.get_by_role("button", name="Periksa berkas").click()
    expect(public.get_by_test_id("verdict-authentic")).to_be_visible()
    assert "W17.PAS.PAS.10-PK.01.01-128" in public.get_by_test_id("verdict-authentic").inner_text()
    signatures = public.get_by_test_id("signatures").inner_text()  # each PAdES signature, as a reader checks it
    assert "Vinny Safari" in signatures and "Agung Novarianto" in signatures
    assert signatures.count("Utuh: tidak berubah sejak ditandatangani") == 3
    shot(public, "4-verified")

    # 6. An addendum starts from the agreement; later the head terminates it with a reason.
    rsud.reload()
    rsud.get_by_role("button", name="Buat draf adendum").click()
    expect(rsud.get_by_text("Draf adendum telah dibuat.")).to_be_visible()
    head.reload()
    head.get_by_text("Akhiri perjanjian ini sebelum masanya").click()
    head.get_by_label("Mengapa diakhiri?").fill("RSUD berganti status kelembagaan")
    head.get_by_label("Saya mengerti bahwa langkah ini tidak dapat dibatalkan.").check()
    head.get_by_role("button", name="Akhiri perjanjian").click()
    expect(head.get_by_test_id("status-badge")).to_have_text("Diakhiri")

    # 7. The lists filter by status and keep the filter in the address.
    head.get_by_role("link", name="Perjanjian", exact=True).click()
    head.get_by_label("Status").select_option(label="Diakhiri")
    head.get_by_role("button", name="Saring").click()
    assert "status=terminated" in head.url
    expect(head.get_by_test_id("agreement-list").get_by_role("link", name=title)).to_be_visible()
    shot(head, "5-list-filtered")


def test_a_paper_signed_pks_is_confirmed_by_the_officer_then_renewed(live_portal, browser, tmp_path):
    base, title = live_portal, "Pendampingan Rehabilitasi oleh Peserta MagangHub"
    draft, scan = tmp_path / "draf.pdf", tmp_path / "PKS ditandatangani.pdf"
    draft.write_bytes(sample_files.pdf("Draf PKS MagangHub"))
    scan.write_bytes(sample_files.pdf("PKS bertanda tangan basah"))

    # The facility officer drafts this one herself, for the MagangHub partnership.
    officer = as_person(browser, base, OFFICER)
    officer.get_by_role("link", name="Perjanjian", exact=True).click()
    officer.get_by_role("link", name="Buat draf perjanjian").click()
    officer.get_by_role("link", name=re.compile("MagangHub")).click()
    officer.get_by_label("Jenis kerja sama").select_option(label="Penempatan magang")
    officer.get_by_label("Judul").fill(title)
    officer.get_by_label("Ruang lingkup").fill("Pendampingan konseling oleh peserta magang psikologi")
    officer.get_by_label("Tujuan").fill("Pemulihan WBP peserta rehabilitasi")
    officer.get_by_label("Tanggal mulai").fill((date.today() - timedelta(days=365)).isoformat())
    officer.get_by_label("Tanggal berakhir").fill((date.today() + timedelta(days=30)).isoformat())
    officer.get_by_label("Penanda tangan UPT").select_option(label="Agung Novarianto")
    officer.get_by_label("Penanda tangan mitra").select_option(label="Koordinator MagangHub")
    officer.get_by_label("Dokumen draf (PDF atau DOCX)").set_input_files(str(draft))
    officer.get_by_role("button", name="Simpan draf").click()
    officer.get_by_role("button", name="Ajukan untuk ditinjau").click()
    officer.get_by_role("button", name="Teruskan ke Kepala").click()

    head = as_person(browser, base, HEAD)
    open_agreement(head, title)
    head.get_by_role("button", name="Setujui").click()

    # Signed on paper at the closing ceremony: the scan is uploaded and the officer confirms it.
    officer.reload()
    officer.get_by_text("Sudah ditandatangani di atas kertas? Unggah pindaiannya").click()
    officer.get_by_label("Pindaian perjanjian bertanda tangan basah (PDF)").set_input_files(str(scan))
    officer.get_by_role("button", name="Unggah pindaian").click()
    expect(officer.get_by_text("Pindaian telah diunggah")).to_be_visible()
    assert "petugas lain atau Kepala" in officer.get_by_test_id("scan-waits").inner_text(), "four eyes"
    head.reload()  # the head confirms what the officer uploaded
    head.get_by_label("Tanggal ditandatangani di atas kertas").fill("2025-11-28")
    head.get_by_role("button", name="Konfirmasi pindaian bertanda tangan basah").click()
    expect(head.get_by_test_id("status-badge")).to_have_text("Aktif")
    signatures = head.get_by_test_id("signatures").inner_text()
    assert signatures.count("Tanda tangan basah (pindaian dikonfirmasi)") == 2
    assert signatures.count("28 November 2025") == 2, "the date on the paper, not the day it was confirmed"
    shot(head, "6-paper-signed")
    officer.reload()

    # Ending within 90 days, it shows under that filter; the officer drafts its renewal.
    officer.get_by_role("link", name="Perjanjian", exact=True).click()
    officer.get_by_label("Berakhir dalam 90 hari").check()
    officer.get_by_role("button", name="Saring").click()
    officer.get_by_test_id("agreement-list").get_by_role("link", name=title).click()
    officer.get_by_role("button", name="Buat draf perpanjangan").click()
    expect(officer.get_by_text("Draf perpanjangan telah dibuat.")).to_be_visible()
    officer.get_by_role("button", name="Simpan draf").click()
    expect(officer.get_by_test_id("status-badge")).to_have_text("Draf")
    expect(officer.get_by_text("Memperpanjang")).to_be_visible()
    shot(officer, "7-renewal-draft")

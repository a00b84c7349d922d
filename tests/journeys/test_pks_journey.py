"""A PKS from the partner's draft to two valid electronic signatures, as the people of seed 004 would do it.

RSUD Tamiang Layang's director drafts a referral PKS with Rutan Kelas IIB Tamiang Layang and submits it; the
Rutan's officer forwards it; the head approves. The director signs first, turning on two-step sign-in on the
way (from the agreement, and straight back to it); then the head, the same way. Both download the final PDF:
pdfsig finds both signatures valid, and its verification QR code scans to the portal's page for it.

Budgets count what a person clicks, taps, chooses, ticks or uploads (typing the words of a PKS is its content,
not a detour); on a phone, opening the main menu is one tap more wherever the menu is used.
"""
from __future__ import annotations

import re
import subprocess
import time
from datetime import date, timedelta

import pyotp
from playwright.sync_api import expect

from tests import qr_codes, sample_files

DIRECTOR = "vinny.safari@mitrapas.test"
OFFICER = "pelayanan@rutan-tamiang-layang.mitrapas.test"
HEAD = "agung.novarianto@mitrapas.test"
FACILITY, PARTNER = "Rutan Kelas IIB Tamiang Layang", "RSUD Tamiang Layang"
TITLE = "Rujukan Pemeriksaan Laboratorium bagi WBP"

#: The menu's Perjanjian, "Buat draf perjanjian", the type, the draft document, "Simpan dan ajukan" (issue 33: 6).
DRAFTING = 6
#: The dashboard's "waiting for review", the agreement, the button (forwarding, and approving).
DECIDING = 3
#: Home, "waiting for my signature", the agreement, "turn on two-step sign-in", its "Lanjutkan", "kept them;
#: continue", "I have read", "Tanda tangani" (issue 33: 8).
FIRST_SIGNING = 8
#: The menu's Perjanjian, the agreement, the final PDF.
DOWNLOADING = 3


def test_a_partner_drafts_a_pks_the_facility_approves_and_both_sign_enrolling_on_the_way(journey, tmp_path):
    trip = journey("pks")
    draft = tmp_path / "Draf PKS Laboratorium RSUD.pdf"
    draft.write_bytes(sample_files.pdf("Draf PKS rujukan laboratorium"))

    director = trip.person(DIRECTOR, "direktur-rsud")
    director.sign_in()
    page = director.page
    with director.budget("drafting and submitting a PKS", DRAFTING + director.menu_tap):
        director.nav("Perjanjian")
        director.click(page.get_by_role("link", name="Buat draf perjanjian"))
        director.select(page.get_by_label("Jenis kerja sama"), "Rujukan kesehatan")
        director.fill(page.get_by_label("Judul"), TITLE)
        director.fill(page.get_by_label("Ruang lingkup"), "Pemeriksaan laboratorium rujukan bagi WBP Rutan")
        director.fill(page.get_by_label("Tujuan"), "Diagnosis yang cepat dan tepat bagi WBP yang sakit")
        director.fill(page.get_by_label("Tanggal mulai"), date.today().isoformat())
        director.fill(page.get_by_label("Tanggal berakhir"), (date.today() + timedelta(days=2 * 365)).isoformat())
        director.upload(page.get_by_label("Dokumen draf (PDF atau DOCX)"), draft)
        director.click(page.get_by_role("button", name="Simpan dan ajukan untuk ditinjau"))
    expect(page.get_by_test_id("status-badge")).to_have_text("Diajukan untuk ditinjau")
    expect(page.get_by_test_id("standing")).to_have_text(f"Menunggu tinjauan {FACILITY}.")

    officer = trip.person(OFFICER, "petugas-rutan")
    officer.sign_in()
    decide(officer, "forwarding it to the head", "Teruskan ke Kepala")
    expect(officer.page.get_by_test_id("standing")).to_have_text(f"Menunggu persetujuan Kepala {FACILITY}.")

    head = trip.person(HEAD, "kepala-rutan")
    head.sign_in()
    decide(head, "approving it", "Setujui", queue="waiting-decision")
    expect(head.page.get_by_test_id("standing")).to_have_text(
        f"Menunggu tanda tangan {PARTNER} (Vinny Safari) lebih dulu; setelah itu giliran Anda.")
    expect(head.page.get_by_test_id("sign-later")).to_contain_text("Verifikasi dua langkah Anda belum aktif")

    sign_for_the_first_time(director)
    expect(director.page.get_by_test_id("status-badge")).to_have_text("Ditandatangani mitra")
    expect(director.page.get_by_test_id("standing")).to_have_text(
        f"{PARTNER} telah menandatangani. Menunggu tanda tangan Kepala Rutan (Karutan), Agung Novarianto.")

    sign_for_the_first_time(head)
    expect(head.page.get_by_test_id("status-badge")).to_have_text("Aktif")
    expect(head.page.get_by_test_id("standing")).to_contain_text("Berlaku mulai")
    code = head.page.get_by_test_id("verification-code").inner_text()

    for person in (head, director):
        page = person.page
        with person.budget("downloading the signed PKS", DOWNLOADING + person.menu_tap):
            person.nav("Perjanjian")
            person.click(page.get_by_test_id("agreement-list").get_by_role("link", name=TITLE))
            with person.expect_download() as download:
                person.click(page.get_by_role("link", name=re.compile(rf"^PKS-\d+-{code}\.pdf$")))
        final = tmp_path / f"{person.called}.pdf"
        download.value.save_as(final)
        report = subprocess.run(["pdfsig", "-nocert", str(final)], capture_output=True, text=True,
                                timeout=60).stdout
        assert report.count("Signature is Valid.") == 2, report
        assert "Vinny Safari" in report and "Agung Novarianto" in report, report
        assert f"/verify/{code}" in qr_codes.printed_in(final), "the PDF's verification QR code scans to its page"


def sign_for_the_first_time(person) -> None:
    """From their home page: find the PKS that waits for them, read what signing asks, turn on two-step sign-in
    from the agreement (scanning the QR code as a phone would), come straight back, sign."""
    page = person.page
    with person.budget("signing for the first time, turning on two-step sign-in on the way", FIRST_SIGNING):
        person.click(page.get_by_role("link", name="MitraPAS", exact=True))
        person.click(page.get_by_test_id("waiting-signature"))
        person.click(page.get_by_test_id("agreement-list").get_by_role("link", name=TITLE))
        expect(page.get_by_test_id("sign-asks")).to_have_text(
            "Penandatanganan meminta kata sandi Anda dan kode dari aplikasi autentikator di ponsel Anda.")
        back = page.url
        person.click(page.get_by_test_id("enrol-two-factor"))
        secret = page.get_by_test_id("totp-secret").inner_text()
        read = qr_codes.scanned(page.locator(".qr svg"), person.journey.folder / f"qr-{person.called}.png")
        assert f"secret={secret}" in read, "the QR code carries the key shown"
        authenticator = pyotp.TOTP(secret)
        person.fill(page.get_by_label("Kode"), authenticator.now())
        person.click(page.get_by_role("button", name="Lanjutkan"))
        expect(page.get_by_test_id("recovery-codes").locator("li")).to_have_count(10)
        person.click(page.get_by_test_id("recovery-codes-kept"))
        assert page.url == back, "straight back to the agreement, still signed in"
        sign(person, authenticator.now())
    if page.get_by_text("Kode ini sudah dipakai; tunggu kode berikutnya").is_visible():
        # Enrolling used the code the app still shows: the page says so, and the person types the next one
        # (the portal accepts the coming half minute's code too, for phones whose clocks run a little fast).
        sign(person, authenticator.at(time.time() + 30))
    expect(page.get_by_text("Anda telah menandatangani perjanjian.")).to_be_visible()


def decide(person, what: str, button: str, queue: str = "waiting-review") -> None:
    """From their home page: the dashboard's line of what waits for them ("for review" for the officer, "for your
    decision" for the head), the agreement, the decision."""
    with person.budget(what, DECIDING):
        person.click(person.page.get_by_test_id(queue))
        person.click(person.page.get_by_role("link", name=TITLE))
        person.click(person.page.get_by_role("button", name=button))


def sign(person, code: str) -> None:
    page = person.page
    person.fill(page.get_by_label("Kata sandi Anda"), "mitrapas-demo-2025")
    person.fill(page.get_by_label("Kode dari aplikasi autentikator"), code)
    person.check(page.get_by_label("Saya telah membaca"))
    person.click(page.get_by_role("button", name="Tanda tangani"))

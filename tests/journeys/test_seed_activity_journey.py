"""The seeds' sessions, recorded by the partners who held them and found by the heads of the facilities.

Seed 000: a Kemnaker (MagangHub) psychology intern holds a counselling session at the Klinik Pratama of Rutan
Kelas IIB Bengkulu. Seed 001: SEKATA Balikpapan holds a rehabilitation session at Rutan Kelas IIA Balikpapan.
Each records it from their home page; the head of each facility (Yulian Fernando in Bengkulu, Agus Salim in
Balikpapan) signs in and finds it where the dashboard points: "Kontribusi menunggu verifikasi", which lists
it with its partner, its date and its state. The second head mistypes the password first, and signs out at
the end.
"""
from __future__ import annotations

from datetime import date

from playwright.sync_api import expect

INTERN = "magang.psikologi@mitrapas.test"
SEKATA = "admin@sekata.mitrapas.test"
HEAD_BENGKULU = "yulian.fernando@mitrapas.test"
HEAD_BALIKPAPAN = "agus.salim@mitrapas.test"
COUNSELLING = "Konseling psikologis: mengelola kecemasan selama masa tahanan"
REHABILITATION = "Rehabilitasi WBP: peran keluarga dan lingkungan sosial"

#: The budgets, in actions from the person's own home page: clicks, choices and uploads (typing the title, the
#: date and the place is the record's content, listed but not counted). On a phone, "Menu" is one more tap.
#: The intern: Kontribusi, "Catat kontribusi", the facility (MagangHub works with three), the type (it starts on
#: "— pilih —": one nobody chose is never recorded), "Ajukan untuk verifikasi".
RECORDING_COUNSELLING = 5
#: SEKATA (one facility, so no choice of it): Kontribusi, "Catat kontribusi", the type, "Ajukan untuk verifikasi".
RECORDING_REHABILITATION = 4
#: A head: the dashboard's "Kontribusi menunggu verifikasi" lists the session.
FINDING = 1



def test_an_intern_and_sekata_record_their_sessions_and_each_head_finds_them(journey, width):
    trip = journey("seed-activity")
    today = date.today().isoformat()

    intern = trip.person(INTERN, "magang-psikologi")
    intern.sign_in()
    page = intern.page
    with intern.budget("the intern records a counselling session", RECORDING_COUNSELLING + intern.menu_tap):
        intern.nav("Kontribusi")
        intern.click(page.get_by_role("link", name="Catat kontribusi"))
        intern.click(page.get_by_role("link", name="Rutan Kelas IIB Bengkulu"))
        intern.select(page.get_by_label("Jenis kontribusi"), "Sesi konseling")
        intern.fill(page.get_by_label("Judul"), COUNSELLING)
        intern.fill(page.get_by_label("Tanggal (atau hari pertama)"), today)
        intern.fill(page.get_by_label("Lokasi di UPT"), "Klinik Pratama Rutan Bengkulu")
        intern.click(page.get_by_role("button", name="Ajukan untuk verifikasi"))
    expect(page.get_by_test_id("contribution-status")).to_have_text("Menunggu verifikasi")

    sekata = trip.person(SEKATA, "sekata")
    sekata.sign_in()
    page = sekata.page
    with sekata.budget("SEKATA records a rehabilitation session", RECORDING_REHABILITATION + sekata.menu_tap):
        sekata.nav("Kontribusi")
        sekata.click(page.get_by_role("link", name="Catat kontribusi"))
        sekata.select(page.get_by_label("Jenis kontribusi"), "Sesi rehabilitasi")
        sekata.fill(page.get_by_label("Judul"), REHABILITATION)
        sekata.fill(page.get_by_label("Tanggal (atau hari pertama)"), today)
        sekata.click(page.get_by_role("button", name="Ajukan untuk verifikasi"))
    expect(page.get_by_test_id("contribution-status")).to_have_text("Menunggu verifikasi")

    for email, called, title, partner in (
            (HEAD_BENGKULU, "karutan-bengkulu", COUNSELLING, "Program Pemagangan Kemnaker (MagangHub)"),
            (HEAD_BALIKPAPAN, "karutan-balikpapan", REHABILITATION, "SEKATA Balikpapan")):
        head = trip.person(email, called)
        page = head.page
        if email == HEAD_BALIKPAPAN:  # a slip of the finger first: the page says so, and nothing else
            head.sign_in(password="bukan-kata-sandinya")
            expect(page.get_by_text("Alamat e-mail atau kata sandi salah.")).to_be_visible()
        head.sign_in()
        with head.budget(f"{called} finds the session", FINDING):
            head.click(page.get_by_test_id("waiting-verification"))
        row = page.locator("tbody tr", has=page.get_by_role("link", name=title))
        expect(row).to_contain_text(partner)
        expect(row).to_contain_text("Menunggu verifikasi")

    head.sign_out()  # from the name's menu, behind "Menu" on a phone
    expect(page.get_by_text("Anda telah keluar.")).to_be_visible()

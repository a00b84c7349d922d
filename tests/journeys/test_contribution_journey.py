"""A partner records a contribution with its evidence; the facility officer verifies it; the regional office
sees it on its dashboard.

As seed 004 tells it: RSUD Tamiang Layang refers WBP of Rutan Kelas IIB Tamiang Layang under their signed PKS.
Its director, Vinny Safari, records today's referrals with a photo of the handover; the Rutan's officer for
detainee services verifies them; the analyst of Kanwil Ditjenpas Kalimantan Tengah finds them in the figures
of the Rutan on the regional dashboard.
"""
from __future__ import annotations

from datetime import date

from PIL import Image
from playwright.sync_api import expect

DIRECTOR = "vinny.safari@mitrapas.test"
OFFICER = "pelayanan@rutan-tamiang-layang.mitrapas.test"
KANWIL = "analis.kalteng@mitrapas.test"
FACILITY = "Rutan Kelas IIB Tamiang Layang"
TITLE = "Rujukan tiga WBP ke poli penyakit dalam RSUD"

#: The budgets, in actions from the person's own home page: clicks, choices, ticks and uploads (typing a title or
#: a number is the record's content, listed but not counted). On a phone the main menu is one more tap ("Menu")
#: wherever the menu is used.
#: Recording: the menu's Kontribusi, "Catat kontribusi", the type, the evidence, "Ajukan untuk verifikasi"; the
#: PKS it falls under is chosen by the form, the only one in force for health work on that day.
RECORDING = 5
#: Verifying: the dashboard's "waiting for verification", the contribution, "Verifikasi" (issue 33's budget).
VERIFYING = 3
#: Finding it as the regional office: the Rutan's figures are on the dashboard it lands on; one click on the
#: Rutan shows them by partner and by type.
FINDING = 1



def test_a_partner_records_a_contribution_the_officer_verifies_it_and_the_kanwil_sees_it(journey, width, tmp_path):
    photo = tmp_path / "serah-terima-rujukan.jpg"
    Image.new("RGB", (800, 600), (40, 120, 160)).save(photo, "JPEG")
    trip = journey("contribution")

    director = trip.person(DIRECTOR, "direktur-rsud")
    director.sign_in()
    page = director.page
    with director.budget("recording a contribution with its evidence", RECORDING + director.menu_tap):
        director.nav("Kontribusi")
        director.click(page.get_by_role("link", name="Catat kontribusi"))
        director.select(page.get_by_label("Jenis kontribusi"), "Rujukan atau layanan kesehatan")
        director.fill(page.get_by_label("Judul"), TITLE)
        director.fill(page.get_by_label("Tanggal (atau hari pertama)"), date.today().isoformat())
        director.fill(page.get_by_label("Peserta WBP: total"), "3")
        expect(page.get_by_label("Perjanjian yang menaungi").locator("option:checked")).to_have_text(
            "Sistem Rujukan Pelayanan Kesehatan")
        director.upload(page.get_by_label("Bukti (foto, rekap kehadiran, laporan)"), photo)
        director.click(page.get_by_role("button", name="Ajukan untuk verifikasi"))
    expect(page.get_by_test_id("contribution-status")).to_have_text("Menunggu verifikasi")
    expect(page.get_by_test_id("evidence").locator("img.thumb")).to_have_count(1)  # the photo's thumbnail

    officer = trip.person(OFFICER, "petugas-rutan")
    officer.sign_in()
    page = officer.page
    with officer.budget("verifying a contribution", VERIFYING):
        officer.click(page.get_by_test_id("waiting-verification"))
        officer.click(page.get_by_role("link", name=TITLE))
        officer.click(page.get_by_role("button", name="Verifikasi"))
    expect(page.get_by_text("Terverifikasi: kini dihitung dalam rekapitulasi.")).to_be_visible()

    kanwil = trip.person(KANWIL, "kanwil-kalteng")
    kanwil.sign_in()
    page = kanwil.page
    assert int(row_of(page, "facilities", FACILITY)["Peserta WBP"]) >= 3  # the regional figures count it at once
    with kanwil.budget("finding the contribution on the regional dashboard", FINDING):
        kanwil.click(page.get_by_role("link", name=FACILITY))
    health = row_of(page, "by-type", "Rujukan atau layanan kesehatan")  # the demo has no other health work there
    assert (health["Kontribusi"], health["Peserta WBP"]) == ("1", "3")
    assert row_of(page, "by-party", "RSUD Tamiang Layang")["Kontribusi"] == "1"


def row_of(page, table: str, first_cell: str) -> dict[str, str]:
    """The row of a report table whose first cell reads `first_cell`, as {column heading: cell text}."""
    table = page.get_by_test_id(table)
    headings = [text.strip() for text in table.locator("thead th").all_inner_texts()]
    for cells in (row.locator("td").all_inner_texts() for row in table.locator("tbody tr").all()):
        if cells and cells[0].strip() == first_cell:
            return dict(zip(headings, (cell.strip() for cell in cells)))
    raise AssertionError(f"no row {first_cell!r} in {headings}")

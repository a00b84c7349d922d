"""The journeys' page checks catch what a person would see, and stay quiet on a page that is fine."""
import base64

import pytest

from tests.journeys.page_checks import check_page, english_in, raw_data_in

#: A 1x1 PNG: a picture that loads without a server.
DOT = "data:image/png;base64," + base64.b64encode(bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000100e5270de40000000049454e44ae426082")).decode()

GOOD = f"""<!doctype html><html lang="id"><head><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Kontribusi · MitraPAS</title></head><body>
<nav>Dasbor Kemitraan Perjanjian Kontribusi Materi Lainnya</nav>
<h1>Konseling psikologis bagi warga binaan</h1>
<p>Menunggu verifikasi. Dicatat oleh Peserta Magang Psikologi pada 29 November 2025
untuk PKS W17.PAS.PAS.10-PK.01.01-1125.</p>
<p>Status: Terverifikasi · Program Rehabilitasi WBP Kategori II · 18 peserta · sesi-konseling.jpg</p>
<p>Peristiwa yang dikirim: <code>contribution.verified</code></p>
<img src="{DOT}" alt="Foto kegiatan">
<svg viewBox="0 0 320 120" style="width: 300px"><text x="10" y="20" font-size="11">Jan 2026</text></svg><footer>Bahasa: Bahasa Indonesia English</footer></body></html>"""


@pytest.fixture
def checked(page):
    """check_page on a page made of `html` (the test browser, at 1280 px)."""
    def check(html: str) -> None:
        page.set_content(html)
        check_page(page, "a test page")
    return check


def test_a_good_page_passes(checked):
    checked(GOOD)


@pytest.mark.parametrize("bad, said", [
    ('<div style="width: 900px">Tabel lebar</div>', "908 px wide at 360 px"),
    ('<table><tr><td style="white-space: nowrap">' + "Kontribusi " * 40 + "</td></tr></table>", "at 1366 px"),
    ("<p>Waiting for verification</p>", "English: 'Waiting for verification'"),
    ("<button>Contributions</button>", "English: 'contributions'"),
    ("<p>Silakan isi the form</p>", "English: 'the'"),
    ('<p>Perubahan: {"after": "draft"}</p>', "raw data, JSON"),
    ("<p>Penandatangan: None</p>", "raw data, a raw value: 'None'"),
    ("<p>&lt;Agreement object at 0x7f3a2c&gt;</p>", "raw data, a Python repr"),
    ("<p>Status: changes_requested</p>", "raw data, a raw name: 'changes_requested'"),
    ("<p>Peran: Role.HEAD</p>", "raw data, a raw enum"),
    ("<p>Menunggu tanda tangan Anda untuk perjanjian #5</p>", "an internal id: 'perjanjian #5'"),
    ("<p>Bukti: material 10</p>", "an internal id: 'material 10'"),
    ('<img src="/tidak-ada.png" alt="Foto">', "picture not loaded"),
    ('<svg viewBox="0 0 640 240" style="width: 200px"><text x="10" y="20" font-size="11">Jan 2026</text></svg>',
     "text too small to read: Jan 2026"),
])
def test_a_bad_page_fails_saying_what_is_wrong(checked, bad, said):
    with pytest.raises(AssertionError) as failed:
        checked(GOOD.replace("</body>", bad + "</body>"))
    assert said in str(failed.value)
    assert "screenshot: " in str(failed.value)


def test_the_page_is_left_at_its_own_width(checked, page):
    checked(GOOD)
    assert page.viewport_size == {"width": 1280, "height": 900}


def test_indonesian_names_and_words_are_not_taken_for_english():
    text = ("Rutan Kelas IIB Bengkulu · Program Pemagangan Kemnaker (MagangHub) · SEKATA Balikpapan · "
            "Rehabilitasi WBP: dukungan keluarga dan lingkungan sosial · Sesi konseling · Total 18 · "
            "Unduh: CSV · XLSX · E-mail · Status · Materi · Dasbor · Kanwil Ditjenpas Kalimantan Timur")
    assert english_in(text) == []
    assert raw_data_in("laporan_kegiatan.pdf · sesi-konseling.jpg · magang.psikologi@mitrapas.test") == []

"""Dashboards count what the reports say, only verified work, and nothing of other tenants."""
from datetime import date

import pytest

from mitrapas_dev import demo
from portal.extensions import db
from portal.organisations.models import Role
from portal.reporting import filters as report_filters
from tests.conftest import ARTIFACTS
from tests.factories import ContributionFactory, every_organisation

TAMIANG = "Rutan Kelas IIB Tamiang Layang"


@pytest.fixture
def demo_world(storage_settings):
    demo.load()
    return every_organisation()


def dashboard(web, org, person, query="?period=custom&from=2025-01-01&to=2026-12-31"):
    assert web.login(person.email, demo.DEMO_PASSWORD).status_code == 302
    return web.get(f"/o/{org.slug}/{query}").text


def test_tamiang_layang_reached_18_wbp_as_the_report_says(demo_world, web):
    tamiang = demo_world[TAMIANG]
    head = next(m.user for m in tamiang.memberships if m.role == Role.HEAD)
    page = dashboard(web, tamiang, head)
    assert 'data-testid="by-party-participants">18<' in page
    assert "Program Pemagangan Kemnaker (MagangHub)" in page
    # The tiles count since the beginning, beside a section for the period chosen: they say so (a head read
    # "Kontribusi terverifikasi 3" beside "... periode ini: 2"), and count participations, not people.
    assert "Kontribusi terverifikasi, sejak awal" in page and "Keikutsertaan WBP, sejak awal" in page


def test_only_verified_contributions_count(demo_world, web):
    tamiang, maganghub = demo_world[TAMIANG], demo_world["Program Pemagangan Kemnaker (MagangHub)"]
    ContributionFactory(facility=tamiang, partner=maganghub, participants_total=40, started_on=date(2025, 11, 20))
    head = next(m.user for m in tamiang.memberships if m.role == Role.HEAD)
    assert 'data-testid="by-party-participants">18<' in dashboard(web, tamiang, head)


def test_the_period_filter_narrows_and_stays_in_the_address(demo_world, web):
    tamiang = demo_world[TAMIANG]
    head = next(m.user for m in tamiang.memberships if m.role == Role.HEAD)
    page = dashboard(web, tamiang, head, "?period=custom&from=2026-01-01&to=2026-06-30")
    assert "Tidak ada kontribusi terverifikasi pada periode ini." in page
    assert 'value="2026-01-01"' in page


def test_another_tenant_never_sees_the_facility_numbers(demo_world, web):
    bengkulu = demo_world["Rutan Kelas IIB Bengkulu"]
    head = next(m.user for m in bengkulu.memberships if m.role == Role.HEAD)
    page = dashboard(web, bengkulu, head)
    assert "MagangHub" in page and 'data-testid="by-party-participants">18<' not in page


def test_periods_mean_what_they_say():
    today = date(2026, 5, 17)
    def span(args):
        period = report_filters.Period.from_args(args, today)
        return period.start, period.end

    assert span({"period": "month"}) == (date(2026, 5, 1), date(2026, 5, 31))
    assert span({"period": "quarter"}) == (date(2026, 4, 1), date(2026, 6, 30))
    assert span({}) == (date(2026, 1, 1), date(2026, 12, 31))
    custom = report_filters.Period.from_args({"period": "custom", "from": "2026-03-10", "to": "2026-02-01"}, today)
    assert (custom.start, custom.end) == (date(2026, 2, 1), date(2026, 3, 10))


@pytest.mark.parametrize("start, end", [("0001-01-01", "0001-03-01"), ("2026-01-01", "9999-12-31"),
                                        ("1900-01-01", "2026-06-30")])
def test_a_far_fetched_period_is_drawn_within_reason_not_answered_with_an_error(demo_world, web, start, end):
    """Years 1 and 9999 were 500s (a month before year 1, a month after 9999); a century was drawn month by month."""
    tamiang = demo_world[TAMIANG]
    head = next(m.user for m in tamiang.memberships if m.role == Role.HEAD)
    dashboard(web, tamiang, head)
    page = web.get(f"/o/{tamiang.slug}/?period=custom&from={start}&to={end}")
    assert page.status_code == 200 and page.text.rstrip().endswith("</html>")
    period = report_filters.Period.from_args({"period": "custom", "from": start, "to": end}, date(2026, 5, 17))
    assert report_filters.EARLIEST <= period.start <= period.end <= report_filters.LATEST
    assert len(period.months()) <= 12 * report_filters.LONGEST_YEARS + 1


def test_oversight_sees_its_facilities_sorted_and_drills_down_read_only(demo_world, web):
    kanwil = demo_world["Kanwil Ditjenpas Kalimantan Tengah"]
    analyst = kanwil.memberships[0].user
    page = dashboard(web, kanwil, analyst, "?period=custom&from=2025-01-01&to=2026-12-31&sort=participants")
    assert TAMIANG in page and "Rutan Kelas IIB Bengkulu" not in page
    tamiang, bengkulu = demo_world[TAMIANG], demo_world["Rutan Kelas IIB Bengkulu"]
    drill = web.get(f"/o/{kanwil.slug}/facilities/{tamiang.id}?period=custom&from=2025-01-01&to=2026-12-31")
    assert drill.status_code == 200 and 'data-testid="by-party-participants">18<' in drill.text
    assert web.get(f"/o/{kanwil.slug}/facilities/{bengkulu.id}").status_code == 404  # another province


def test_the_national_office_sees_every_facility(demo_world, web):
    ditjen = demo_world["Direktorat Jenderal Pemasyarakatan"]
    page = dashboard(web, ditjen, ditjen.memberships[0].user)
    assert all(name in page for name, *_ in demo.FACILITIES)


# --- filters, charts, exports and the monthly report --------------------------------------------

WHOLE_DEMO = "?period=custom&from=2025-01-01&to=2026-12-31"


def head_of(org):
    return next(m.user for m in org.memberships if m.role == Role.HEAD)


def logged_in(web, person):
    assert web.login(person.email, demo.DEMO_PASSWORD).status_code == 302
    return web


def test_type_partner_and_agreement_filters_narrow_and_stay_in_the_address(demo_world, web):
    tamiang = demo_world[TAMIANG]
    rsud = demo_world["RSUD Tamiang Layang"]
    page = dashboard(web, tamiang, head_of(tamiang), WHOLE_DEMO + "&type=counselling")
    assert 'data-testid="by-party-participants"' not in page  # nothing of that type
    assert '<option value="counselling" selected>' in page
    page = web.get(f"/o/{tamiang.slug}/{WHOLE_DEMO}&partner={rsud.id}").text
    assert 'data-testid="by-party-participants"' not in page and f'<option value="{rsud.id}" selected>' in page
    page = web.get(f"/o/{tamiang.slug}/{WHOLE_DEMO}&type=certificates").text
    assert 'data-testid="by-party-participants">18<' in page


def test_the_trend_chart_has_a_bar_per_month_and_its_table_beside_it(demo_world, web):
    tamiang = demo_world[TAMIANG]
    page = dashboard(web, tamiang, head_of(tamiang), "?period=custom&from=2025-01-01&to=2025-12-31")
    chart = page[page.index('data-testid="trend-chart"'):]
    assert 'role="img"' in chart and 'data-bars="12"' in chart
    assert "<title>Nov 2025: 18</title>" in chart
    assert 'data-testid="trend-participants">18<' in page  # the table alternative, with its total


def test_the_oversight_comparison_chart_shows_the_largest_first(demo_world, web):
    ditjen = demo_world["Direktorat Jenderal Pemasyarakatan"]
    page = dashboard(web, ditjen, ditjen.memberships[0].user, WHOLE_DEMO + "&sort=participants")
    chart = page[page.index('data-testid="comparison-chart"'):page.index("</figure>")]
    assert 'data-bars="4"' in chart
    assert chart.index(TAMIANG) < chart.index("Rutan Kelas IIB Bengkulu")
    assert "<title>Rutan Kelas IIB Tamiang Layang: 18</title>" in chart


def xlsx_rows(response):
    import io

    from openpyxl import load_workbook

    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.data)).active
    return sheet, [[cell.value for cell in row] for row in sheet.iter_rows()]


def test_each_dashboard_table_exports_as_xlsx_and_csv_with_the_pages_numbers(demo_world, web):
    tamiang = demo_world[TAMIANG]
    page = dashboard(web, tamiang, head_of(tamiang), WHOLE_DEMO)
    assert f'href="/o/{tamiang.slug}/export/by-party.xlsx?period=custom' in page.replace("&amp;", "&")
    sheet, rows = xlsx_rows(web.get(f"/o/{tamiang.slug}/export/by-party.xlsx{WHOLE_DEMO}"))
    assert rows[0] == ["Mitra", "Kontribusi", "Peserta WBP", "Jam"]  # Indonesian headers
    assert rows[1][0] == "Program Pemagangan Kemnaker (MagangHub)" and rows[-1] == ["Jumlah", 1, 18, 0]
    assert sheet.cell(row=3, column=3).number_format == "#,##0"
    _, trend = xlsx_rows(web.get(f"/o/{tamiang.slug}/export/trend.xlsx{WHOLE_DEMO}"))
    assert sum(row[2] for row in trend[1:-1]) == trend[-1][2] == 18
    csv_text = web.get(f"/o/{tamiang.slug}/export/by-type.csv{WHOLE_DEMO}").data.decode("utf-8-sig")
    assert csv_text.splitlines()[0] == "Jenis,Kontribusi,Peserta WBP,Jam"
    assert csv_text.splitlines()[-1] == "Jumlah,1,18,0.0"
    assert web.get(f"/o/{tamiang.slug}/export/nothing.xlsx").status_code == 404
    assert web.get(f"/o/{tamiang.slug}/export/by-type.pdf").status_code == 404


def test_the_oversight_table_exports_only_its_scope(demo_world, web):
    kalteng = demo_world["Kanwil Ditjenpas Kalimantan Tengah"]
    logged_in(web, kalteng.memberships[0].user)
    _, rows = xlsx_rows(web.get(f"/o/{kalteng.slug}/export/facilities.xlsx{WHOLE_DEMO}&sort=participants"))
    assert [row[0] for row in rows[1:]] == [TAMIANG]
    assert rows[1][2:6] == [1, 1, 18, 0]  # the RSUD PKS is in force
    tamiang, bengkulu = demo_world[TAMIANG], demo_world["Rutan Kelas IIB Bengkulu"]
    _, drill = xlsx_rows(web.get(f"/o/{kalteng.slug}/facilities/{tamiang.id}/export/by-party.xlsx{WHOLE_DEMO}"))
    assert drill[-1] == ["Jumlah", 1, 18, 0]
    assert web.get(f"/o/{kalteng.slug}/facilities/{bengkulu.id}/export/by-party.xlsx").status_code == 404
    assert web.get(f"/o/{kalteng.slug}/facilities/{bengkulu.id}/report.pdf").status_code == 404


def test_another_facility_exports_none_of_the_numbers(demo_world, web):
    bengkulu, tamiang = demo_world["Rutan Kelas IIB Bengkulu"], demo_world[TAMIANG]
    page = dashboard(web, bengkulu, head_of(bengkulu), WHOLE_DEMO)
    _, rows = xlsx_rows(web.get(f"/o/{bengkulu.slug}/export/by-party.xlsx{WHOLE_DEMO}"))
    assert f'data-testid="by-party-participants">{rows[-1][2]}<' in page  # Bengkulu's own total, no more
    assert web.get(f"/o/{tamiang.slug}/export/by-party.xlsx{WHOLE_DEMO}").status_code == 404
    assert web.get(f"/o/{tamiang.slug}/report.pdf").status_code == 404


def test_exported_text_never_runs_as_a_formula(login_as):
    from tests.factories import FacilityFactory, PartnerFactory, PartnershipFactory, member_of

    facility, partner = FacilityFactory(), PartnerFactory()
    PartnershipFactory(facility=facility, partner=partner)
    ContributionFactory(facility=facility, partner=partner, title='=HYPERLINK("http://x","klik")')
    web = login_as(member_of(facility, Role.HEAD))
    _, rows = xlsx_rows(web.get(f"/o/{facility.slug}/contributions/export.xlsx"))
    assert rows[1][3] == "'=HYPERLINK(\"http://x\",\"klik\")"
    assert rows[0][0] == "Tanggal mulai"


def test_the_agreement_list_exports_every_matching_agreement(pks, login_as):
    agreement = pks.in_state("active")
    with pks.acting(pks.facility):
        title = agreement.title
    web = login_as(pks.head)
    _, rows = xlsx_rows(web.get(f"/o/{pks.facility.slug}/agreements/export.xlsx?status=active"))
    assert [row[0] for row in rows[1:]] == [title]
    _, none = xlsx_rows(web.get(f"/o/{pks.facility.slug}/agreements/export.xlsx?status=terminated"))
    assert len(none) == 1


def test_the_monthly_report_is_a_pdf_in_indonesian_with_the_totals(demo_world, web, tmp_path):
    import shutil
    import subprocess

    from pypdf import PdfReader

    tamiang = demo_world[TAMIANG]
    logged_in(web, head_of(tamiang))
    web.post("/language", {"locale": "en"})  # the report stays in Bahasa Indonesia whatever the reader chose
    response = web.get(f"/o/{tamiang.slug}/report.pdf?month=2025-11")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "laporan-kemitraan-" in response.headers["Content-Disposition"]
    pdf = tmp_path / "laporan.pdf"
    pdf.write_bytes(response.data)
    text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(pdf).pages)
    assert "LAPORAN KEGIATAN KEMITRAAN" in text and "1 November 2025 – 30 November 2025" in text
    assert "Program Pemagangan Kemnaker (MagangHub)" in text
    assert "Program Rehabilitasi" in text and "Jumlah 1 18 0,0" in text
    assert "Kemnaker (MagangHub) 18 18" in text  # 18 completed the programme, 18 certificates
    assert shutil.which("pdftoppm"), "make test installs poppler-utils"
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(pdf), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page*.png"))
    assert pages and pages[0].stat().st_size > 5_000
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(pages[0], ARTIFACTS / "laporan-kemitraan.png")
    assert web.get(f"/o/{tamiang.slug}/report.pdf?month=2025-13").status_code == 200  # falls back to this month


def test_only_facilities_have_a_monthly_report(demo_world, web):
    sekata = demo_world["SEKATA Balikpapan"]
    logged_in(web, next(m.user for m in sekata.memberships))
    assert web.get(f"/o/{sekata.slug}/report.pdf").status_code == 404


def test_a_partner_sees_what_waits_for_it_to_correct(demo_world, web):
    from tests.factories import ContributionFactory as Factory

    tamiang, maganghub = demo_world[TAMIANG], demo_world["Program Pemagangan Kemnaker (MagangHub)"]
    Factory(facility=tamiang, partner=maganghub, status="rejected", status_reason="Tanggal salah")
    admin = next(m.user for m in maganghub.memberships if m.role == Role.ADMIN)
    page = dashboard(web, maganghub, admin)
    assert 'data-testid="waiting-correction">1<' in page


def test_a_trend_covers_at_least_twelve_months_ending_with_the_period():
    months = report_filters.Period.month_of(date(2025, 11, 5)).months(at_least=12)
    assert months[0] == date(2024, 12, 1) and months[-1] == date(2025, 11, 1) and len(months) == 12
    year = report_filters.Period(date(2024, 1, 1), date(2025, 12, 31), "custom").months(at_least=12)
    assert len(year) == 24


def test_a_partner_sees_its_agreements_by_status_across_facilities(pks, login_as):
    for state in ("active", "active", "submitted"):
        pks.in_state(state)
    web = login_as(pks.partner_admin)
    page = web.get(f"/o/{pks.partner.slug}/").text
    table = " ".join(page[page.index('data-testid="agreements-by-status"'):].split())
    assert '<td>Aktif</td> <td class="text-end">2</td>' in table
    total = table[table.index('data-testid="agreements-by-status-agreements">'):].split('>')[1].split('<')[0]
    from portal.agreements.models import Agreement
    from portal.core.tenancy import unscoped

    with unscoped("test: count the partner's agreements by hand"):
        expected = db.session.query(Agreement).filter(Agreement.partner_id == pks.partner.id).count()
    assert int(total) == expected >= 3
    _, rows = xlsx_rows(web.get(f"/o/{pks.partner.slug}/export/agreements-by-status.xlsx"))
    assert ["Aktif", 2] in rows and rows[-1][0] == "Jumlah"

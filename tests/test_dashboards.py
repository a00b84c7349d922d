"""Dashboards count what the reports say, only verified work, and nothing of other tenants."""
from datetime import date

import pytest
from sqlalchemy import select

from portal import demo
from portal.extensions import db
from portal.models import Organisation, Role
from portal.services import reports
from tests.factories import ContributionFactory

TAMIANG = "Rutan Kelas IIB Tamiang Layang"


@pytest.fixture
def demo_world():
    demo.load()
    return {org.name: org for org in db.session.scalars(select(Organisation))}


def dashboard(web, org, person, query="?period=custom&from=2025-01-01&to=2026-12-31"):
    assert web.login(person.email, demo.DEMO_PASSWORD).status_code == 302
    return web.get(f"/o/{org.slug}/{query}").text


def test_tamiang_layang_reached_18_wbp_as_the_report_says(demo_world, web):
    tamiang = demo_world[TAMIANG]
    head = next(m.user for m in tamiang.memberships if m.role == Role.HEAD)
    page = dashboard(web, tamiang, head)
    assert 'data-testid="by-party-participants">18<' in page
    assert "Program Pemagangan Kemnaker (MagangHub)" in page


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
        period = reports.Period.from_args(args, today)
        return period.start, period.end

    assert span({"period": "month"}) == (date(2026, 5, 1), date(2026, 5, 31))
    assert span({"period": "quarter"}) == (date(2026, 4, 1), date(2026, 6, 30))
    assert span({}) == (date(2026, 1, 1), date(2026, 12, 31))
    custom = reports.Period.from_args({"period": "custom", "from": "2026-03-10", "to": "2026-02-01"}, today)
    assert (custom.start, custom.end) == (date(2026, 2, 1), date(2026, 3, 10))


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

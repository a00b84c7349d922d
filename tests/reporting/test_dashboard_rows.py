"""Long dashboard tables draw what a person reads: the largest rows, pages of facilities, and the files hold the rest."""
import csv
import io
import re

from portal.organisations.models import Role
from tests.factories import (
    ContributionFactory, FacilityFactory, OversightFactory, PartnerFactory, PartnershipFactory, member_of,
)


def _rows(html: str, table: str) -> list[str]:
    body = re.search(rf'data-testid="{table}">.*?<tbody>(.*?)</tbody>', html, re.S).group(1)
    return re.findall(r"<tr>\s*<td[^>]*>(?:<a [^>]*>)?([^<]+)", body)


def test_a_facility_with_twenty_partners_sees_its_fifteen_largest_and_gets_every_one_in_the_file(login_as):
    facility = FacilityFactory()
    for n in range(20):
        partner = PartnerFactory(name=f"Mitra {n:02d}")
        PartnershipFactory(facility=facility, partner=partner)
        for _ in range(n + 1):  # Mitra 19 did the most
            ContributionFactory(facility=facility, partner=partner, status="verified")
    web = login_as(member_of(facility, Role.HEAD))

    page = web.get(f"/o/{facility.slug}/").text
    assert _rows(page, "by-party") == [f"Mitra {n:02d}" for n in range(19, 4, -1)]
    assert "Baris 1–15 dari 20" in page
    assert 'data-testid="all-partnerships">Semua 20 kemitraan<' in page
    assert 'data-testid="partner-count">20<' in page
    exported = web.get(f"/o/{facility.slug}/export/by-party.csv").data.decode("utf-8-sig")
    assert len(list(csv.reader(io.StringIO(exported)))) == 1 + 20 + 1  # heading, every partner, total


def test_an_office_overseeing_many_facilities_pages_through_them_fifty_at_a_time(login_as):
    kanwil = OversightFactory(province="Papua")
    for n in range(55):
        FacilityFactory(name=f"Lapas Papua {n:02d}", province="Papua")
    web = login_as(member_of(kanwil, Role.ANALYST))

    first = web.get(f"/o/{kanwil.slug}/").text
    assert _rows(first, "facilities") == [f"Lapas Papua {n:02d}" for n in range(50)]
    assert "Baris 1–50 dari 55" in first
    following = re.search(r'href="([^"]+)" rel="next"', first).group(1).replace("&amp;", "&")
    second = web.get(following).text
    assert _rows(second, "facilities") == [f"Lapas Papua {n:02d}" for n in range(50, 55)]
    assert 'rel="prev"' in second and 'rel="next"' not in second
    assert _rows(web.get(f"/o/{kanwil.slug}/?rows=99").text, "facilities")[0] == "Lapas Papua 00"  # past the end

"""Story: a facility head downloads the agreement and contribution lists from a served portal.

The file is sent after the request's own transaction has ended; it must still
arrive whole (every row the list counts), on SQLite and on PostgreSQL with the
portal connected as a login role under Row-Level Security.
"""
import csv
import io
import re

import pytest
from openpyxl import load_workbook

from tests.visitor import Visitor

pytestmark = pytest.mark.own_database


def _list_total(html: str) -> int:
    return int(re.search(r'data-list-total="(\d+)"', html).group(1))


@pytest.fixture(scope="module")
def head(live_portal):
    visitor = Visitor(live_portal)
    visitor.login("agung.novarianto@mitrapas.test")
    home = visitor.get("/")
    visitor.org_path = re.search(r"/o/[a-z0-9-]+/", home.url).group(0)
    return visitor


@pytest.mark.parametrize("listing", ["agreements", "contributions"])
def test_csv_export_holds_every_row_the_list_counts(head, listing):
    expected = _list_total(head.get(f"{head.org_path}{listing}/").text)
    assert expected > 0, "the demo data has records in this list"

    response = head.get(f"{head.org_path}{listing}/export.csv")

    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) - 1 == expected


@pytest.mark.parametrize("listing", ["agreements", "contributions"])
def test_xlsx_export_opens_with_every_row(head, listing):
    expected = _list_total(head.get(f"{head.org_path}{listing}/?status=").text)

    response = head.get(f"{head.org_path}{listing}/export.xlsx")

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
    assert len(list(sheet.iter_rows(values_only=True))) - 1 == expected


def test_filtered_export_keeps_the_filter_and_the_tenant(head):
    """Only this facility's verified contributions, as the filtered list shows them."""
    expected = _list_total(head.get(f"{head.org_path}contributions/?status=verified").text)

    response = head.get(f"{head.org_path}contributions/export.csv?status=verified")

    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == expected
    assert {row["UPT"] for row in rows} == {"Rutan Kelas IIB Tamiang Layang"}

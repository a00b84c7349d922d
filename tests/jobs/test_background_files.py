"""A long list or a monthly report is made in the background: the job's page follows it and then offers the
file, kept for a day, to the organisation that asked for it."""
import csv
from datetime import timedelta
import io
import re
import urllib.request

from openpyxl import load_workbook
import pytest

from portal.contributions.models import ContributionStatus
from portal.core.columns import utcnow
from portal.core.tenancy import unscoped
from portal.extensions import db
from portal.jobs import made_files as file_jobs
from portal.jobs.models import BackgroundJob
from portal.ops import reconcile
from portal.organisations.models import Role
from tests.factories import ContributionFactory, OversightFactory, member_of


@pytest.fixture
def long_lists(app):
    """Lists of more than 10 rows count as long here (5,000 by default)."""
    saved = app.config["EXPORT_BACKGROUND_ROWS"]
    app.config["EXPORT_BACKGROUND_ROWS"] = 10
    yield
    app.config["EXPORT_BACKGROUND_ROWS"] = saved


def contributions_of(pks, count: int, **fields):
    return [ContributionFactory(facility=pks.facility, partner=pks.partner, title=f"Konseling sesi {n}", **fields)
            for n in range(count)]


def fetch(web, job_page: str) -> bytes:
    """Follow the job page's download button to the store, as the browser does."""
    page = web.get(job_page).text
    href = re.search(r'href="([^"]+)" data-testid="job-file"', page).group(1)
    answer = web.get(href)
    assert answer.status_code == 303
    with urllib.request.urlopen(answer.headers["Location"]) as response:
        return response.read()


def test_a_long_contribution_list_is_made_by_a_job_whose_page_offers_the_file(pks, login_as, long_lists):
    contributions_of(pks, 25)
    web = login_as(pks.partner_member)
    listing = web.get(f"/o/{pks.partner.slug}/contributions/").text
    assert 'data-testid="prepare-csv"' in listing and "contributions/export.csv\">CSV" not in listing

    made = web.post(f"/o/{pks.partner.slug}/contributions/export.csv")
    assert made.status_code == 302 and "/jobs/" in made.headers["Location"]
    job_page = made.headers["Location"]
    page = web.get(job_page).text
    assert "Ekspor daftar panjang" in page and "Berkas sudah siap: 25 baris." in page
    rows = list(csv.reader(io.StringIO(fetch(web, job_page).decode("utf-8-sig"))))
    assert len(rows) == 26 and rows[0][0] == "Tanggal mulai"
    assert sorted(row[3] for row in rows[1:]) == sorted(f"Konseling sesi {n}" for n in range(25))


def test_the_page_filters_go_with_the_background_export(pks, login_as, long_lists):
    contributions_of(pks, 12, status=ContributionStatus.VERIFIED)
    contributions_of(pks, 3)
    web = login_as(pks.partner_member)
    made = web.post(f"/o/{pks.partner.slug}/contributions/export.xlsx?status=verified")
    sheet = load_workbook(io.BytesIO(fetch(web, made.headers["Location"]))).active
    assert sheet.max_row == 13


def test_a_short_list_streams_at_once_as_before(pks, login_as, long_lists):
    contributions_of(pks, 4)
    web = login_as(pks.partner_member)
    listing = web.get(f"/o/{pks.partner.slug}/contributions/").text
    assert 'data-testid="prepare-csv"' not in listing
    assert web.get(f"/o/{pks.partner.slug}/contributions/export.csv").data.decode("utf-8-sig").count("\n") == 5


def test_the_agreement_list_is_exported_in_the_background_with_its_filters(pks, login_as):
    pks.draft(title="PKS Rujukan Kesehatan")
    pks.draft(title="PKS Konseling")
    web = login_as(pks.partner_admin)
    made = web.post(f"/o/{pks.partner.slug}/agreements/export.csv?q=rujukan")
    rows = list(csv.reader(io.StringIO(fetch(web, made.headers["Location"]).decode("utf-8-sig"))))
    assert [row[0] for row in rows[1:]] == ["PKS Rujukan Kesehatan"]


def test_the_monthly_report_is_made_in_the_background_for_the_facility_and_its_overseer(pks, login_as):
    web = login_as(pks.head)
    made = web.post(f"/o/{pks.facility.slug}/report.pdf", {"month": "2025-11"})
    assert made.status_code == 302
    page = web.get(made.headers["Location"]).text
    assert "Laporan kegiatan bulanan (PDF)" in page
    assert f"laporan-kemitraan-{pks.facility.slug}-2025-11.pdf" in page
    assert fetch(web, made.headers["Location"]).startswith(b"%PDF")
    web.logout()

    web = login_as(pks.analyst)  # the Kanwil over the facility's province
    made = web.post(f"/o/{pks.kanwil.slug}/facilities/{pks.facility.id}/report.pdf", {"month": "2025-11"})
    assert fetch(web, made.headers["Location"]).startswith(b"%PDF")
    web.logout()

    elsewhere = OversightFactory(province="Papua")
    web = login_as(member_of(elsewhere, Role.ANALYST))
    assert web.post(f"/o/{elsewhere.slug}/facilities/{pks.facility.id}/report.pdf",
                    {"month": "2025-11"}).status_code == 404
    with unscoped("the test counts every job"):
        assert db.session.query(BackgroundJob).filter(BackgroundJob.organisation_id == elsewhere.id).count() == 0


def test_files_are_kept_a_day_then_purged_and_the_page_says_so(pks, login_as, app, long_lists):
    contributions_of(pks, 11)
    web = login_as(pks.partner_member)
    job_page = web.post(f"/o/{pks.partner.slug}/contributions/export.csv").headers["Location"]
    prefix = f"o/{pks.partner.id}/jobs/"
    with unscoped("reconciliation sees every tenant"):
        later = utcnow() + reconcile.GRACE + timedelta(minutes=1)
        assert reconcile.reconcile(prefix=prefix, now=later).clean  # the file is kept, not an orphan
        assert file_jobs.purge_expired(utcnow() + timedelta(hours=app.config["JOB_FILE_HOURS"] - 1)) == 0
        assert file_jobs.purge_expired(utcnow() + timedelta(hours=app.config["JOB_FILE_HOURS"] + 1)) == 1
        db.session.commit()
        assert reconcile.reconcile(prefix=prefix, now=later).clean  # the object went with it
    page = web.get(job_page).text
    assert 'data-testid="job-file-removed"' in page and 'data-testid="job-file"' not in page
    assert "sudah tidak disimpan" in web.get(job_page + "/file", follow_redirects=True).text

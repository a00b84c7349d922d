"""A partner imports a long spreadsheet: a job does the work, and a page follows it to its end, row by row."""
from datetime import date, timedelta
import io
import re

from sqlalchemy import select

from portal.core.tenancy import unscoped
from portal.extensions import db
from portal.jobs import tracked as background
from portal.jobs.models import BackgroundJob, JobStatus
from portal.organisations.partnership_models import Partnership
from tests.contributions.test_contribution_import import HEADER, YESTERDAY, recorded

TOMORROW = (date.today() + timedelta(days=1)).isoformat()


def _import(pks, web, *rows: str, meanwhile=lambda: None):
    """Preview the file, (let `meanwhile` happen,) confirm it, and answer the job page's address."""
    with unscoped("the test looks up its own pair"):
        pair = db.session.scalar(select(Partnership.id).where(Partnership.facility_id == pks.facility.id))
    url = f"/o/{pks.partner.slug}/contributions/import?pair={pair}"
    data = ("\r\n".join((HEADER, *rows)) + "\r\n").encode("utf-8-sig")
    preview = web.post(url, {"file": (io.BytesIO(data), "panjang.csv"), "preview": "1"},
                       content_type="multipart/form-data")
    stash = re.search(r'name="stash" value="([^"]+)"', preview.text).group(1)
    meanwhile()
    confirmed = web.post(url, {"stash": stash, "stash_name": "panjang.csv", "confirm": "1"})
    assert confirmed.status_code == 302 and "/jobs/" in confirmed.headers["Location"]
    return confirmed.headers["Location"]


def test_the_import_runs_as_a_job_whose_page_lists_each_row_and_what_it_became(pks, login_as):
    web = login_as(pks.partner_member)
    job_page = _import(pks, web, *(f"{YESTERDAY},,counselling,Konseling sesi {n},,5,7,12,3" for n in range(60)))

    page = web.get(job_page).text
    assert 'data-status="done"' in page and recorded() == 60
    assert "60 kontribusi diimpor" in page
    listed = re.findall(r"<tr><td>(\d+)</td><td><a href=\"[^\"]+/contributions/(\d+)\"", page)
    assert [int(row) for row, _ in listed] == list(range(2, 52))  # the first 50 rows, numbered as in the file
    assert "50 baris pertama dari 60" in page
    status = web.get(job_page + ".json").get_json()
    assert status["finished"] and status["percent"] == 100 and status["status"] == "done"
    from portal.jobs import queue as jobs
    assert jobs.progress_of(job_page.rsplit("/", 1)[1]) is None  # an ended job's progress is not kept in memory


def test_a_file_that_went_wrong_after_its_preview_keeps_nothing_and_names_the_rows(pks, login_as, monkeypatch):
    web = login_as(pks.partner_member)
    from portal.contributions import importer as contribution_import

    real = contribution_import.import_contributions

    def stricter_tomorrow(*args, **kwargs):  # the file was previewed yesterday; today a row breaks a rule
        kwargs.pop("dry_run", None)
        result = real(*args, dry_run=True, **kwargs)
        result.problems.append(contribution_import.RowProblem(3, "Tanggal sudah lewat batas."))
        return result
    job_page = _import(pks, web, f"{YESTERDAY},,counselling,Sesi satu,,5,7,12,3",
                       f"{YESTERDAY},,counselling,Sesi dua,,5,7,12,3")
    failed_page = _import(pks, web, f"{YESTERDAY},,counselling,Sesi tiga,,5,7,12,3", meanwhile=lambda: (
        monkeypatch.setattr(contribution_import, "import_contributions", stricter_tomorrow)))
    page = web.get(failed_page).text
    assert 'data-status="failed"' in page and "Tidak ada yang diimpor" in page
    assert "Baris 3: Tanggal sudah lewat batas." in page
    assert recorded() == 2  # the first import's two rows, none of the failed one's
    assert 'data-status="done"' in web.get(job_page).text


def test_another_organisation_cannot_see_the_job(pks, login_as):
    web = login_as(pks.partner_member)
    job_page = _import(pks, web, f"{YESTERDAY},,counselling,Sesi,,5,7,12,3")
    job_id = job_page.rsplit("/", 1)[1]
    web.logout()
    stranger = login_as(pks.stranger_head)
    assert stranger.get(f"/o/{pks.stranger_facility.slug}/jobs/{job_id}").status_code == 404
    assert stranger.get(f"/o/{pks.stranger_facility.slug}/jobs/{job_id}.json").status_code == 404


def test_a_job_that_breaks_says_so_and_keeps_nothing(pks, login_as, monkeypatch):
    from portal.contributions import importer as contribution_import

    def broken(*args, **kwargs):
        raise RuntimeError("the storage went away")
    web = login_as(pks.partner_member)
    page = web.get(_import(pks, web, f"{YESTERDAY},,counselling,Sesi,,5,7,12,3", meanwhile=lambda: (
        monkeypatch.setattr(contribution_import, "import_contributions", broken)))).text
    assert 'data-status="failed"' in page and "Impor berhenti tanpa diduga" in page and recorded() == 0


def test_a_job_delivered_twice_runs_once(pks, login_as):
    web = login_as(pks.partner_member)
    job_id = _import(pks, web, f"{YESTERDAY},,counselling,Sesi,,5,7,12,3").rsplit("/", 1)[1]
    background.run(job_id)  # a queue that delivers again
    assert recorded() == 1
    with unscoped("the test reads the job"):
        assert db.session.get(BackgroundJob, job_id).status == JobStatus.DONE


def test_a_job_not_started_yet_shows_no_progress_and_one_running_shows_how_far_it_got(pks, monkeypatch):
    from portal.jobs import queue as jobs
    from portal.jobs.models import BackgroundJob, JobStatus

    waiting = BackgroundJob(id="0" * 32, kind="contribution-import", status=JobStatus.QUEUED, params={}, result={})
    assert background.progress(waiting).percent == 0  # it was 100% while queued: the bar started full
    running = BackgroundJob(id="1" * 32, kind="contribution-import", status=JobStatus.RUNNING, params={}, result={})
    jobs.report(running.id, 250, 1000)
    assert background.progress(running).percent == 25
    finished = BackgroundJob(id="2" * 32, kind="contribution-import", status=JobStatus.DONE, params={}, result={})
    assert background.progress(finished).percent == 100

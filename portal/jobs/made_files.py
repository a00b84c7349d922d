"""Files made in the background: a long list exported, a monthly report drawn; kept a day, fetched by link.

A list of 200,000 contributions takes longer to write than a person (or a proxy)
waits for one answer. The same table the page's own export streams is written
by a job (`portal.jobs.tracked`) into storage, acting as the person who
asked; its page shows the progress and then a short-lived download link.
`purge_expired` removes such files after JOB_FILE_HOURS.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
import tempfile
from typing import Callable

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from portal.accounts.models import User
from portal.agreements import lists as agreement_lists
from portal.agreements.lists import AgreementFilter
from portal.contributions import operations as contributions
from portal.core import exports, storage, transactional_files as files
from portal.core.columns import utcnow
from portal.core.errors import DomainError
from portal.extensions import db
from portal.jobs.models import BackgroundJob, JobStatus
from portal.organisations import operations as organisations
from portal.organisations.models import Organisation, OrgKind
from portal.reporting import activity_report

EXPORT, REPORT = "list-export", "monthly-report"
KINDS = (EXPORT, REPORT)
#: Progress is told every so many rows.
REPORT_EVERY = 1000


def _contributions(organisation: Organisation, actor: User, filters: dict) -> exports.Table:
    return contributions.as_table(contributions.listed(filters.get("status"), filters.get("type")))


def _agreements(organisation: Organisation, actor: User, filters: dict) -> exports.Table:
    return agreement_lists.as_table(organisation, actor, AgreementFilter.from_params(filters))


#: The lists that can be exported in the background, and the file name each gets.
LISTS: dict[str, tuple[Callable[[Organisation, User, dict], exports.Table], str]] = {
    "contributions": (_contributions, "kontribusi"),
    "agreements": (_agreements, "perjanjian"),
}


def export_params(list_name: str, file_format: str, filters: dict) -> dict:
    """What an export job needs; refused here, before queuing, when it names no list or format."""
    if list_name not in LISTS or file_format not in exports.FORMATS:
        raise DomainError(_l("This list cannot be exported."))
    return {"list": list_name, "format": file_format, "filters": filters,
            "filename": f"{LISTS[list_name][1]}.{file_format}"}


def report_params(organisation: Organisation, facility_id: int, month: date) -> dict:
    """A monthly report of the facility itself, or of one facility in an oversight office's scope."""
    facility = _report_facility(organisation, facility_id)
    return {"facility_id": facility_id, "month": month.isoformat(),
            "filename": f"laporan-kemitraan-{facility.slug}-{month:%Y-%m}.pdf"}


def export_job(job: BackgroundJob, actor: User, report: Callable[[int, int], object]) -> tuple[bool, dict]:
    organisation = db.session.get(Organisation, job.organisation_id)
    build, _name = LISTS[job.params["list"]]
    table = build(organisation, actor, job.params["filters"])
    total = _count(table)
    content_type, write = exports.FORMATS[job.params["format"]]
    counted = _counting(table.rows, total, report)
    table.rows = counted
    stored = _store(write(table), job, job.params["filename"], content_type.split(";")[0])
    return True, {"rows": counted.done, "file": _described(stored)}


def report_job(job: BackgroundJob, actor: User, report: Callable[[int, int], object]) -> tuple[bool, dict]:
    organisation = db.session.get(Organisation, job.organisation_id)
    facility = _report_facility(organisation, job.params["facility_id"])
    month = date.fromisoformat(job.params["month"])
    report(0, 1)
    pdf = activity_report.render(facility, month)
    report(1, 1)
    stored = _store(iter([pdf]), job, job.params["filename"], "application/pdf")
    return True, {"file": _described(stored)}


def download_link(job: BackgroundJob) -> str:
    """A short-lived link to the job's file, while it is kept."""
    kept = kept_file(job)
    if kept is None:
        raise DomainError(_l("This file is no longer kept (files made in the background are kept for %(n)d "
                             "hours). Please make it again.", n=current_app.config["JOB_FILE_HOURS"]))
    return storage.presigned_get(kept["key"], filename=kept["filename"])


def kept_file(job: BackgroundJob) -> dict | None:
    found = (job.result or {}).get("file")
    return found if job.status == JobStatus.DONE and found and not found.get("removed") else None


def kept_keys(session=None) -> set[str]:
    """Keys of job files still kept (for `storage-reconcile`: not orphans; a backup copies them)."""
    return {found["key"] for job in (session or db.session).scalars(_with_files()) if (found := kept_file(job))}


def purge_expired(now: datetime | None = None, *, dry_run: bool = False) -> int:
    """Remove job files older than JOB_FILE_HOURS (or count them); their jobs' pages then say so. The caller
    scopes it."""
    cutoff = (now or utcnow()) - timedelta(hours=current_app.config["JOB_FILE_HOURS"])
    removed = 0
    for job in db.session.scalars(_with_files().where(BackgroundJob.finished_at < cutoff)):
        found = kept_file(job)
        if found is None:
            continue
        if dry_run:
            removed += 1
            continue
        files.remove_after_commit(found["key"], db.session)
        job.result = {**job.result, "file": {**found, "removed": True}}
        removed += 1
    db.session.flush()
    return removed


def _with_files():
    return select(BackgroundJob).where(BackgroundJob.kind.in_(KINDS), BackgroundJob.status == JobStatus.DONE)


def _report_facility(organisation: Organisation, facility_id: int) -> Organisation:
    if organisation.kind == OrgKind.FACILITY and organisation.id == facility_id:
        return organisation
    found = organisations.overseen_facility(organisation, facility_id)
    if found is None:
        raise DomainError(_l("This facility is not in your scope."))
    return found


class _counting:
    """The table's rows as they are written, telling the job's progress every REPORT_EVERY rows."""

    def __init__(self, rows, total: int, report: Callable[[int, int], object]):
        self.rows, self.total, self.report, self.done = rows, total, report, 0

    def __iter__(self):
        self.report(0, self.total)
        for row in self.rows:
            yield row
            self.done += 1
            if self.done % REPORT_EVERY == 0:
                self.report(self.done, self.total)
        self.report(self.done, max(self.total, self.done))


def _count(table: exports.Table) -> int:
    """How many rows the table's query (`exports.QueryRows`) will give: the job's 100%."""
    statement = table.rows.statement
    return db.session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))


def _store(chunks, job: BackgroundJob, filename: str, content_type: str) -> files.StoredFile:
    """Spool what the writer makes to a temporary file, then stream it to storage (memory stays flat)."""
    with tempfile.TemporaryFile() as spool:
        for chunk in chunks:
            spool.write(chunk.encode("utf-8") if isinstance(chunk, str) else chunk)
        spool.seek(0)
        return files.store_stream(spool, filename=filename, prefix=f"o/{job.organisation_id}/jobs/{job.id}",
                                  content_type=content_type, session=db.session)


def _described(stored: files.StoredFile) -> dict:
    return {"key": stored.key, "filename": stored.filename, "size": stored.size, "content_type": stored.content_type}

"""Work that outlives a request: queued for a person and an organisation, run as them, kept with how it ended.

A runner (named in RUNNERS by dotted path, so this module needs none of them) takes
`(job, actor, report)`, does its work in the job's transaction and answers `(ok, result)`:
ok keeps the work, anything else rolls it back. `portal.jobs.queue` decides where it runs.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
import logging
import secrets

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import select
from werkzeug.utils import import_string

from portal.accounts.models import User
from portal.audit import chain as audit
from portal.core.columns import as_utc, utcnow
from portal.core.tenancy import acting_for, unscoped
from portal.extensions import db
from portal.jobs import queue as jobs
from portal.jobs.models import BackgroundJob, JobStatus
from portal.organisations.models import Organisation

RUNNERS = {"contribution-import": "portal.contributions.importer.import_job",
           "list-export": "portal.jobs.made_files.export_job",
           "monthly-report": "portal.jobs.made_files.report_job"}
log = logging.getLogger(__name__)


def queue_job(kind: str, organisation: Organisation, actor: User, params: dict) -> BackgroundJob:
    """The job's record, in the caller's transaction; `launch` it once that has committed."""
    if kind not in RUNNERS:
        raise ValueError(f"no runner for {kind}")
    job = BackgroundJob(id=secrets.token_hex(16), kind=kind, organisation_id=organisation.id, user_id=actor.id,
                        status=JobStatus.QUEUED, params={**params, "ip": audit.origin_ip.get()}, result={})
    db.session.add(job)
    db.session.flush()
    return job


def launch(job_id: str) -> None:
    jobs.run_later("portal.jobs.tracked.run", job_id)


def run(job_id: str) -> None:
    """The job itself, wherever it runs: as its person, for its organisation, in its person's language."""
    with unscoped("a job is picked up before anyone acts for it"):
        job = db.session.get(BackgroundJob, job_id)
        if job is None or job.status != JobStatus.QUEUED:  # a queue may deliver twice; the work is done once
            return
        organisation, actor = db.session.get(Organisation, job.organisation_id), db.session.get(User, job.user_id)
        job.status, job.started_at = JobStatus.RUNNING, utcnow()
        db.session.commit()
        for known in (job, organisation, actor):  # read again while still visible: the job acts as them
            db.session.refresh(known)
    kind, origin = job.kind, audit.origin_ip.set(job.params.get("ip"))
    try:
        with acting_for(organisation), force_locale(actor.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
            ok, result = import_string(RUNNERS[kind])(job, actor, lambda done, total: jobs.report(job_id, done, total))
        if ok:
            db.session.commit()
        else:
            db.session.rollback()
    except Exception:  # the person must hear that it failed, not wait forever
        log.exception("background job %s (%s) failed", job_id, kind)
        db.session.rollback()
        ok, result = False, {"error": True}
    finally:
        audit.origin_ip.reset(origin)
    with unscoped("a job's end is written after its organisation's work is over"):
        job = db.session.get(BackgroundJob, job_id)
        job.status, job.result, job.finished_at = (JobStatus.DONE if ok else JobStatus.FAILED), result, utcnow()
        db.session.commit()
    jobs.forget_progress(job_id)


def job_of(organisation: Organisation, job_id: str) -> BackgroundJob | None:
    """A job of this organisation; another's is as good as missing (its page answers 404)."""
    return db.session.scalar(select(BackgroundJob).where(BackgroundJob.id == job_id,
                                                         BackgroundJob.organisation_id == organisation.id))


@dataclass(frozen=True)
class Progress:
    done: int
    total: int
    #: None until there is enough to tell.
    seconds_left: int | None

    @property
    def percent(self) -> int:
        return 0 if self.total == 0 else min(100, self.done * 100 // self.total)  # nothing heard yet: 0


def progress(job: BackgroundJob, now: datetime | None = None) -> Progress:
    """How far it got, and how long the rest should take at the pace so far."""
    if job.finished:
        return Progress(1, 1, 0)
    done, total = jobs.progress_of(job.id) or (0, 0)
    left = None
    if job.started_at is not None and done:
        elapsed = ((now or utcnow()) - as_utc(job.started_at)).total_seconds()
        left = max(0, round(elapsed * (total - done) / done))
    return Progress(done, total, left)

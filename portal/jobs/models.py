"""Work that outlives a request (a 10,000-row import): who asked, for which organisation, and how it ended."""
from __future__ import annotations

from datetime import datetime
import enum

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.columns import Timestamp, enum_column, utcnow
from portal.extensions import db


class JobStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class BackgroundJob(db.Model):
    """One piece of background work; its progress while running lives beside the queue (`portal.jobs.queue`)."""

    __tablename__ = "background_jobs"
    #: Whose kept pages show it (`portal.core.whose_pages`): the organisation and person it works for.
    shown_on_pages_of = ("organisation_id", "user_id")
    __table_args__ = (Index("ix_background_jobs_organisation", "organisation_id", "created_at"),)

    #: Random and unguessable: it is in the address of the page that follows the job.
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    #: e.g. "contribution-import"; `portal.jobs.labels.JOB_KIND` names it for people.
    kind: Mapped[str] = mapped_column(String(40))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[JobStatus] = mapped_column(enum_column(JobStatus), default=JobStatus.QUEUED)
    #: What the job needs to run (ids, a stored file's key), never the data itself.
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    #: How it ended: counts, the records made, or the problems found (per row for an import).
    result: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(Timestamp)
    finished_at: Mapped[datetime | None] = mapped_column(Timestamp)

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)

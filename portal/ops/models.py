"""What the operators' periodic commands did and when: `mitrapas doctor` asks whether they still run."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.columns import Timestamp
from portal.extensions import db


class CommandRun(db.Model):
    """The last run of one periodic command (`mitrapas portal <name>`), kept per command, not per run."""

    __tablename__ = "command_runs"
    #: Whose kept pages show it (`portal.core.whose_pages`): no kept page: the operators' log.
    shown_on_pages_of = ()

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(Timestamp)
    finished_at: Mapped[datetime | None] = mapped_column(Timestamp)
    #: Whether the last run succeeded; the last successful finish is `succeeded_at`.
    ok: Mapped[bool] = mapped_column(default=False)
    succeeded_at: Mapped[datetime | None] = mapped_column(Timestamp)

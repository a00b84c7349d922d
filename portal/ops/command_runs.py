"""The periodic commands, as operations see them: each records its last run, and a stale one is a problem."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlalchemy import select

from portal.core.columns import as_utc, utcnow
from portal.extensions import db
from portal.ops.models import CommandRun

#: Each periodic command (`mitrapas portal <name>`; deploy/systemd has a timer for each) and how long
#: may pass after its last successful run before `mitrapas doctor` calls it stale.
PERIODIC = {
    "agreements-tick": timedelta(hours=26),
    "remind": timedelta(hours=26),
    "purge-materials": timedelta(hours=26),
    "storage-reconcile": timedelta(hours=26),
    "purge-expired": timedelta(hours=2),
    "send-mail": timedelta(hours=1),
    "deliver-webhooks": timedelta(hours=1),
}


@contextmanager
def recorded(name: str):
    """Record the run of `name` once it has ended (the command commits its own work; nothing is written before
    it, so its session starts as it always did)."""
    started, ok = utcnow(), False
    try:
        yield
        ok = True
    finally:
        if not ok:
            db.session.rollback()
        run = db.session.get(CommandRun, name) or CommandRun(name=name)
        run.started_at, run.finished_at, run.ok = started, utcnow(), ok
        if ok:
            run.succeeded_at = run.finished_at
        db.session.add(run)
        db.session.commit()


def stale_commands(now: datetime | None = None) -> list[str]:
    """What is wrong with the periodic commands, one sentence each; empty when all ran in time."""
    now = now or utcnow()
    runs = {run.name: run for run in db.session.scalars(select(CommandRun))}
    problems = []
    for name, allowed in PERIODIC.items():
        problems += _late_or_failed(runs.get(name), f"mitrapas portal {name}", allowed, now)
    return problems


def stale_backup(allowed: timedelta, now: datetime | None = None) -> list[str]:
    """What is wrong with the backups (`mitrapas backup`, its own timer): never, too long ago, or failed."""
    return _late_or_failed(db.session.get(CommandRun, "backup"), "mitrapas backup", allowed, now or utcnow())


def _late_or_failed(run: CommandRun | None, command: str, allowed: timedelta, now: datetime) -> list[str]:
    problems = []
    if run is None or run.succeeded_at is None:
        problems.append(f"`{command}` has never finished successfully (is its timer enabled?)")
    elif now - as_utc(run.succeeded_at) > allowed:
        problems.append(f"`{command}` last succeeded at {run.succeeded_at:%Y-%m-%d %H:%M} UTC, "
                        f"more than {_hours(allowed)} ago")
    if run is not None and run.finished_at is not None and not run.ok:
        problems.append(f"`{command}` failed on its last run ({run.finished_at:%Y-%m-%d %H:%M} UTC)")
    return problems


def _hours(span: timedelta) -> str:
    return f"{int(span.total_seconds() // 3600)} hours"

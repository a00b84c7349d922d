"""The periodic commands record their runs, and the doctor says which have not run, run late, or failed."""
from datetime import timedelta

import pytest

from portal.core.columns import utcnow
from portal.extensions import db
from portal.ops import command_runs as operations
from portal.ops.models import CommandRun


def test_a_periodic_command_records_its_successful_run(app):
    result = app.test_cli_runner().invoke(args=["portal", "purge-expired"])
    assert result.exit_code == 0
    run = db.session.get(CommandRun, "purge-expired")
    assert run.ok and run.succeeded_at is not None and run.finished_at >= run.started_at


def test_the_doctor_names_commands_never_run_late_or_failed(app):
    now = utcnow()
    for name in operations.PERIODIC:
        db.session.add(CommandRun(name=name, started_at=now, finished_at=now, ok=True, succeeded_at=now))
    db.session.flush()
    assert operations.stale_commands(now) == []

    db.session.get(CommandRun, "send-mail").succeeded_at = now - timedelta(hours=3)
    failed = db.session.get(CommandRun, "storage-reconcile")
    failed.ok = False
    never = db.session.get(CommandRun, "remind")
    never.ok, never.succeeded_at = False, None  # it has only ever failed
    db.session.flush()
    problems = operations.stale_commands(now)
    assert len(problems) == 4
    assert any("`mitrapas portal send-mail` last succeeded" in problem and "more than 1 hours ago" in problem
               for problem in problems)
    assert any("`mitrapas portal storage-reconcile` failed on its last run" in problem for problem in problems)
    assert any("`mitrapas portal remind` has never finished successfully" in problem for problem in problems)
    assert any("`mitrapas portal remind` failed on its last run" in problem for problem in problems)


def test_a_failing_periodic_command_is_recorded_as_failed(app, monkeypatch):
    from portal.privacy import retention

    def broken(now=None):
        raise RuntimeError("storage down")

    monkeypatch.setattr(retention, "purge", broken)
    result = app.test_cli_runner().invoke(args=["portal", "purge-expired"])
    assert result.exit_code != 0
    run = db.session.get(CommandRun, "purge-expired")
    assert not run.ok and run.succeeded_at is None


@pytest.mark.parametrize("changes, problem", [
    ({"TRUSTED_HOSTS": None}, "TRUSTED_HOSTS is not set"),
    ({"TRUSTED_HOSTS": ["portal.example"], "PUBLIC_URL": "https://mitrapas.example"},
     "PUBLIC_URL's host mitrapas.example is not among TRUSTED_HOSTS (portal.example)"),
    ({"TRUSTED_HOSTS": ["mitrapas.example"], "PUBLIC_URL": "https://mitrapas.example", "CACHE_TYPE": "SimpleCache"},
     "kept pages are not in a store every process shares (SimpleCache)"),
])
def test_the_doctor_says_when_hosts_are_not_checked_or_kept_pages_not_shared(app, monkeypatch, changes, problem):
    from portal.ops import doctor
    for name, value in changes.items():
        monkeypatch.setitem(app.config, name, value)
    assert any(problem in found for found in doctor.hosts_and_kept_pages())


def test_the_doctor_finds_hosts_and_kept_pages_sound_when_they_agree_and_are_shared(app, monkeypatch):
    from portal.ops import doctor
    monkeypatch.setitem(app.config, "TRUSTED_HOSTS", [".mitrapas.example"])
    monkeypatch.setitem(app.config, "PUBLIC_URL", "https://portal.mitrapas.example")
    monkeypatch.setitem(app.config, "CACHE_TYPE", "RedisCache")
    assert doctor.hosts_and_kept_pages() == []

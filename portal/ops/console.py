"""`mitrapas`: the one command an installed portal is run with.

It is the Flask command line with the portal already chosen (`mitrapas db upgrade`,
`mitrapas portal purge-expired`, every ops command), plus `mitrapas serve`, which starts
gunicorn with the settings the deployment tests use.
"""
from __future__ import annotations

import os
from pathlib import Path
import shutil
import sys

import click
from flask.cli import FlaskGroup

from portal.version import __version__

#: gunicorn's threaded worker with its connection count kept right (portal/ops/gunicorn_worker.py).
WORKER_CLASS = "portal.ops.gunicorn_worker.ThreadWorker"
#: What one worker holds at most, per thread, unless `--worker-connections` says otherwise.
CONNECTIONS_PER_THREAD = 8


def _create_app():
    from portal import create_app

    return create_app()


@click.command(context_settings={"ignore_unknown_options": True})
@click.option("--bind", default=lambda: os.environ.get("BIND", "127.0.0.1:8000"), show_default="$BIND or 127.0.0.1:8000",
              help="Address to listen on; the reverse proxy forwards to it.")
@click.option("--workers", default=lambda: int(os.environ.get("WEB_CONCURRENCY", "4")), show_default="$WEB_CONCURRENCY or 4")
@click.option("--threads", default=4, show_default=True)
@click.option("--worker-connections", type=int, default=None, show_default="8 per thread",
              help="Connections one worker holds at most; the rest wait in the queue all workers share.")
@click.argument("gunicorn_args", nargs=-1, type=click.UNPROCESSED)
def serve(bind: str, workers: int, threads: int, worker_connections: int | None,
          gunicorn_args: tuple[str, ...]) -> None:
    """Serve the portal with gunicorn (extra arguments go to gunicorn, e.g. --certfile)."""
    gunicorn = Path(sys.executable).with_name("gunicorn")
    executable = str(gunicorn) if gunicorn.exists() else shutil.which("gunicorn")
    if executable is None:
        raise click.ClickException("gunicorn is not installed next to this Python")
    # --keep-alive outlasts the reverse proxy's idle connections; --timeout covers a 512 MiB file's check.
    # --worker-connections: a gthread worker keeps every keep-alive connection it accepts, so without a cap the
    # worker that wakes first takes a whole burst and answers it on one core while the others idle (the 50/0
    # figures of tests/bench/README.md). Capped, a full worker stops accepting and closes the connections it
    # cannot keep after answering them; the clients reconnect to a worker with room.
    os.environ["WEB_CONCURRENCY"] = str(workers)  # how many share the cores (PASSWORD_HASHES_AT_ONCE, portal/config.py)
    os.execv(executable, [executable, "--workers", str(workers), "--threads", str(threads), "--bind", bind,
                          "--worker-class", WORKER_CLASS,
                          "--worker-connections", str(worker_connections or CONNECTIONS_PER_THREAD * threads),
                          "--keep-alive", "75", "--timeout", "120", "--graceful-timeout", "30",
                          *gunicorn_args, "wsgi:app"])


def main() -> None:
    cli = FlaskGroup(name="mitrapas", create_app=_create_app, add_version_option=False,
                     help=f"MitraPAS {__version__}: the partner portal of Indonesian correctional facilities.")
    cli.add_command(serve)
    cli = click.version_option(__version__, prog_name="mitrapas")(cli)
    cli.main(prog_name="mitrapas")

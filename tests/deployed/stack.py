"""The portal as production runs it, on this machine, for the deployed-stack tier.

What runs is what ships: the wheel is built from this checkout and installed into a
fresh virtualenv outside it, and every portal process (migrations, demo data,
`mitrapas serve`, the worker, ops commands) is that install's `mitrapas`, started in
a folder of its own. Around it: gunicorn (workers x threads) serving HTTPS, PostgreSQL through a login role that is
only IN ROLE mitrapas_app (so Row-Level Security applies), SeaweedFS, a Redis of
its own (so a test may stop it), a local SMTP server, the RQ mail worker, and the
demo data loaded with the same commands an operator types. Every process is a
child of the test session and is stopped with it.
"""
from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass, field
import os
from pathlib import Path
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from cryptography.fernet import Fernet
import psutil
import requests
import trustme

from mitrapas_dev.local_mail import LocalMailServer
from mitrapas_dev.local_phone import LocalPhoneProviders
from mitrapas_dev.seaweedfs import SeaweedFS, free_port
from portal import PROJECT_ROOT
from portal.ops.console import CONNECTIONS_PER_THREAD, WORKER_CLASS
from tests.databases import fresh_database
from tests.webhook_receiver import WebhookReceiver

BIN = Path(sys.executable).parent
WORKERS, THREADS = 2, 4
#: What `mitrapas serve` holds per worker by default; bare Flask's gunicorn gets it and the worker class
#: `mitrapas serve` runs too.
WORKER_CONNECTIONS = CONNECTIONS_PER_THREAD * THREADS
#: One wheel, one install per test process (a bench and the tier each start their own stack).
_RELEASE: dict[str, Path] = {}
#: Longer than any client or proxy keeps an idle connection: with gunicorn's default (2 s) a browser's next
#: request after a pause can meet a connection the server is just closing ("closed without response").
KEEP_ALIVE = 75
SECRET_KEY = "deployed-tier-secret-key-" + "x" * 40
#: How long a story waits for a mail: the worker may first send what the earlier stories queued (the concurrency
#: story's fifty signings), on a machine that runs the in-process suite beside the tier.
MAIL_WAIT = 120


def _wait_until(check, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except (requests.RequestException, OSError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not come up within {timeout:.0f} s")


def connections_held(pid: int, port: int) -> int:
    """The open connections a gunicorn worker holds on `port` (a worker keeps the keep-alive ones it accepted)."""
    return sum(1 for connection in psutil.Process(pid).net_connections(kind="tcp")
               if connection.status == psutil.CONN_ESTABLISHED and connection.laddr.port == port)


@dataclass
class Instance:
    """One gunicorn master with its workers."""

    port: int
    process: subprocess.Popen

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []


@dataclass
class RedisServer:
    port: int
    folder: Path
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "RedisServer":
        self.process = subprocess.Popen(
            [shutil.which("redis-server") or "/usr/bin/redis-server", "--bind", "127.0.0.1", "--port",
             str(self.port), "--save", "", "--appendonly", "no", "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        import redis

        _wait_until(lambda: redis.Redis(port=self.port).ping(), 10, "Redis")
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        self.process = None


@dataclass
class PostgresServer:
    """The tier's own PostgreSQL cluster, made by initdb in a folder of its own on a free port: the faults story
    restarts it under traffic, and nothing else on the machine (the in-process suite, running beside the tier in
    `make test`) notices. PostgreSQL runs as the `postgres` account, never as root."""

    port: int
    folder: Path
    started: bool = False

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    @staticmethod
    def _program(name: str) -> str:
        found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=lambda path: int(path.parts[-3]))
        return str(found[-1]) if found else shutil.which(name) or name

    def _run(self, *args: str, timeout: float = 120) -> None:
        command = [self._program(args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=timeout)

    def _ctl(self, action: str, *extra: str) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder} -c fsync=off"
        self._run("pg_ctl", "-D", str(self.folder / "data"), "-l", str(self.folder / "server.log"), "-w",
                  "-o", options, action, *extra)

    def start(self) -> "PostgresServer":
        self.folder.chmod(0o755)
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
        self._run("initdb", "-D", str(self.folder / "data"), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--no-sync")
        self._ctl("start")
        self.started = True
        return self

    def restart(self) -> None:
        """Stop at once (`-m fast`: sessions are cut, as a crash or a failover would) and start again."""
        self._ctl("restart", "-m", "fast")

    def stop(self) -> None:
        if self.started:
            self._run("pg_ctl", "-D", str(self.folder / "data"), "-w", "stop", "-m", "fast")
            self.started = False


@dataclass
class DeployedStack:
    folder: Path
    env: dict[str, str] = field(default_factory=dict)
    instances: list[Instance] = field(default_factory=list)
    mail: LocalMailServer | None = None
    seaweed: SeaweedFS | None = None
    redis: RedisServer | None = None
    postgres: PostgresServer | None = None
    #: The partner systems' side: where the stories register webhooks (HTTPS on loopback, its own CA).
    webhooks: WebhookReceiver | None = None
    #: The WhatsApp Cloud API and the SMS gateway: our own fakes on loopback, calling the portal's hooks back.
    phones: LocalPhoneProviders | None = None
    ca_file: str = ""
    #: The release's `bin/` (its `mitrapas` and gunicorn) and the folder its processes run in.
    release_bin: Path = BIN
    workdir: Path = PROJECT_ROOT
    #: The migration the demo data was loaded at, before the release upgraded it to head.
    upgraded_from: str = ""
    _workers: list[subprocess.Popen] = field(default_factory=list)

    # --- commands, as an operator types them ----------------------------------------------------

    def flask(self, *args: str, check: bool = True, owner: bool = False,
              changes: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        """`mitrapas <args>` of the installed release with the deployment's environment (as the owner for
        migrations; with `changes` to it)."""
        env = {**self.env, **(changes or {})}
        if owner:
            env["DATABASE_URL"] = env["MIGRATION_DATABASE_URL"]
        result = subprocess.run([str(self.release_bin / "mitrapas"), *args], cwd=self.workdir, env=env,
                                capture_output=True, text=True, timeout=600)
        if check and result.returncode != 0:
            raise AssertionError(f"flask {' '.join(args)} exited {result.returncode}:\n{result.stdout}\n"
                                 f"{result.stderr[-4000:]}")
        return result

    def sql(self, statement: str, **params) -> list:
        """Rows of `statement`, read as the owner (who sees every tenant): what the database really holds."""
        from sqlalchemy import create_engine, text

        engine = create_engine(self.env["MIGRATION_DATABASE_URL"])
        try:
            with engine.connect() as connection:
                return list(connection.execute(text(statement), params))
        finally:
            engine.dispose()

    def write(self, statement: str, **params) -> None:
        """Run `statement` as the owner and commit it (a story moving the clock of a record, as time would)."""
        from sqlalchemy import create_engine, text

        engine = create_engine(self.env["MIGRATION_DATABASE_URL"])
        try:
            with engine.begin() as connection:
                connection.execute(text(statement), params)
        finally:
            engine.dispose()

    # --- processes ------------------------------------------------------------------------------

    def start_instance(self, app: str | None = None, ready_path: str = "/healthz") -> Instance:
        """Another gunicorn master with the deployment's settings: the release's `mitrapas serve`, or gunicorn
        of the checkout serving `app` (the benchmark's bare Flask)."""
        port = free_port()
        log = open(self.folder / f"gunicorn-{port}.log", "ab")
        settings = ["--workers", str(WORKERS), "--threads", str(THREADS),
                    "--worker-connections", str(WORKER_CONNECTIONS), "--bind", f"127.0.0.1:{port}",
                    "--certfile", str(self.folder / "cert.pem"), "--keyfile", str(self.folder / "key.pem"),
                    "--timeout", "120", "--graceful-timeout", "5", "--keep-alive", str(KEEP_ALIVE)]
        command, cwd = ([str(self.release_bin / "mitrapas"), "serve", *settings], self.workdir) if app is None \
            else ([str(BIN / "gunicorn"), *settings, "--worker-class", WORKER_CLASS, app], PROJECT_ROOT)
        process = subprocess.Popen(command, cwd=cwd, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        log.close()
        instance = Instance(port, process)
        _wait_until(lambda: requests.get(instance.url + ready_path, verify=self.ca_file, timeout=5).ok, 60,
                    f"gunicorn on {port}")
        self.instances.append(instance)
        return instance

    def start_mail_worker(self) -> None:
        log = open(self.folder / "mail-worker.log", "ab")
        self._workers.append(subprocess.Popen(
            [str(self.release_bin / "mitrapas"), "portal", "mail-worker"], cwd=self.workdir, env=self.env,
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
        log.close()

    @property
    def url(self) -> str:
        return self.instances[0].url

    def log_text(self) -> str:
        return "\n".join(path.read_text(errors="replace") for path in sorted(self.folder.glob("gunicorn-*.log")))

    def stop(self) -> None:
        for process in [*(instance.process for instance in self.instances), *self._workers]:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in [*(instance.process for instance in self.instances), *self._workers]:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        self.instances.clear()


def previous_revision() -> str:
    """The migration before head (the schema the previous release left behind)."""
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory(str(PROJECT_ROOT / "migrations"))
    return scripts.get_revision(scripts.get_current_head()).down_revision


def install_release() -> Path:
    """Build the wheel of this checkout and install it into a fresh virtualenv outside it; its `bin/`."""
    if "bin" not in _RELEASE:
        folder = Path(tempfile.mkdtemp(prefix="mitrapas-release-"))
        subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(folder / "dist"), str(PROJECT_ROOT)],
                       check=True, capture_output=True, timeout=600)
        wheel, = (folder / "dist").glob("mitrapas-*.whl")
        subprocess.run([sys.executable, "-m", "venv", str(folder / "venv")], check=True, timeout=300)
        # pip sees what the venv holds, not the checkout: with the checkout on PYTHONPATH, the egg-info the build
        # left there reads as mitrapas already installed, and pip installs nothing.
        alone = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")}
        subprocess.run([str(folder / "venv" / "bin" / "pip"), "install", "--quiet", str(wheel)], check=True,
                       capture_output=True, timeout=900, env=alone)
        # The demo comes from the developer package, installed beside the release as an operator trying the portal
        # would (`flask portal seed-demo`); none of its own dependencies, which only the local stack needs.
        subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(folder / "dev"),
                        str(PROJECT_ROOT / "devtools")], check=True, capture_output=True, timeout=600)
        dev_wheel, = (folder / "dev").glob("mitrapas_dev-*.whl")
        subprocess.run([str(folder / "venv" / "bin" / "pip"), "install", "--quiet", "--no-deps", str(dev_wheel)],
                       check=True, capture_output=True, timeout=300, env=alone)
        _RELEASE.update(bin=folder / "venv" / "bin", wheel=wheel)
    return _RELEASE["bin"]


def make_certificate(folder: Path) -> str:
    """A throw-away CA and a certificate for 127.0.0.1: the tier speaks HTTPS, as production does."""
    authority = trustme.CA()
    certificate = authority.issue_cert("127.0.0.1", "localhost")
    certificate.private_key_pem.write_to_path(str(folder / "key.pem"))
    certificate.cert_chain_pems[0].write_to_path(str(folder / "cert.pem"))
    authority.cert_pem.write_to_path(str(folder / "ca.pem"))
    return str(folder / "ca.pem")


def start_stack(resources: ExitStack) -> DeployedStack:
    """Everything the README's Production section describes, started and loaded with demo data."""
    folder = Path(resources.enter_context(tempfile.TemporaryDirectory(prefix="mitrapas-deployed-")))
    postgres = PostgresServer(free_port(), Path(resources.enter_context(
        tempfile.TemporaryDirectory(prefix="mitrapas-postgres-", ignore_cleanup_errors=True)))).start()
    resources.callback(postgres.stop)
    database = resources.enter_context(fresh_database("deployed", base=postgres.url))
    seaweed = resources.enter_context(SeaweedFS(folder / "seaweedfs"))
    mail = LocalMailServer().start()
    resources.callback(mail.stop)
    (folder / "redis").mkdir()
    redis_server = RedisServer(free_port(), folder / "redis").start()
    resources.callback(redis_server.stop)
    receiver = WebhookReceiver().start()
    resources.callback(receiver.stop)
    phones = LocalPhoneProviders().start()
    resources.callback(phones.stop)
    stack = DeployedStack(folder=folder, mail=mail, seaweed=seaweed, redis=redis_server, postgres=postgres,
                          webhooks=receiver, phones=phones, release_bin=install_release(), workdir=folder / "run")
    stack.workdir.mkdir()
    stack.ca_file = make_certificate(folder)
    port_hint = "127.0.0.1"
    stack.env = {
        # Nothing of the checkout: the release imports only what it installed (no PYTHONPATH, no VIRTUAL_ENV).
        **{key: value for key, value in os.environ.items()
           if not key.startswith(("S3_", "MAIL_", "REDIS", "PYTHONPATH", "VIRTUAL_ENV"))},
        "MITRAPAS_ENV": "production",
        "SECRET_KEY": SECRET_KEY,
        "SECRETS_KEYS": Fernet.generate_key().decode(),
        "SIGNING_KEY_DIR": str(folder / "signing"),
        "SIGNING_KEY_PASSPHRASE": Fernet.generate_key().decode(),
        "DATABASE_URL": database.app_url,
        "MIGRATION_DATABASE_URL": database.owner_url,
        "REDIS_URL": redis_server.url,
        "PUBLIC_URL": f"https://{port_hint}",
        "LOGIN_LIMIT_PER_IP": "1000 per 15 minutes",  # every crawler signs in from 127.0.0.1
        "PUBLIC_LIMIT": "1000000 per minute",  # every public reader (and the benchmark's wrk) is 127.0.0.1 too
        "MAIL_SWEEP_SECONDS": "2",
        "WEBHOOK_ALLOW_PRIVATE_NETWORKS": "1",  # the receiver is on loopback; the refusal has its own tests
        "WEBHOOK_CA_FILE": receiver.ca_file,
        "SIGN_LIMIT": "200 per minute",  # the concurrency tests sign 50 times at once; the limit has its own test
        "API_LIMIT": "100000 per minute",  # schemathesis sends thousands a minute per token; the limit has its own test
        "PYTHONDONTWRITEBYTECODE": "1",
        **seaweed.settings(),
        **mail.settings(),
        **phones.settings(),
    }
    resources.callback(stack.stop)
    # An upgrade with data in it: the demo is loaded, the newest migration taken back (the schema the previous
    # release left, with its rows), then the release upgrades to head; every story after (the crawl of every page,
    # audit-verify at the end) runs on the upgraded database. The demo is loaded at head, not at the previous
    # migration: this release's code cannot write the previous schema once a migration adds a column it maps.
    stack.upgraded_from = previous_revision()
    stack.flask("db", "upgrade", owner=True)
    stack.flask("portal", "seed-demo")
    stack.flask("db", "downgrade", stack.upgraded_from, owner=True)
    stack.flask("db", "upgrade", owner=True)
    # The demo went in at head: files of the newest migration's rows (0040's product photos) outlived their rows.
    # The previous release never wrote them; reconcile removes them, as an operator does after a downgrade.
    stack.flask("portal", "storage-reconcile", "--grace-minutes", "0", "--fix")
    stack.start_instance()
    phones.hooks = {channel: f"{stack.url}/hooks/{channel}" for channel in ("whatsapp", "sms")}
    phones.hook_ca = stack.ca_file
    stack.start_mail_worker()
    return stack

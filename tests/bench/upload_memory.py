"""Peak memory of the portal process while a 1 GiB material is uploaded through it.

The portal runs in a child process (real HTTP, real multipart parsing, real
SeaweedFS); the client streams the body so only the server's memory is
measured. The baseline is the same process's peak after a 1 MiB upload, in
the same run; the ratio shows whether memory grows with the file's size.

    .venv/bin/python -m tests.bench.upload_memory [--mib 1024]
"""
from __future__ import annotations

import argparse
import http.client
import http.cookiejar
import multiprocessing
import os
from pathlib import Path
import re
import tempfile
import time
import urllib.parse
import urllib.request

CHUNK = 1024 * 1024


def serve(database_url: str, storage: dict, port_queue) -> None:
    """The child: migrate, load the demo, serve on a free port until killed."""
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from mitrapas_dev import demo
    from portal import create_app
    from portal.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "bench", "ENV_NAME": "testing",
                      "WTF_CSRF_SSL_STRICT": False, "RATELIMIT_STORAGE_URI": "memory://", **storage})
    with app.app_context():
        upgrade()
        demo.load()
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    port_queue.put(server.server_port)
    server.serve_forever()


def peak_rss_mib(pid: int) -> float:
    """VmHWM: the most resident memory the process has had so far."""
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024


class Browser:
    """Just enough of a browser: cookies, CSRF tokens, and a streamed multipart upload."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path) as response:
            return response.read().decode()

    def token(self, page: str) -> str:
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)

    def login(self, email: str, password: str) -> None:
        token = self.token(self.get("/login"))
        body = urllib.parse.urlencode({"email": email, "password": password, "csrf_token": token}).encode()
        self.opener.open(self.base + "/login", body).read()

    def upload(self, path: str, size: int) -> float:
        """POST a `size`-byte PDF as a streamed multipart body; return seconds taken."""
        token = self.token(self.get(path))
        boundary = "mitrapas-bench-boundary"
        fields = "".join(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
                         for name, value in {"csrf_token": token, "category": "report", "agreement": "0"}.items())
        head = (fields + f'--{boundary}\r\nContent-Disposition: form-data; name="files"; '
                f'filename="rekaman-{size}.pdf"\r\nContent-Type: application/pdf\r\n\r\n').encode()
        tail = f"\r\n--{boundary}--\r\n".encode()
        parsed = urllib.parse.urlsplit(self.base)
        connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=600)
        connection.putrequest("POST", path)
        connection.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
        connection.putheader("Content-Length", str(len(head) + size + len(tail)))
        connection.putheader("Cookie", "; ".join(f"{c.name}={c.value}" for c in self.jar))
        for name, value in self.opener.addheaders:  # the same browser, or the login session is refused
            connection.putheader(name, value)
        connection.endheaders()
        started = time.perf_counter()
        connection.send(head)
        block, sent = b"%PDF-1.7\n" + os.urandom(CHUNK - 9), 0
        while sent < size:
            piece = block[:min(CHUNK, size - sent)]
            connection.send(piece)
            sent += len(piece)
            block = os.urandom(CHUNK) if sent % (64 * CHUNK) == 0 else block
        connection.send(tail)
        response = connection.getresponse()
        response.read()
        elapsed = time.perf_counter() - started
        if response.status != 302 or not response.getheader("Location", "").endswith("/materials/"):
            raise RuntimeError(f"upload refused: {response.status} {response.getheader('Location')}")
        return elapsed


def main(mib: int = 1024) -> None:
    from mitrapas_dev.seaweedfs import SeaweedFS

    with tempfile.TemporaryDirectory(prefix="mitrapas-bench-") as folder:
        folder = Path(folder)
        with SeaweedFS(folder / "s3") as seaweed:
            ports = multiprocessing.Queue()
            child = multiprocessing.Process(target=serve, daemon=True, args=(
                f"sqlite:///{folder / 'bench.db'}", seaweed.settings(), ports))
            child.start()
            try:
                base = f"http://127.0.0.1:{ports.get(timeout=120)}"
                client = Browser(base)
                client.login("magang.psikologi@mitrapas.test", "mitrapas-demo-2025")
                pair = re.search(r"/materials/new\?pair=(\d+)", client.get("/o/program-pemagangan-kemnaker-"
                                                                             "maganghub/materials/new")).group(1)
                path = f"/o/program-pemagangan-kemnaker-maganghub/materials/new?pair={pair}"
                idle = peak_rss_mib(child.pid)
                small_seconds = client.upload(path, CHUNK)
                small = peak_rss_mib(child.pid)
                middle_seconds = client.upload(path, mib // 4 * CHUNK)
                middle = peak_rss_mib(child.pid)
                big_seconds = client.upload(path, mib * CHUNK)
                big = peak_rss_mib(child.pid)
            finally:
                child.kill()
    print("upload_memory: peak RSS of the portal process (VmHWM), one run")
    print(f"  after start-up and demo data : {idle:8.1f} MiB")
    print(f"  after a 1 MiB upload (base)  : {small:8.1f} MiB   ({small_seconds:.2f} s)")
    print(f"  after a {mib // 4} MiB upload       : {middle:8.1f} MiB   ({middle_seconds:.1f} s)")
    print(f"  after a {mib} MiB upload      : {big:8.1f} MiB   ({big_seconds:.1f} s, "
          f"{mib / big_seconds:.0f} MiB/s)")
    print(f"  ratio {mib} MiB / 1 MiB upload : {big / small:.2f}x  (growth {big - small:+.1f} MiB "
          f"for {mib - 1} MiB more data; {big - middle:+.1f} MiB from {mib // 4} to {mib} MiB)")
    print("  (the growth is boto3's bounded part buffers: TransferConfig in portal/core/storage.py)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=1024, help="size of the large upload in MiB")
    main(parser.parse_args().mib)

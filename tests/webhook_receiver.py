"""A partner's system in the tests: an HTTPS server on loopback, with its own CA, that keeps every webhook it is
sent and answers with the statuses a test tells it to (then 204). It checks nothing itself: tests check the
signatures with the Standard Webhooks reference library, as a real receiver would."""
from __future__ import annotations

import ssl
import tempfile
import threading
import time
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import trustme


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


class WebhookReceiver:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self.answers: deque[int] = deque()
        self._folder = tempfile.TemporaryDirectory(prefix="mitrapas-webhooks-")
        authority = trustme.CA()
        self.ca_file = str(Path(self._folder.name) / "ca.pem")
        authority.cert_pem.write_to_path(self.ca_file)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        authority.issue_cert("localhost", "127.0.0.1").configure_cert(context)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.received.append(Received(self.path, dict(self.headers.items()), body))
                status = receiver.answers.popleft() if receiver.answers else 204
                answer = b"" if status == 204 else b"not today"
                self.send_response(status)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self._thread = threading.Thread(target=self._server.serve_forever, name="webhook receiver", daemon=True)

    @property
    def url(self) -> str:
        return f"https://localhost:{self._server.server_address[1]}/hooks/mitrapas"

    def start(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._folder.cleanup()

    def wait_for(self, count: int, seconds: float = 30) -> list[Received]:
        """The first `count` webhooks, once they have arrived (the deployed worker sends them in the background)."""
        deadline = time.monotonic() + seconds
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(self.received) >= count, f"{len(self.received)} of {count} webhooks arrived"
        return self.received[:count]

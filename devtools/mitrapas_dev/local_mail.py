"""A local SMTP server (aiosmtpd) for development and tests: it receives what the portal sends.

`make run` starts one and writes every message it receives to instance/mail/
as an .eml file; the tests read the messages it keeps, as real e-mail parsed
from what crossed the wire.
"""
from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
import socket
import threading

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _Inbox:
    def __init__(self, folder: Path | None):
        self.messages: list[EmailMessage] = []
        self.folder = folder
        self.arrived = threading.Condition()
        #: Set to an SMTP reply such as "451 Try again later" to make the server refuse mail.
        self.refuse_with: str | None = None

    async def handle_DATA(self, server, session, envelope):
        if self.refuse_with:
            return self.refuse_with
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self.arrived:
            self.messages.append(message)
            if self.folder:
                self.folder.mkdir(parents=True, exist_ok=True)
                (self.folder / f"{len(self.messages):05d}.eml").write_bytes(envelope.content)
            self.arrived.notify_all()
        return "250 Message accepted for delivery"


class LocalMailServer:
    def __init__(self, folder: Path | None = None, port: int | None = None):
        self.inbox = _Inbox(folder)
        self.port = port or free_port()
        self._controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)

    def start(self) -> "LocalMailServer":
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def settings(self) -> dict[str, str]:
        return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(self.port), "MAIL_USE_TLS": "0",
                "MAIL_USERNAME": ""}

    @property
    def messages(self) -> list[EmailMessage]:
        return self.inbox.messages

    def clear(self) -> None:
        with self.inbox.arrived:
            self.inbox.messages.clear()
        self.inbox.refuse_with = None

    def wait_for(self, count: int = 1, timeout: float = 10) -> list[EmailMessage]:
        with self.inbox.arrived:
            self.inbox.arrived.wait_for(lambda: len(self.inbox.messages) >= count, timeout)
        return list(self.inbox.messages)

    def wait_for_mail_to(self, address: str, timeout: float = 10, after: int = 0) -> EmailMessage | None:
        """The first message to `address` (among those from the `after`-th on), waiting up to `timeout` s."""
        def found():
            return next((message for message in self.inbox.messages[after:] if address in message["To"]), None)
        with self.inbox.arrived:
            self.inbox.arrived.wait_for(lambda: found() is not None, timeout)
        return found()


class OutboxSender(threading.Thread):
    """Sends the outbox (mail and webhooks) every few seconds, as cron's `send-mail` and `deliver-webhooks` do in
    production."""

    def __init__(self, app, every: float = 2.0):
        super().__init__(daemon=True)
        self.app, self.every, self.stopped = app, every, threading.Event()

    def run(self) -> None:
        from portal.extensions import db
        from portal.ops import worker as mail_worker

        while not self.stopped.is_set():
            with self.app.app_context():
                try:
                    mail_worker.sweep()
                finally:
                    db.session.remove()
            self.stopped.wait(self.every)

    def stop(self) -> None:
        self.stopped.set()

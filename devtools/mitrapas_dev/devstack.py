"""`make run`: the whole portal on one machine, with nothing installed by hand.

Starts SeaweedFS on free loopback ports (data under instance/), a local SMTP
server (messages land in instance/mail/ as .eml files, sent every few seconds
from the outbox) and a local WhatsApp and SMS provider (each message it takes is
printed, and reported delivered to the portal), applies the migrations, loads the demo data into an empty
database, and serves the app on http://127.0.0.1:5000. Ctrl-C stops everything
it started.
"""
from __future__ import annotations

import os
from pathlib import Path
import signal
import sys

from mitrapas_dev.local_mail import LocalMailServer, OutboxSender
from mitrapas_dev.local_phone import LocalPhoneProviders
from mitrapas_dev.seaweedfs import SeaweedFS
from portal import PROJECT_ROOT

HOST, PORT = os.environ.get("HOST", "127.0.0.1"), int(os.environ.get("PORT", "5000"))


def main() -> int:
    instance = PROJECT_ROOT / "instance"
    instance.mkdir(exist_ok=True)
    os.environ.setdefault("PUBLIC_URL", f"http://{HOST}:{PORT}")  # every absolute link is built from it
    using_own_storage = not os.environ.get("S3_ENDPOINT_URL")
    seaweed = SeaweedFS(Path(instance / "seaweedfs")) if using_own_storage else None
    mail = None if os.environ.get("MAIL_SERVER") else LocalMailServer(instance / "mail")
    phones = None if os.environ.get("WHATSAPP_PHONE_NUMBER_ID") else LocalPhoneProviders(announce=True)
    # Ctrl-C must work even when started from a shell that ignores SIGINT for background jobs.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        if seaweed:
            print("Starting SeaweedFS (S3) ...", flush=True)
            seaweed.start()
            os.environ.update(seaweed.settings())
            print(f"SeaweedFS S3 at {seaweed.endpoint_url}, bucket {seaweed.bucket}", flush=True)
        if mail:
            mail.start()
            os.environ.update(mail.settings())
            print(f"Local SMTP server at 127.0.0.1:{mail.port}; mail is saved in instance/mail/", flush=True)
        if phones:
            phones.hooks = {"whatsapp": f"http://{HOST}:{PORT}/hooks/whatsapp", "sms": f"http://{HOST}:{PORT}/hooks/sms"}
            phones.start()
            os.environ.update(phones.settings())
            print(f"Local WhatsApp and SMS providers at {phones.url}; each message they take is printed here",
                  flush=True)
        serve(send_mail_every=5 if mail else None)
    except KeyboardInterrupt:
        pass
    finally:
        if mail:
            mail.stop()
        if phones:
            phones.stop()
        if seaweed:
            seaweed.stop()
            print("SeaweedFS stopped.", flush=True)
    return 0


def serve(send_mail_every: float | None = None) -> None:
    from flask_migrate import upgrade

    from mitrapas_dev import demo
    from portal import create_app
    from portal.core.storage import ensure_bucket
    from portal.extensions import db

    app = create_app()
    with app.app_context():
        upgrade()
        ensure_bucket()
        if demo.is_empty():
            demo.load()
            db.session.commit()
        print_logins(demo.logins())
    if send_mail_every:
        OutboxSender(app, send_mail_every).start()
    app.run(host=HOST, port=PORT, debug=False, use_reloader=False, threaded=True)


def print_logins(logins) -> None:
    from mitrapas_dev.demo import DEMO_PASSWORD

    print(f"\n  MitraPAS is starting at http://{HOST}:{PORT}\n")
    print(f"  Demo accounts (password for all: {DEMO_PASSWORD}):")
    for email, name, what in logins:
        print(f"    {email:<38} {name} — {what}")
    print("\n  Press Ctrl-C to stop.\n", flush=True)


if __name__ == "__main__":
    sys.exit(main())

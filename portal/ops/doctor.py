"""`mitrapas doctor`: is this deployment what the README's Production section asks for?

Each check answers a list of problems, one clear sentence each (empty when fine);
the command prints every check and exits 1 when any problem was found.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
import smtplib
from typing import Callable
import urllib.error
from urllib.parse import urlsplit
import urllib.request

from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import text
from werkzeug.sansio.utils import host_is_trusted

from portal import signing
from portal.config import shared_by_every_process
from portal.core import paths, sealing, storage
from portal.core.columns import FacilityOwned, PairScoped, SharedWithPartners
from portal.core.tenancy import unscoped
from portal.extensions import db
from portal.ops import command_runs as operations

#: Tables of one person's rows (migration 0019) and the log of document openings (0017).
PERSONAL_TABLES = ("login_sessions", "recovery_codes", "account_tokens", "notifications", "document_accesses",
                   "phone_channels", "channel_messages")
#: Tables of one organisation's rows (0020) and its people (0021).
TENANT_TABLES = ("audit_entries", "invitations", "background_jobs", "outbox_messages", "users", "memberships",
                 "organisations", "api_tokens", "idempotent_requests", "webhook_endpoints", "webhook_deliveries",
                 "webhook_attempts", "signing_certificates")


def rls_tables() -> list[str]:
    """Tables whose rows belong to a pair (every PairScoped model), an organisation or a person: RLS must be on
    and forced."""
    return sorted({model.__tablename__ for model in (*PairScoped.__subclasses__(), *FacilityOwned.__subclasses__(),
                                                    *SharedWithPartners.__subclasses__())}
                  | set(PERSONAL_TABLES)
                  | set(TENANT_TABLES))

#: Secret keys seen in examples and tests: a deployment must choose its own.
KNOWN_SECRETS = ("change-me", "dev", "secret", "test-secret-key", "change-me-to-64-random-characters")
MIN_SECRET_LENGTH = 32


@dataclass(frozen=True)
class Check:
    name: str
    run: Callable[[], list[str]]


def database_role() -> list[str]:
    if db.engine.dialect.name != "postgresql":
        return ["the database is SQLite: production runs on PostgreSQL (DATABASE_URL)"]
    problems = []
    role, superuser = db.session.execute(text(
        "SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user")).one()
    if superuser:
        problems.append(f"the portal connects as {role}, a superuser: Row-Level Security does not apply to it")
    owned = db.session.scalar(text(
        "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tableowner = current_user"))
    if owned:
        problems.append(f"the portal connects as {role}, which owns {owned} table(s): use a login role "
                        f"IN ROLE {current_app.config['DATABASE_APP_ROLE']} (the owner is only for migrations)")
    unforced = db.session.scalars(text(
        "SELECT relname FROM pg_class WHERE relname = ANY(:tables) AND relkind = 'r' "
        "AND NOT (relrowsecurity AND relforcerowsecurity) ORDER BY relname"), {"tables": rls_tables()}).all()
    if unforced:
        problems.append(f"Row-Level Security is not on and forced for: {', '.join(unforced)}")
    return problems


def migrations() -> list[str]:
    head = ScriptDirectory(str(paths.resource("migrations"))).get_current_head()
    try:
        current = db.session.scalar(text("SELECT version_num FROM alembic_version"))
    except Exception:  # noqa: BLE001 - no table at all: never migrated
        db.session.rollback()
        current = None
    if current != head:
        return [f"the database is at migration {current or 'none'}, the code at {head}: run `mitrapas db upgrade`"]
    return []


def bucket() -> list[str]:
    probe = "doctor/probe"
    try:
        storage.put(probe, _Bytes(b"mitrapas doctor"), content_type="text/plain")
        storage.delete(probe)
    except storage.StorageError as error:
        return [f"the bucket {current_app.config['S3_BUCKET']} is not writable with the portal's keys: {error}"]
    problems = []
    anonymous = f"{storage.browser_origin(current_app.config)}/{current_app.config['S3_BUCKET']}"
    try:
        with urllib.request.urlopen(anonymous, timeout=5) as listing:
            problems.append(f"the bucket lists its objects to anyone: {anonymous} answered {listing.status} "
                            f"without credentials; make it private")
    except urllib.error.HTTPError:
        pass  # refused without credentials, as it should be
    except OSError as error:
        problems.append(f"browsers must reach the object store at {anonymous}: {error}")
    return problems


def redis() -> list[str]:
    url = current_app.config.get("REDIS_URL")
    if not url:
        return ["REDIS_URL is not set: rate limits are counted per process and there is no worker queue"]
    from redis import Redis

    try:
        Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3).ping()
    except Exception as error:  # noqa: BLE001 - any failure: it does not answer
        return [f"Redis at {_without_password(url)} does not answer: {error}"]
    return []


def mail() -> list[str]:
    config = current_app.config
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=5) as server:
            server.ehlo()
    except (OSError, smtplib.SMTPException) as error:
        return [f"the mail server {config['MAIL_SERVER']}:{config['MAIL_PORT']} does not answer: {error}"]
    return []


def phone_channels() -> list[str]:
    """Each configured WhatsApp or SMS provider answers the portal's token and can sign its callbacks (neither
    configured is fine: notices go by e-mail)."""
    from portal.notifications.channel_outbox import PROVIDERS

    config, problems = current_app.config, []
    for provider in PROVIDERS.values():
        if provider.configured(config):
            problems += provider.check(config)
    if config["WHATSAPP_PHONE_NUMBER_ID"] and not config["WHATSAPP_ACCESS_TOKEN"]:
        problems.append("WHATSAPP_PHONE_NUMBER_ID is set but WHATSAPP_ACCESS_TOKEN is not: WhatsApp is not offered")
    if config["SMS_GATEWAY_URL"] and not config["SMS_GATEWAY_TOKEN"]:
        problems.append("SMS_GATEWAY_URL is set but SMS_GATEWAY_TOKEN is not: SMS is not offered")
    return problems


def settings() -> list[str]:
    config, problems = current_app.config, []
    secret = config["SECRET_KEY"] or ""
    if len(secret) < MIN_SECRET_LENGTH or secret in KNOWN_SECRETS:
        problems.append(f"SECRET_KEY is too short or a known example: use {MIN_SECRET_LENGTH} or more random "
                        f"characters")
    if urlsplit(config["PUBLIC_URL"]).scheme != "https":
        problems.append(f"PUBLIC_URL is {config['PUBLIC_URL']}: certificates' QR codes must point at https")
    if config["ENV_NAME"] != "production":
        problems.append("MITRAPAS_ENV is not production: cookies are not marked secure")
    return problems


def hosts_and_kept_pages() -> list[str]:
    """The Host a visitor sends is trusted only if it is the portal's own, and every process shares the store
    whose versions retire kept pages (README, Security: what each layer trusts)."""
    config, problems = current_app.config, []
    public_host, trusted = urlsplit(config["PUBLIC_URL"]).hostname or "", config["TRUSTED_HOSTS"]
    if not trusted:
        problems.append("TRUSTED_HOSTS is not set: a request naming any host is answered (set MITRAPAS_ENV="
                        "production, or TRUSTED_HOSTS to PUBLIC_URL's host)")
    elif not host_is_trusted(public_host, trusted):
        problems.append(f"PUBLIC_URL's host {public_host} is not among TRUSTED_HOSTS ({', '.join(trusted)}): "
                        f"the portal would refuse its own links")
    if not shared_by_every_process(config["CACHE_TYPE"]):
        problems.append(f"kept pages are not in a store every process shares ({config['CACHE_TYPE']}): a change made "
                        f"through one worker leaves the others' public pages as they were for up to "
                        f"{config['PUBLIC_CACHE_SECONDS']} s; set REDIS_URL")
    return problems


def sealed_secrets() -> list[str]:
    with unscoped("the doctor reads every sealed value"):
        unreadable, older = sealing.stale_values(db.session, db.metadata)
    problems = []
    if unreadable:
        problems.append(f"{unreadable} stored secret(s) open with none of SECRETS_KEYS: two-factor sign-in fails "
                        f"for them; put the key they were sealed with back in SECRETS_KEYS")
    if older:
        problems.append(f"{older} stored secret(s) are sealed with an older key: run "
                        f"`mitrapas portal rotate-secrets` before removing it")
    return problems


def signing_keys() -> list[str]:
    """The portal CA's keys open (a wrong SIGNING_KEY_PASSPHRASE or PIN would stop every signature), and the
    chosen signer is configured."""
    config, problems = current_app.config, []
    if config["SIGNING_SERVICE"] not in ("portal-ca", "psre"):
        problems.append(f"SIGNING_SERVICE is {config['SIGNING_SERVICE']!r}: choose portal-ca or psre")
    if (config["SIGNING_SERVICE"] == "psre" or config["SIGNING_PSRE_ORGANISATIONS"]) and not config["SIGNING_PSRE_URL"]:
        problems.append("a PSrE signs (SIGNING_SERVICE or SIGNING_PSRE_ORGANISATIONS) but SIGNING_PSRE_URL is empty")
    ca = signing.authority()
    try:
        made = ca.keys.certificate("root") is not None
        if made and ca.keys.public_key("root") is None:
            problems.append("the portal CA's root certificate is there but its key is not: restore the key "
                            "folder or token from the backup")
    except ValueError:
        problems.append("the signing keys do not open with SIGNING_KEY_PASSPHRASE")
    return problems


def catalogs() -> list[str]:
    folder = paths.PACKAGE / "translations"
    missing = [str(po.relative_to(paths.PACKAGE)) for po in folder.glob("*/LC_MESSAGES/*.po")
               if not po.with_suffix(".mo").exists()]
    return [f"translation catalogs not compiled (every screen would be in English): {', '.join(missing)}"] if missing else []


def periodic_commands() -> list[str]:
    return operations.stale_commands()


def backups() -> list[str]:
    """`mitrapas backup` succeeded within BACKUP_MAX_AGE_HOURS (its runs are recorded like the timers')."""
    return operations.stale_backup(timedelta(hours=current_app.config["BACKUP_MAX_AGE_HOURS"]))


CHECKS = (
    Check("database role and Row-Level Security", database_role),
    Check("migrations", migrations),
    Check("object store", bucket),
    Check("Redis", redis),
    Check("mail", mail),
    Check("WhatsApp and SMS", phone_channels),
    Check("settings", settings),
    Check("hosts and kept pages", hosts_and_kept_pages),
    Check("sealed secrets", sealed_secrets),
    Check("signing keys", signing_keys),
    Check("translation catalogs", catalogs),
    Check("periodic commands", periodic_commands),
    Check("backups", backups),
)


def examine() -> list[tuple[str, list[str]]]:
    """Every check with its problems; a check that crashes is a problem too."""
    results = []
    for check in CHECKS:
        try:
            problems = check.run()
        except Exception as error:  # noqa: BLE001 - the doctor reports, it does not fall over
            db.session.rollback()
            problems = [f"could not be checked: {str(error).splitlines()[0]}"]
        results.append((check.name, problems))
    return results


class _Bytes:
    def __init__(self, data: bytes):
        import io

        self._stream = io.BytesIO(data)

    def read(self, *args):
        return self._stream.read(*args)


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    return url.replace(f":{parts.password}@", ":***@") if parts.password else url

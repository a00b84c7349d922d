"""Settings, read from the environment so production needs no code change.

The embedded defaults (SQLite under `instance/`, the SeaweedFS that `make run`
starts) let a newcomer run the portal with one command; production sets
DATABASE_URL, S3_*, SECRET_KEY, REDIS_URL and MAIL_* instead.
"""
from __future__ import annotations

from datetime import timedelta
import os
from pathlib import Path
import secrets
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from cryptography.fernet import Fernet

ENVIRONMENTS = ("development", "testing", "production")

#: Documents, spreadsheets, presentations, images and video: judged by content, not by name.
DEFAULT_MATERIAL_TYPES = (
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "image/jpeg", "image/png", "video/mp4",
)


def shared_by_every_process(cache_type: str) -> bool:
    """Whether a Flask-Caching store is one every worker shares with atomic increments: Redis (alone, Sentinel or
    Cluster), whatever the name it is given by. A process's memory is its own, and a file store's increment is a
    read then a write another process can overtake."""
    return "redis" in cache_type.lower()



def _cores_per_worker() -> int:
    """The machine's cores shared among the web workers `mitrapas serve` starts (WEB_CONCURRENCY), at least one:
    together they hash about as many passwords at once as there are cores (tests/bench/README.md, "Signing in under
    load": with two workers on two cores, one hash at a time in each kept a cheap page's p50 at 145 ms while 16
    people signed in, two at a time 552 ms, for about as many sign-ins a second)."""
    return max(1, (os.cpu_count() or 1) // max(1, int(os.environ.get("WEB_CONCURRENCY") or 1)))


#: How long a request waits for the page store (seconds): every signed-in page reads its versions there, and a store
#: that stopped answering (a host gone, a network cut without a reset) must cost a moment, not hold the worker.
STORE_TIMEOUT_SECONDS = 1


def _answering_in_time(redis_url: str) -> str:
    """The store's address with redis-py's own timeouts, unless the address sets them."""
    if not redis_url:
        return redis_url
    parts = urlsplit(redis_url)
    asked = parse_qs(parts.query)
    added = {name: STORE_TIMEOUT_SECONDS for name in ("socket_timeout", "socket_connect_timeout") if name not in asked}
    query = "&".join(part for part in (parts.query, urlencode(added)) if part)
    return urlunsplit(parts._replace(query=query))


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def _kept_in_instance(instance_path: Path, name: str, generate) -> str:
    """A secret of `make run` and the tests, made once and kept in instance/ (readable by its owner only)."""
    instance_path.mkdir(parents=True, exist_ok=True)
    key_file = instance_path / name
    if not key_file.exists():
        key_file.write_text(generate())
        key_file.chmod(0o600)
    return key_file.read_text()


def _secret_key(instance_path: Path, environment: str) -> str:
    """Use SECRET_KEY; outside production, keep a generated one in instance/."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    if environment == "production":
        raise RuntimeError("SECRET_KEY must be set in production")
    return _kept_in_instance(instance_path, "secret_key", lambda: secrets.token_urlsafe(48)).strip()


def _secrets_keys(instance_path: Path, environment: str) -> tuple[str, ...]:
    """The keys that seal secrets in the database, newest first: SECRETS_KEYS (comma-separated) or the
    file SECRETS_KEYS_FILE (one per line); outside production, a generated one kept in instance/."""
    if value := os.environ.get("SECRETS_KEYS"):
        keys = value.split(",")
    elif path := os.environ.get("SECRETS_KEYS_FILE"):
        keys = Path(path).read_text().split()
    elif environment == "production":
        raise RuntimeError("SECRETS_KEYS (or SECRETS_KEYS_FILE) must be set in production: "
                           "make one with `mitrapas portal new-secrets-key`")
    else:
        keys = _kept_in_instance(instance_path, "secrets_keys", lambda: Fernet.generate_key().decode() + "\n").split()
    keys = tuple(key.strip() for key in keys if key.strip())
    for key in keys:
        try:
            Fernet(key)
        except ValueError:
            raise RuntimeError("SECRETS_KEYS holds a value that is not a Fernet key "
                               "(32 url-safe base64-encoded bytes)") from None
    if not keys:
        raise RuntimeError("SECRETS_KEYS is empty")
    return keys


def _signing_key_dir(instance_path: Path, environment: str) -> str:
    """Where the portal CA's key files live: SIGNING_KEY_DIR; outside production, instance/signing. Production
    names it, because an installed release's instance folder lives in its virtualenv, which a reinstall
    replaces: the CA would silently start again and no earlier signature would be trusted."""
    if value := os.environ.get("SIGNING_KEY_DIR"):
        return value
    if environment == "production":
        raise RuntimeError("SIGNING_KEY_DIR must be set in production (a folder kept across releases, backed up)")
    return str(instance_path / "signing")


def _signing_passphrase(instance_path: Path, environment: str) -> bytes:
    """Seals the signing keys' PKCS#12 files: SIGNING_KEY_PASSPHRASE; outside production, one kept in instance/."""
    if value := os.environ.get("SIGNING_KEY_PASSPHRASE"):
        return value.encode()
    if environment == "production":
        raise RuntimeError("SIGNING_KEY_PASSPHRASE must be set in production (it seals the signing keys)")
    return _kept_in_instance(instance_path, "signing_passphrase", lambda: secrets.token_urlsafe(32)).strip().encode()


def load(instance_path: Path, overrides: dict | None = None) -> dict:
    """Build the Flask config mapping for this process."""
    overrides = dict(overrides or {})
    environment = overrides.get("ENV_NAME") or os.environ.get("MITRAPAS_ENV", "development")
    if environment not in ENVIRONMENTS:
        raise RuntimeError(f"MITRAPAS_ENV must be one of {ENVIRONMENTS}")
    development = environment != "production"
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance_path / 'mitrapas.db'}"
    redis_url = os.environ.get("REDIS_URL", "")
    public_url = overrides.get("PUBLIC_URL") or os.environ.get("PUBLIC_URL", "http://127.0.0.1:5000")
    config = {
        "ENV_NAME": environment,
        "SECRET_KEY": overrides.get("SECRET_KEY") or _secret_key(instance_path, environment),
        # Secrets stored in the database (TOTP) are sealed with these, newest first (portal/core/sealing.py).
        "SECRETS_KEYS": overrides.get("SECRETS_KEYS") or _secrets_keys(instance_path, environment),
        # Database: the app connects as a role that does not own the tables;
        # migrations may use a separate owner connection.
        "SQLALCHEMY_DATABASE_URI": database_url,
        "MIGRATION_DATABASE_URL": os.environ.get("MIGRATION_DATABASE_URL", ""),
        "DATABASE_APP_ROLE": os.environ.get("DATABASE_APP_ROLE", "mitrapas_app"),
        # A database error names the statement, never the values (a title may hold a WBP's name): UU PDP.
        "SQLALCHEMY_ENGINE_OPTIONS": {"hide_parameters": True},  # idle connections are pinged (portal._tune_engine)
        # PAdES signatures (portal/signing): where the portal CA keeps its keys, what seals them, who stamps time.
        "SIGNING_KEY_DIR": overrides.get("SIGNING_KEY_DIR") or _signing_key_dir(instance_path, environment),
        "SIGNING_KEY_PASSPHRASE": overrides.get("SIGNING_KEY_PASSPHRASE") or _signing_passphrase(instance_path,
                                                                                                 environment),
        # Who signs: "portal-ca" (the portal's own CA) or "psre" (a certified PSrE's remote signing service, whose
        # address and the portal's client account there follow; signatories type their PSrE passphrase).
        "SIGNING_SERVICE": os.environ.get("SIGNING_SERVICE", "portal-ca"),
        # Or only for these organisations (slugs, comma-separated): each whose signatories hold PSrE certificates.
        "SIGNING_PSRE_ORGANISATIONS": tuple(slug.strip() for slug in
                                            os.environ.get("SIGNING_PSRE_ORGANISATIONS", "").split(",") if slug.strip()),
        "SIGNING_PSRE_URL": os.environ.get("SIGNING_PSRE_URL", ""),
        "SIGNING_PSRE_USER": os.environ.get("SIGNING_PSRE_USER", ""),
        "SIGNING_PSRE_PASSWORD": os.environ.get("SIGNING_PSRE_PASSWORD", ""),
        "SIGNING_PSRE_CA_FILE": os.environ.get("SIGNING_PSRE_CA_FILE", ""),
        # The portal CA's root and signatories' keys in a PKCS#11 token (an HSM) instead of files: the vendor's
        # library, the token's label and its user PIN (from the environment, never the database).
        "SIGNING_PKCS11_MODULE": os.environ.get("SIGNING_PKCS11_MODULE", ""),
        "SIGNING_PKCS11_TOKEN": os.environ.get("SIGNING_PKCS11_TOKEN", ""),
        "SIGNING_PKCS11_PIN": os.environ.get("SIGNING_PKCS11_PIN", ""),
        # An RFC 3161 time-stamping authority; empty: the portal CA's own time-stamping unit stamps.
        "SIGNING_TSA_URL": os.environ.get("SIGNING_TSA_URL", ""),
        # Where relying parties ask about the portal CA's certificates; empty: this portal's /pki/ocsp and /pki/ca.crl.
        "SIGNING_OCSP_URL": os.environ.get("SIGNING_OCSP_URL", ""),
        "SIGNING_CRL_URL": os.environ.get("SIGNING_CRL_URL", ""),
        # PEM file of further roots the portal trusts when it reads signatures (an outside TSA's, a PSrE's).
        "SIGNING_TRUST_FILE": os.environ.get("SIGNING_TRUST_FILE", ""),
        # Object storage (S3-compatible).
        "S3_ENDPOINT_URL": os.environ.get("S3_ENDPOINT_URL", ""),
        "S3_REGION": os.environ.get("S3_REGION", "us-east-1"),
        "S3_BUCKET": os.environ.get("S3_BUCKET", "mitrapas"),
        "S3_ACCESS_KEY_ID": os.environ.get("S3_ACCESS_KEY_ID", ""),
        "S3_SECRET_ACCESS_KEY": os.environ.get("S3_SECRET_ACCESS_KEY", ""),
        "S3_PRESIGN_SECONDS": int(os.environ.get("S3_PRESIGN_SECONDS", "120")),
        # Backups (`mitrapas backup`, portal/ops/backup.py): where they go (a folder or s3://bucket/prefix), the age
        # public keys (age1..., comma-separated) they are encrypted to, another S3's address and keys for an s3://
        # target (else the S3_* above), and how old the last may be before `mitrapas doctor` says so.
        "BACKUP_TARGET": os.environ.get("BACKUP_TARGET", ""),
        "BACKUP_RECIPIENTS": tuple(value.strip() for value in os.environ.get("BACKUP_RECIPIENTS", "").split(",")
                                   if value.strip()),
        "BACKUP_S3_ENDPOINT_URL": os.environ.get("BACKUP_S3_ENDPOINT_URL", ""),
        "BACKUP_S3_REGION": os.environ.get("BACKUP_S3_REGION", ""),
        "BACKUP_S3_ACCESS_KEY_ID": os.environ.get("BACKUP_S3_ACCESS_KEY_ID", ""),
        "BACKUP_S3_SECRET_ACCESS_KEY": os.environ.get("BACKUP_S3_SECRET_ACCESS_KEY", ""),
        "BACKUP_MAX_AGE_HOURS": int(os.environ.get("BACKUP_MAX_AGE_HOURS", "26")),
        # Agreements: the address printed on certificates, and the size limit of their documents.
        "PUBLIC_URL": public_url,
        # The hosts a request may name (Flask answers any other 400): in production, PUBLIC_URL's own unless set.
        "TRUSTED_HOSTS": _trusted_hosts(public_url, development),
        "AGREEMENT_DOCUMENT_MAX_BYTES": int(os.environ.get("AGREEMENT_DOCUMENT_MAX_BYTES", str(20 * 1024 * 1024))),
        "VERIFY_LIMIT": os.environ.get("VERIFY_LIMIT", "30 per minute"),
        # Public pages: per visitor's address (a shared report brings many visitors, each reads a few pages).
        "PUBLIC_LIMIT": os.environ.get("PUBLIC_LIMIT", "240 per minute"),
        #: Buyers' inquiries from one visitor (the public catalogue's form).
        "PUBLIC_INQUIRY_LIMIT": os.environ.get("PUBLIC_INQUIRY_LIMIT", "10 per hour"),
        #: Buyers' inquiries to one facility from everyone together (a flood from many addresses).
        "PUBLIC_INQUIRY_FACILITY_LIMIT": os.environ.get("PUBLIC_INQUIRY_FACILITY_LIMIT", "200 per day"),
        # Calls to /api/v1 per token.
        "API_LIMIT": os.environ.get("API_LIMIT", "600 per minute"),
        # Webhooks: never to loopback, private or link-local networks unless allowed (a test's receiver, an
        # intranet); the CA bundle receivers' certificates are checked against ("" is the system's).
        "WEBHOOK_ALLOW_PRIVATE_NETWORKS": _flag("WEBHOOK_ALLOW_PRIVATE_NETWORKS", False),
        "WEBHOOK_CA_FILE": os.environ.get("WEBHOOK_CA_FILE", ""),
        "WEBHOOK_TIMEOUT_SECONDS": int(os.environ.get("WEBHOOK_TIMEOUT_SECONDS", "10")),
        # How long the delivery log keeps a delivery and its attempts.
        "WEBHOOK_LOG_DAYS": int(os.environ.get("WEBHOOK_LOG_DAYS", "30")),
        # How long the API remembers what it answered to a POST with an Idempotency-Key.
        "IDEMPOTENCY_HOURS": int(os.environ.get("IDEMPOTENCY_HOURS", "24")),
        # How long browsers and proxies may keep a public page, and the portal its drawn copy (seconds).
        "PUBLIC_MAX_AGE": int(os.environ.get("PUBLIC_MAX_AGE", "60")),
        "PUBLIC_CACHE_SECONDS": int(os.environ.get("PUBLIC_CACHE_SECONDS", "600")),
        # How often each process asks whether a publication moved the public pages on (seconds; 0: every visit),
        # and how much it keeps of them itself (bytes).
        "PUBLIC_VERSION_SECONDS": float(os.environ.get("PUBLIC_VERSION_SECONDS", "1")),
        "PUBLIC_LOCAL_BYTES": int(os.environ.get("PUBLIC_LOCAL_BYTES", str(32 * 1024 * 1024))),
        # How long a signed-in page is kept for the session that asked (portal/core/session_pages.py; 0: not kept). Only
        # with a store every worker shares: a write in one must retire the pages the others kept.
        "SESSION_PAGE_SECONDS": int(os.environ.get("SESSION_PAGE_SECONDS", "120" if redis_url else "0")),
        # Drawn public pages: in Redis when there is one (shared by every worker), else in the process.
        "CACHE_TYPE": "RedisCache" if redis_url else "SimpleCache",
        "CACHE_REDIS_URL": _answering_in_time(redis_url),
        "CACHE_KEY_PREFIX": "mitrapas:",
        "SIGN_LIMIT": os.environ.get("SIGN_LIMIT", "10 per 15 minutes"),
        # Materials: what may be uploaded (sniffed types), how big, how long deleted ones are kept.
        "MATERIAL_TYPES": tuple(os.environ.get("MATERIAL_TYPES", ",".join(DEFAULT_MATERIAL_TYPES)).split(",")),
        "MATERIAL_MAX_BYTES": int(os.environ.get("MATERIAL_MAX_BYTES", str(2 * 1024**3))),
        #: Browser uploads go straight to storage in parts of this size (5 MiB is S3's smallest).
        "UPLOAD_PART_BYTES": max(5 * 1024**2, int(os.environ.get("UPLOAD_PART_BYTES", str(8 * 1024**2)))),
        #: How long one part's upload link stays good; the browser asks for each just before sending it.
        "UPLOAD_PART_URL_SECONDS": int(os.environ.get("UPLOAD_PART_URL_SECONDS", "900")),
        #: A list longer than this is exported by a background job (its page offers the file when done).
        "EXPORT_BACKGROUND_ROWS": int(os.environ.get("EXPORT_BACKGROUND_ROWS", "5000")),
        #: Files made by background jobs (exports, monthly reports) are removed after this (`purge-expired`).
        "JOB_FILE_HOURS": int(os.environ.get("JOB_FILE_HOURS", "24")),
        "MATERIAL_RETENTION_DAYS": int(os.environ.get("MATERIAL_RETENTION_DAYS", "30")),
        # Who answers questions and requests about personal data (the privacy notice names this address).
        "PRIVACY_CONTACT": os.environ.get("PRIVACY_CONTACT", ""),
        # Retention of records about people (portal/privacy/retention.py; the privacy notice says the same).
        "RETENTION_NOTIFICATION_DAYS": int(os.environ.get("RETENTION_NOTIFICATION_DAYS", "365")),
        #: WhatsApp and SMS messages (the number they went to, their words, their statuses).
        "RETENTION_PHONE_MESSAGE_DAYS": int(os.environ.get("RETENTION_PHONE_MESSAGE_DAYS", "90")),
        "RETENTION_LOGIN_DAYS": int(os.environ.get("RETENTION_LOGIN_DAYS", "180")),
        "RETENTION_ACCESS_LOG_DAYS": int(os.environ.get("RETENTION_ACCESS_LOG_DAYS", "365")),
        "RETENTION_DEPARTED_DAYS": int(os.environ.get("RETENTION_DEPARTED_DAYS", "90")),
        "RETENTION_EVIDENCE_PHOTO_DAYS": int(os.environ.get("RETENTION_EVIDENCE_PHOTO_DAYS", "730")),
        "RETENTION_REJECTED_DRAFT_DAYS": int(os.environ.get("RETENTION_REJECTED_DRAFT_DAYS", "365")),
        #: A paid or closed buyer's inquiry keeps the buyer's name and contact this long after its last move.
        "RETENTION_BUYER_CONTACT_DAYS": int(os.environ.get("RETENTION_BUYER_CONTACT_DAYS", "365")),
        # Contributions: how many days ahead a date may be (0: nothing in the future).
        "CONTRIBUTION_FUTURE_DAYS": int(os.environ.get("CONTRIBUTION_FUTURE_DAYS", "0")),
        # Redis backs the rate limiter (and later the mail queue) when present.
        "REDIS_URL": redis_url,
        # Long work (an import): "rq" (the worker), "thread" (in the app, without Redis) or "inline" (tests).
        "BACKGROUND_JOBS": os.environ.get("BACKGROUND_JOBS") or ("rq" if redis_url else "thread"),
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        # X-RateLimit-* headers on every limited answer read the window back from Redis: two more round trips,
        # a third of a kept public page's time. The 429 page says in words when to try again.
        "RATELIMIT_HEADERS_ENABLED": _flag("RATELIMIT_HEADERS_ENABLED", False),
        # Redis down must not take sign-in down: limits fall back to each process's memory meanwhile.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_SWALLOW_ERRORS": True,
        # Password hashes: argon2id at one of the settings OWASP's Password Storage Cheat Sheet gives as equally
        # strong (memory in KiB, passes, lanes), chosen on a 2-core server by measurement (tests/bench/README.md,
        # "Signing in under load"); a stored hash made otherwise is renewed at its next sign-in.
        "PASSWORD_HASH_MEMORY_KIB": int(os.environ.get("PASSWORD_HASH_MEMORY_KIB", "19456")),
        "PASSWORD_HASH_TIME_COST": int(os.environ.get("PASSWORD_HASH_TIME_COST", "2")),
        "PASSWORD_HASH_PARALLELISM": int(os.environ.get("PASSWORD_HASH_PARALLELISM", "1")),
        # Hashes one process computes at once (each takes a core while it runs, the GIL let go): by default the
        # cores shared among the web workers, and how long a sign-in waits for a turn before it is asked to try
        # again rather than holding a thread any longer.
        "PASSWORD_HASHES_AT_ONCE": int(os.environ.get("PASSWORD_HASHES_AT_ONCE", str(_cores_per_worker()))),
        "PASSWORD_HASH_WAIT_SECONDS": float(os.environ.get("PASSWORD_HASH_WAIT_SECONDS", "3")),
        "LOGIN_LIMIT_PER_IP": os.environ.get("LOGIN_LIMIT_PER_IP", "30 per 15 minutes"),
        "LOGIN_LIMIT_PER_ACCOUNT": os.environ.get("LOGIN_LIMIT_PER_ACCOUNT", "5 per 15 minutes"),
        # Second-factor codes checked for one account, right or wrong, from anywhere: ample for a person, hopeless
        # for guessing six digits (the per-address limit alone lets someone with the password use many addresses).
        "TWO_FACTOR_LIMIT_PER_ACCOUNT": os.environ.get("TWO_FACTOR_LIMIT_PER_ACCOUNT", "10 per 15 minutes"),
        # Mail (used by invitations and notifications).
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", "127.0.0.1"),
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "25")),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD", ""),
        "MAIL_USE_TLS": _flag("MAIL_USE_TLS", False),
        "MAIL_DEFAULT_SENDER": os.environ.get("MAIL_DEFAULT_SENDER", "MitraPAS <noreply@mitrapas.test>"),
        "MAIL_TIMEOUT_SECONDS": int(os.environ.get("MAIL_TIMEOUT_SECONDS", "10")),
        #: After this many failed attempts a message is dead (shown to the platform admin).
        "MAIL_MAX_ATTEMPTS": int(os.environ.get("MAIL_MAX_ATTEMPTS", "6")),
        #: The mail worker also sends what is due this often, so nothing waits on a lost wake-up.
        "MAIL_SWEEP_SECONDS": int(os.environ.get("MAIL_SWEEP_SECONDS", "60")),
        # WhatsApp and SMS (issue 39): each is offered to people once its provider is configured. WhatsApp through the
        # WhatsApp Business Platform's Cloud API (two approved templates: the notice's three body parameters, and an
        # authentication template for codes); SMS through one HTTP gateway shape (portal/notifications/providers).
        "WHATSAPP_API_URL": os.environ.get("WHATSAPP_API_URL", "https://graph.facebook.com/v21.0"),
        "WHATSAPP_PHONE_NUMBER_ID": os.environ.get("WHATSAPP_PHONE_NUMBER_ID", ""),
        "WHATSAPP_ACCESS_TOKEN": os.environ.get("WHATSAPP_ACCESS_TOKEN", ""),
        "WHATSAPP_APP_SECRET": os.environ.get("WHATSAPP_APP_SECRET", ""),
        "WHATSAPP_VERIFY_TOKEN": os.environ.get("WHATSAPP_VERIFY_TOKEN", ""),
        "WHATSAPP_NOTICE_TEMPLATE": os.environ.get("WHATSAPP_NOTICE_TEMPLATE", "mitrapas_pemberitahuan"),
        "WHATSAPP_CODE_TEMPLATE": os.environ.get("WHATSAPP_CODE_TEMPLATE", "mitrapas_kode_verifikasi"),
        "SMS_GATEWAY_URL": os.environ.get("SMS_GATEWAY_URL", ""),
        "SMS_GATEWAY_TOKEN": os.environ.get("SMS_GATEWAY_TOKEN", ""),
        "SMS_GATEWAY_SECRET": os.environ.get("SMS_GATEWAY_SECRET", ""),
        "SMS_SENDER_ID": os.environ.get("SMS_SENDER_ID", "MITRAPAS"),
        "CHANNEL_TIMEOUT_SECONDS": float(os.environ.get("CHANNEL_TIMEOUT_SECONDS", "10")),
        #: Tries of a WhatsApp or SMS message before its notice goes the next way (waits of 1, 2, 5 minutes).
        "CHANNEL_MAX_ATTEMPTS": int(os.environ.get("CHANNEL_MAX_ATTEMPTS", "4")),
        #: The hour, in each person's time zone, their morning summary goes.
        "DIGEST_HOUR": int(os.environ.get("DIGEST_HOUR", "7")),
        #: Verification codes one person may ask for (each goes to a phone: not a way to flood someone's number).
        "PHONE_CODE_LIMIT": os.environ.get("PHONE_CODE_LIMIT", "5 per hour"),
        #: ... to one number in an hour, by anyone's account; codes typed by one person (right or wrong).
        "PHONE_CODES_PER_NUMBER": int(os.environ.get("PHONE_CODES_PER_NUMBER", "3")),
        "PHONE_CODE_CHECK_LIMIT": os.environ.get("PHONE_CODE_CHECK_LIMIT", "10 per hour"),
        #: The countries whose mobile numbers may be verified (country calling codes, comma-separated).
        "PHONE_COUNTRY_CODES": tuple(code.strip() for code in os.environ.get("PHONE_COUNTRY_CODES", "62").split(",")
                                     if code.strip()),
        "REMIND_UNSIGNED_DAYS": int(os.environ.get("REMIND_UNSIGNED_DAYS", "7")),
        "REMIND_VERIFICATION_DAYS": int(os.environ.get("REMIND_VERIFICATION_DAYS", "7")),
        "INVITATION_DAYS": int(os.environ.get("INVITATION_DAYS", "7")),
        "PASSWORD_RESET_HOURS": int(os.environ.get("PASSWORD_RESET_HOURS", "1")),
        "PASSWORD_RESET_LIMIT": os.environ.get("PASSWORD_RESET_LIMIT", "10 per 15 minutes"),
        # Sessions and cookies.
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": not development,
        "SESSION_COOKIE_NAME": "mitrapas_session",
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=int(os.environ.get("SESSION_HOURS", "12"))),
        "REMEMBER_COOKIE_DURATION": timedelta(seconds=0),
        # Language.
        "BABEL_DEFAULT_LOCALE": "id",
        "BABEL_DEFAULT_TIMEZONE": os.environ.get("TIMEZONE", "Asia/Jakarta"),
        "LANGUAGES": {"id": "Bahasa Indonesia", "en": "English"},
        # Assets are served by the app itself, never from a CDN.
        "BOOTSTRAP_SERVE_LOCAL": True,
        "HSTS": not development,
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_CONTENT_LENGTH", str(5 * 1024**3))),
        # A text field longer than this (Werkzeug's own default, 500 KB) answers 413; no form needs more.
        "MAX_FORM_MEMORY_SIZE": int(os.environ.get("MAX_FORM_MEMORY_SIZE", str(500_000))),
        "PREFERRED_URL_SCHEME": "http" if development else "https",
    }
    config.update(overrides)
    _refuse_unshared_session_pages(config)
    return config


def _trusted_hosts(public_url: str, development: bool) -> list[str] | None:
    """TRUSTED_HOSTS (comma-separated), or in production the host of PUBLIC_URL; None (any) in development."""
    written = [host.strip() for host in os.environ.get("TRUSTED_HOSTS", "").split(",") if host.strip()]
    if written:
        return written
    return None if development else [urlsplit(public_url).hostname or ""]


def _refuse_unshared_session_pages(config: dict) -> None:
    """A signed-in page kept by one worker is retired only by writes that worker hears of: with a store of its
    own (no REDIS_URL), another worker's write would leave it showing what is no longer true."""
    if config["SESSION_PAGE_SECONDS"] and not shared_by_every_process(config["CACHE_TYPE"]) \
            and config["ENV_NAME"] != "testing":
        raise RuntimeError("SESSION_PAGE_SECONDS needs a store every process shares (REDIS_URL): "
                           f"{config['CACHE_TYPE']} is not")

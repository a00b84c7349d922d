"""MitraPAS: the partner-collaboration portal of Indonesian correctional facilities."""
from __future__ import annotations

from pathlib import Path
import time

from flask import Flask
from sqlalchemy import event
from sqlalchemy.exc import DisconnectionError, InvalidatePoolError
from werkzeug.middleware.proxy_fix import ProxyFix

from portal import config as settings
from portal.core import links, paths
from portal.extensions import bootstrap, cache, csrf, db, migrate
from portal.public import kept_pages as public_cache
from portal.version import __version__

PROJECT_ROOT = paths.CHECKOUT


def create_app(overrides: dict | None = None) -> Flask:
    """Build the portal: a flat list of registrations, nothing hidden."""
    instance = paths.instance_folder()
    app = Flask(__name__, template_folder=str(paths.resource("templates")),
                instance_path=str(instance) if instance else None)
    app.config.update(settings.load(Path(app.instance_path), overrides))
    app.jinja_env.globals["portal_version"] = __version__
    app.jinja_env.globals["absolute_url"] = links.absolute  # never from the Host a visitor sent
    register_extensions(app)
    register_blueprints(app)
    register_subscribers(app)
    register_error_handlers(app)
    register_cli(app)
    app.wsgi_app = public_cache.KeptPages(app)
    if app.config["ENV_NAME"] != "production":
        _accept_test_addresses()
    if app.config["ENV_NAME"] == "production":  # outermost: every layer sees the visitor's own address
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)
    return app


def _accept_test_addresses() -> None:
    """The demo's people have addresses under `.test`, the domain kept for testing (RFC 2606), which the forms'
    e-mail check refuses: outside production, they may be typed (a demo person invited to a second organisation)."""
    import email_validator

    email_validator.TEST_ENVIRONMENT = True


def register_extensions(app: Flask) -> None:
    from portal.core import i18n, security, tenancy
    from portal.reporting import charts

    app.before_request(tenancy.start_request)  # first of all: a request starts as nobody
    db.init_app(app)
    with app.app_context():
        _tune_engine(db.engine)
    migrate.init_app(app, db, directory=str(paths.resource("migrations")))
    csrf.init_app(app)
    bootstrap.init_app(app)
    cache.init_app(app)
    i18n.register_i18n(app)
    charts.init_app(app)
    security.register_security(app)
    app.teardown_request(tenancy.leave_request)


#: A pooled connection unused for longer than this is asked whether it still works before it is handed out.
PING_AFTER_IDLE_SECONDS = 1.0


def _tune_engine(engine) -> None:
    """PostgreSQL: ping only a connection that has lain idle (`_ping_after_idle`). SQLite: enforce foreign keys,
    let SQLAlchemy own transactions (for savepoints), one writer at a time.

    BEGIN IMMEDIATE takes SQLite's write lock when a transaction starts, so two
    requests changing the same agreement queue up (as FOR UPDATE makes them do on
    PostgreSQL) instead of failing with "database is locked" halfway through.
    """
    if engine.dialect.name != "sqlite":
        _ping_after_idle(engine)
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, record):
        dbapi_connection.isolation_level = None
        dbapi_connection.execute("PRAGMA foreign_keys=ON")

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _ping_after_idle(engine) -> None:
    """SQLAlchemy's pool_pre_ping asks before every checkout: one more round trip of every request, about a tenth of
    the cheapest signed-in page. A connection in steady use needs no asking; one idle for a while (a quiet night,
    the server restarted meanwhile) is asked, and when the server has gone away the whole pool is replaced before a
    request sees it, as pool_pre_ping does. A connection ended within a second of its last use (a restart under
    traffic) reaches one request, which gets the 503 page, and SQLAlchemy replaces the pool then."""

    @event.listens_for(engine, "checkin")
    def _note_idle_from(dbapi_connection, record):
        record.info["idle_from"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping(dbapi_connection, record, proxy):
        idle_from = record.info.pop("idle_from", None)
        if idle_from is None or time.monotonic() - idle_from < PING_AFTER_IDLE_SECONDS:
            return  # just made, or in steady use
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            if engine.dialect.is_disconnect(error, dbapi_connection, None):
                raise InvalidatePoolError(str(error)) from error  # the server went away: every connection is dead
            raise DisconnectionError(str(error)) from error


def register_blueprints(app: Flask) -> None:
    from blueprints import (
        admin, agreements, api, api_tokens, audit, auth, contributions, dashboard, home, jobs, materials, members,
        news, notifications, partnerships, pki, provider_hooks, public, umkm, uploads, verify, webhooks,
    )
    from blueprints.query_args import RecordIdConverter

    app.url_map.converters["int"] = RecordIdConverter

    for blueprint in (auth.bp, home.bp, admin.bp, dashboard.bp, members.bp, partnerships.bp, agreements.bp,
                      materials.bp, contributions.bp, jobs.bp, uploads.bp, audit.bp, verify.bp, notifications.bp,
                      news.bp, umkm.bp, public.bp, api_tokens.bp, api.bp, webhooks.bp, pki.bp, audit.export_bp,
                      provider_hooks.bp):
        app.register_blueprint(blueprint)


def register_subscribers(app: Flask) -> None:
    """Who hears this app's domain events (`portal/<concept>/events.py`): each consumer subscribes here, never by
    being imported. The audit trail announces its entries as events; notifications and webhooks hear them."""
    from portal.audit import events as audit_events
    from portal.integrations import webhook_events
    from portal.notifications import operations as notifications
    from portal.umkm import notices as umkm_notices

    for consumer in (audit_events, notifications, umkm_notices, webhook_events):
        consumer.subscribe(app)


def register_error_handlers(app: Flask) -> None:
    from portal.core.errors import register_error_handlers as register

    register(app)


def register_cli(app: Flask) -> None:
    from portal.ops.cli import add_installed_commands, backup, backup_key, doctor, portal_cli, restore

    add_installed_commands()

    app.cli.add_command(portal_cli)
    for command in (doctor, backup, restore, backup_key):
        app.cli.add_command(command)

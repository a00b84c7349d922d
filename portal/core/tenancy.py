"""Tenancy: where the pair rule of DESIGN.md is enforced.

A shared record (any `PairScoped` model) is visible to the members of its
facility and its partner, and to oversight offices whose scope covers the
facility's province. Nothing else sees it. The rule itself is written once in
`portal.organisations.visibility` (and once in SQL, migration 0035's functions);
it is applied here, three ways:

- every ORM query of a shared record gets the rule as loader criteria;
- a flush that writes a shared record for a pair the acting organisation is
  not part of raises `TenantViolation`;
- on PostgreSQL the acting organisation is set per transaction, and the
  Row-Level Security policies created by the migrations repeat the rule.

A facility's own records (`FacilityOwned`: its news and their photos) are seen by the facility (and
the offices overseeing it) and written by the facility alone.

Anonymous visitors of the public pages read in a scope of their own (`reading_public`): shared and
facility records of facilities whose head turned the public page on, and of those, on PostgreSQL, only
what is verified and published (the policies of migration 0023).

Records of one person (their login sessions, recovery codes, notifications, password-reset
tokens) follow a second rule, enforced by the database alone: the acting person sees their own,
and a secret the visitor presents (the session token of their cookie, a reset link's digest)
reveals the one row it names. `as_person` and `presenting` say who that is.

The single escape hatch is `unscoped(reason)`, for commands that work across
tenants (demo data, scheduled jobs, integrity checks). Grep for it. Its one
form for requests is `enter_platform`, for the platform admin's pages.
"""
from __future__ import annotations

from contextlib import contextmanager
from functools import lru_cache
from contextvars import ContextVar, Token
from typing import Callable
from dataclasses import dataclass, replace

from blinker import Namespace
from flask import Blueprint, abort, current_app, g, has_app_context
from flask_login import current_user
from sqlalchemy import event, inspect, select, text
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria
from werkzeug.local import LocalProxy

from portal.core.columns import FacilityOwned, PairScoped, SharedWithPartners
from portal.extensions import db
from portal.organisations import visibility
from portal.organisations.models import Membership, Organisation, OrgKind


class TenantViolation(RuntimeError):
    """A write would create or change a shared record outside the acting organisation's pairs."""


@dataclass(frozen=True)
class Scope:
    """Who is acting: one organisation, nobody, or (escape hatch) every tenant; and which person, and
    which secret the visitor presented, if any."""

    org_id: int | None = None
    kind: OrgKind | None = None
    every_tenant: bool = False
    person_id: int | None = None
    presented: str | None = None
    #: An anonymous visitor of the public pages: reads what facilities publish, writes nothing.
    public: bool = False

    @classmethod
    def of(cls, organisation: Organisation) -> "Scope":
        """Acting for `organisation`, as the person already acting (if any)."""
        return replace(current_scope(), org_id=organisation.id, kind=organisation.kind, every_tenant=False)


NOBODY = Scope()
_scope: ContextVar[Scope] = ContextVar("mitrapas_tenant_scope", default=NOBODY)

#: Sent with the organisation a request acts for, once it is known and before the view reads any of its data.
organisation_entered = Namespace().signal("organisation-entered")
#: The organisation of the current request (`/o/<org-slug>/...`), or None.
current_org: Organisation | None = LocalProxy(lambda: g.get("org"))  # type: ignore[assignment]
#: The current user's membership in `current_org`.
current_membership: Membership | None = LocalProxy(lambda: g.get("membership"))  # type: ignore[assignment]


def current_scope() -> Scope:
    return _scope.get()


def activate(scope: Scope) -> Token:
    """Act as `scope` until `reset(token)`; the database session follows. Should telling the database fail,
    the scope before stays (a wider one left behind would outlive the error, in this thread's next request)."""
    token = _scope.set(scope)
    try:
        _sync_database_scope()
    except BaseException:
        _scope.reset(token)
        raise
    return token


def reset(token: Token) -> None:
    """Back to the scope before `token`. Should telling the database fail, its transaction (which may still carry
    the wider scope) is rolled back: nothing more is read or written in it."""
    _scope.reset(token)
    try:
        _sync_database_scope()
    except BaseException:
        db.session.rollback()
        raise


@contextmanager
def acting_for(organisation: Organisation):
    """Run a block as `organisation` (commands and tests; requests do this themselves)."""
    token = activate(Scope.of(organisation))
    try:
        yield
    finally:
        reset(token)


def stream_in_scope(chunks):
    """Produce a streamed response in a transaction of its own, acting as the request did.

    The request's transaction ends before the first byte is sent (its session is
    removed at teardown), so rows read while streaming, through a server-side
    cursor on PostgreSQL, need a session, a transaction and a database scope that
    last as long as the stream itself.
    """
    scope = current_scope()

    def produce():
        db.session.remove()
        token = activate(scope)
        try:
            yield from chunks
        finally:
            reset(token)
            db.session.remove()
    return produce()


@contextmanager
def as_person(user):
    """Run a block as `user` for their own records (a login step before the session exists, a reset link)."""
    token = activate(replace(current_scope(), person_id=_id_of(user)))
    try:
        yield
    finally:
        reset(token)


def _id_of(record) -> int:
    """A stored record's id without reading its row again (after a commit the row may not be visible yet)."""
    identity = inspect(record).identity
    return identity[0] if identity else record.id


@contextmanager
def presenting(secret: str):
    """Run a block holding a secret (a session token, a link's digest): the row it names becomes visible."""
    token = activate(replace(current_scope(), presented=secret))
    try:
        yield
    finally:
        reset(token)


def enter_person(user_id: int | None, presented: str | None = None) -> None:
    """For the rest of the request, act as this person (the session cookie's, or who just logged in)."""
    leave_person(announce=False)  # the activation below announces the new person
    g.person_token = activate(replace(current_scope(), person_id=user_id, presented=presented))


def leave_person(exc=None, *, announce: bool = False) -> None:
    """Teardown (and before a new person): the next request starts as nobody. Mid-request (a cookie whose
    session has ended), `announce` tells the open transaction too."""
    token = g.pop("person_token", None)
    if token is not None:
        (reset if announce else _scope.reset)(token)


@contextmanager
def reading_public():
    """Run a block as an anonymous visitor of the public pages, whoever else is acting."""
    token = activate(Scope(public=True))
    try:
        yield
    finally:
        reset(token)


@contextmanager
def unscoped(reason: str):
    """The escape hatch: lift the pair rule for a block that must see every tenant.

    `reason` says why, so every use explains itself where it is grepped. What the caller had pending is flushed
    first, as the caller (the write guard and Row-Level Security judge it in the caller's scope, not in this
    one's, as a query's autoflush inside the block would have); what the block itself writes is flushed before
    it ends, in its own.
    """
    if not reason:
        raise ValueError("unscoped() needs a reason")
    _flush_pending()
    token = activate(Scope(every_tenant=True))
    try:
        yield
        _flush_pending()
    finally:
        reset(token)


def _flush_pending() -> None:
    if not has_app_context():
        return
    session = db.session()
    if (session.new or session.dirty or session.deleted) and not session._flushing:
        session.flush()


# --- the ORM filter ----------------------------------------------------------

@event.listens_for(Session, "do_orm_execute")
def _filter_shared_records(state: ORMExecuteState) -> None:
    if state.is_column_load or not (state.is_select or state.is_update or state.is_delete):
        return
    scope = current_scope()
    if scope.every_tenant:
        return
    state.statement = state.statement.options(
        with_loader_criteria(PairScoped, visibility.sees_pair(scope), include_aliases=True),
        with_loader_criteria(FacilityOwned, visibility.sees_facility(scope), include_aliases=True),
        with_loader_criteria(SharedWithPartners, visibility.sees_shared_with_partners(scope), include_aliases=True),
        *(_public_rows() if scope.public else ()),
    )


@lru_cache(maxsize=1)
def _public_rows() -> tuple:
    """What an anonymous visitor reads of a model that says so (`public_rows`, a function of its class), beyond the
    facility publishing: the same rows as its table's `public_read` policy (a product shown in the catalogue, its
    photos; none of a buyer's inquiry, a sale, the interest counts)."""
    return tuple(with_loader_criteria(mapper.class_, mapper.class_.public_rows, include_aliases=True)
                 for mapper in db.Model.registry.mappers if "public_rows" in vars(mapper.class_))


# --- the write guard ---------------------------------------------------------

def _pair_of(record: PairScoped) -> tuple[int | None, int | None]:
    facility_id = record.facility_id if record.facility_id is not None else getattr(record.facility, "id", None)
    partner_id = record.partner_id if record.partner_id is not None else getattr(record.partner, "id", None)
    return facility_id, partner_id


#: Changes someone not a party may make to a shared record, by model: (scope, record) -> whether allowed. Each is
#: narrow and written next to the rule it serves (the Kanwil's acknowledgement: `portal.agreements.chains`);
#: Row-Level Security says the same in the database.
NARROW_WRITES: dict[type, Callable[[Scope, PairScoped], bool]] = {}


@event.listens_for(Session, "before_flush")
def _guard_writes(session: Session, flush_context, instances) -> None:
    scope = current_scope()
    for record in (*session.new, *session.dirty, *session.deleted):
        if isinstance(record, PairScoped) and not visibility.is_party(scope, *_pair_of(record)):
            narrow = NARROW_WRITES.get(type(record))
            if narrow is not None and record in session.dirty and not scope.every_tenant:
                with session.no_autoflush:
                    if narrow(scope, record):
                        continue
            raise TenantViolation(
                f"{type(record).__name__} of pair {_pair_of(record)} is not writable by {scope}"
            )
        if getattr(type(record), "written_by_facility", False) and not _may_write_own(scope, record):
            raise TenantViolation(f"{type(record).__name__} of facility {record.facility_id} is the facility's to "
                                  f"write, not {scope}'s")
        if isinstance(record, (FacilityOwned, SharedWithPartners)) and not _may_write_own(scope, record):
            raise TenantViolation(f"{type(record).__name__} of facility {record.facility_id} is not writable by {scope}")


def _may_write_own(scope: Scope, record: FacilityOwned | SharedWithPartners) -> bool:
    """A facility's own record is written by that facility alone."""
    facility_id = record.facility_id if record.facility_id is not None else getattr(record.facility, "id", None)
    return visibility.is_owner(scope, facility_id)


def require_writable(facility_id: int, partner_id: int) -> None:
    """The write guard, for rows inserted in bulk (no flush sees them): the acting organisation's pair only."""
    if not visibility.is_party(current_scope(), facility_id, partner_id):
        raise TenantViolation(f"pair {(facility_id, partner_id)} is not writable by {current_scope()}")


# --- PostgreSQL Row-Level Security --------------------------------------------

_SET_SCOPE_SQL = text(
    "SELECT set_config('mitrapas.org_id', :org_id, true),"
    " set_config('mitrapas.every_tenant', :every_tenant, true),"
    " set_config('mitrapas.person_id', :person_id, true),"
    " set_config('mitrapas.presented', :presented, true),"
    " set_config('mitrapas.public', :public, true)"
)


def _apply_database_scope(connection, scope: Scope) -> None:
    if connection.dialect.name != "postgresql":
        return
    connection.execute(_SET_SCOPE_SQL, {
        "org_id": str(scope.org_id or ""),
        "every_tenant": "on" if scope.every_tenant else "off",
        "person_id": str(scope.person_id or ""),
        "presented": scope.presented or "",
        "public": "on" if scope.public else "off",
    })


_DATABASE_BEGUN = "mitrapas_database_begun"


@event.listens_for(Session, "after_begin")
def _set_database_scope(session: Session, transaction, connection) -> None:
    session.info[_DATABASE_BEGUN] = True
    _apply_database_scope(connection, current_scope())


@event.listens_for(Session, "after_transaction_end")
def _database_ended(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_DATABASE_BEGUN, None)


def _sync_database_scope() -> None:
    """Re-announce the scope inside a database transaction that is already open. A session that only began on its
    own side (objects merged in, nothing asked yet) tells the database when it asks (`_set_database_scope`)."""
    if not has_app_context():
        return
    session = db.session()
    if session.info.get(_DATABASE_BEGUN) and session.in_transaction():
        _apply_database_scope(session.connection(), current_scope())


# --- requests under /o/<org-slug>/ ----------------------------------------------

def tenant_blueprint(name: str, import_name: str, url_prefix: str = "") -> Blueprint:
    """A blueprint whose every URL lives under `/o/<org_slug>` and acts for that organisation."""
    blueprint = Blueprint(name, import_name, url_prefix=f"/o/<org_slug>{url_prefix}")
    blueprint.url_value_preprocessor(_take_org_slug)
    blueprint.url_defaults(_give_org_slug)
    blueprint.before_request(_enter_organisation)
    return blueprint


def _take_org_slug(endpoint, values) -> None:
    g.org_slug = (values or {}).pop("org_slug", None)


def _give_org_slug(endpoint, values) -> None:
    if "org_slug" not in values and g.get("org") is not None:
        values["org_slug"] = g.org.slug


def _enter_organisation() -> None:
    """Resolve the organisation and membership; anything else is a 404.

    The person's memberships and their organisations came with the session (`login_sessions.user_of`),
    so this asks the database nothing."""
    organisation = next((m.organisation for m in current_user.memberships
                         if m.organisation.slug == g.org_slug and m.organisation.is_active), None)
    membership = organisation and current_user.membership_in(organisation)
    if not membership:
        abort(404)
    g.org, g.membership = organisation, membership
    g.tenant_token = activate(Scope.of(organisation))
    organisation_entered.send(current_app._get_current_object(), organisation=organisation)


def enter_platform() -> None:
    """Platform administration (organisations, accounts, the outbox, erasure) acts for every tenant, as the
    person it is, for the rest of the request; only platform admins' blueprints call this."""
    scope = current_scope()
    g.tenant_token = activate(replace(scope, every_tenant=True, org_id=None, kind=None))


def leave_organisation(exc=None) -> None:
    token = g.pop("tenant_token", None)
    if token is not None:
        _scope.reset(token)  # not announced to the database: the request's transaction ends with it


def start_request() -> None:
    """Every request starts as nobody, whatever its thread last acted as (a worker thread serves many)."""
    g.request_scope_token = _scope.set(NOBODY)


def leave_request(exc=None) -> None:
    """Teardown: the organisation, then the person, then the request's own start."""
    leave_organisation()
    leave_person()
    token = g.pop("request_scope_token", None)
    if token is not None:
        _scope.reset(token)


def get_shared_or_404(model: type[PairScoped], record_id: int):
    """Load a shared record through the pair rule; invisible means 404."""
    record = db.session.scalar(select(model).where(model.id == record_id))
    if record is None:
        abort(404)
    return record


def get_owned_or_404(model, record_id: int):
    """Load a record that belongs to the current organisation itself (e.g. a membership)."""
    record = db.session.scalar(
        select(model).where(model.id == record_id, model.organisation_id == current_org.id)
    )
    if record is None:
        abort(404)
    return record

"""Write and verify the audit trail.

Every state change calls `record()` inside its own transaction. Each entry
carries the SHA-256 of the previous one, so `verify_chain()` notices an entry
that was changed or deleted after the fact.
"""
from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timezone
import hashlib
import json

from blinker import Namespace
from flask import current_app
from sqlalchemy import insert, or_, select, text
from sqlalchemy.orm import selectinload

from portal.accounts.models import User
from portal.audit.models import AuditEntry
from portal.core.columns import utcnow
from portal.core.tenancy import unscoped
from portal.extensions import db
from portal.organisations import visibility
from portal.organisations.models import Organisation, OrgKind

#: Where the current action comes from (the web layer sets the client's IP).
origin_ip: ContextVar[str | None] = ContextVar("mitrapas_origin_ip", default=None)
#: The API token a change was made with (its name), set by /api/v1 for its request: the entry says so.
via_token: ContextVar[str | None] = ContextVar("mitrapas_via_token", default=None)

#: Serialises writers on PostgreSQL so the chain never forks.
_CHAIN_LOCK = text("SELECT pg_advisory_xact_lock(7461726974)")


def _plain(value):
    """Make a summary JSON-native, so the hash reads the same before and after storage."""
    return json.loads(json.dumps(value, default=str, sort_keys=True))


def _utc_text(moment: datetime) -> str:
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment.isoformat(timespec="microseconds")


def entry_hash(entry: AuditEntry) -> str:
    content = {
        "created_at": _utc_text(entry.created_at),
        "actor_id": entry.actor_id,
        "organisation_id": entry.organisation_id,
        "facility_id": entry.facility_id,
        "partner_id": entry.partner_id,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "changes": entry.changes,
        "ip": entry.ip,
        "prev_hash": entry.prev_hash,
    }
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def party_of(actor: User | None, *parties: Organisation) -> Organisation | None:
    """Which of a record's parties the actor acts for (the entry's organisation), if any."""
    if actor is None:
        return None
    return next((party for party in parties if actor.membership_in(party)), None)


#: Sent with each new entry (`entry=`), in its transaction, by the app that wrote it: `portal.audit.events` hears it
#: (subscribed at app creation) and announces the entry as its concept's typed event.
recorded = Namespace().signal("audit-recorded")


def record(
    action: str,
    *,
    actor: User | None,
    object_type: str,
    object_id=None,
    organisation: Organisation | None = None,
    facility: Organisation | None = None,
    partner: Organisation | None = None,
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEntry:
    """Append one entry to the trail in the caller's transaction."""
    return record_many([dict(action=action, actor=actor, object_type=object_type, object_id=object_id,
                             organisation=organisation, facility=facility, partner=partner, before=before,
                             after=after)])[0]


def record_many(entries: list[dict]) -> list[AuditEntry]:
    """Append entries (each with `record`'s arguments) in order, under one lock and one look-up of the chain's end.

    An import of 10,000 contributions writes 10,000 entries: one by one, each locked and read the
    chain again (a third of the import's time).
    """
    session = db.session
    if session.get_bind().dialect.name == "postgresql":
        session.execute(_CHAIN_LOCK)
    with unscoped("the chain's last link may be any tenant's entry"):
        previous = session.scalar(select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)) or ""
    made, now, ip = [], utcnow(), origin_ip.get()
    for spec in entries:
        entry = _entry(previous, now, ip, **spec)
        previous = entry.hash
        made.append(entry)
    if len(made) == 1:  # one state change, as most are: the entry is kept as a record of the session
        session.add(made[0])
        session.flush()
    else:  # many: one INSERT of plain rows, without the unit of work's bookkeeping for each
        session.execute(insert(AuditEntry), [{column: getattr(entry, column) for column in _COLUMNS}
                                             for entry in made])
    app = current_app._get_current_object()
    for entry in made:
        recorded.send(app, entry=entry)
    return made


_COLUMNS = ("created_at", "actor_id", "organisation_id", "facility_id", "partner_id", "action", "object_type",
            "object_id", "changes", "ip", "prev_hash", "hash")


def _entry(previous: str, now: datetime, ip: str | None, *, action: str, actor: User | None, object_type: str,
           object_id=None, organisation: Organisation | None = None, facility: Organisation | None = None,
           partner: Organisation | None = None, before: dict | None = None, after: dict | None = None) -> AuditEntry:
    entry = AuditEntry(
        created_at=now,
        actor_id=actor.id if actor is not None else None,
        organisation_id=organisation.id if organisation is not None else None,
        facility_id=facility.id if facility is not None else None,
        partner_id=partner.id if partner is not None else None,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        changes=_plain({"before": before or {}, "after": after or {},
                        **({"token": via_token.get()} if via_token.get() else {})}),
        ip=ip,
        prev_hash=previous,
    )
    entry.hash = entry_hash(entry)
    return entry


@dataclass
class ChainBreak:
    entry_id: int
    problem: str


def verify_chain(batch: int = 1000) -> list[ChainBreak]:
    """Walk the whole trail in order; report every entry whose hash or link is wrong."""
    breaks: list[ChainBreak] = []
    previous_hash, last_id = "", 0
    while True:
        entries = db.session.scalars(
            select(AuditEntry).where(AuditEntry.id > last_id).order_by(AuditEntry.id).limit(batch)
        ).all()
        if not entries:
            return breaks
        for entry in entries:
            if entry.prev_hash != previous_hash:
                breaks.append(ChainBreak(entry.id, "previous entry missing or changed"))
            if entry_hash(entry) != entry.hash:
                breaks.append(ChainBreak(entry.id, "entry content changed"))
            previous_hash, last_id = entry.hash, entry.id
        db.session.expunge_all()


def entries_visible_to(organisation: Organisation, limit: int = 100) -> list[AuditEntry]:
    """The trail an organisation may read: its own acts, its pairs', or its province's."""
    query = (select(AuditEntry).options(selectinload(AuditEntry.actor)).where(visible_to(organisation))
             .order_by(AuditEntry.id.desc()).limit(limit))
    return list(db.session.scalars(query))


def visible_to(organisation: Organisation):
    """Which entries an organisation reads, as a condition (the trail page filters within it)."""
    if organisation.kind == OrgKind.OVERSIGHT:
        facilities = visibility.overseen_facilities(organisation.id)
        return or_(
            AuditEntry.organisation_id == organisation.id,
            AuditEntry.facility_id.in_(facilities),
            AuditEntry.organisation_id.in_(facilities),
        )
    return or_(
        AuditEntry.organisation_id == organisation.id,
        AuditEntry.facility_id == organisation.id,
        AuditEntry.partner_id == organisation.id,
    )

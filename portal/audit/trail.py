"""The audit trail as its page reads it: within what the organisation may read (`audit.visible_to`), narrowed by
kind of record, person and period, newest first, a keyset page at a time (a page does not shift while entries are
added); and the raw entries for the platform administrator's export, as stored, hashes and all.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from flask_babel import get_timezone, lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.accounts.models import User
from portal.audit import chain as audit
from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.integrations import keyset
from portal.organisations.models import Organisation

#: Entries on one page: a phone scrolls through them as cards.
PAGE_SIZE = 50
#: The person filter's value for what nobody did by hand (scheduled jobs, commands).
SYSTEM = "system"

#: The record filter: what a person looks for, and the kinds of record (`object_type`) each covers.
RECORD_KINDS = {
    "agreement": (_l("Agreements (PKS)"), ("agreement",)),
    "contribution": (_l("Contributions and programmes"), ("contribution", "programme")),
    "material": (_l("Materials"), ("material",)),
    "partnership": (_l("Partners"), ("partnership",)),
    "news": (_l("News"), ("news",)),
    "organisation": (_l("The organisation and its public page"), ("organisation",)),
    "people": (_l("Members, invitations and accounts"), ("membership", "invitation", "user", "signing_certificate")),
    "integration": (_l("API tokens and webhooks"), ("api_token", "webhook_endpoint", "webhook_delivery")),
}


@dataclass(frozen=True)
class TrailFilter:
    """What the page's address asks for; None is "any"."""

    record: str | None = None
    #: A person's account id, or SYSTEM.
    person: int | str | None = None
    since: date | None = None
    until: date | None = None

    def conditions(self) -> list:
        found = []
        if self.record in RECORD_KINDS:
            found.append(AuditEntry.object_type.in_(RECORD_KINDS[self.record][1]))
        if self.person == SYSTEM:
            found.append(AuditEntry.actor_id.is_(None))
        elif isinstance(self.person, int):
            found.append(AuditEntry.actor_id == self.person)
        found += period(self.since, self.until)
        return found


def period(since: date | None, until: date | None) -> list:
    """Whole days in the portal's time zone (a day in Jakarta starts at 17:00 UTC the day before), as conditions."""
    found = []
    if since:
        found.append(AuditEntry.created_at >= _day_start(since))
    if until:
        found.append(AuditEntry.created_at < _day_start(until + timedelta(days=1)))
    return found


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=get_timezone()).astimezone(timezone.utc)


def page_of(organisation: Organisation, wanted: TrailFilter, after_id: int | None,
            limit: int | None = None) -> tuple[list[AuditEntry], int | None]:
    """One page of the entries the organisation reads, and the id to continue after (None on the last page)."""
    query = (select(AuditEntry).options(selectinload(AuditEntry.actor))
             .where(audit.visible_to(organisation), *wanted.conditions()))
    return keyset.page(query, AuditEntry, after_id, limit or PAGE_SIZE)


def people_in(organisation: Organisation) -> list[tuple[int, str]]:
    """Who acted in the organisation's trail, by name: the person filter's choices."""
    actors = select(AuditEntry.actor_id).where(audit.visible_to(organisation), AuditEntry.actor_id.is_not(None))
    return [(row.id, row.name) for row in db.session.execute(
        select(User.id, User.name).where(User.id.in_(actors)).order_by(User.name, User.id))]


def raw_entries(organisation: Organisation | None = None, since: date | None = None, until: date | None = None,
                batch: int = 1000):
    """Every stored entry (of what `organisation` reads, if given), oldest first, as plain data: the export keeps
    what the page puts into words, so the chain can be checked against it. The question is put together now (the
    organisation may be out of the session by the time a stream reads it); rows, not objects, so nothing piles up in
    the session however long the trail."""
    columns = [AuditEntry.__table__.c[name] for name in _RAW_COLUMNS]
    query = select(*columns).where(*period(since, until)).order_by(AuditEntry.id).limit(batch)
    if organisation is not None:
        query = query.where(audit.visible_to(organisation))

    def rows():
        last_id = 0
        while found := db.session.execute(query.where(AuditEntry.id > last_id)).all():
            for row in found:
                yield {**row._asdict(), "created_at": row.created_at.isoformat()}
            last_id = found[-1].id
    return rows()


_RAW_COLUMNS = ("id", "created_at", "actor_id", "organisation_id", "facility_id", "partner_id", "action",
                "object_type", "object_id", "changes", "ip", "prev_hash", "hash")

"""A facility's verifiers hear of new contributions: each one as it is recorded (the default), or a day's in one
summary, as each person chooses on their profile page (`User.contribution_notices`).

A recorded contribution is told when the transaction that recorded it commits, not as its audit entry is written:
an import or a programme's sessions record many at once, and its verifiers then get one notice of them all (a
notice, once written, is its reader's alone: nobody else may change it into "and 499 more"). One verified or
rejected before its transaction ends is told of no more. The summary (sent by `flask portal remind`, daily)
takes every contribution no summary has taken yet, marks it taken, and tells each facility's verifiers who chose it
in one e-mail (and one notice); a facility with nothing new hears nothing.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import event, func, select, update
from sqlalchemy.orm import Session

from portal import policy
from portal.accounts.models import User
from portal.contributions.events import ContributionVerb
from portal.contributions.models import Contribution, ContributionStatus as C
from portal.core import links
from portal.core.columns import utcnow
from portal.core.tenancy import acting_for, unscoped
from portal.extensions import db
from portal.notifications import operations as notifications
from portal.organisations.models import Organisation

#: Each contribution as it is recorded, or one summary a day.
EACH, DAILY = "each", "daily"
CHOICES = (EACH, DAILY)
#: How many contributions a summary's e-mail lists; the rest are a click away, in the facility's queue.
DIGEST_LISTS = 50
#: Per transaction: the new contributions to tell of when it commits, by (facility id, partner id).
_PENDING = "mitrapas.new_contributions"


def verifiers(facility: Organisation) -> list[User]:
    """Who hears of a new contribution: whoever the facility's agreements go to for review (its officers, its heads
    where it has none), as far as `policy` lets them verify."""
    return [user for user in notifications._reviewers(facility, None)
            if policy.can_verify_contribution_for(user, facility)]


def hears_of_new_contributions(user: User) -> bool:
    """Whether the person is told of new contributions somewhere, and so is asked how (a head of a facility with
    officers is not told, and was asked a question that changed nothing). Each facility is looked at as itself:
    from a page of no organisation (the profile), its other people are out of sight."""
    for membership in user.memberships:
        facility = membership.organisation
        if facility.kind != "facility" or membership.has_lapsed():
            continue
        with acting_for(facility):
            db.session.expire(facility, ["memberships"])  # read again, as the facility sees them
            if any(person.id == user.id for person in verifiers(facility)):
                return True
    return False


def recorded(entry) -> None:
    """Remember a recorded contribution, to be told when its transaction commits."""
    pending = db.session.info.setdefault(_PENDING, {})
    pending.setdefault((entry.facility_id, entry.partner_id), []).append(int(entry.object_id))


@event.listens_for(Session, "before_commit")
def _tell_pending(session) -> None:
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    with unscoped("new contributions are told as their transaction ends, in whatever scope it ends in (an "
                  "import's job commits after it stopped acting for its organisation)"):
        for (facility_id, partner_id), ids in pending.items():
            _tell(db.session.get(Organisation, facility_id), db.session.get(Organisation, partner_id), ids)


@event.listens_for(Session, "after_rollback")
def _forget_pending(session) -> None:
    session.info.pop(_PENDING, None)


def _tell(facility: Organisation, partner: Organisation, ids: list[int]) -> None:
    readers = [user for user in verifiers(facility) if user.contribution_notices != DAILY]
    if not readers:
        return
    if len(ids) == 1:
        contribution = db.session.get(Contribution, ids[0])
        if contribution is None or contribution.status != C.SUBMITTED:
            return
        notifications.notify(readers, ContributionVerb.RECORD.action, organisation=facility,
                             link=notifications.contribution_link(ids[0], facility),
                             partner=partner.name, **notifications.contribution_params(contribution))
        return
    # Many at once (an import's thousands): counted by their range of ids, not by a list as long as the import.
    count = db.session.scalar(select(func.count(Contribution.id)).where(
        Contribution.facility_id == facility.id, Contribution.partner_id == partner.id,
        Contribution.id.between(min(ids), max(ids)), Contribution.status == C.SUBMITTED))
    if count:
        notifications.notify(readers, "contribution.recorded_many", organisation=facility,
                             link=links.path("contributions.index", org_slug=facility.slug, status="submitted"),
                             partner=partner.name, facility=facility.name, count=count)


# --- the daily summary (flask portal remind) ------------------------------------------------------------------

def send_digests(now: datetime | None = None) -> int:
    """One summary per facility of the contributions recorded since the last, to its verifiers who chose it; how
    many summaries went out. Run through the escape hatch (it looks at every facility).

    Each contribution is marked as it is taken, in the same transaction as the summary: two runs at once, or one
    run twice, never put a contribution into two summaries. One recorded while this runs waits for the next.
    """
    now, sent = now or utcnow(), 0
    waiting = db.session.execute(select(Contribution.facility_id, func.max(Contribution.id))
                                 .where(Contribution.digested_at.is_(None))
                                 .group_by(Contribution.facility_id)).all()
    for facility_id, last_id in waiting:
        taken = db.session.execute(
            update(Contribution).where(Contribution.facility_id == facility_id, Contribution.digested_at.is_(None),
                                       Contribution.id <= last_id)
            .values(digested_at=now).execution_options(synchronize_session=False)).rowcount
        if taken:
            sent += _summarise(db.session.get(Organisation, facility_id), taken, now, last_id)
    return sent


def _summarise(facility: Organisation, taken: int, now: datetime, last_id: int) -> int:
    readers = [user for user in verifiers(facility) if user.contribution_notices == DAILY]
    if not readers:
        return 0
    listed = db.session.scalars(
        select(Contribution).where(Contribution.facility_id == facility.id, Contribution.digested_at == now,
                                   Contribution.id <= last_id)
        .order_by(Contribution.started_on, Contribution.id).limit(DIGEST_LISTS)).all()
    rows = [dict(type=contribution.type, started_on=contribution.started_on, partner=contribution.partner.name,
                 status=contribution.status,
                 link=links.absolute("contributions.show", org_slug=facility.slug, contribution_id=contribution.id))
            for contribution in listed]
    made = notifications.notify(
        readers, "contribution.digest", organisation=facility,
        link=links.path("contributions.index", org_slug=facility.slug, status="submitted"),
        mail="contribution_digest", mail_context=dict(listed=rows, more=taken - len(rows), facility=facility),
        facility=facility.name, count=taken)
    return 1 if made else 0

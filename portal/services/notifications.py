"""Who is told what, when something happens: in-app notices and, by preference, e-mail.

Events arrive through the audit trail (`audit.recorded`), so every state change
that is audited can notify without the services knowing about it. Recipients
are always members of the record's own facility or partner, so a notice never
reaches, or mentions, another tenant.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update

from portal import clock, links
from portal.extensions import db
from portal.models import (
    Agreement, AgreementStatus, AuditEntry, Contribution, ContributionStatus, Invitation, Material, NewsItem,
    Notification, Organisation, Role, User,
)
from portal.models.base import utcnow
from portal.services import audit, outbox, webhook_events

#: What a person may switch off by e-mail (the bell always shows everything).
GROUPS = ("agreements", "contributions", "people", "materials", "news", "reminders")
MANAGERS = (Role.HEAD, Role.OFFICER, Role.ADMIN)


def group_of(kind: str) -> str:
    if kind.startswith("reminder."):
        return "reminders"
    return {"agreement": "agreements", "contribution": "contributions", "invitation": "people",
            "material": "materials", "news": "news"}.get(kind.split(".")[0], "agreements")


def notify(users, kind: str, *, organisation: Organisation, link: str, dedupe_key: str | None = None,
           **params) -> list[Notification]:
    """One notice per active person (each once), and an e-mail unless they switched that group off."""
    made = []
    for user in {user.id: user for user in users if user is not None and user.is_active}.values():
        key = f"{dedupe_key}:user:{user.id}" if dedupe_key else None
        if key and db.session.scalar(select(Notification.id).where(Notification.dedupe_key == key)):
            continue
        notice = Notification(user_id=user.id, organisation_id=organisation.id, kind=kind, params=params,
                              link=link, dedupe_key=key)
        db.session.add(notice)
        made.append(notice)
        if group_of(kind) not in (user.muted_notifications or []):
            outbox.queue(user.email, "notification", locale=user.locale, notice=notice, user=user,
                         link=links.absolute(link))
    db.session.flush()
    return made


def unread_count(user: User) -> int:
    return db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))) or 0


def latest(user: User, limit: int = 50) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id)
                                   .order_by(Notification.id.desc()).limit(limit)))


def open_notice(user: User, notice_id: int) -> Notification | None:
    notice = db.session.scalar(select(Notification).where(Notification.id == notice_id,
                                                          Notification.user_id == user.id))
    if notice is not None and notice.read_at is None:
        notice.read_at = utcnow()
    return notice


def mark_all_read(user: User) -> None:
    db.session.execute(update(Notification).where(Notification.user_id == user.id,
                                                  Notification.read_at.is_(None)).values(read_at=utcnow()))


# --- who hears about what -------------------------------------------------------------------------

def reference(record) -> str:
    """How a notice or an e-mail names a record: by its number, never by what someone typed into it (a title or a
    reason may hold a WBP's name; a notice's text travels to mailboxes and lock screens). The page says the rest."""
    return f"#{record.id}"


def people_of(organisation: Organisation, roles=MANAGERS) -> list[User]:
    return [m.user for m in organisation.memberships if m.role in roles and not m.has_lapsed()]


def _agreement_link(agreement: Agreement, organisation: Organisation) -> str:
    return links.path("agreements.show", org_slug=organisation.slug, agreement_id=agreement.id)


def _tell_party(organisation: Organisation, users, kind: str, agreement: Agreement, **params) -> None:
    notify(users, kind, organisation=organisation, link=_agreement_link(agreement, organisation),
           ref=reference(agreement), facility=agreement.facility.name, partner=agreement.partner.name, **params)


def _on_agreement(entry: AuditEntry) -> None:
    agreement = db.session.get(Agreement, int(entry.object_id))
    if agreement is None:
        return
    facility, partner, action = agreement.facility, agreement.partner, entry.action
    if action == "agreement.submitted":
        _tell_party(facility, people_of(facility, (Role.HEAD, Role.OFFICER)), action, agreement)
    elif action in ("agreement.changes_requested", "agreement.rejected"):
        _tell_party(partner, people_of(partner, (Role.ADMIN,)), action, agreement)
    elif action == "agreement.approved":
        _tell_party(partner, people_of(partner, (Role.ADMIN,)), action, agreement)
        _tell_party(partner, [agreement.partner_signatory], "agreement.to_sign", agreement)
    elif action == "agreement.signed" and agreement.status == AgreementStatus.PARTNER_SIGNED:
        _tell_party(facility, [agreement.facility_signatory], "agreement.to_sign", agreement)
    elif action in ("agreement.completed", "agreement.expired", "agreement.terminated"):
        kind = "agreement.signed_by_both" if action == "agreement.completed" else action
        _tell_party(facility, people_of(facility, (Role.HEAD, Role.OFFICER)), kind, agreement)
        _tell_party(partner, people_of(partner, (Role.ADMIN,)), kind, agreement)


def _on_contribution(entry: AuditEntry) -> None:
    if entry.action not in ("contribution.verified", "contribution.rejected"):
        return  # nobody is told of a recorded one (an import records thousands): the facility's queue shows them
    contribution = db.session.get(Contribution, int(entry.object_id))
    if contribution is None or contribution.created_by is None:
        return
    partner = contribution.partner
    notify([contribution.created_by], entry.action, organisation=partner,
           link=links.path("contributions.show", org_slug=partner.slug, contribution_id=contribution.id),
           ref=reference(contribution), facility=contribution.facility.name)


def _on_invitation(entry: AuditEntry) -> None:
    invitation = db.session.get(Invitation, int(entry.object_id))
    if entry.action != "invitation.accepted" or invitation is None or invitation.invited_by is None:
        return
    home = invitation.sent_for or invitation.organisation
    notify([invitation.invited_by], entry.action, organisation=home,
           link=links.path("members.index", org_slug=invitation.organisation.slug)
           if invitation.sent_for is None else links.path("partnerships.index", org_slug=home.slug),
           person=invitation.email,
           joined=invitation.organisation.name)


def _on_material(entry: AuditEntry) -> None:
    material = db.session.get(Material, int(entry.object_id))
    if entry.action != "material.uploaded" or material is None or material.agreement_id is None:
        return
    uploaded_by = entry.organisation_id
    other = material.partner if uploaded_by == material.facility_id else material.facility
    roles = (Role.ADMIN,) if other.kind == "partner" else (Role.HEAD, Role.OFFICER)
    notify(people_of(other, roles), "material.added", organisation=other,
           link=links.path("materials.show", org_slug=other.slug, material_id=material.id),
           ref=reference(material), agreement=reference(material.agreement))


def _on_news(entry: AuditEntry) -> None:
    """The head is asked to approve a report; its author hears when someone else published or returned it."""
    item = db.session.get(NewsItem, int(entry.object_id))
    if item is None:
        return
    link = links.path("news.show", org_slug=item.facility.slug, news_id=item.id)
    if entry.action == "news.submitted":
        notify(people_of(item.facility, (Role.HEAD,)), entry.action, organisation=item.facility, link=link,
               ref=reference(item))
    elif entry.action in ("news.published", "news.returned") and item.author_id not in (None, entry.actor_id):
        notify([db.session.get(User, item.author_id)], entry.action, organisation=item.facility, link=link,
               ref=reference(item))


HANDLERS = {"agreement": _on_agreement, "contribution": _on_contribution, "invitation": _on_invitation,
            "material": _on_material, "news": _on_news}


@audit.recorded.connect
def _on_audit(entry: AuditEntry, **_extra) -> None:
    handler = HANDLERS.get(entry.object_type)
    if handler is not None and entry.object_id is not None:
        handler(entry)


# --- reminders (flask portal remind) --------------------------------------------------------------

def remind(*, unsigned_days: int, queue_days: int) -> int:
    """Expiring agreements (90/30/7 days), approved ones still unsigned, verification queues waiting.

    Each reminder has a key, so running this twice (or every hour) tells nobody twice.
    """
    from portal.services.reports import EXPIRY_WINDOWS

    today, sent = clock.today(), 0
    for agreement in db.session.scalars(select(Agreement).where(
            Agreement.ending_within(max(EXPIRY_WINDOWS), today))).unique():
        window = min(d for d in EXPIRY_WINDOWS if agreement.end_date <= today + timedelta(days=d))
        webhook_events.announce_expiring(agreement, days=window)
        for organisation, roles in ((agreement.facility, (Role.HEAD, Role.OFFICER)),
                                    (agreement.partner, (Role.ADMIN,))):
            sent += len(notify(
                people_of(organisation, roles), "reminder.expiring", organisation=organisation,
                link=_agreement_link(agreement, organisation),
                dedupe_key=f"agreement:{agreement.id}:expiring:{window}:{agreement.end_date}",
                ref=reference(agreement), days=window, end=agreement.end_date.isoformat()))
    stale = utcnow() - timedelta(days=unsigned_days)
    for agreement in db.session.scalars(select(Agreement).where(
            Agreement.status.in_((AgreementStatus.APPROVED, AgreementStatus.PARTNER_SIGNED)),
            Agreement.updated_at <= stale)).unique():
        signer, organisation = ((agreement.partner_signatory, agreement.partner)
                                if agreement.status == AgreementStatus.APPROVED
                                else (agreement.facility_signatory, agreement.facility))
        sent += len(notify([signer], "reminder.unsigned", organisation=organisation,
                           link=_agreement_link(agreement, organisation),
                           dedupe_key=f"agreement:{agreement.id}:unsigned:{agreement.status}",
                           ref=reference(agreement), days=unsigned_days))
    waiting_since = utcnow() - timedelta(days=queue_days)
    rows = db.session.execute(select(Contribution.facility_id, func.count(Contribution.id)).where(
        Contribution.status == ContributionStatus.SUBMITTED, Contribution.created_at <= waiting_since)
        .group_by(Contribution.facility_id)).all()
    for facility_id, count in rows:
        facility = db.session.get(Organisation, facility_id)
        sent += len(notify(people_of(facility, (Role.HEAD, Role.OFFICER)), "reminder.verification",
                           organisation=facility,
                           link=links.path("contributions.index", org_slug=facility.slug, status="submitted"),
                           dedupe_key=f"facility:{facility.id}:queue:{today.isoformat()}",
                           count=count, days=queue_days))
    return sent

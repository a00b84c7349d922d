"""Who is told what, when something happens: in-app notices and, by preference, e-mail.

The consumer of the concepts' typed events (`portal/<concept>/events.py`), subscribed at app creation
(`subscribe`), so every state change that is audited can notify without the services knowing about it; the
notice goes out through `portal.notifications.delivery`. Recipients are always members of the record's own
facility or partner, so a notice never reaches, or mentions, another tenant.
"""
from __future__ import annotations

from datetime import timedelta
import re

from flask import Flask
from sqlalchemy import func, select, update

from portal.accounts.models import User
from portal.agreements import chains
from portal.agreements.chain_models import StepActor
from portal.agreements.events import AgreementEvent, AgreementVerb
from portal.agreements.models import AWAITING_SIGNATURE_STATES, Agreement, AgreementKind, AgreementStatus, Party
from portal.contributions.events import ContributionEvent, ContributionVerb
from portal.contributions.models import Contribution, ContributionStatus
from portal.core import clock, events, links, whose_pages
from portal.core.columns import utcnow
from portal.core.tenancy import as_person, unscoped
from portal.extensions import db
from portal.integrations import webhook_events
from portal.materials.events import MaterialEvent, MaterialVerb
from portal.notifications.delivery import notify
from portal.notifications.models import Notification
from portal.organisations.events import InvitationEvent, InvitationVerb
from portal.organisations.models import Organisation, OrgKind
from portal.organisations.roles import Capability as C, grants, holding
from portal.public.events import NewsEvent, NewsVerb


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
                                                  Notification.read_at.is_(None)).values(read_at=utcnow())
                       .execution_options(**whose_pages.reaching(user_id=user.id)))


# --- who hears about what -------------------------------------------------------------------------
# A notice names its record the way the screens do, never by its internal id nor by what someone typed into a
# title or a reason (which may hold a WBP's name; a notice travels to mailboxes and lock screens). Its params keep
# the codes and names the text is made of (`portal.notifications.texts` puts them into words when it is read).

#: What an agreement number looks like on the screens (W17.PAS.PAS.10-PK.01.01-123, 445/123/RSUD-TL/XI/2025):
#: one word of letters, digits and separators, with a digit. Anything else typed there (a sentence, a name, a NIK's
#: 16 digits) is not shown in a notice; the agreement is then named by its type and parties.
_NUMBER = re.compile(r"[\w./\-:()]{1,60}")
_LONG_DIGITS = re.compile(r"\d{9,}")


def shown_number(number: str | None) -> str | None:
    """The agreement number as typed, if it looks like one; else None."""
    number = (number or "").strip()
    if _NUMBER.fullmatch(number) and re.search(r"\d", number) and not _LONG_DIGITS.search(number):
        return number
    return None


def agreement_params(agreement: Agreement, reader: Organisation) -> dict:
    """How a notice to `reader`'s people names the agreement: by the number of their own side if it has one, else
    the other side's, else by its type and its parties."""
    own, other = ((agreement.facility_number, agreement.partner_number) if reader.id == agreement.facility_id
                  else (agreement.partner_number, agreement.facility_number))
    params = {"agreement_type": str(agreement.type), "agreement_number": shown_number(own) or shown_number(other),
              "facility": agreement.facility.name, "partner": agreement.partner.name}
    if agreement.kind == AgreementKind.ADDENDUM:
        params["addendum"] = True
    return params


def contribution_params(contribution: Contribution) -> dict:
    """A contribution by what its list shows: its type, its date and the facility."""
    return {"contribution_type": str(contribution.type), "contribution_date": contribution.started_on.isoformat(),
            "facility": contribution.facility.name}


def people_of(organisation: Organisation, capability: C = C.DRAFT_AGREEMENT, *, unless: C | None = None
              ) -> list[User]:
    """The organisation's people (their membership not lapsed) whose role there holds `capability`, and not
    `unless`. By default those who handle its agreements: a facility's head and officers, a partner's admins."""
    kind = organisation.kind
    roles = {role for role in holding(kind, capability) if unless is None or not grants(kind, role, unless)}
    return [m.user for m in organisation.memberships if m.role in roles and not m.has_lapsed()]


def contribution_link(contribution_id: int, organisation: Organisation) -> str:
    """Where a notice of a contribution sends `organisation`'s people; what `_verification_done` looks for too."""
    return links.path("contributions.show", org_slug=organisation.slug, contribution_id=contribution_id)


def _agreement_link(agreement: Agreement, organisation: Organisation) -> str:
    return links.path("agreements.show", org_slug=organisation.slug, agreement_id=agreement.id)


def _tell_party(organisation: Organisation, users, kind: str, agreement: Agreement, *, actor_id: int | None = None,
                **params) -> None:
    """Tell `users` of `organisation` (never the person who did it: their page says so already)."""
    notify([user for user in users if user is not None and user.id != actor_id], kind, organisation=organisation,
           link=_agreement_link(agreement, organisation), **agreement_params(agreement, organisation), **params)


def _reviewers(facility: Organisation, actor_id: int | None) -> list[User]:
    """Who reviews a submitted agreement: those who review and leave the decision to another (the facility's
    officers); those who decide (its head(s)) where no one else is there to review (the head may review too, and
    would otherwise never hear of it)."""
    officers = [user for user in people_of(facility, C.REVIEW_AGREEMENT, unless=C.DECIDE_AGREEMENT)
                if user.id != actor_id]
    return officers or people_of(facility, C.DECIDE_AGREEMENT)


def subscribe(app: Flask) -> None:
    """Hear `app`'s events: every agreement's (whoever acts has done what its notices asked), and the rest below."""
    events.connect(AgreementVerb, _on_agreement, app)
    events.connect((ContributionVerb.RECORD, ContributionVerb.VERIFY, ContributionVerb.REJECT), _on_contribution, app)
    events.connect((InvitationVerb.ACCEPT,), _on_invitation, app)
    events.connect((MaterialVerb.UPLOAD,), _on_material, app)
    events.connect((NewsVerb.SUBMIT, NewsVerb.PUBLISH, NewsVerb.RETURN), _on_news, app)


def unsubscribe(app: Flask) -> None:
    events.disconnect(AgreementVerb, _on_agreement, app)
    events.disconnect(ContributionVerb, _on_contribution, app)
    events.disconnect(InvitationVerb, _on_invitation, app)
    events.disconnect(MaterialVerb, _on_material, app)
    events.disconnect(NewsVerb, _on_news, app)


def _on_agreement(app: Flask, *, event: AgreementEvent) -> None:
    """Each party hears when it is its turn, each person once per move, with the most specific notice:
    submitted → the facility's reviewers; forwarded → its head(s), to decide; changes requested or rejected → the
    partner's admins; approved → the partner's signatory, to sign, and its other admins, that it waits for the
    signatory; signed by the partner → the facility's signatory, to sign; in force, expired or terminated → both
    sides."""
    agreement = event.agreement
    if agreement is None:
        return
    _turn_done(agreement, event.actor)
    tell = _AGREEMENT_NOTICES.get(event.verb)
    if tell is not None:
        tell(agreement, event, event.verb.action, event.actor_id)


def _submitted(agreement: Agreement, event: AgreementEvent, kind: str, actor_id: int | None) -> None:
    facility, partner = agreement.facility, agreement.partner
    by = partner if event.entry.organisation_id in (None, partner.id) else facility
    step = agreement.current_step
    if step is not None and step.actor != StepActor.OFFICER:  # a chain that begins elsewhere: its first people
        _step_turn(agreement, event, "agreement.step_turn", actor_id)
        return
    _tell_party(facility, _reviewers(facility, actor_id), kind, agreement, actor_id=actor_id, by=by.name)


def _step_turn(agreement: Agreement, event: AgreementEvent, kind: str, actor_id: int | None) -> None:
    """A step of the facility's approval chain done, or begun at submission: the people of the step now current;
    the head when only the decision is left (the Kanwil's acknowledgement may be the last step)."""
    step = agreement.current_step
    if step is None:
        return
    if step.actor == StepActor.HEAD:
        _forwarded(agreement, event, AgreementVerb.FORWARD.action, actor_id)
        return
    for organisation, people in chains.people_of_step(agreement, step, people_of):
        _tell_party(organisation, people, "agreement.step_turn", agreement, actor_id=actor_id)


def _forwarded(agreement: Agreement, event: AgreementEvent, kind: str, actor_id: int | None) -> None:
    _tell_party(agreement.facility, people_of(agreement.facility, C.DECIDE_AGREEMENT), kind, agreement,
                actor_id=actor_id)


def _sent_back(agreement: Agreement, event: AgreementEvent, kind: str, actor_id: int | None) -> None:
    _tell_party(agreement.partner, people_of(agreement.partner), kind, agreement, actor_id=actor_id)  # to redraft


def _approved(agreement: Agreement, event: AgreementEvent, kind: str, actor_id: int | None) -> None:
    partner, signatory = agreement.partner, agreement.partner_signatory
    _tell_party(partner, [signatory], "agreement.to_sign_approved", agreement, actor_id=actor_id)
    others = [user for user in people_of(partner, C.SIGN_FOR_PARTNER) if user.id != agreement.partner_signatory_id]
    _tell_party(partner, others, kind, agreement, actor_id=actor_id, signatory=signatory.name if signatory else "")


def _signed(agreement: Agreement, event: AgreementEvent, kind: str, actor_id: int | None) -> None:
    # Only the partner's signature makes it the facility's turn. The head's own is recorded while the
    # agreement is still "signed by the partner" (it completes right after): reading the status here told the
    # head, as he signed, that it waited for his signature.
    if event.party == Party.PARTNER:
        _tell_party(agreement.facility, [agreement.facility_signatory], "agreement.to_sign_partner_signed",
                    agreement, actor_id=actor_id)


def _ended_or_in_force(agreement: Agreement, event: AgreementEvent, kind: str, actor_id: int | None) -> None:
    kind = "agreement.signed_by_both" if event.verb is AgreementVerb.COMPLETE else kind
    facility, partner = agreement.facility, agreement.partner
    for side in (facility, partner):
        _tell_party(side, people_of(side), kind, agreement, actor_id=actor_id)


#: Which moves of an agreement tell someone (`_on_agreement` reads every move, to mark its own notices read).
_AGREEMENT_NOTICES = {
    AgreementVerb.SUBMIT: _submitted, AgreementVerb.FORWARD: _forwarded, AgreementVerb.REQUEST_CHANGES: _sent_back,
    AgreementVerb.COMPLETE_STEP: _step_turn, AgreementVerb.ACKNOWLEDGE: _step_turn,
    AgreementVerb.REJECT: _sent_back, AgreementVerb.APPROVE: _approved, AgreementVerb.SIGN: _signed,
    AgreementVerb.COMPLETE: _ended_or_in_force, AgreementVerb.EXPIRE: _ended_or_in_force,
    AgreementVerb.TERMINATE: _ended_or_in_force,
}


def _turn_done(agreement: Agreement, actor: User | None) -> None:
    """Whoever acts on an agreement has done what its notices asked of them: those are read, so the bell does not
    go on saying "waiting for your signature" about a PKS they have just signed."""
    if actor is None:
        return
    with as_person(actor):  # their own notices
        db.session.execute(update(Notification).where(
            Notification.user_id == actor.id, Notification.read_at.is_(None),
            Notification.link.in_([_agreement_link(agreement, side) for side in (agreement.facility,
                                                                                 agreement.partner)]))
            .values(read_at=utcnow())
            .execution_options(synchronize_session=False, **whose_pages.reaching(user_id=actor.id)))


def _on_contribution(app: Flask, *, event: ContributionEvent) -> None:
    if event.verb is ContributionVerb.RECORD:
        contribution_notices.recorded(event.entry)  # told when its transaction ends: an import records thousands
        return
    contribution = event.contribution
    if contribution is None:
        return
    _verification_done(contribution)
    if contribution.created_by is None:
        return
    partner = contribution.partner
    notify([contribution.created_by], event.verb.action, organisation=partner,
           link=contribution_link(contribution.id, partner),
           **contribution_params(contribution))


def _verification_done(contribution: Contribution) -> None:
    """Once verified or sent back, a contribution waits for nobody at the facility: every notice that told its
    people of it is read, whoever of them acted. The officer who verified both new
    contributions still read "3 belum dibaca", two of them "menunggu verifikasi Anda"."""
    facility = contribution.facility
    with unscoped("the facility's notices of a contribution it has dealt with, whoever of its people dealt"):
        readers = db.session.scalars(update(Notification).where(
            Notification.organisation_id == facility.id, Notification.read_at.is_(None),
            Notification.link == contribution_link(contribution.id, facility))
            .values(read_at=utcnow()).returning(Notification.user_id)
            .execution_options(synchronize_session=False, **whose_pages.reaching(organisation_id=facility.id))).all()
    whose_pages.note(db.session.connection(), whose_pages.Reach(persons=set(readers)))  # their bells


def _on_invitation(app: Flask, *, event: InvitationEvent) -> None:
    invitation = event.invitation
    if invitation is None or invitation.invited_by is None:
        return
    home = invitation.sent_for or invitation.organisation
    notify([invitation.invited_by], event.verb.action, organisation=home,
           link=links.path("members.index", org_slug=invitation.organisation.slug)
           if invitation.sent_for is None else links.path("partnerships.index", org_slug=home.slug),
           person=invitation.email,
           joined=invitation.organisation.name)


def _on_material(app: Flask, *, event: MaterialEvent) -> None:
    material = event.material
    if material is None or material.agreement_id is None:
        return
    uploaded_by = event.entry.organisation_id
    other = material.partner if uploaded_by == material.facility_id else material.facility
    by = material.facility if other == material.partner else material.partner
    notify(people_of(other), "material.added", organisation=other,  # who handles the agreement it belongs to
           link=links.path("materials.show", org_slug=other.slug, material_id=material.id),
           category=str(material.category), **agreement_params(material.agreement, other), by=by.name)


def _on_news(app: Flask, *, event: NewsEvent) -> None:
    """The head is asked to approve a report; its author hears when someone else published or returned it."""
    item = event.item
    if item is None:
        return
    link = links.path("news.show", org_slug=item.facility.slug, news_id=item.id)
    named = {"news_source": str(item.source_kind), "news_date": item.happened_on.isoformat()}  # never its title
    if event.verb is NewsVerb.SUBMIT:
        notify(people_of(item.facility, C.APPROVE_NEWS), event.verb.action, organisation=item.facility, link=link,
               **named)
    elif item.author_id not in (None, event.actor_id):
        notify([db.session.get(User, item.author_id)], event.verb.action, organisation=item.facility, link=link,
               **named)


# --- reminders (flask portal remind) --------------------------------------------------------------

def remind(*, unsigned_days: int, queue_days: int) -> int:
    """Expiring agreements (90/30/7 days), approved ones still unsigned, verification queues waiting.

    Each reminder has a key, so running this twice (or every hour) tells nobody twice.
    """
    from portal.reporting.figures import EXPIRY_WINDOWS

    today, sent = clock.today(), 0
    for agreement in db.session.scalars(select(Agreement).where(
            Agreement.ending_within(max(EXPIRY_WINDOWS), today))).unique():
        window = min(d for d in EXPIRY_WINDOWS if agreement.end_date <= today + timedelta(days=d))
        webhook_events.announce_expiring(agreement, days=window)
        for organisation in (agreement.facility, agreement.partner):
            sent += len(notify(
                people_of(organisation), "reminder.expiring", organisation=organisation,
                link=_agreement_link(agreement, organisation),
                dedupe_key=f"agreement:{agreement.id}:expiring:{window}:{agreement.end_date}",
                **agreement_params(agreement, organisation), days=window, end=agreement.end_date.isoformat()))
    stale = utcnow() - timedelta(days=unsigned_days)
    for agreement in db.session.scalars(select(Agreement).where(
            Agreement.status.in_(AWAITING_SIGNATURE_STATES),
            Agreement.updated_at <= stale)).unique():
        signer, organisation = ((agreement.partner_signatory, agreement.partner)
                                if agreement.status == AgreementStatus.APPROVED
                                else (agreement.facility_signatory, agreement.facility))
        sent += len(notify([signer], "reminder.unsigned", organisation=organisation,
                           link=_agreement_link(agreement, organisation),
                           dedupe_key=f"agreement:{agreement.id}:unsigned:{agreement.status}",
                           **agreement_params(agreement, organisation), days=unsigned_days))
    sent += _remind_late_steps(today)
    waiting_since = utcnow() - timedelta(days=queue_days)
    rows = db.session.execute(select(Contribution.facility_id, func.count(Contribution.id)).where(
        Contribution.status == ContributionStatus.SUBMITTED, Contribution.created_at <= waiting_since)
        .group_by(Contribution.facility_id)).all()
    for facility_id, count in rows:
        facility = db.session.get(Organisation, facility_id)
        sent += len(notify(people_of(facility, C.VERIFY_CONTRIBUTION), "reminder.verification",
                           organisation=facility,
                           link=links.path("contributions.index", org_slug=facility.slug, status="submitted"),
                           dedupe_key=f"facility:{facility.id}:queue:{today.isoformat()}",
                           count=count, days=queue_days))
    return sent


def _remind_late_steps(today) -> int:
    """Approval steps past their deadline (issue 37): each person of a late step hears once a day of all that is
    late for them together, not once per agreement; a step late by its own length again is told to the head, once;
    each late step is announced once to the webhooks that asked."""
    sent, late_for = 0, {}
    for step in chains.late_steps(today):
        agreement = step.agreement
        webhook_events.announce_step_late(agreement, step_id=step.id, due_on=step.due_on)
        for organisation, people in chains.people_of_step(agreement, step, people_of):
            for person in people:  # per organisation: each reminder links to that organisation's list
                late_for.setdefault((person.id, organisation.id), [person, organisation, 0, step.due_on])[2] += 1
        if step.actor != StepActor.HEAD and chains.past_second_deadline(step, today):
            facility = agreement.facility
            sent += len(notify(people_of(facility, C.DECIDE_AGREEMENT), "reminder.step_overdue",
                               organisation=facility, link=_agreement_link(agreement, facility),
                               dedupe_key=f"agreement_step:{step.id}:overdue", **agreement_params(agreement, facility),
                               due=step.due_on.isoformat()))
    for person, organisation, count, oldest in late_for.values():
        queue = "acknowledge" if organisation.kind == OrgKind.OVERSIGHT else "review"
        sent += len(notify([person], "reminder.steps_late", organisation=organisation,
                           link=links.path("agreements.index", org_slug=organisation.slug, queue=queue),
                           dedupe_key=f"user:{person.id}:org:{organisation.id}:steps_late:{today.isoformat()}",
                           count=count,
                           due=oldest.isoformat()))
    return sent


# The facility's verifiers hear of new contributions through a module of their own, which calls back into this one.
from portal.contributions import notices as contribution_notices

"""Contributions and programmes: partners record, facility officers verify, only verified counts.

A verified contribution is frozen: a correction is a new record that needs
verifying again, and replaces the old one (kept as history) only then.
No inmate is ever named: the records hold counts.
"""
from __future__ import annotations

from datetime import date, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from portal import policy
from portal.accounts.models import User
from portal.agreements.models import SIGNED_STATES, Agreement, AgreementType
from portal.audit import chain as audit
from portal.contributions import measures, tallies
from portal.contributions.events import ContributionVerb
from portal.contributions.fields import BY_NAME, EXPORTED, FIELDS, LINKS, ContributionFields, Kind
from portal.contributions.measures import Measures
from portal.contributions.models import Contribution, ContributionStatus, ContributionType, Programme
from portal.core import clock, locking
from portal.core.columns import utcnow
from portal.core.errors import DomainError, FieldErrors
from portal.core.exports import Column, QueryRows, Table
from portal.core.i18n import long_date
from portal.core.vocabulary import label
from portal.extensions import db
from portal.organisations.models import Organisation
from portal.organisations.partnership_models import Partnership

C = ContributionStatus
T, A = ContributionType, AgreementType

#: Which agreements a contribution of each type may fall under.
AGREEMENT_TYPES_FOR = {
    T.COUNSELLING: {A.COUNSELLING, A.REHABILITATION, A.INTERNSHIP},
    T.REHABILITATION: {A.REHABILITATION},
    T.TRAINING: {A.VOCATIONAL_TRAINING, A.EDUCATION, A.ECONOMIC_EMPOWERMENT},
    T.HEALTH: {A.HEALTH_REFERRAL},
    T.INTERNSHIP_HOURS: {A.INTERNSHIP},
    T.PRE_RELEASE: {A.COUNSELLING, A.INTERNSHIP, A.REHABILITATION},
    T.DONATION: {A.OTHER},
    T.CERTIFICATES: {A.VOCATIONAL_TRAINING, A.EDUCATION, A.REHABILITATION},
    T.UMKM: {A.ECONOMIC_EMPOWERMENT, A.VOCATIONAL_TRAINING},
    T.OTHER: {A.OTHER},
}


def contribution_types_under(agreement: Agreement) -> list[str]:
    """The kinds of contribution that may fall under this agreement (the form offers it for those only)."""
    return [kind.value for kind, types in AGREEMENT_TYPES_FOR.items() if agreement.type in types]


# --- recording ------------------------------------------------------------------------------

def signed_agreements_of(facility: Organisation, partner: Organisation) -> list[Agreement]:
    """What the contribution form offers (agreements both parties signed, whether in force yet, still, or no longer:
    work can fall under them); `agreements_for` then checks type and date."""
    return list(db.session.scalars(select(Agreement).where(
        Agreement.facility_id == facility.id, Agreement.partner_id == partner.id,
        Agreement.status.in_(SIGNED_STATES)).order_by(Agreement.title)).unique())


def agreements_for(facility: Organisation, partner: Organisation, kind: ContributionType,
                   on: date | None = None, *, signed: list[Agreement] | None = None) -> list[Agreement]:
    """The pair's agreements in force on `on` that a contribution of this type may fall under.

    `signed` (the pair's `signed_agreements_of`, read once) spares a query per row of an import.
    """
    on = on or clock.today()
    signed = signed_agreements_of(facility, partner) if signed is None else signed
    return sorted((agreement for agreement in signed if agreement.type in AGREEMENT_TYPES_FOR[kind]
                   and agreement.start_date <= on <= agreement.end_date), key=lambda agreement: agreement.start_date)


def record_contribution(facility: Organisation, partner: Organisation, fields: ContributionFields, *,
                        actor: User, submission_key: str | None = None) -> Contribution:
    """The partner records what it did; a facility officer verifies it next."""
    policy.require(policy.can_record_contribution(actor, facility, partner))
    contribution = new_contribution(facility, partner, fields, actor=actor)
    contribution.submission_key = submission_key
    db.session.add(contribution)
    db.session.flush()
    _audit(ContributionVerb.RECORD.action, contribution, actor, after=summary(contribution))
    return contribution


def new_contribution(facility: Organisation, partner: Organisation, fields: ContributionFields, *, actor: User,
                     signed: list[Agreement] | None = None, earliest: date | None = None) -> Contribution:
    """A contribution checked against every rule, not yet kept: what recording one and importing many share."""
    contribution = Contribution(facility_id=facility.id, partner_id=partner.id, created_by_id=actor.id,
                                status=C.SUBMITTED)  # ids, not objects: an import makes 20,000 of these
    _apply(contribution, facility, partner, fields, signed=signed, earliest=earliest)
    return contribution


def audit_recorded(facility: Organisation, partner: Organisation, recorded: list[Contribution], actor: User) -> None:
    """The trail's entries for many new contributions of one pair (an import): one look-up of the chain's end."""
    organisation = audit.party_of(actor, facility, partner)
    audit.record_many([dict(action=ContributionVerb.RECORD.action, actor=actor, object_type="contribution",
                            object_id=contribution.id, organisation=organisation, facility=facility,
                            partner=partner, after=summary(contribution)) for contribution in recorded])


def record_contribution_once(facility: Organisation, partner: Organisation, fields: ContributionFields, *,
                             actor: User, submission_key: str) -> tuple[Contribution, bool]:
    """Record it unless a form with the same one-time key already did: (the contribution, newly recorded?).

    Two copies of one form (a double click, a resubmission after a time-out) wait for
    each other on the key, so the second finds what the first recorded.
    """
    locking.serialise(f"contribution-form:{facility.id}:{partner.id}:{submission_key}")
    earlier = db.session.scalar(select(Contribution).where(
        Contribution.facility_id == facility.id, Contribution.partner_id == partner.id,
        Contribution.submission_key == submission_key))
    if earlier is not None:
        return earlier, False
    return record_contribution(facility, partner, fields, actor=actor, submission_key=submission_key), True


def record_sessions(programme: Programme, sessions: list[ContributionFields], *, actor: User) -> list[Contribution]:
    """Several sessions of a programme at once: all of them, or none if any is wrong."""
    if not sessions:
        raise DomainError(_l("Add at least one session."))
    recorded, savepoint = [], db.session.begin_nested()
    for number, fields in enumerate(sessions, start=1):
        fields.programme = programme
        try:
            recorded.append(record_contribution(programme.facility, programme.partner, fields, actor=actor))
        except DomainError as error:
            savepoint.rollback()
            raise DomainError(_l("Session %(n)d: %(problem)s", n=number, problem=error.message)) from None
    savepoint.commit()
    return recorded


def update_contribution(contribution: Contribution, fields: ContributionFields, *, actor: User,
                        expected_version: int | None = None) -> None:
    """Correct a record not yet verified; a rejected one goes back to the officer."""
    policy.require(policy.can_edit_contribution(actor, contribution))
    _lock(contribution, expected_version)
    if contribution.status not in (C.SUBMITTED, C.REJECTED):
        raise DomainError(_l("A verified contribution is frozen; record a correction instead."))
    before = summary(contribution)
    _apply(contribution, contribution.facility, contribution.partner, fields)
    resubmitted = contribution.status == C.REJECTED
    contribution.status = C.SUBMITTED
    _save()
    _audit("contribution.resubmitted" if resubmitted else "contribution.updated", contribution, actor,
           before=before, after=summary(contribution))


def correct_verified(contribution: Contribution, fields: ContributionFields, *, actor: User) -> Contribution:
    """A new version of a verified record; the old one counts until the correction is verified."""
    policy.require(policy.can_edit_contribution(actor, contribution))
    _lock(contribution)
    if contribution.status != C.VERIFIED:
        raise DomainError(_l("Only a verified contribution is corrected this way; edit the others directly."))
    correction = record_contribution(contribution.facility, contribution.partner, fields, actor=actor)
    correction.corrects = contribution
    _audit("contribution.correction_recorded", contribution, actor, after={"correction": correction.id})
    return correction


# --- verification ------------------------------------------------------------------------

def verify_contribution(contribution: Contribution, *, actor: User) -> None:
    """A facility officer confirms it happened as recorded; from now on it counts."""
    policy.require(policy.can_verify_contribution(actor, contribution))
    _lock(contribution)
    _require_submitted(contribution)
    contribution.status, contribution.status_reason = C.VERIFIED, None
    contribution.verified_by_id, contribution.verified_at = actor.id, utcnow()
    replaced = contribution.corrects
    if replaced is not None and replaced.status == C.VERIFIED:
        replaced.status = C.SUPERSEDED
        tallies.count_out(replaced)
        _audit("contribution.superseded", replaced, actor, after={"by": contribution.id})
    tallies.count_in(contribution)
    _save()
    _audit(ContributionVerb.VERIFY.action, contribution, actor, before={"status": C.SUBMITTED},
           after={"status": C.VERIFIED})


def reject_contribution(contribution: Contribution, reason: str, *, actor: User) -> None:
    policy.require(policy.can_verify_contribution(actor, contribution))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_l("Please give a reason."))
    _lock(contribution)
    _require_submitted(contribution)
    contribution.status, contribution.status_reason = C.REJECTED, reason
    _save()
    _audit(ContributionVerb.REJECT.action, contribution, actor, before={"status": C.SUBMITTED},
           after={"status": C.REJECTED, "reason": reason})


# --- queues and totals ------------------------------------------------------------------

def waiting_count(status: ContributionStatus = C.SUBMITTED) -> int:
    """Contributions the acting organisation sees that wait: for an officer (submitted), or for the partner
    to correct them (rejected)."""
    return db.session.scalar(select(func.count(Contribution.id)).where(Contribution.status == status))


def totals(*conditions) -> Measures:
    """What the verified contributions the acting organisation sees add up to, narrowed by `conditions`; nothing
    else ever counts."""
    return Measures.of(db.session.execute(select(*measures.sums()).where(
        Contribution.status == C.VERIFIED, *conditions)).one())


def listed(status: str | None = None, kind: str | None = None):
    """The contributions the organisation sees (the tenancy filter decides which), newest first, narrowed;
    an unknown status or type is ignored."""
    query = select(Contribution).order_by(Contribution.started_on.desc(), Contribution.id.desc())
    if status in ContributionStatus._value2member_map_:
        query = query.where(Contribution.status == status)
    if kind in ContributionType._value2member_map_:
        query = query.where(Contribution.type == kind)
    return query


#: How an exported field's cells are formatted in a spreadsheet, by its kind (text otherwise).
_CELL_KINDS = {Kind.DATE: "date", Kind.COUNT: "int", Kind.HOURS: "decimal"}


def as_table(query) -> Table:
    """A list of contributions as a table to export (the declared fields with an export heading, its pair after
    the required ones, its status last); rows stream from the database in batches."""
    last_required = max(n for n, field in enumerate(EXPORTED) if field.required) + 1
    pair = (Column("facility", _l("Facility")), Column("partner", _l("Partner")))
    declared = [Column(field.name, field.export, _CELL_KINDS.get(field.kind, "text")) for field in EXPORTED]
    columns = (*declared[:last_required], *pair, *declared[last_required:], Column("status", _l("Status")))

    def row(contribution: Contribution) -> tuple:
        cells = [_cell(field, getattr(contribution, field.name)) for field in EXPORTED]
        return (*cells[:last_required], contribution.facility.name, contribution.partner.name,
                *cells[last_required:], label(contribution.status))
    return Table("contributions", _l("Contributions"), columns, QueryRows(query, row))


def _cell(field, value):
    return label(value) if field.kind == Kind.CHOICE else value


# --- the machinery ------------------------------------------------------------------------

def _apply(contribution: Contribution, facility: Organisation, partner: Organisation,
           fields: ContributionFields, *, signed: list[Agreement] | None = None, earliest: date | None = None) -> None:
    """Check every field against the rules, all at once (each refusal beside its field, in the user's language),
    then set them."""
    found = problems(facility, partner, fields, signed=signed, earliest=earliest)
    if found:
        raise FieldErrors(found)
    for field in FIELDS:
        value = getattr(fields, field.name)
        if isinstance(value, str):
            value = value.strip() or field.blank
        setattr(contribution, field.name, value)


def problems(facility: Organisation, partner: Organisation, fields: ContributionFields, *,
             signed: list[Agreement] | None = None, earliest: date | None = None) -> dict[str, object]:
    """What is wrong with these fields, by field (the form's names): empty when they may be recorded.

    Fills in the total from men and women when only those were given; a form may ask before a type is chosen
    (the agreement is then not checked). `earliest` (the pair's `earliest_day`, read once) spares an import a
    query per row.
    """
    found: dict[str, object] = {}
    if fields.started_on is not None:
        found |= _date_problems(fields, earliest or earliest_day(facility, partner))
    counts = (fields.participants_male, fields.participants_female, fields.participants_total)
    if any(count is not None and count < 0 for count in counts):
        found["participants_total"] = _l("Numbers of participants cannot be negative.")
    else:
        male, female, total = (count or 0 for count in counts)
        if fields.participants_total is None and (fields.participants_male or fields.participants_female):
            fields.participants_total = total = male + female
        if male + female > total:
            found["participants_total"] = _l("Men and women together (%(sum)d) are more than the total "
                                             "(%(total)d).", sum=male + female, total=total)
    if fields.hours is not None and fields.started_on is not None and "ended_on" not in found:
        days = ((fields.ended_on or fields.started_on) - fields.started_on).days + 1
        if fields.hours < 0:
            found["hours"] = _l("Hours cannot be negative.")
        elif fields.hours > 24 * days:
            found["hours"] = _l("%(hours)s hours over %(days)d day(s) is more than 24 hours a day.",
                                hours=fields.hours, days=days)
    if fields.type is not None and fields.started_on is not None and not found.keys() & {"started_on", "ended_on"}:
        if problem := _agreement_problem(facility, partner, fields, signed):
            found["agreement"] = problem
    if fields.programme is not None and (fields.programme.facility_id, fields.programme.partner_id) != (
            facility.id, partner.id):
        found["programme"] = _l("That programme belongs to another facility or partner.")
    return found


#: The earliest year a contribution may be dated where the partnership's start was not recorded: the portal
#: keeps what partners do now; older work belongs in the reports of its own year.
EARLIEST_YEAR = 2020


def earliest_day(facility: Organisation, partner: Organisation) -> date:
    """The first day a contribution of the pair may be dated: the day the partnership began, where it was
    recorded, otherwise 1 January EARLIEST_YEAR."""
    since = db.session.scalar(select(Partnership.since).where(
        Partnership.facility_id == facility.id, Partnership.partner_id == partner.id))
    return since or date(EARLIEST_YEAR, 1, 1)


def latest_day() -> date:
    """The last day a contribution may be dated: today (it is recorded once it happened), or as many days
    ahead as CONTRIBUTION_FUTURE_DAYS allows."""
    return clock.today() + timedelta(days=current_app.config["CONTRIBUTION_FUTURE_DAYS"])


def _date_problems(fields: ContributionFields, earliest: date) -> dict[str, object]:
    found: dict[str, object] = {}
    latest, ahead = latest_day(), current_app.config["CONTRIBUTION_FUTURE_DAYS"]
    for name in ("started_on", "ended_on"):
        day = getattr(fields, name)
        if day is None:
            continue
        if day < earliest:
            found[name] = (_l("The date is before the partnership began (%(since)s): a contribution is dated on or "
                              "after that day. Check the year.", since=long_date(earliest))
                           if earliest != date(EARLIEST_YEAR, 1, 1) else
                           _l("The date is before %(year)d: the portal records contributions from 1 January "
                              "%(year)d on. Check the year.", year=EARLIEST_YEAR))
        elif day > latest:
            found[name] = (_l("The date is in the future: a contribution is recorded once it has happened (today "
                              "is %(today)s).", today=long_date(clock.today())) if ahead <= 0 else
                           _l("The date is too far ahead: a contribution is recorded once it has happened, at most "
                              "%(n)d day(s) ahead (until %(last)s).", n=ahead, last=long_date(latest)))
    if "ended_on" not in found and fields.ended_on is not None and fields.ended_on < fields.started_on:
        found["ended_on"] = _l("The end date must not be before the start date.")
    return found


def _agreement_problem(facility: Organisation, partner: Organisation, fields: ContributionFields,
                       signed: list[Agreement] | None = None):
    possible = agreements_for(facility, partner, fields.type, fields.started_on, signed=signed)
    if fields.agreement is None and possible:
        return _l("Choose the agreement this falls under: %(titles)s.", titles=", ".join(a.title for a in possible))
    if fields.agreement is not None and fields.agreement not in possible:
        return _l("That agreement was not in force for this kind of contribution on that date.")
    return None


def _lock(contribution: Contribution, expected_version: int | None = None) -> None:
    locking.lock(contribution, _changed, expected_version)


def _changed() -> DomainError:
    return DomainError(_l("Someone else changed this contribution a moment ago. Nothing was saved; "
                          "reload the page and try again."))


def _save() -> None:
    locking.save(_changed)


def _require_submitted(contribution: Contribution) -> None:
    if contribution.status != C.SUBMITTED:
        raise DomainError(_l("Only a contribution waiting for verification can be verified or rejected."))


def summary(contribution: Contribution) -> dict:
    """The contribution's fields for the audit trail (links by id), in `ContributionFields`' order."""
    summary = {}
    for name in ContributionFields.__dataclass_fields__:
        value = getattr(contribution, name)
        summary[name] = (value.id if value is not None else None) if BY_NAME[name].kind in LINKS else value
    return summary


def _audit(action: str, contribution: Contribution, actor: User, **changes) -> None:
    audit.record(action, actor=actor, object_type="contribution", object_id=contribution.id,
                 organisation=audit.party_of(actor, contribution.facility, contribution.partner),
                 facility=contribution.facility, partner=contribution.partner, **changes)

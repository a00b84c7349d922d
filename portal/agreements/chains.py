"""Approval chains: the steps a PKS takes between its submission and the head's decision, as each facility sets
them for itself (issue 37; SIMKERMA-style systems let each unit do the same).

A chain is the facility's review steps in order (who acts: an officer, the general-affairs section's legal
review, a section head, or the Kanwil covering the facility; a deadline in working days; whether the step may
send the draft back to the partner), followed always by the head's decision. The default is the portal's first
workflow: an officer's review, then the head. When an agreement is submitted it takes a copy of its facility's
chain (for its type, if the facility set one, else for every type) as its own steps, so changing a chain never
moves an agreement already in it; a resubmission after changes starts a new round from the first step.

The agreement's status keeps its meaning: "submitted" while review steps are open, "forwarded" once only the
head's decision is left; the lists, counts and notices that read the status read it as before.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, time, timezone
from decimal import Decimal
from statistics import median

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, inspect as sa_inspect, select
from sqlalchemy.orm import aliased

from portal import policy
from portal.accounts.models import User
from portal.agreements import moves
from portal.agreements.chain_models import AgreementStep, ApprovalChain, StepActor, StepState
from portal.agreements.events import AgreementVerb
from portal.agreements.labels import STEP_ACTOR, step_name
from portal.agreements.models import IN_REVIEW_STATES, Agreement, AgreementStatus as S, AgreementType
from portal.audit import chain as audit
from portal.core import clock, working_days
from portal.core.columns import as_utc, utcnow
from portal.core.errors import FieldErrors
from portal.core import tenancy
from portal.core.tenancy import current_scope
from portal.extensions import db
from portal.organisations import visibility
from portal.organisations.models import Organisation

#: The most review steps a chain has before the head's decision, and the longest a step may be given.
MOST_STEPS = 8
MOST_DAYS = 60
#: Who may act at a review step, in the order the settings page offers them (the head decides, last).
REVIEWERS = (StepActor.OFFICER, StepActor.LEGAL, StepActor.SECTION, StepActor.KANWIL)


@dataclass(frozen=True)
class ChainStep:
    """One review step as a facility sets it. An empty name is shown as who acts ("Officer review")."""

    actor: StepActor
    days: int
    name: str = ""
    may_return: bool = False


@dataclass(frozen=True)
class Chain:
    steps: tuple[ChainStep, ...]
    decision_days: int
    #: The facility set it (False: the portal's default).
    own: bool = False


DEFAULT = Chain(steps=(ChainStep(StepActor.OFFICER, 5, may_return=True),), decision_days=5)


def chain_for(facility: Organisation, agreement_type: AgreementType | None = None) -> Chain:
    """The chain a new submission of this type takes: the facility's for the type, else its own for every type,
    else the default."""
    found = {chain.agreement_type: chain for chain in db.session.scalars(
        select(ApprovalChain).where(ApprovalChain.facility_id == facility.id))}
    chain = found.get(agreement_type) or found.get(None)
    return DEFAULT if chain is None else _as_chain(chain)


def chains_of(facility: Organisation) -> dict[AgreementType | None, Chain]:
    """Every chain the facility set, by type (None: for every type)."""
    return {chain.agreement_type: _as_chain(chain) for chain in db.session.scalars(
        select(ApprovalChain).where(ApprovalChain.facility_id == facility.id))}


def _as_chain(row: ApprovalChain) -> Chain:
    return Chain(steps=tuple(ChainStep(StepActor(step["actor"]), int(step["days"]), step.get("name") or "",
                                       bool(step.get("may_return"))) for step in row.steps),
                 decision_days=row.decision_days, own=True)


def has_kanwil(facility: Organisation) -> bool:
    """Whether a regional office covering the facility uses the portal (a Kanwil step needs one to act)."""
    with tenancy.unscoped("whether the facility's regional office uses the portal (its name is public)"):
        return db.session.scalar(select(Organisation.id).where(
            Organisation.id.in_(visibility.regional_offices_of(facility.id)),
            Organisation.is_active.is_(True)).limit(1)) is not None


def set_chain(facility: Organisation, agreement_type: AgreementType | None, steps: list[ChainStep],
              decision_days: int, *, actor: User) -> None:
    """The head sets the facility's chain (for one type, or for every type). Agreements already submitted keep
    the steps they started with."""
    policy.require(policy.can_set_approval_chain(actor, facility))
    problems = chain_problems(facility, steps, decision_days)
    if problems:
        raise FieldErrors(problems)
    chain = _stored(facility, agreement_type)
    before = _as_chain(chain).steps if chain else None
    if chain is None:
        chain = ApprovalChain(facility=facility, agreement_type=agreement_type)
        db.session.add(chain)
    chain.steps = [{**asdict(step), "actor": step.actor.value} for step in steps]
    chain.decision_days = decision_days
    chain.updated_by_id = actor.id
    db.session.flush()
    audit.record("approval_chain.updated", actor=actor, object_type="organisation", object_id=facility.id,
                 organisation=facility, facility=facility,
                 before={"steps": _described(before)} if before is not None else None,
                 after={"steps": _described(steps), "decision_days": decision_days,
                        **({"agreement_type": agreement_type.value} if agreement_type else {})})


def reset_chain(facility: Organisation, agreement_type: AgreementType | None, *, actor: User) -> None:
    """Back to the facility's chain for every type (or, for that one, to the default)."""
    policy.require(policy.can_set_approval_chain(actor, facility))
    if (chain := _stored(facility, agreement_type)) is not None:
        audit.record("approval_chain.updated", actor=actor, object_type="organisation", object_id=facility.id,
                     organisation=facility, facility=facility, before={"steps": _described(_as_chain(chain).steps)},
                     after={"steps": "", **({"agreement_type": agreement_type.value} if agreement_type else {})})
        db.session.delete(chain)
    db.session.flush()


def _stored(facility: Organisation, agreement_type: AgreementType | None) -> ApprovalChain | None:
    """The facility's own chain for the type (None: for every type), if it set one (`== None` is IS NULL)."""
    return db.session.scalar(select(ApprovalChain).where(
        ApprovalChain.facility_id == facility.id, ApprovalChain.agreement_type == agreement_type))


def _described(steps) -> str:
    """A chain as one line for the audit trail: "Reviu petugas (5), Reviu hukum (3), Kanwil (5)"."""
    return ", ".join(f"{step_name(step)} ({step.days})" for step in steps)


def chain_problems(facility: Organisation, steps: list[ChainStep], decision_days: int) -> dict[str, object]:
    found: dict[str, object] = {}
    if not steps:
        found["steps"] = _l("Give at least one step before the head's decision (the default is an officer's review).")
    if len(steps) > MOST_STEPS:
        found["steps"] = _l("A chain has at most %(n)d steps before the head's decision.", n=MOST_STEPS)
    for number, step in enumerate(steps, start=1):
        if step.actor not in REVIEWERS:
            found[f"steps-{number}"] = _l("Step %(n)d: the head decides last, after every step.", n=number)
        elif not 1 <= step.days <= MOST_DAYS:
            found[f"steps-{number}"] = _l("Step %(n)d: give between 1 and %(most)d working days.", n=number,
                                          most=MOST_DAYS)
        elif len(step.name) > 120:
            found[f"steps-{number}"] = _l("Step %(n)d: the name is longer than 120 characters.", n=number)
        elif step.actor == StepActor.KANWIL and not has_kanwil(facility):
            found[f"steps-{number}"] = _l("Step %(n)d: no regional office (Kanwil) covering the facility uses the "
                                          "portal yet, so nobody could acknowledge.", n=number)
        elif step.actor == StepActor.KANWIL and step.may_return:
            found[f"steps-{number}"] = _l("Step %(n)d: the Kanwil acknowledges; it does not send drafts back.",
                                          n=number)
    if [step.actor for step in steps].count(StepActor.KANWIL) > 1:
        found["steps"] = _l("The Kanwil acknowledges once in a chain.")
    # Every problem of the steps in one message, shown above them: a form shows them all at once.
    said = [str(found.pop(key)) for key in [key for key in found if key.startswith("steps")]]
    if said:
        found["steps"] = " ".join(said)
    if not 1 <= decision_days <= MOST_DAYS:
        found["decision_days"] = _l("Give the head between 1 and %(most)d working days.", most=MOST_DAYS)
    return found


# --- an agreement's steps ------------------------------------------------------------------

def start(agreement: Agreement) -> None:
    """At submission: a new round of the facility's chain as it is now, its first step current."""
    for step in agreement.steps:
        if step.state == StepState.OPEN:
            step.state = StepState.CLOSED
    rounds = max((step.round for step in agreement.steps), default=0) + 1
    with tenancy.unscoped("the partner submits; the facility's chain, which the partner does not read, is copied"):
        chain = chain_for(agreement.facility, agreement.type)
    made = [*(AgreementStep(actor=step.actor, days=step.days, name=step.name, may_return=step.may_return)
              for step in chain.steps),
            AgreementStep(actor=StepActor.HEAD, days=chain.decision_days, name="", may_return=True)]
    for position, step in enumerate(made, start=1):
        step.round, step.position = rounds, position
        step.facility_id, step.partner_id = agreement.facility_id, agreement.partner_id
        agreement.steps.append(step)
    _begin(made[0])
    moves.save()


def _begin(step: AgreementStep) -> None:
    step.started_at = utcnow()
    step.due_on = working_days.add_working_days(clock.today(), step.days)


def complete(agreement: Agreement, actor: User, verb: AgreementVerb) -> None:
    """The current review step done (FORWARD: by the facility's people of the step; ACKNOWLEDGE: by the Kanwil):
    the next becomes current, and when only the head's decision is left the agreement is forwarded."""
    seen = agreement.current_step
    moves.begin(agreement, actor, verb)
    step = _as_it_is_now(agreement)
    if step is None and seen is None:  # submitted before approval chains: one review, as then
        moves.move(agreement, actor, S.FORWARDED, AgreementVerb.FORWARD)
        return
    if step is None or seen is None or step.id != seen.id:  # someone completed it while this person looked
        raise moves.AgreementChanged()
    _decide(step, actor, StepState.DONE)
    moves.save()  # the step decided before the next begins: the database checks them in this order (0039)
    following = _after(agreement, step)
    _begin(following)
    described = {"step": step_name(step), "next_step": step_name(following)}
    if verb == AgreementVerb.ACKNOWLEDGE:  # one entry, forwarding too when the head's decision is next
        if following.actor == StepActor.HEAD:
            moves.move(agreement, actor, S.FORWARDED, AgreementVerb.ACKNOWLEDGE, **described)
        else:
            moves.save()
            moves.record(AgreementVerb.ACKNOWLEDGE, agreement, actor, after=described)
    elif following.actor == StepActor.HEAD:
        moves.move(agreement, actor, S.FORWARDED, AgreementVerb.FORWARD, step=step_name(step))
    else:
        moves.save()
        moves.record(AgreementVerb.COMPLETE_STEP, agreement, actor, after=described)


def returned(agreement: Agreement, actor: User) -> None:
    """Sent back for changes: the current step says so, the rest of the round ends; the next submission begins a
    new round."""
    if (step := agreement.current_step) is not None:
        _decide(step, actor, StepState.RETURNED)
    for later in agreement.round_steps:
        if later.state == StepState.OPEN:
            later.state = StepState.CLOSED


def decided(agreement: Agreement, actor: User, approved: bool) -> None:
    """The head's decision ends the round: done, or (rejected) closed with whatever was open."""
    for step in agreement.round_steps:
        if step.state == StepState.OPEN:
            if step.actor == StepActor.HEAD:
                _decide(step, actor, StepState.DONE if approved else StepState.CLOSED)
            else:
                step.state = StepState.CLOSED


def _as_it_is_now(agreement: Agreement) -> AgreementStep | None:
    """The current step as committed now (the agreement's row is locked: nobody else moves its steps meanwhile)."""
    db.session.execute(select(AgreementStep).where(AgreementStep.agreement_id == agreement.id)
                       .execution_options(populate_existing=True)).all()
    return agreement.current_step


def _decide(step: AgreementStep, actor: User, state: StepState) -> None:
    step.state = state
    step.decided_at = utcnow()
    step.decided_by_id, step.decided_by_name = actor.id, actor.name
    step.decided_for_id = current_scope().org_id


def _after(agreement: Agreement, step: AgreementStep) -> AgreementStep:
    steps = agreement.round_steps
    return steps[steps.index(step) + 1]


def summary(chain: Chain) -> str:
    """A chain in one line: "Reviu petugas → Reviu hukum → Pengetahuan Kanwil → Keputusan Kepala"."""
    return " → ".join([*(step_name(step) for step in chain.steps), str(STEP_ACTOR[StepActor.HEAD])])


@dataclass(frozen=True)
class StepView:
    """One step of an agreement's latest round, as its page shows it."""

    name: str
    actor: StepActor
    state: StepState
    current: bool
    due_on: object
    late: bool
    decided_at: object
    decided_by: str | None
    decided_for: str | None


def steps_of(agreement: Agreement) -> list[StepView]:
    current, today = agreement.current_step, clock.today()
    return [StepView(step_name(step), step.actor, step.state, step is current, step.due_on,
                     step is current and step.due_on is not None and step.due_on < today,
                     step.decided_at, step.decided_by_name,
                     step.decided_for.name if step.decided_for is not None else None)
            for step in agreement.round_steps]



def people_of_step(agreement: Agreement, step: AgreementStep, people_of) -> list[tuple[Organisation, list]]:
    """Who acts at `step`, by organisation: the facility's people of the step's capability, or the analysts of the
    regional office(s) covering the facility. `people_of(organisation, capability)` is the notices' own."""
    capability = policy.STEP_CAPABILITY[step.actor]
    if step.actor != StepActor.KANWIL:
        return [(agreement.facility, people_of(agreement.facility, capability))]
    with tenancy.unscoped("the regional office's analysts, whom the facility's people do not read, are told"):
        offices = db.session.scalars(select(Organisation).where(
            Organisation.id.in_(visibility.regional_offices_of(agreement.facility_id)))).all()
        return [(office, [person for person in people_of(office, capability)
                          if policy.can_acknowledge_for(person, office)]) for office in offices]


def late_steps(today) -> list[AgreementStep]:
    """The current steps past their deadline, oldest deadline first (whatever the scope lets the caller see)."""
    steps = db.session.scalars(select(AgreementStep).join(AgreementStep.agreement).where(
        Agreement.status.in_(IN_REVIEW_STATES), AgreementStep.state == StepState.OPEN,
        AgreementStep.due_on < today).order_by(AgreementStep.due_on, AgreementStep.id)).all()
    return [step for step in steps if step.agreement.current_step is step]


def past_second_deadline(step: AgreementStep, today) -> bool:
    """Late by as long again as the step was given: the head hears of it."""
    return step.due_on is not None and working_days.add_working_days(step.due_on, step.days) < today


def waiting_at(actor: StepActor):
    """Agreements whose current step is one of `actor`'s, as a condition on `Agreement`."""
    step = aliased(AgreementStep, name="step")
    return Agreement.status.in_(IN_REVIEW_STATES) & exists().where(
        step.agreement_id == Agreement.id, step.actor == actor, _is_current(step))


def _is_current(step):
    """That `step` (an `AgreementStep`, or an alias) is its agreement's current one: open, with no open step before
    it in its round (earlier rounds have none open)."""
    earlier = aliased(AgreementStep, name="earlier")
    return (step.state == StepState.OPEN) & ~exists().where(
        earlier.agreement_id == step.agreement_id, earlier.round == step.round, earlier.position < step.position,
        earlier.state == StepState.OPEN)


def waiting_for_kanwil(office: Organisation, user: User) -> int:
    """How many agreements wait for the person's acknowledgement as the regional office `office`."""
    if not policy.can_acknowledge_for(user, office):
        return 0
    return db.session.scalar(select(func.count()).select_from(Agreement).where(waiting_at(StepActor.KANWIL)))


# --- where agreements get stuck ------------------------------------------------------------------

@dataclass(frozen=True)
class StepFigures:
    """One kind of step (by who acts) over a period: how many were decided, in how many working days (median and
    slowest, from the day it became current to the day it was decided: the unit of its deadline), and how many
    wait at one now, late or not."""

    actor: StepActor
    decided: int
    median_days: Decimal | None
    slowest_days: Decimal | None
    waiting: int
    late: int


def step_figures(start, end, *conditions) -> list[StepFigures]:
    """Per kind of step, the steps decided between `start` and `end` (dates, both included) of the agreements the
    scope sees and `conditions` keep, and those current now. Two questions whatever the data (the medians are
    taken here: SQLite has no percentile)."""
    zone_start = datetime.combine(start, time.min, timezone.utc)
    zone_end = datetime.combine(end, time.max, timezone.utc)
    decided = db.session.execute(select(AgreementStep.actor, AgreementStep.started_at, AgreementStep.decided_at)
                                 .join(AgreementStep.agreement).where(
        AgreementStep.state.in_((StepState.DONE, StepState.RETURNED)), AgreementStep.started_at.is_not(None),
        AgreementStep.decided_at >= zone_start, AgreementStep.decided_at <= zone_end, *conditions)).all()
    today = clock.today()
    current = db.session.execute(select(AgreementStep.actor, AgreementStep.due_on).join(AgreementStep.agreement)
                                 .where(waiting_at_current(), *conditions)).all()
    days: dict[StepActor, list[int]] = {}
    for actor, started, ended in decided:
        days.setdefault(actor, []).append(working_days.working_days_between(
            clock.local_date(as_utc(started)), clock.local_date(as_utc(ended))))
    found = []
    for actor in (*REVIEWERS, StepActor.HEAD):
        spans = days.get(actor, [])
        now = [due for who, due in current if who == actor]
        if spans or now:
            found.append(StepFigures(actor, len(spans), _days(median(spans)) if spans else None,
                                     _days(max(spans)) if spans else None, len(now),
                                     sum(1 for due in now if due is not None and due < today)))
    return found


def waiting_longest(limit: int, *conditions) -> list[tuple[Agreement, AgreementStep]]:
    """The agreements that have waited longest at their current step (of those the scope sees)."""
    rows = db.session.execute(select(Agreement, AgreementStep).join(AgreementStep, AgreementStep.agreement_id ==
                                                                    Agreement.id)
                              .where(waiting_at_current(), *conditions)
                              .order_by(AgreementStep.started_at, Agreement.id).limit(limit)).all()
    return [(agreement, step) for agreement, step in rows]


def waiting_at_current():
    """The condition on `AgreementStep` (joined to its agreement) that it is the agreement's current step."""
    return Agreement.status.in_(IN_REVIEW_STATES) & _is_current(AgreementStep)


def _days(value: float) -> Decimal:
    return Decimal(str(round(float(value), 1)))


# --- the Kanwil's one write ---------------------------------------------------------------

#: What the Kanwil's acknowledgement changes, by model: its step decided and the next one begun; the agreement
#: forwarded when the head's decision comes next. The same columns are all the database lets it change
#: (migration 0039's policies and trigger).
KANWIL_WRITES = {
    Agreement: frozenset({"status"}),
    AgreementStep: frozenset({"state", "started_at", "due_on", "decided_at", "decided_by_id", "decided_by_name",
                              "decided_for_id"}),
}


def _kanwil_may_write(scope, record) -> bool:
    """The acknowledgement and nothing else: the Kanwil's own current step decided in its name, the step after it
    begun, and the agreement forwarded when only the head's decision is left."""
    office = db.session.get(Organisation, scope.org_id) if scope.org_id else None
    if office is None or not visibility.is_regional(office) or not visibility.covers(office, record.facility):
        return False
    state = sa_inspect(record)
    changed = {attr.key for attr in state.attrs if attr.history.has_changes()}
    if not changed <= KANWIL_WRITES[type(record)]:
        return False
    if isinstance(record, Agreement):
        done = _acknowledged_by(record, office)
        return (record.status == S.FORWARDED and state.attrs.status.history.deleted == [S.SUBMITTED]
                and done is not None and _after(record, done).actor == StepActor.HEAD
                and _after(record, done).state == StepState.OPEN)
    steps = record.agreement.round_steps
    if record not in steps:
        return False
    if "state" in changed:  # its own step, current until now, decided in its name
        earlier = steps[:steps.index(record)]
        return (state.attrs.state.history.deleted == [StepState.OPEN] and record.state == StepState.DONE
                and record.actor == StepActor.KANWIL and record.decided_for_id == office.id
                and all(step.state == StepState.DONE for step in earlier)
                and not changed & {"started_at", "due_on"})
    # the step after the Kanwil's, begun
    position = steps.index(record)
    return (position > 0 and steps[position - 1] is _acknowledged_by(record.agreement, office)
            and record.state == StepState.OPEN and list(state.attrs.started_at.history.deleted) in ([None], [])
            and not changed & {"decided_at", "decided_by_id", "decided_by_name", "decided_for_id"})


def _acknowledged_by(agreement: Agreement, office: Organisation) -> AgreementStep | None:
    """The Kanwil step of the agreement's latest round that `office` decided, if any."""
    return next((step for step in agreement.round_steps if step.actor == StepActor.KANWIL
                 and step.state == StepState.DONE and step.decided_for_id == office.id), None)


tenancy.NARROW_WRITES.update({model: _kanwil_may_write for model in KANWIL_WRITES})

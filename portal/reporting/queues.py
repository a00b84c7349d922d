"""What a dashboard says waits: what the person looking can do now, and apart from it, in words, what waits for
someone else ("Perjanjian menunggu keputusan Kepala: 1").

Whether a person may act on a record is not decided here: an agreement's moves are the workflow's own table
(`agreements.available_actions`, which the agreement's buttons read), a contribution's are `portal.policy`'s. This
module adds only whose turn a state is (the facility reviews, decides and verifies; the partner corrects and signs
first), so that an officer who may also edit a PKS sent back for changes does not count it as theirs. The counts
are three questions however many records wait: one per kind of record, grouped by what the rules read, and one for
the organisations named.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from portal import policy
from portal.accounts.models import User
from portal.agreements import chains, operations as agreements
from portal.agreements.chain_models import AgreementStep, StepActor, StepState
from portal.agreements.models import Agreement, AgreementKind, AgreementStatus as S, Party
from portal.contributions.models import Contribution, ContributionStatus as C
from portal.extensions import db
from portal.organisations.models import Organisation, OrgKind
from portal.umkm import sales


@dataclass(frozen=True)
class Line:
    """One count on the dashboard, and the list that shows what it counts (None where no list shows exactly that)."""

    key: str
    text: str
    count: int
    endpoint: str | None = None
    args: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Queues:
    #: What the person looking can do now.
    yours: list[Line]
    #: What waits in their organisation's records for someone else.
    others: list[Line]


@dataclass(frozen=True)
class _Turn:
    """A state that waits for one side, and how someone on that side takes it on."""

    side: Party
    #: An agreement's moves (`agreements.available_actions`; any of them), or a contribution's rule in
    #: `portal.policy`.
    move: str | tuple[str, ...] | Callable
    #: Which of the viewer's lines counts it when it is theirs.
    yours: str


AGREEMENT_TURNS = {
    # A step of the facility's approval chain: its people complete it, the Kanwil's acknowledges it.
    S.SUBMITTED: _Turn(Party.FACILITY, ("forward", "acknowledge"), "review"),
    S.FORWARDED: _Turn(Party.FACILITY, "approve", "decision"),
    S.CHANGES_REQUESTED: _Turn(Party.PARTNER, "submit", "changes"),
    S.APPROVED: _Turn(Party.PARTNER, "sign", "signature"),
    S.PARTNER_SIGNED: _Turn(Party.FACILITY, "sign", "signature"),
}
CONTRIBUTION_TURNS = {
    C.SUBMITTED: _Turn(Party.FACILITY, policy.can_verify_contribution, "verification"),
    C.REJECTED: _Turn(Party.PARTNER, policy.can_edit_contribution, "correction"),
}

#: The viewer's lines, in this order, with the list each opens.
YOURS = {
    "review": (_l("Agreements waiting for review"), "agreements.index", {"status": S.SUBMITTED.value}),
    "decision": (_l("Agreements waiting for your decision"), "agreements.index", {"status": S.FORWARDED.value}),
    "signature": (_l("Agreements waiting for my signature"), "agreements.index", {"queue": "to_sign"}),
    "changes": (_l("Agreements with changes requested"), "agreements.index",
                {"status": S.CHANGES_REQUESTED.value}),
    "verification": (_l("Contributions waiting for verification"), "contributions.index",
                     {"status": C.SUBMITTED.value}),
    "correction": (_l("Contributions sent back for correction"), "contributions.index", {"status": C.REJECTED.value}),
    "acknowledgement": (_l("Agreements waiting for your acknowledgement"), "agreements.index",
                        {"queue": "acknowledge"}),
    "inquiries": (_l("Buyers' inquiries waiting for an answer"), "umkm.inquiries", {"state": "new"}),
}

#: Waiting for someone else, by (record, state, whether it waits for the viewer's own side); `%(party)s` is the
#: other side, by name where it is one organisation.
OTHERS = {
    ("agreement", S.SUBMITTED, False): _l("Agreements waiting for review by %(party)s"),
    # Any step of the facility's approval chain (an officer's, the legal review's, the Kanwil's), not only an officer's.
    ("agreement", S.SUBMITTED, True): _l("Agreements in the facility's approval steps"),
    ("agreement", S.FORWARDED, False): _l("Agreements waiting for the decision of the head of %(party)s"),
    ("agreement", S.FORWARDED, True): _l("Agreements waiting for the head's decision"),
    ("agreement", S.CHANGES_REQUESTED, False): _l("Agreements waiting for changes by %(party)s"),
    ("agreement", S.CHANGES_REQUESTED, True): _l("Agreements waiting for changes by your administrator"),
    ("agreement", S.APPROVED, False): _l("Agreements waiting for the signature of %(party)s"),
    ("agreement", S.APPROVED, True): _l("Agreements waiting for your signatory's signature"),
    ("agreement", S.PARTNER_SIGNED, False): _l("Agreements waiting for the signature of the head of %(party)s"),
    ("agreement", S.PARTNER_SIGNED, True): _l("Agreements waiting for the head's signature"),
    ("contribution", C.SUBMITTED, False): _l("Contributions waiting for verification by %(party)s"),
    ("contribution", C.SUBMITTED, True): _l("Contributions waiting for an officer's verification"),
    ("contribution", C.REJECTED, False): _l("Contributions waiting for correction by %(party)s"),
    ("contribution", C.REJECTED, True): _l("Contributions waiting for correction"),
}
_LISTS = {"agreement": "agreements.index", "contribution": "contributions.index"}
#: The other side when it is more than one organisation.
_SOMEONE = {Party.FACILITY: _l("the facility"), Party.PARTNER: _l("the partner")}


@dataclass(frozen=True)
class _Group:
    """Records of one state and pair (and, for agreements, one kind and pair of signatories): all the rules read of
    each of them, so asking the rules once answers for every record of the group."""

    status: S | C
    facility: Organisation
    partner: Organisation
    count: int
    kind: AgreementKind | None = None
    facility_signatory_id: int | None = None
    partner_signatory_id: int | None = None
    #: Who acts at the agreement's current approval step (`portal.agreements.chains`).
    current_step_actor: StepActor | None = None
    #: The rules read only who acts at the step from a group (whether a step may send back is the page's).
    current_step = None


def of(organisation: Organisation, user: User) -> Queues:
    """What waits in the records `organisation` sees (the tenancy filter decides which), as `user` reads it there."""
    step = (select(AgreementStep.actor).where(AgreementStep.agreement_id == Agreement.id,
                                              AgreementStep.state == StepState.OPEN)
            .order_by(AgreementStep.round.desc(), AgreementStep.position).limit(1).scalar_subquery())
    agreement_rows = db.session.execute(
        select(Agreement.status, Agreement.facility_id, Agreement.partner_id, func.count(), Agreement.kind,
               Agreement.facility_signatory_id, Agreement.partner_signatory_id, step.label("actor"))
        .where(Agreement.status.in_(AGREEMENT_TURNS))
        .group_by(Agreement.status, Agreement.facility_id, Agreement.partner_id, Agreement.kind,
                  Agreement.facility_signatory_id, Agreement.partner_signatory_id, "actor")).all()
    contribution_rows = db.session.execute(
        select(Contribution.status, Contribution.facility_id, Contribution.partner_id, func.count())
        .where(Contribution.status.in_(CONTRIBUTION_TURNS))
        .group_by(Contribution.status, Contribution.facility_id, Contribution.partner_id)).all()
    ids = {organisation.id} | {row[i] for row in (*agreement_rows, *contribution_rows) for i in (1, 2)}
    named = {org.id: org for org in db.session.scalars(select(Organisation).where(Organisation.id.in_(ids)))}

    def group(row) -> _Group:
        return _Group(row[0], named[row[1]], named[row[2]], row[3], *row[4:])

    tally = _Tally(organisation)
    for row in agreement_rows:
        found = group(row)
        turn = AGREEMENT_TURNS[found.status]
        moves = (turn.move,) if isinstance(turn.move, str) else turn.move
        tally.add("agreement", found, turn, mine=bool(set(moves) & agreements.available_actions(found, user)))
    for row in contribution_rows:
        found = group(row)
        turn = CONTRIBUTION_TURNS[found.status]
        tally.add("contribution", found, turn, mine=turn.move(user, found))
    queues = tally.queues()
    if organisation.kind == OrgKind.FACILITY and (count := sales.waiting_count(organisation)):
        line = Line("inquiries", str(YOURS["inquiries"][0]), count, *YOURS["inquiries"][1:])
        (queues.yours if policy.can_manage_products(user, organisation) else queues.others).append(line)
    return queues


def of_oversight(office: Organisation, user: User) -> Queues:
    """An oversight office waits on nothing of its own but a Kanwil's acknowledgements (one question, however many
    facilities it covers)."""
    count = chains.waiting_for_kanwil(office, user)
    key = "acknowledgement"
    return Queues([Line(key, str(YOURS[key][0]), count, *YOURS[key][1:])] if count else [], [])


class _Tally:
    """Counts added up per line as the groups come."""

    def __init__(self, organisation: Organisation):
        self.organisation = organisation
        self.yours: dict[str, int] = {}
        #: (record, state) the viewer acts on somewhere: the list of that state is not what an "others" line counts.
        self.acting: set[tuple[str, str]] = set()
        #: (record, state, own side) -> [count, {id: name} of the other side]
        self.others: dict[tuple, list] = {}

    def add(self, record: str, found: _Group, turn: _Turn, *, mine: bool) -> None:
        own_side = Party.FACILITY if found.facility.id == self.organisation.id else Party.PARTNER
        # An oversight office acts on nothing but a Kanwil's step of a facility's agreement, on the facility's turn.
        if mine and (turn.side == own_side or self.organisation.kind == OrgKind.OVERSIGHT):
            self.yours[turn.yours] = self.yours.get(turn.yours, 0) + found.count
            self.acting.add((record, found.status.value))
            return
        other = found.partner if own_side == Party.FACILITY else found.facility
        line = self.others.setdefault((record, found.status, turn.side == own_side), [0, {}])
        line[0] += found.count
        line[1][other.id] = other.name

    def queues(self) -> Queues:
        yours = [Line(key, str(YOURS[key][0]), self.yours[key], *YOURS[key][1:]) for key in YOURS if key in self.yours]
        others = []
        for key in OTHERS:
            if key not in self.others:
                continue
            (record, status, _own), (count, names) = key, self.others[key]
            other_side = Party.PARTNER if self.organisation.kind == OrgKind.FACILITY else Party.FACILITY
            party = next(iter(names.values())) if len(names) == 1 else _SOMEONE[other_side]
            linked = (record, status.value) not in self.acting
            others.append(Line(f"{record}-{status.value}", str(OTHERS[key] % {"party": party}), count,
                               _LISTS[record] if linked else None, {"status": status.value} if linked else {}))
        return Queues(yours, others)

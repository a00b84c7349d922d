"""Where an agreement stands, in the words its parties use: whose turn it is, and since or until when it holds.

The badge says the state; this says who the agreement waits for (by organisation, position and name) and what
happens next, so a head who signs three PKS a year does not have to know the lifecycle to read the page.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from portal.accounts import two_factor
from portal.accounts.models import User
from portal.agreements import signing as agreement_signing
from portal.agreements.chain_models import StepActor
from portal.agreements.labels import step_name
from portal.agreements.models import (
    AWAITING_SIGNATURE_STATES, IN_REVIEW_STATES, Agreement, AgreementStatus as S, Party,
)
from portal.core.i18n import long_date


@dataclass(frozen=True)
class Standing:
    """The sentence under the agreement's title, and what the person looking may need before it is their turn."""

    text: str
    #: The person looking signs for a party at some point and has yet to (signing asks for a code then).
    signs_later: bool = False
    #: They have not turned on two-step sign-in yet, which signing needs.
    needs_two_factor: bool = False


def of(agreement: Agreement, viewer: User) -> Standing:
    party = agreement_signing.signing_party(agreement, viewer)
    yet_to_sign = party is not None and agreement.signature_of(party) is None and (
        agreement.status in IN_REVIEW_STATES | AWAITING_SIGNATURE_STATES)
    return Standing(text=_sentence(agreement, viewer, party), signs_later=yet_to_sign,
                    needs_two_factor=yet_to_sign and not two_factor.is_enabled(viewer))


def _sentence(agreement: Agreement, viewer: User, party: Party | None) -> str:
    facility, partner, status = agreement.facility.name, agreement.partner.name, agreement.status
    if status == S.DRAFT:
        return _("A draft: not yet submitted for review.")
    if status == S.CHANGES_REQUESTED:
        return _("%(facility)s asked for changes: waiting for the draft to be changed and submitted again.",
                 facility=facility)
    step = agreement.current_step
    # A chain of the facility's own (more than the default officer's review before the head): which step, whose.
    if status == S.SUBMITTED and step is not None and (len(agreement.round_steps) > 2 or step.actor != StepActor.OFFICER):
        where = dict(n=step.position, total=len(agreement.round_steps), day=long_date(step.due_on))
        if step.actor == StepActor.KANWIL:
            return _("Waiting for the acknowledgement of the regional office (Kanwil) of %(province)s: step %(n)d "
                     "of %(total)d, due %(day)s.", province=agreement.facility.province or "-", **where)
        return _("Waiting for “%(step)s” at %(facility)s: step %(n)d of %(total)d, due %(day)s.",
                 step=step_name(step), facility=facility, **where)
    if status == S.SUBMITTED:
        return _("Waiting for %(facility)s to review it.", facility=facility)
    if status == S.FORWARDED:
        return _("Waiting for the approval of the head of %(facility)s.", facility=facility)
    if status == S.APPROVED:
        if party == Party.PARTNER:
            return _("Waiting for your signature; then the head of %(facility)s signs.", facility=facility)
        if party == Party.FACILITY:
            return _("Waiting for the signature of %(partner)s (%(person)s) first; then it is your turn.",
                     partner=partner, person=_name(agreement.partner_signatory))
        return _("Waiting for the signature of %(partner)s (%(person)s); then the head of %(facility)s "
                 "signs.", partner=partner, person=_name(agreement.partner_signatory), facility=facility)
    if status == S.PARTNER_SIGNED:
        if party == Party.FACILITY:
            return _("%(partner)s has signed. Waiting for your signature.", partner=partner)
        return _("%(partner)s has signed. Waiting for the signature of %(position)s, %(person)s.", partner=partner,
                 position=agreement.facility_signatory_position or _("the head of %(facility)s", facility=facility),
                 person=_name(agreement.facility_signatory))
    if status == S.SIGNED:
        return _("Signed by both. In force from %(start)s.", start=long_date(agreement.start_date))
    if status == S.ACTIVE:
        return _("In force from %(start)s until %(end)s.", start=long_date(agreement.start_date),
                 end=long_date(agreement.end_date))
    if status == S.EXPIRED:
        return _("Ended on %(end)s.", end=long_date(agreement.end_date))
    if status == S.TERMINATED:
        return _("Terminated before its end date.")
    return _("Rejected by %(facility)s.", facility=facility)


def _name(person: User | None) -> str:
    return person.name if person is not None else _("not chosen yet")


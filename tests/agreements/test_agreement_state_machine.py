"""Every (state × action × role) of the PKS lifecycle, against the rules written out here by hand.

The expected table restates DESIGN.md and issue 3 independently of the
service's own RULES, so a change to either shows up as a difference.
"""
from datetime import date
import io

import pytest

from portal.agreements import moves as agreement_moves, operations as agreements, signing as agreement_signing
from portal.agreements.models import AgreementStatus as S
from portal.core.errors import DomainError, NotAllowed
from portal.extensions import db
from tests import sample_files
from tests.factories import PASSWORD, fresh_code, trail

EDITABLE = {S.DRAFT, S.CHANGES_REQUESTED}
IN_REVIEW = {S.SUBMITTED, S.FORWARDED}
IN_FORCE = {S.SIGNED, S.ACTIVE}

DRAFTERS = ("facility_head", "facility_officer", "partner_admin", "second_partner_admin")
REVIEWERS = ("facility_head", "facility_officer")
ROLES = ("facility_head", "facility_officer", "facility_viewer", "partner_admin", "second_partner_admin",
         "partner_member", "analyst", "stranger_head")

#: action -> {role: the states from which that role's attempt succeeds}. Roles not listed are refused.
EXPECTED = {
    "edit": dict.fromkeys(DRAFTERS, EDITABLE),
    "submit": dict.fromkeys(DRAFTERS, EDITABLE),
    "request_changes": dict.fromkeys(REVIEWERS, IN_REVIEW),
    "forward": dict.fromkeys(REVIEWERS, {S.SUBMITTED}),
    # Only a Kanwil, only at its step of a chain: the default chain has none (tests/agreements/test_approval_chains.py).
    "acknowledge": {},
    "approve": {"facility_head": {S.FORWARDED}},
    "reject": {"facility_head": IN_REVIEW},
    # Only the named signatories sign: the partner's first, then the facility head.
    "sign": {"partner_admin": {S.APPROVED}, "facility_head": {S.PARTNER_SIGNED}},
    "upload_scan": dict.fromkeys(DRAFTERS, {S.APPROVED}),  # paper instead of signing here, not after a signature
    "confirm_scan": dict.fromkeys(REVIEWERS, {S.APPROVED}),
    "terminate": {"facility_head": IN_FORCE},
    "renew": dict.fromkeys(DRAFTERS, {S.ACTIVE, S.EXPIRED}),
    "amend": dict.fromkeys(DRAFTERS, IN_FORCE),
}


def expected_outcome(state, action, role) -> str:
    allowed = EXPECTED[action]
    if role not in allowed:
        return "not allowed"
    return "ok" if state in allowed[role] else "illegal"


def person(pks, role):
    return {
        "facility_head": pks.head, "facility_officer": pks.officer, "facility_viewer": pks.viewer,
        "partner_admin": pks.partner_admin, "second_partner_admin": pks.second_partner_admin,
        "partner_member": pks.partner_member, "analyst": pks.analyst, "stranger_head": pks.stranger_head,
    }[role]


def attempt(pks, agreement, action, user):
    with pks.acting(pks.partner_admin):  # load it as a party would see it
        db.session.refresh(agreement)
        if action == "confirm_scan" and agreement.status == S.APPROVED:  # there is a scan to confirm
            agreement_signing.upload_signed_scan(agreement, io.BytesIO(sample_files.pdf("scan")), "scan.pdf",
                                          actor=pks.partner_admin)
    calls = {
        "edit": lambda: agreements.update_agreement(agreement, pks.fields(scope="Diubah"), actor=user),
        "submit": lambda: agreements.submit_agreement(agreement, actor=user),
        "request_changes": lambda: agreements.request_changes(agreement, "Perbaiki", actor=user),
        "forward": lambda: agreements.forward_agreement(agreement, actor=user),
        "acknowledge": lambda: agreements.acknowledge_agreement(agreement, actor=user),
        "approve": lambda: agreements.approve_agreement(agreement, actor=user),
        "reject": lambda: agreements.reject_agreement(agreement, "Tidak sesuai", actor=user),
        "sign": lambda: agreement_signing.sign_agreement(agreement, PASSWORD, fresh_code(user.id), actor=user),
        "upload_scan": lambda: agreement_signing.upload_signed_scan(
            agreement, io.BytesIO(sample_files.pdf("scan")), "scan.pdf", actor=user),
        "confirm_scan": lambda: agreement_signing.confirm_signed_scan(agreement, signed_on=date(2025, 11, 28),
                                                                      actor=user),
        "terminate": lambda: agreements.terminate_agreement(agreement, "Diakhiri", actor=user),
        "renew": lambda: agreements.renew_agreement(agreement, actor=user),
        "amend": lambda: agreements.start_addendum(agreement, actor=user),
    }
    audit_before = len(trail())
    with pks.acting(user):
        try:
            calls[action]()
        except NotAllowed:
            outcome = "not allowed"
        except DomainError:
            outcome = "illegal"
        else:
            return "ok"
        # A refused move writes nothing: no state change, no audit entry.
        assert len(trail()) == audit_before
    return outcome


@pytest.mark.parametrize("state", list(S))
def test_every_action_by_every_role_from_this_state(pks, state):
    agreement = pks.in_state(state)
    differences = []
    for action in EXPECTED:
        for role in ROLES:
            savepoint = db.session.begin_nested()
            try:
                got = attempt(pks, agreement, action, person(pks, role))
            finally:
                savepoint.rollback()
            want = expected_outcome(state, action, role)
            if got != want:
                differences.append(f"{state} × {action} × {role}: expected {want}, got {got}")
            db.session.expire_all()
    assert differences == []


def test_the_table_covers_every_action_the_pages_offer():
    assert set(EXPECTED) == set(agreement_moves.RULES) | {"sign"}

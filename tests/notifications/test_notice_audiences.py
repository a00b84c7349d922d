"""Who is told of what reads the role table (`roles.holding`, by capability), and tells exactly whom the roles
written by hand told before: for each notice, an organisation of each kind with one person of each of its roles."""
from datetime import date, timedelta
import types

import pytest

from portal.agreements.events import AgreementVerb
from portal.agreements.models import AgreementStatus as S
from portal.core.tenancy import unscoped
from portal.extensions import db
from portal.notifications import operations as notifications
from portal.organisations.models import ROLES_BY_KIND, OrgKind, Role
from portal.public.events import NewsVerb
from tests.factories import member_of
from tests.contributions.test_contributions import record

H, O, A = Role.HEAD, Role.OFFICER, Role.ADMIN
#: Whom each notice told when its roles were written by hand, by the kind of the organisation told.
BEFORE = {
    "submitted": {OrgKind.FACILITY: {O}},  # officers; the head only where there is none (below)
    "forwarded": {OrgKind.FACILITY: {H}},
    "sent_back": {OrgKind.PARTNER: {A}},
    "approved": {OrgKind.PARTNER: {A}},  # the partner's admins other than its signatory
    "ended": {OrgKind.FACILITY: {H, O}, OrgKind.PARTNER: {A}},
    "material": {OrgKind.FACILITY: {H, O}, OrgKind.PARTNER: {A}},
    "news": {OrgKind.FACILITY: {H}},
    "default": {OrgKind.FACILITY: {H, O}, OrgKind.PARTNER: {A}, OrgKind.OVERSIGHT: set()},  # MANAGERS
}


def _organisation(kind: OrgKind, roles=None, number: int = 1):
    """An organisation with one person of each of its kind's roles (or of `roles`), whose id says their role."""
    roles = ROLES_BY_KIND[kind] if roles is None else roles
    people = [types.SimpleNamespace(id=f"{kind}:{role}", role=role, name=str(role)) for role in roles]
    return types.SimpleNamespace(
        id=number, kind=kind, name=str(kind), slug=str(kind),
        memberships=[types.SimpleNamespace(role=p.role, user=p, has_lapsed=lambda: False) for p in people])


@pytest.fixture
def told(monkeypatch):
    """What each notice would say to whom: {organisation's kind: roles told}, notices themselves not sent."""
    heard: dict = {}

    def tell(organisation, users, *args, **kwargs):
        heard.setdefault(organisation.kind, set()).update(user.role for user in users if user is not None)
        return list(users)

    monkeypatch.setattr(notifications, "_tell_party", tell)
    monkeypatch.setattr(notifications, "notify", lambda users, kind, *, organisation, **kw: tell(organisation, users))
    monkeypatch.setattr(notifications, "agreement_params", lambda agreement, reader: {})
    monkeypatch.setattr(notifications.links, "path", lambda endpoint, **values: "/")
    return heard


def _agreement():
    return types.SimpleNamespace(
        facility=_organisation(OrgKind.FACILITY), partner=_organisation(OrgKind.PARTNER, number=2),
        partner_signatory=None, partner_signatory_id=None, facility_signatory=None,
        current_step=None)  # no approval chain: the default's officers (tests/agreements/test_approval_chains.py)


@pytest.mark.parametrize("notice, run", [
    ("submitted", lambda a: notifications._submitted(a, types.SimpleNamespace(entry=types.SimpleNamespace(
        organisation_id=None)), "k", None)),
    ("forwarded", lambda a: notifications._forwarded(a, None, "k", None)),
    ("sent_back", lambda a: notifications._sent_back(a, None, "k", None)),
    ("approved", lambda a: notifications._approved(a, None, "k", None)),
    ("ended", lambda a: notifications._ended_or_in_force(a, types.SimpleNamespace(verb=AgreementVerb.EXPIRE), "k",
                                                         None)),
])
def test_each_agreement_notice_tells_the_roles_it_told(told, notice, run):
    run(_agreement())
    assert told == BEFORE[notice]


def test_a_head_hears_of_a_submission_only_where_no_officer_reviews(told):
    facility = _organisation(OrgKind.FACILITY, [Role.HEAD, Role.HUMAS, Role.VIEWER])
    assert {user.role for user in notifications._reviewers(facility, None)} == {H}
    facility = _organisation(OrgKind.FACILITY)
    assert {user.role for user in notifications._reviewers(facility, f"{OrgKind.FACILITY}:{O}")} == {H}, \
        "the officer who submitted it does not review it"


@pytest.mark.parametrize("uploaded_by", [OrgKind.FACILITY, OrgKind.PARTNER])
def test_a_material_tells_the_other_side_the_roles_it_told(told, uploaded_by):
    agreement = _agreement()
    material = types.SimpleNamespace(agreement_id=1, agreement=agreement, facility=agreement.facility,
                                     partner=agreement.partner, facility_id=1, category="x", id=1)
    entry = types.SimpleNamespace(organisation_id=1 if uploaded_by == OrgKind.FACILITY else 2)
    notifications._on_material(None, event=types.SimpleNamespace(material=material, entry=entry))
    other = OrgKind.PARTNER if uploaded_by == OrgKind.FACILITY else OrgKind.FACILITY
    assert told == {other: BEFORE["material"][other]}


def test_a_report_to_approve_tells_the_roles_it_told(told):
    item = types.SimpleNamespace(facility=_organisation(OrgKind.FACILITY), id=1, source_kind="x",
                                 happened_on=date(2026, 1, 1), author_id=None)
    notifications._on_news(None, event=types.SimpleNamespace(item=item, verb=NewsVerb.SUBMIT, actor_id=None))
    assert told == BEFORE["news"]


@pytest.mark.parametrize("kind", list(OrgKind))
def test_by_default_the_people_who_handle_agreements_are_whom_managers_were(kind):
    assert {user.role for user in notifications.people_of(_organisation(kind))} == BEFORE["default"][kind]


def test_reminders_tell_the_roles_they_told(pks, app, monkeypatch):
    """An agreement ending within 30 days, and a contribution waiting a week, with a humas at the facility."""
    member_of(pks.facility, Role.HUMAS)
    agreement = pks.in_state(S.ACTIVE)
    waiting = record(pks)
    with unscoped("test: time passes"):
        agreement.end_date = date.today() + timedelta(days=25)
        waiting.created_at = waiting.created_at - timedelta(days=8)
        db.session.flush()
        roles = {m.user_id: m.role for org in (pks.facility, pks.partner) for m in org.memberships}
    heard = []
    monkeypatch.setattr(notifications, "notify", lambda users, kind, *, organisation, **kw: heard.append(
        (kind, organisation.kind, frozenset(roles[user.id] for user in users))) or list(users))
    with unscoped("test: the reminders run as the cron does"):
        notifications.remind(unsigned_days=7, queue_days=7)
    assert sorted(heard) == sorted([
        ("reminder.expiring", OrgKind.FACILITY, frozenset({H, O})),
        ("reminder.expiring", OrgKind.PARTNER, frozenset({A})),
        ("reminder.verification", OrgKind.FACILITY, frozenset({H, O})),
    ])

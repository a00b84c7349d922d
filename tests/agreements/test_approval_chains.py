"""Approval chains (issue 37): each facility sets the steps its PKS take before the head's decision; an agreement
follows the steps it started with; each step is done by its own people, the Kanwil's by the regional office
covering the facility and nobody else."""
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from portal.agreements import chains, operations as agreements
from portal.agreements.chain_models import StepActor, StepState
from portal.agreements.chains import ChainStep
from portal.agreements.models import AgreementStatus as S, AgreementType
from portal.agreements.moves import AgreementChanged, IllegalTransition
from portal.core import working_days
from portal.core.columns import utcnow
from portal.core.errors import FieldErrors, NotAllowed
from portal.core.tenancy import acting_for, unscoped
from portal.extensions import db
from portal.organisations.models import Role
from portal.reporting import figures
from portal.reporting.filters import Filters
from tests.factories import FacilityFactory, OversightFactory, member_of, trail
from tests.integrations.test_webhooks import receiver  # noqa: F401 (a fixture: the facility's system)

FOUR_STEPS = [
    ChainStep(StepActor.OFFICER, 3, "Pemeriksaan kelengkapan", may_return=True),
    ChainStep(StepActor.LEGAL, 5, "Reviu hukum Subbag Umum", may_return=True),
    ChainStep(StepActor.KANWIL, 5, "Diketahui Kanwil"),
]


@pytest.fixture
def bengkulu(pks):
    """The world's facility with a legal reviewer and the four-step chain of Rutan Bengkulu's demo."""
    pks.legal = member_of(pks.facility, Role.LEGAL, name="Kasubbag Umum")
    with unscoped("test: the facility's people, as a new request would read them"):
        db.session.refresh(pks.facility, ["memberships"])
    with pks.acting(pks.head):
        chains.set_chain(pks.facility, None, FOUR_STEPS, 5, actor=pks.head)
    return pks


def submitted(pks, **changes):
    return pks.in_state(S.SUBMITTED, **changes)


def at_the_kanwil(pks, **changes):
    """Submitted, its officer's check and legal review done: waiting for Kanwil's acknowledgement."""
    agreement = submitted(pks, **changes)
    for person in (pks.officer, pks.legal):
        with pks.acting(person):
            agreements.forward_agreement(agreement, actor=person)
    return agreement


def refused_to_the_kanwil(pks, statements: dict[str, str]) -> None:
    """Each statement, run as Kanwil Bengkulu in plain SQL, is refused by the database (not merely given no rows:
    a row the policy hides is no refusal, so each must reach one)."""
    for what, statement in statements.items():
        with acting_for(pks.kanwil), pytest.raises(DBAPIError):
            with db.session.begin_nested():
                result = db.session.execute(text(statement))
                assert result.rowcount >= 1, what


def current(agreement):
    step = agreement.current_step
    return (step.actor, step.name) if step else None


def test_the_default_chain_is_an_officers_review_then_the_heads_decision(pks):
    agreement = submitted(pks)
    assert [(step.actor, step.state) for step in agreement.round_steps] == [
        (StepActor.OFFICER, StepState.OPEN), (StepActor.HEAD, StepState.OPEN)]
    assert agreement.current_step.due_on == working_days.add_working_days(date.today(), 5)
    with pks.acting(pks.officer):
        agreements.forward_agreement(agreement, actor=pks.officer)
    assert agreement.status == S.FORWARDED and agreement.current_step_actor == StepActor.HEAD
    with pks.acting(pks.head):
        agreements.approve_agreement(agreement, actor=pks.head)
    assert [(step.state, step.decided_by_name) for step in agreement.round_steps] == [
        (StepState.DONE, "Petugas Pelayanan"), (StepState.DONE, "Agung Novarianto")]
    assert [entry.action for entry in trail(object_type="agreement", object_id=str(agreement.id))][-2:] == [
        "agreement.forwarded", "agreement.approved"], "the default chain audits as the workflow always did"


def test_a_four_step_chain_goes_officer_legal_kanwil_head(bengkulu):
    pks = bengkulu
    agreement = submitted(pks)
    assert [step.actor for step in agreement.round_steps] == [
        StepActor.OFFICER, StepActor.LEGAL, StepActor.KANWIL, StepActor.HEAD]
    with pks.acting(pks.officer):
        agreements.forward_agreement(agreement, actor=pks.officer)
    assert agreement.status == S.SUBMITTED and current(agreement) == (StepActor.LEGAL, "Reviu hukum Subbag Umum")
    with pks.acting(pks.legal):
        agreements.forward_agreement(agreement, actor=pks.legal)
    assert agreement.status == S.SUBMITTED and current(agreement)[0] == StepActor.KANWIL
    with acting_for(pks.kanwil):
        agreements.acknowledge_agreement(agreement, actor=pks.analyst)
    assert agreement.status == S.FORWARDED and current(agreement)[0] == StepActor.HEAD
    kanwil_step = agreement.round_steps[2]
    assert (kanwil_step.state, kanwil_step.decided_for_id) == (StepState.DONE, pks.kanwil.id)
    with pks.acting(pks.head):
        agreements.approve_agreement(agreement, actor=pks.head)
    assert agreement.status == S.APPROVED
    entries = trail(object_type="agreement", object_id=str(agreement.id))
    assert [entry.action for entry in entries][-5:] == [
        "agreement.submitted", "agreement.step_completed", "agreement.step_completed", "agreement.acknowledged",
        "agreement.approved"], "one entry per step: the Kanwil's forwards it too"
    acknowledged = entries[-2]
    assert acknowledged.organisation_id == pks.kanwil.id and acknowledged.changes["after"] == {
        "status": "forwarded", "step": "Diketahui Kanwil", "next_step": "Keputusan Kepala"}


def test_a_step_done_by_the_wrong_role_is_refused_and_changes_nothing(bengkulu):
    pks = bengkulu
    agreement = submitted(pks)
    with pks.acting(pks.officer):
        agreements.forward_agreement(agreement, actor=pks.officer)
    entries = len(trail())
    for person in (pks.officer, pks.head, pks.viewer):  # the legal review is the legal reviewer's alone
        with pks.acting(person), pytest.raises(NotAllowed):
            agreements.forward_agreement(agreement, actor=person)
    with pks.acting(pks.legal), pytest.raises(NotAllowed):
        agreements.acknowledge_agreement(agreement, actor=pks.legal)
    with acting_for(pks.kanwil), pytest.raises(NotAllowed):  # not the Kanwil's turn yet
        agreements.acknowledge_agreement(agreement, actor=pks.analyst)
    assert len(trail()) == entries and current(agreement)[0] == StepActor.LEGAL


def test_no_step_is_skipped(bengkulu):
    pks = bengkulu
    agreement = submitted(pks)
    with pks.acting(pks.head), pytest.raises(IllegalTransition):
        agreements.approve_agreement(agreement, actor=pks.head)
    with pks.acting(pks.legal), pytest.raises(NotAllowed):
        agreements.forward_agreement(agreement, actor=pks.legal)
    assert current(agreement)[0] == StepActor.OFFICER and agreement.status == S.SUBMITTED


def test_a_chain_changed_midway_does_not_move_an_agreement_already_in_it(bengkulu):
    pks = bengkulu
    started = submitted(pks, title="Sebelum perubahan")
    with pks.acting(pks.head):
        chains.set_chain(pks.facility, None, [ChainStep(StepActor.OFFICER, 2)], 3, actor=pks.head)
    later = submitted(pks, title="Sesudah perubahan")
    assert len(started.round_steps) == 4 and len(later.round_steps) == 2
    with pks.acting(pks.officer):
        agreements.forward_agreement(started, actor=pks.officer)
        agreements.forward_agreement(later, actor=pks.officer)
    assert started.status == S.SUBMITTED and current(started)[0] == StepActor.LEGAL
    assert later.status == S.FORWARDED


def test_a_chain_of_its_own_for_one_type_of_agreement(bengkulu):
    pks = bengkulu
    with pks.acting(pks.head):
        chains.set_chain(pks.facility, AgreementType.INTERNSHIP, [ChainStep(StepActor.OFFICER, 1)], 2,
                         actor=pks.head)
    internship = submitted(pks, type=AgreementType.INTERNSHIP)
    referral = submitted(pks, type=AgreementType.HEALTH_REFERRAL)
    assert [step.actor for step in internship.round_steps] == [StepActor.OFFICER, StepActor.HEAD]
    assert len(referral.round_steps) == 4
    with pks.acting(pks.head):
        chains.reset_chain(pks.facility, AgreementType.INTERNSHIP, actor=pks.head)
    assert len(submitted(pks, type=AgreementType.INTERNSHIP).round_steps) == 4


def test_a_step_sends_back_only_if_allowed_and_a_resubmission_starts_a_new_round(pks):
    pks.legal = member_of(pks.facility, Role.LEGAL)
    with pks.acting(pks.head):
        chains.set_chain(pks.facility, None, [ChainStep(StepActor.LEGAL, 5, may_return=False)], 5, actor=pks.head)
    agreement = submitted(pks)
    with pks.acting(pks.legal), pytest.raises(NotAllowed):
        agreements.request_changes(agreement, "Pasal 4 kurang jelas", actor=pks.legal)
    with pks.acting(pks.head):
        chains.set_chain(pks.facility, None, [ChainStep(StepActor.LEGAL, 5, may_return=True)], 5, actor=pks.head)
    with pks.acting(pks.legal), pytest.raises(NotAllowed):  # the agreement keeps the step it started with
        agreements.request_changes(agreement, "Pasal 4 kurang jelas", actor=pks.legal)
    again = submitted(pks)
    with pks.acting(pks.legal):
        agreements.request_changes(again, "Pasal 4 kurang jelas", actor=pks.legal)
    assert again.status == S.CHANGES_REQUESTED and again.round_steps[0].state == StepState.RETURNED
    with pks.acting(pks.partner_admin):
        agreements.submit_agreement(again, actor=pks.partner_admin)
    assert [step.round for step in again.round_steps] == [2, 2]
    assert [step.state for step in again.steps] == [StepState.RETURNED, StepState.CLOSED, StepState.OPEN,
                                                    StepState.OPEN]


def test_a_rejection_closes_the_round(pks):
    agreement = pks.in_state(S.REJECTED)  # by the head, at the officer's step
    assert [step.state for step in agreement.round_steps] == [StepState.CLOSED, StepState.CLOSED]
    assert agreement.round_steps[-1].decided_by_name == "Agung Novarianto"


def test_the_kanwil_of_another_province_and_ditjen_cannot_acknowledge(bengkulu, login_as):
    pks = bengkulu
    agreement = at_the_kanwil(pks)
    elsewhere = OversightFactory(province="Bengkulu" if pks.facility.province != "Bengkulu" else "Aceh")
    stranger = member_of(elsewhere, Role.ANALYST)
    ditjen = OversightFactory(province=None)
    national = member_of(ditjen, Role.ANALYST)
    for office, analyst in ((elsewhere, stranger), (ditjen, national)):
        with acting_for(office), pytest.raises(NotAllowed):
            agreements.acknowledge_agreement(agreement, actor=analyst)
    page = login_as(stranger).get(f"/o/{elsewhere.slug}/agreements/{agreement.id}")
    assert page.status_code == 404
    assert current(agreement)[0] == StepActor.KANWIL


def test_the_kanwil_acknowledges_from_its_own_pages(bengkulu, login_as):
    pks = bengkulu
    agreement = at_the_kanwil(pks, title="PKS menunggu Kanwil")
    web = login_as(pks.analyst)
    dashboard = web.get(f"/o/{pks.kanwil.slug}/").text
    assert 'data-testid="waiting-acknowledgement">1<' in dashboard, "Menunggu tindakan Anda, on the Kanwil's dashboard"
    waiting = web.get(f"/o/{pks.kanwil.slug}/agreements/?queue=acknowledge").text
    assert "PKS menunggu Kanwil" in waiting
    page = web.get(f"/o/{pks.kanwil.slug}/agreements/{agreement.id}").text
    assert 'data-testid="approval-steps"' in page and "Diketahui Kanwil" in page
    assert "Tandai sudah diketahui Kanwil" in page
    done = web.post(f"/o/{pks.kanwil.slug}/agreements/{agreement.id}/acknowledge", follow_redirects=True)
    assert "PKS telah ditandai sudah diketahui Kanwil." in done.text
    with unscoped("test: the agreement as it is now"):
        db.session.refresh(agreement)
        assert agreement.status == S.FORWARDED


def test_the_head_sets_the_chain_on_its_settings_page(pks, login_as):
    pks.legal = member_of(pks.facility, Role.LEGAL)
    web = login_as(pks.head)
    agreements_page = web.get(f"/o/{pks.facility.slug}/agreements/").text
    assert 'data-testid="approval-chain-link"' in agreements_page
    form = web.get(f"/o/{pks.facility.slug}/agreements/approval-steps").text
    assert "Reviu petugas → Keputusan Kepala" in form
    saved = web.post(f"/o/{pks.facility.slug}/agreements/approval-steps", {
        "steps-0-actor": "officer", "steps-0-name": "", "steps-0-days": "3", "steps-0-may_return": "y",
        "steps-1-actor": "legal", "steps-1-name": "Reviu hukum", "steps-1-days": "4",
        "steps-2-actor": "kanwil", "steps-2-name": "", "steps-2-days": "5",
        "decision_days": "2"}, follow_redirects=True)
    assert "Langkah persetujuan telah disimpan." in saved.text
    assert "Reviu petugas → Reviu hukum → Diketahui Kanwil → Keputusan Kepala" in saved.text
    twice = web.post(f"/o/{pks.facility.slug}/agreements/approval-steps", {
        "steps-0-actor": "kanwil", "steps-0-days": "5", "steps-1-actor": "kanwil", "steps-1-days": "5",
        "decision_days": "2"})
    assert "Langkah Kanwil hanya boleh ada sekali dalam satu rangkaian." in twice.text
    too_long = web.post(f"/o/{pks.facility.slug}/agreements/approval-steps", {
        "steps-0-actor": "officer", "steps-0-days": "5", "decision_days": "61"})
    assert "Antara 1 dan 60 hari kerja." in too_long.text and 'aria-invalid="true"' in too_long.text
    with unscoped("test: what the facility's chain is now"):
        assert chains.summary(chains.chain_for(pks.facility)).startswith("Reviu petugas → Reviu hukum"), \
            "nothing of a refused chain was saved"
    web.logout()
    for person, organisation in ((pks.officer, pks.facility), (pks.partner_admin, pks.partner)):
        other = login_as(person)
        assert other.get(f"/o/{organisation.slug}/agreements/approval-steps").status_code == 403
        other.logout()


def test_a_chain_is_refused_with_reasons(pks):
    far = FacilityFactory(province="Papua Pegunungan")  # no Kanwil of its province uses the portal
    head = member_of(far, Role.HEAD)
    with acting_for(far), pytest.raises(FieldErrors) as refused:
        chains.set_chain(far, None, [ChainStep(StepActor.KANWIL, 5)], 5, actor=head)
    assert refused.value.problems["steps"].startswith("Langkah 1: belum ada kantor wilayah (Kanwil)")
    with pks.acting(pks.head), pytest.raises(FieldErrors) as refused:
        chains.set_chain(pks.facility, None, [ChainStep(StepActor.OFFICER, 0), ChainStep(StepActor.HEAD, 2),
                                              *[ChainStep(StepActor.OFFICER, 1)] * 8], 99, actor=pks.head)
    problems = refused.value.problems
    assert set(problems) == {"steps", "decision_days"}, "every problem of the steps together, above them"
    for said in ("Paling banyak 8 langkah", "Langkah 1: beri antara 1 dan 60 hari kerja.",
                 "Langkah 2: Kepala memutuskan paling akhir"):
        assert said in problems["steps"]
    with pks.acting(pks.officer), pytest.raises(NotAllowed):
        chains.set_chain(pks.facility, None, FOUR_STEPS, 5, actor=pks.officer)


def test_a_step_past_its_deadline_is_shown_late(pks, login_as):
    agreement = submitted(pks)
    with unscoped("test: the step began long ago"):
        agreement.current_step.due_on = date.today() - timedelta(days=3)
        db.session.flush()
    page = login_as(pks.officer).get(f"/o/{pks.facility.slug}/agreements/{agreement.id}").text
    assert 'data-testid="step-late"' in page and "Terlambat" in page


def test_working_days_skip_weekends_and_national_holidays():
    assert working_days.add_working_days(date(2026, 12, 4), 1) == date(2026, 12, 7), "Friday + 1 is Monday"
    # Nyepi (Day of Silence) is Thursday 19 March 2026: a day's step begun on the Wednesday is due on Friday.
    assert working_days.add_working_days(date(2026, 3, 18), 1) == date(2026, 3, 20)
    assert not working_days.is_working_day(date(2026, 8, 17)), "Independence Day"
    assert working_days.working_days_between(date(2026, 12, 4), date(2026, 12, 11)) == 5


@pytest.mark.postgres
def test_row_level_security_lets_the_kanwil_decide_its_step_and_nothing_else(bengkulu):
    if db.session.get_bind().dialect.name != "postgresql":
        pytest.skip("Row-Level Security exists on PostgreSQL only")
    pks = bengkulu
    agreement = at_the_kanwil(pks)
    kanwil_step = agreement.current_step
    refused = {
        "the agreement's title": f"UPDATE agreements SET title = 'Diubah' WHERE id = {agreement.id}",
        "its step's deadline": f"UPDATE agreement_steps SET days = 99 WHERE id = {kanwil_step.id}",
        "another step decided": f"UPDATE agreement_steps SET state = 'done' WHERE agreement_id = {agreement.id} "
                                f"AND actor = 'head'",
        "approving": f"UPDATE agreements SET status = 'approved' WHERE id = {agreement.id}",
    }
    refused_to_the_kanwil(pks, refused)
    ditjen = OversightFactory(province=None)  # covers (reads) every facility; acknowledges none
    with acting_for(ditjen), pytest.raises(DBAPIError, match="row-level security|oversight office"):
        with db.session.begin_nested():
            db.session.execute(text(f"UPDATE agreement_steps SET state = 'done' WHERE id = {kanwil_step.id}"))
    with acting_for(pks.kanwil):
        assert db.session.execute(text(
            f"UPDATE agreement_steps SET state = 'done', decided_for_id = {pks.kanwil.id} "
            f"WHERE id = {kanwil_step.id}")).rowcount == 1
        assert db.session.execute(text(
            f"UPDATE agreements SET status = 'forwarded', version = version + 1 WHERE id = {agreement.id}")
        ).rowcount == 1


def test_each_step_s_people_are_told_when_it_is_their_turn(bengkulu):
    from portal.notifications.models import Notification

    pks = bengkulu

    def told(person) -> list[str]:
        with unscoped("test: the person's notices"):
            return [notice.kind for notice in db.session.scalars(
                select(Notification).where(Notification.user_id == person.id).order_by(Notification.id))]

    agreement = submitted(pks)
    assert told(pks.officer) == ["agreement.submitted"] and told(pks.legal) == []
    with pks.acting(pks.officer):
        agreements.forward_agreement(agreement, actor=pks.officer)
    assert told(pks.legal) == ["agreement.step_turn"] and told(pks.analyst) == []
    with pks.acting(pks.legal):
        agreements.forward_agreement(agreement, actor=pks.legal)
    assert told(pks.analyst) == ["agreement.step_turn"]
    with unscoped("test: where the Kanwil's notice leads"):
        notice = db.session.scalar(select(Notification).where(Notification.user_id == pks.analyst.id))
        assert notice.link == f"/o/{pks.kanwil.slug}/agreements/{agreement.id}"
    assert "agreement.forwarded" not in told(pks.head)
    with acting_for(pks.kanwil):
        agreements.acknowledge_agreement(agreement, actor=pks.analyst)
    assert "agreement.forwarded" in told(pks.head)


def late(agreement, working_days_ago: int) -> None:
    """The agreement's current step was due `working_days_ago` working days before today."""
    with unscoped("test: the step began long ago"):
        day = date.today()
        for _ in range(working_days_ago):
            day -= timedelta(days=1)
            while not working_days.is_working_day(day):
                day -= timedelta(days=1)
        agreement.current_step.due_on = day
        db.session.flush()


def reminders_sent() -> int:
    from portal.notifications import operations as notifications

    with unscoped("reminders look at every tenant"):
        return notifications.remind(unsigned_days=7, queue_days=7)


def test_late_steps_are_reminded_once_a_day_together_and_the_head_hears_after_a_second_deadline(bengkulu):
    from portal.notifications.models import Notification

    pks = bengkulu
    first, second = submitted(pks, title="PKS satu"), submitted(pks, title="PKS dua")
    late(first, 1)
    late(second, 4)  # the officer's step has 3 days: late by its own length again
    reminders_sent()
    with unscoped("test: the notices sent"):
        notices = {(notice.user_id, notice.kind): notice for notice in db.session.scalars(select(Notification))}
    together = notices[(pks.officer.id, "reminder.steps_late")]
    assert together.params["count"] == 2 and together.link == f"/o/{pks.facility.slug}/agreements/?queue=review"
    assert (pks.head.id, "reminder.step_overdue") in notices, "the head hears of the step late twice over"
    assert [kind for user, kind in notices if user == pks.head.id].count("reminder.step_overdue") == 1
    assert reminders_sent() == 0, "once a day, and the head once per step"


def test_the_api_and_the_webhooks_carry_the_steps(bengkulu, client, receiver):
    import json

    from portal.integrations import webhooks
    from portal.integrations.webhook_models import WebhookDelivery
    from tests.integrations.test_api import call, issue

    pks = bengkulu
    with pks.acting(pks.head):
        registered = webhooks.register(pks.facility, receiver.url, "SIMPAS",
                                       ["agreement.step_completed", "agreement.step_late"], actor=pks.head)
        endpoint_id = registered.endpoint.id
    agreement = submitted(pks)
    with pks.acting(pks.officer):
        agreements.forward_agreement(agreement, actor=pks.officer)
    late(agreement, 1)
    reminders_sent()
    reminders_sent()
    with unscoped("test: what was queued for the facility's system"):
        sent = [json.loads(delivery.body) for delivery in db.session.scalars(
            select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id).order_by(WebhookDelivery.id))]
    assert [body["type"] for body in sent] == ["agreement.step_completed", "agreement.step_late"]
    agreement_id = agreement.id
    assert sent[1]["data"]["id"] == agreement_id
    secret = issue(pks, pks.head, pks.facility)
    detail = call(client, f"/agreements/{agreement_id}", secret).json
    assert [(step["name"], step["actor"], step["status"], step["current"]) for step in detail["steps"]] == [
        ("Pemeriksaan kelengkapan", "officer", "done", False), ("Reviu hukum Subbag Umum", "legal", "open", True),
        ("Diketahui Kanwil", "kanwil", "open", False), ("Keputusan Kepala", "head", "open", False)]
    assert detail["steps"][0]["decided_by"] == "Petugas Pelayanan" and detail["steps"][1]["late"] is True


def test_the_dashboards_exports_and_api_show_where_agreements_get_stuck(bengkulu, login_as, client):
    from tests.integrations.test_api import call, issue

    pks = bengkulu
    moving, stuck = submitted(pks, title="PKS yang berjalan"), submitted(pks, title="PKS yang tertahan")
    with unscoped("test: the officer's steps began days ago"):
        for agreement, days_ago in ((moving, 3), (stuck, 9)):
            agreement.current_step.started_at = utcnow() - timedelta(days=days_ago)
        db.session.flush()
    with pks.acting(pks.officer):
        agreements.forward_agreement(moving, actor=pks.officer)
    late(stuck, 2)
    from portal.notifications.operations import agreement_params
    from portal.notifications.texts import agreement_name

    stuck_id = stuck.id
    with pks.acting(pks.head):
        named = agreement_name(agreement_params(stuck, pks.facility))  # as its notices name it
    assert named.startswith("PKS W17.PAS") and "tertahan" not in named
    with pks.acting(pks.head):
        board = figures.dashboard_of(pks.facility, Filters.from_args({}))
    steps = {row[0]: row[1:] for row in board.tables["approval-steps"].rows}
    took = Decimal(working_days.working_days_between(date.today() - timedelta(days=3), date.today()))
    assert steps["Reviu petugas"] == (1, took, took, 1, 1), "decided once, in working days; one late now"
    legal = steps["Reviu hukum (Subbag/Urusan Umum)"]
    assert legal[0] == 0 and legal[3] == 1
    longest = board.tables["waiting-longest"]
    assert [(row[0], row[-1]) for row in longest.rows] == [(named, "Ya"), (named, "")], "the late one says so"
    assert not any("tertahan" in str(cell) for row in longest.rows for cell in row), "never a title someone typed"
    web = login_as(pks.head)
    page = web.get(f"/o/{pks.facility.slug}/").text
    assert 'data-testid="stuck"' in page and named in page
    assert f'/o/{pks.facility.slug}/agreements/{stuck_id}"' in page, "each waiting agreement links to its page"
    exported = web.get(f"/o/{pks.facility.slug}/export/approval-steps.csv").text
    assert "Reviu petugas" in exported.splitlines()[1]
    for table in ("approval-steps", "waiting-longest"):
        for kind in ("csv", "xlsx"):
            assert web.get(f"/o/{pks.facility.slug}/export/{table}.{kind}").status_code == 200, (table, kind)
    web.logout()
    analyst = login_as(pks.analyst)
    assert f"/o/{pks.kanwil.slug}/agreements/{stuck_id}" in analyst.get(f"/o/{pks.kanwil.slug}/").text, \
        "the Kanwil's dashboard too"
    analyst.logout()
    secret = issue(pks, pks.head, pks.facility, scopes=("figures:read",))
    tables = {table["name"]: table for table in call(client, "/figures", secret).json["tables"]}
    assert [row[0] for row in tables["waiting-longest"]["rows"]] == [named, named]


def test_the_certificate_page_names_each_step_and_who_decided_it(bengkulu):
    import io

    from pypdf import PdfReader

    from portal.agreements import signing as agreement_signing
    from portal.agreements.models import DocumentKind
    from portal.core import storage
    from tests.factories import PASSWORD, fresh_code

    pks = bengkulu
    agreement = at_the_kanwil(pks)
    with acting_for(pks.kanwil):
        agreements.acknowledge_agreement(agreement, actor=pks.analyst)
    with pks.acting(pks.head):
        agreements.approve_agreement(agreement, actor=pks.head)
    for signer in (pks.partner_admin, pks.head):
        with pks.acting(signer):
            agreement_signing.sign_agreement(agreement, PASSWORD, fresh_code(signer.id), actor=signer)
    body = b"".join(storage.get(agreement.document_of(DocumentKind.FINAL).storage_key))
    from tests.agreements.test_agreement_lifecycle import ARTIFACTS
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "pks-chain-final.pdf").write_bytes(body)  # for a person to look at
    reader = PdfReader(io.BytesIO(body))
    assert len(reader.pages) == 2, "still one certificate page after the signed one"
    certificate = " ".join(reader.pages[-1].extract_text().split())
    for expected in ("Persetujuan", "1. Pemeriksaan kelengkapan: Petugas Pelayanan", "2. Reviu hukum Subbag Umum",
                     f"3. Diketahui Kanwil: {pks.analyst.name} ({pks.kanwil.name})", "4. Keputusan Kepala"):
        assert expected in certificate, expected


@pytest.mark.postgres
def test_row_level_security_refuses_the_kanwil_every_other_change_a_review_tried(bengkulu):
    """Found by the adversarial review: `pair_rule` lets an overseer's UPDATE reach every row it reads, so the
    database itself must say which change of them is the acknowledgement."""
    if db.session.get_bind().dialect.name != "postgresql":
        pytest.skip("Row-Level Security exists on PostgreSQL only")
    pks = bengkulu
    approved = at_the_kanwil(pks, title="Sudah diputus")
    with acting_for(pks.kanwil):
        agreements.acknowledge_agreement(approved, actor=pks.analyst)
    with pks.acting(pks.head):
        agreements.approve_agreement(approved, actor=pks.head)
    early = submitted(pks, title="Belum sampai Kanwil")  # at the officer's step
    waiting = at_the_kanwil(pks, title="Menunggu Kanwil")
    default = FacilityFactory(province=pks.facility.province)
    refused = {
        "who approved, rewritten": f"UPDATE agreement_steps SET decided_by_name = 'Orang lain' "
                                   f"WHERE agreement_id = {approved.id} AND actor = 'head'",
        "a deadline moved": f"UPDATE agreement_steps SET due_on = '2099-12-31' WHERE agreement_id = {waiting.id} "
                            f"AND actor = 'kanwil'",
        "its step decided before its turn": f"UPDATE agreement_steps SET state = 'done', decided_for_id = "
                                            f"{pks.kanwil.id} WHERE agreement_id = {early.id} AND actor = 'kanwil'",
        "forwarded without its step": f"UPDATE agreements SET status = 'forwarded', version = version + 1 "
                                      f"WHERE id = {early.id}",
        "its step decided in another's name": f"UPDATE agreement_steps SET state = 'done', decided_for_id = "
                                              f"{pks.facility.id} WHERE agreement_id = {waiting.id} "
                                              f"AND actor = 'kanwil'",
        "a version bumped": f"UPDATE agreements SET version = version + 5 WHERE id = {waiting.id}",
    }
    refused_to_the_kanwil(pks, refused)
    assert default.id  # a facility of the province with no chain: nothing of it to forward either


def test_the_orm_write_guard_lets_the_kanwil_acknowledge_and_nothing_else(bengkulu):
    from portal.core.tenancy import TenantViolation

    pks = bengkulu
    agreement = at_the_kanwil(pks)
    step = agreement.current_step
    for change in (lambda: setattr(step, "due_on", date(2099, 12, 31)),
                   lambda: setattr(agreement.round_steps[0], "decided_by_name", "Orang lain"),
                   lambda: setattr(agreement, "status", S.APPROVED)):
        with acting_for(pks.kanwil), pytest.raises(TenantViolation):
            with db.session.begin_nested():
                change()
                db.session.flush()


def test_a_step_two_people_complete_at_once_is_done_once(bengkulu):
    pks = bengkulu
    agreement = submitted(pks)
    seen = agreement.current_step
    with unscoped("test: another officer completed it a moment ago, in their own transaction"):
        db.session.execute(text(f"UPDATE agreement_steps SET state = 'done' WHERE id = {seen.id}"))
    entries = len(trail())
    with pks.acting(pks.officer), pytest.raises(AgreementChanged):
        agreements.forward_agreement(agreement, actor=pks.officer)
    assert len(trail()) == entries


def test_only_acting_for_the_kanwil_may_one_acknowledge(bengkulu):
    from tests.factories import also_member_of

    pks = bengkulu
    agreement = at_the_kanwil(pks)
    both = also_member_of(pks.analyst, pks.facility, Role.OFFICER)
    with acting_for(pks.facility), pytest.raises(NotAllowed):
        agreements.acknowledge_agreement(agreement, actor=both)
    with acting_for(pks.kanwil):
        agreements.acknowledge_agreement(agreement, actor=both)
    assert agreement.round_steps[2].decided_for_id == pks.kanwil.id


def test_a_chain_needs_a_step_before_the_head(pks):
    with pks.acting(pks.head), pytest.raises(FieldErrors) as refused:
        chains.set_chain(pks.facility, None, [], 5, actor=pks.head)
    assert "steps" in refused.value.problems

"""A facility's verifiers hear of new contributions: each one as it is recorded, or one summary a day if they chose
it; a summary lists a facility's new contributions once, and nothing is sent when there were none."""
from datetime import timedelta

from portal.contributions import notices as contribution_notices, operations as contributions
from portal.contributions.models import Contribution, ContributionStatus as C
from portal.core.tenancy import unscoped
from portal.extensions import db
from portal.notifications.texts import notice_text
from portal.organisations.models import Role
from tests.factories import ContributionFactory, member_of
from tests.contributions.test_contributions import fields, record
from tests.notifications.test_notifications import mails_to, notices_of

TAMIANG = "Rutan Kelas IIB Tamiang Layang"


def prefers(user, choice: str) -> None:
    with unscoped("test: the person's choice, as their profile page saves it"):
        user.contribution_notices = choice
        db.session.flush()


def digest(app) -> str:
    result = app.test_cli_runner().invoke(args=["portal", "remind"])
    assert result.exit_code == 0, result.output
    return result.output


def test_the_facilitys_officer_hears_of_a_new_contribution_by_bell_and_e_mail(pks, mailbox):
    made = record(pks)
    link = f"/o/{pks.facility.slug}/contributions/{made.id}"  # read before the commit: then it is out of sight
    db.session.commit()
    [notice] = notices_of(pks.officer, "contribution.recorded")
    assert notice_text(notice).startswith("RSUD Tamiang Layang mencatat kontribusi Sesi konseling tanggal ")
    assert notice_text(notice).endswith("; kontribusi ini menunggu verifikasi Anda.")
    assert notice.link == link
    assert "Konseling psikologis" not in notice_text(notice), "never what someone typed"
    assert [m.subject for m in mails_to(pks.officer)] == [notice_text(notice)]
    for nobody in (pks.head, pks.viewer, pks.partner_member, pks.partner_admin, pks.stranger_head):
        assert notices_of(nobody, "contribution.recorded") == []


def test_three_new_contributions_are_three_notices(pks):
    for _ in range(3):
        record(pks)
        db.session.commit()
    assert len(notices_of(pks.officer, "contribution.recorded")) == 3


def test_many_recorded_at_once_are_one_notice(pks):
    queue = f"/o/{pks.facility.slug}/contributions/?status=submitted"
    programme_sessions = [fields(started_on=fields().started_on - timedelta(days=day)) for day in range(4)]
    with pks.acting(pks.partner_member):
        for session in programme_sessions:
            contributions.record_contribution(pks.facility, pks.partner, session, actor=pks.partner_member)
    db.session.commit()
    assert notices_of(pks.officer, "contribution.recorded") == []
    [notice] = notices_of(pks.officer, "contribution.recorded_many")
    assert notice_text(notice) == ("RSUD Tamiang Layang mencatat 4 kontribusi sekaligus; semuanya menunggu "
                                   "verifikasi Anda.")
    assert notice.link == queue


def test_one_verified_before_its_transaction_ends_is_told_of_no_more(pks):
    made = record(pks)
    with pks.acting(pks.officer):
        contributions.verify_contribution(made, actor=pks.officer)
    db.session.commit()
    assert notices_of(pks.officer, "contribution.recorded") == []


def test_a_verifier_who_chose_a_daily_summary_gets_one_e_mail_of_the_days_contributions(pks, app, mailbox):
    prefers(pks.officer, "daily")
    links = [f"/o/{pks.facility.slug}/contributions/{record(pks).id}" for _ in range(3)]
    db.session.commit()
    assert notices_of(pks.officer) == [], "nothing for each one"
    assert "1 summary(ies) of new contributions sent." in digest(app)
    [notice] = notices_of(pks.officer, "contribution.digest")
    assert notice_text(notice) == f"Ringkasan harian: 3 kontribusi baru dicatat di {TAMIANG}."
    [mail] = mails_to(pks.officer)
    assert mail.subject == notice_text(notice)
    for link in links:
        assert link in mail.text
    assert mail.text.count("RSUD Tamiang Layang (Menunggu verifikasi)") == 3
    assert "Konseling psikologis" not in mail.text
    assert "0 summary(ies) of new contributions sent." in digest(app), "each contribution is in one summary at most"
    assert len(mails_to(pks.officer)) == 1


def test_a_facility_with_nothing_new_gets_no_summary(pks, app, mailbox):
    prefers(pks.officer, "daily")
    record(pks)
    db.session.commit()
    digest(app)
    ContributionFactory(facility=pks.stranger_facility, partner=pks.partner)  # someone else's facility
    stranger_officer = member_of(pks.stranger_facility, Role.OFFICER)
    prefers(stranger_officer, "daily")
    assert "1 summary(ies) of new contributions sent." in digest(app)
    assert len(mails_to(pks.officer)) == 1 and len(mails_to(stranger_officer)) == 1


def test_a_summary_takes_contributions_nobody_chose_to_summarise_too_so_none_comes_twice(pks, app, mailbox):
    """The officer heard of the first one at once; once he chooses the summary, it does not bring that one again."""
    record(pks)
    db.session.commit()
    digest(app)
    prefers(pks.officer, "daily")
    assert "0 summary(ies) of new contributions sent." in digest(app)
    with unscoped("test: what the summaries took"):
        assert db.session.query(Contribution).filter(Contribution.digested_at.is_(None)).count() == 0


def test_a_long_day_lists_the_first_fifty_and_says_how_many_more(pks, app, mailbox, monkeypatch):
    monkeypatch.setattr(contribution_notices, "DIGEST_LISTS", 2)
    prefers(pks.officer, "daily")
    for _ in range(3):
        ContributionFactory(facility=pks.facility, partner=pks.partner, status=C.SUBMITTED)
    digest(app)
    [mail] = mails_to(pks.officer)
    assert mail.text.count("RSUD Tamiang Layang (") == 2 and "Dan 1 lainnya." in mail.text


def test_a_verifier_chooses_on_their_notification_settings_and_a_partners_member_is_not_asked(pks, login_as):
    web = login_as(pks.officer)
    page = web.get("/notifications/settings").text
    assert "Kontribusi baru yang perlu diverifikasi" in page and "Satu ringkasan sehari" in page
    assert web.post("/notifications/settings", {"time_zone": "Asia/Jakarta", "quiet_from": "21", "quiet_until": "6",
                                                "contribution_notices": "daily"}).status_code == 302
    with unscoped("test: the saved choice"):
        db.session.refresh(pks.officer)
        assert pks.officer.contribution_notices == "daily"
    web.logout()
    assert 'data-testid="contribution-notices"' not in login_as(pks.partner_member).get("/notifications/settings").text


def test_a_head_who_is_not_told_of_new_contributions_is_not_asked_how(pks, login_as):
    """The head's profile offered the choice, but with an officer at the facility the head is never told: the
    choice changed nothing (found walking the head's screens)."""
    assert 'data-testid="contribution-notices"' not in login_as(pks.head).get("/notifications/settings").text


def test_once_verified_a_contribution_waits_for_nobody_and_its_notices_are_read(pks, login_as):
    """The officer who verified both new contributions still read "3 belum dibaca", two of them "menunggu
    verifikasi Anda" (found walking the officer's screens)."""
    made = record(pks)
    made_id, officer_id = made.id, pks.officer.id
    db.session.commit()
    assert [n.read_at for n in notices_of(pks.officer, "contribution.recorded")] == [None]
    login_as(pks.officer).post(f"/o/{pks.facility.slug}/contributions/{made_id}/verify")
    with unscoped("test: the officer's notices"):
        assert db.session.get(Contribution, made_id).status == C.VERIFIED
    assert all(n.read_at is not None for n in notices_of(pks.officer, "contribution.recorded")), officer_id


def test_an_import_is_one_notice_whatever_its_size(pks):
    """The import's rows reach the audit trail as one batch; the officer hears once, with the count."""
    with pks.acting(pks.partner_member):
        made = [contributions.new_contribution(pks.facility, pks.partner, fields(), actor=pks.partner_member)
                for _ in range(3)]
        for contribution in made:
            db.session.add(contribution)
        db.session.flush()
        contributions.audit_recorded(pks.facility, pks.partner, made, pks.partner_member)
    db.session.commit()
    [notice] = notices_of(pks.officer, "contribution.recorded_many")
    assert notice.params["count"] == 3

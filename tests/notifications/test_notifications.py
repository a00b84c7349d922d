"""Notifications: the right people hear of each step, by bell and by e-mail as they prefer, never other tenants."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal.agreements import operations as agreements, signing as agreement_signing
from portal.agreements.models import AgreementStatus as S
from portal.contributions import operations as contributions
from portal.core.i18n import long_date
from portal.core.tenancy import as_person, unscoped
from portal.extensions import db
from portal.notifications.mail_models import OutboxMessage
from portal.notifications.models import Notification
from portal.notifications.texts import notice_text
from tests.factories import PASSWORD, fresh_code
from tests.contributions.test_contributions import record


def notices_of(user, kind=None):
    """What the person's bell holds (only they may read it: on PostgreSQL the database says so too)."""
    with as_person(user):
        query = db.session.query(Notification).filter(Notification.user_id == user.id)
        return [n for n in query.order_by(Notification.id) if kind is None or n.kind == kind]


def mails_to(user):
    with unscoped("the test reads the outbox as the mail worker does"):
        return db.session.query(OutboxMessage).filter(OutboxMessage.to == user.email).all()


FACILITY_NO, PARTNER_NO = "W17.PAS.PAS.10-PK.01.01-123", "445/123/RSUD-TL/XI/2025"


def heard(user):
    """What the person's bell says, in order: one line per notice."""
    return [notice_text(notice) for notice in notices_of(user)]


def test_each_person_hears_once_at_each_of_their_turns_of_a_pks(pks, mailbox):
    """Walked from draft to in force: the officer reviews, the head decides, the partner's signatory signs, then the
    head; each hears once when it is their turn, in the words the screens use (each side its own PKS number)."""
    pks.in_state(S.ACTIVE)
    assert heard(pks.officer) == [
        f"RSUD Tamiang Layang mengajukan PKS {FACILITY_NO} untuk ditinjau.",
        f"PKS {FACILITY_NO} telah ditandatangani kedua pihak."]
    assert heard(pks.head) == [
        f"PKS {FACILITY_NO} yang diajukan RSUD Tamiang Layang telah ditinjau dan menunggu keputusan Anda.",
        f"RSUD Tamiang Layang telah menandatangani PKS {FACILITY_NO}; kini menunggu tanda tangan Anda."], \
        "asked once to decide and once to sign; not told of the signature that he made himself"
    assert heard(pks.partner_admin) == [
        f"Rutan Kelas IIB Tamiang Layang menyetujui PKS {PARTNER_NO}; kini menunggu tanda tangan Anda.",
        f"PKS {PARTNER_NO} telah ditandatangani kedua pihak."], "the signatory: one notice at approval, not two"
    assert heard(pks.second_partner_admin) == [
        f"Rutan Kelas IIB Tamiang Layang menyetujui PKS {PARTNER_NO}; kini menunggu tanda tangan Vinny Safari.",
        f"PKS {PARTNER_NO} telah ditandatangani kedua pihak."]
    for nobody in (pks.viewer, pks.partner_member, pks.stranger_head, pks.analyst):
        assert heard(nobody) == []
    asked = [m.subject for m in mails_to(pks.head) if "menunggu tanda tangan Anda" in m.subject]
    assert asked == [heard(pks.head)[1]], "one e-mail asks the head to sign"


def test_a_notice_asking_for_a_signature_is_read_once_the_person_has_signed(pks):
    agreement = pks.in_state(S.PARTNER_SIGNED)
    with unscoped("test: the head's unread notices"):
        assert [n.kind for n in db.session.scalars(select(Notification).where(
            Notification.user_id == pks.head.id, Notification.read_at.is_(None)))] == [
            "agreement.to_sign_partner_signed"], "asked to decide, he decided: that notice is read already"
    with pks.acting(pks.head):
        agreement_signing.sign_agreement(agreement, PASSWORD, fresh_code(pks.head.id), actor=pks.head)
    with unscoped("test: the head's unread notices"):
        assert not db.session.scalars(select(Notification).where(
            Notification.user_id == pks.head.id, Notification.read_at.is_(None))).all(), \
            "the bell no longer says it waits for his signature"


def test_a_review_that_goes_round_tells_each_turn_once_naming_a_pks_without_numbers_by_type_and_parties(pks, mailbox):
    agreement = pks.in_state(S.CHANGES_REQUESTED, facility_number=None, partner_number=None)
    with pks.acting(pks.partner_admin):
        agreements.submit_agreement(agreement, actor=pks.partner_admin)
    with pks.acting(pks.officer):
        agreements.forward_agreement(agreement, actor=pks.officer)
    with pks.acting(pks.head):
        agreements.reject_agreement(agreement, "Tidak sesuai", actor=pks.head)
    pks_name = "PKS Rujukan kesehatan antara Rutan Kelas IIB Tamiang Layang dan RSUD Tamiang Layang"
    assert heard(pks.officer) == [f"RSUD Tamiang Layang mengajukan {pks_name} untuk ditinjau."] * 2, \
        "submitted twice: two turns to review"
    assert heard(pks.head) == [
        f"{pks_name} yang diajukan RSUD Tamiang Layang telah ditinjau dan menunggu keputusan Anda."]
    for admin in (pks.partner_admin, pks.second_partner_admin):
        assert heard(admin) == [
            f"Rutan Kelas IIB Tamiang Layang meminta perubahan pada {pks_name}; alasannya ada di halaman perjanjian.",
            f"Rutan Kelas IIB Tamiang Layang menolak {pks_name}; alasannya ada di halaman perjanjian."]
    assert heard(pks.partner_member) == [] and heard(pks.viewer) == []


def test_where_no_other_officer_can_review_the_head_is_told_of_a_submitted_pks(pks, mailbox):
    with unscoped("test: the facility's officer has left"):
        for membership in pks.officer.memberships:
            membership.access_until = date.today() - timedelta(days=1)
        db.session.flush()
    pks.in_state(S.SUBMITTED)
    assert heard(pks.head) == [f"RSUD Tamiang Layang mengajukan PKS {FACILITY_NO} untuk ditinjau."]
    assert heard(pks.officer) == []


def test_the_end_of_a_pks_is_told_to_both_sides_but_not_to_whoever_ended_it(pks, mailbox):
    pks.in_state(S.TERMINATED)
    ended = f"PKS {FACILITY_NO} telah diakhiri."
    assert heard(pks.officer)[-1] == ended and heard(pks.partner_admin)[-1] == f"PKS {PARTNER_NO} telah diakhiri."
    assert heard(pks.second_partner_admin)[-1] == f"PKS {PARTNER_NO} telah diakhiri."
    assert ended not in heard(pks.head), "the head terminated it himself"


def test_an_addendum_is_named_as_one():
    from portal.notifications.texts import agreement_name

    parties = {"agreement_type": "counselling", "facility": "Lapas Purwokerto", "partner": "Kemnaker"}
    assert agreement_name({**parties, "addendum": True}) == "Adendum PKS Konseling antara Lapas Purwokerto dan Kemnaker"
    assert agreement_name({**parties, "addendum": True, "agreement_number": "B-12/2026"}) == "Adendum B-12/2026"


def test_the_bell_counts_unread_and_opening_a_notice_reads_it(pks, login_as, mailbox):
    pks.in_state(S.SUBMITTED)
    web = login_as(pks.officer)
    page = web.get(f"/o/{pks.facility.slug}/").text
    assert 'data-testid="unread-count">1<' in page
    listing = web.get("/notifications/").text
    assert f"RSUD Tamiang Layang mengajukan PKS {FACILITY_NO} untuk ditinjau." in listing
    notice = notices_of(pks.officer)[0]
    response = web.get(f"/notifications/{notice.id}")
    assert response.status_code == 302 and "/agreements/" in response.headers["Location"]
    assert 'data-testid="unread-count"' not in web.get(f"/o/{pks.facility.slug}/").text


def test_nobody_opens_someone_elses_notice(pks, login_as, mailbox):
    pks.in_state(S.SUBMITTED)
    notice = notices_of(pks.officer)[0]
    web = login_as(pks.partner_admin)
    assert web.get(f"/notifications/{notice.id}").status_code == 404
    assert "mengajukan PKS" not in web.get("/notifications/").text


def test_contribution_decisions_reach_the_person_who_recorded_it(pks, mailbox):
    done, wrong = record(pks), record(pks, title="Sesi yang salah tanggal")
    with pks.acting(pks.officer):
        contributions.verify_contribution(done, actor=pks.officer)
        contributions.reject_contribution(wrong, "Tanggalnya keliru", actor=pks.officer)
    kinds = {n.kind: n for n in notices_of(pks.partner_member)}
    assert set(kinds) == {"contribution.verified", "contribution.rejected"}
    day = long_date(wrong.started_on)
    assert notice_text(kinds["contribution.rejected"]) == (
        f"Rutan Kelas IIB Tamiang Layang mengembalikan kontribusi Sesi konseling tanggal {day}; alasannya ada di "
        "halaman kontribusi."), "named as its list shows it; the page behind it gives the reason"
    assert f"/contributions/{wrong.id}" in kinds["contribution.rejected"].link


def test_every_notice_goes_to_a_member_of_one_party_of_its_record(pks, mailbox):
    pks.in_state(S.ACTIVE)
    with unscoped("test: look at every notice"):
        for notice in db.session.query(Notification):
            member_orgs = {m.organisation_id for m in db.session.get(type(pks.head), notice.user_id).memberships}
            assert notice.organisation_id in member_orgs
            assert notice.organisation_id in (pks.facility.id, pks.partner.id)
            assert pks.stranger_facility.name not in str(notice.params)


def test_a_group_kept_to_the_bell_comes_only_in_the_bell(pks, mailbox):
    with as_person(pks.officer):
        pks.officer.notice_routes = {"agreements": "bell"}
        db.session.flush()
    pks.in_state(S.FORWARDED)
    assert notices_of(pks.officer) and mails_to(pks.officer) == []
    assert mails_to(pks.head)


def test_remind_twice_sends_once(pks, app, mailbox, monkeypatch):
    from portal.core import clock

    agreement = pks.in_state(S.ACTIVE)
    runner = app.test_cli_runner()
    first = runner.invoke(args=["portal", "remind"])
    assert first.exit_code == 0, first.output
    assert notices_of(pks.head, "reminder.expiring") == []  # ends in a year: nothing yet
    with unscoped("test: the agreement ends sooner"):
        agreement.end_date = ends = date.today() + timedelta(days=25)
        db.session.flush()
    assert "reminder(s) sent" in runner.invoke(args=["portal", "remind"]).output
    again = runner.invoke(args=["portal", "remind"])
    assert again.output.startswith("0 reminder(s) sent")
    [notice] = notices_of(pks.head, "reminder.expiring")
    assert notice.params["days"] == 30
    assert notice_text(notice) == f"PKS {FACILITY_NO} berakhir dalam 30 hari ({long_date(ends)})."
    monkeypatch.setattr(clock, "today", lambda: date.today() + timedelta(days=20))
    runner.invoke(args=["portal", "remind"])
    assert [n.params["days"] for n in notices_of(pks.head, "reminder.expiring")] == [30, 7]
    assert len(notices_of(pks.partner_admin, "reminder.expiring")) == 2


def test_unsigned_agreements_and_waiting_queues_are_reminded_once(pks, app, mailbox):
    from portal.core.columns import utcnow

    agreement = pks.in_state(S.APPROVED)
    waiting = record(pks)
    with unscoped("test: time passes"):
        agreement.updated_at = utcnow() - timedelta(days=8)
        waiting.created_at = utcnow() - timedelta(days=8)
        db.session.flush()
    for _ in range(2):
        assert app.test_cli_runner().invoke(args=["portal", "remind"]).exit_code == 0
    [unsigned] = notices_of(pks.partner_admin, "reminder.unsigned")
    assert notice_text(unsigned) == f"PKS {PARTNER_NO} telah menunggu tanda tangan Anda lebih dari 7 hari."
    assert len(notices_of(pks.officer, "reminder.verification")) == 1
    assert notices_of(pks.officer, "reminder.verification")[0].params["count"] == 1


def test_a_person_keeps_their_profile_and_chooses_their_mail(login_as, pks, mailbox):
    web = login_as(pks.officer)
    assert web.get("/account/profile").status_code == 200
    response = web.post("/account/profile", {
        "name": "Sri Wahyuni", "position": "Kasubsi Pelayanan Tahanan", "nip": "198702142010012003",
        "phone": "+62 812 3456 7890", "locale": "en"})
    assert response.status_code == 302
    settings = web.get("/notifications/settings").text
    assert web.post("/notifications/settings", {
        **{f"route_{group}": "bell" for group in ("agreements", "inquiries", "materials", "news", "people")},
        "route_contributions": "email", "route_reminders": "email", "route_new_contributions": "email",
        "time_zone": "Asia/Jakarta", "quiet": "y", "quiet_from": "21", "quiet_until": "6",
        "contribution_notices": "each"}).status_code == 302, settings
    officer = pks.officer
    db.session.refresh(officer)
    assert (officer.name, officer.nip, officer.phone, officer.locale) == (
        "Sri Wahyuni", "198702142010012003", "+62 812 3456 7890", "en")
    assert officer.notice_routes == {group: "bell" for group in ("agreements", "inquiries", "materials", "news",
                                                                  "people")}
    assert "Profile" in web.get("/account/profile").text  # now in English
    bad = web.post("/account/profile", {"name": "Sri", "nip": "123", "locale": "id"})
    assert bad.status_code == 200 and "18" in bad.text


def test_one_commit_wakes_the_mail_worker_once_however_many_messages(pks, app, mailbox, monkeypatch):
    from redis import Redis

    from portal.ops import worker as mail_worker

    redis_url = "redis://127.0.0.1:6379/15"  # .ci/run starts Redis; database 15 is the tests' own
    Redis.from_url(redis_url).flushdb()
    monkeypatch.setitem(app.config, "REDIS_URL", redis_url)
    pks.in_state(S.FORWARDED)  # tells the officer, then the head: two messages
    db.session.commit()
    with unscoped("the test watches the outbox as the mail worker does"):
        assert db.session.query(OutboxMessage).count() >= 2
    assert mail_worker.current_queue().count == 1
    db.session.rollback()
    assert mail_worker.current_queue().count == 1, "a rollback wakes nobody"


@pytest.mark.usefixtures("storage_settings")
def test_material_added_to_an_agreement_tells_the_other_party(pks, mailbox):
    from portal.materials.models import MaterialCategory
    from tests import sample_files
    from tests.materials.test_materials import upload

    agreement = pks.in_state(S.ACTIVE)
    upload(pks, sample_files.pdf("Jadwal rujukan"), "jadwal.pdf", agreement=agreement,
           category=MaterialCategory.OTHER)
    [notice] = notices_of(pks.head, "material.added")
    assert notice_text(notice) == f"RSUD Tamiang Layang menambahkan materi (Lainnya) pada PKS {FACILITY_NO}."
    assert "/materials/" in notice.link
    assert notices_of(pks.partner_member, "material.added") == [], "the uploader's own side is not told"


def test_an_expired_agreement_is_announced_to_both_parties(pks, app, mailbox, monkeypatch):
    from portal.core import clock

    agreement = pks.in_state(S.ACTIVE)
    monkeypatch.setattr(clock, "today", lambda: agreement.end_date + timedelta(days=1))
    assert app.test_cli_runner().invoke(args=["portal", "agreements-tick"]).exit_code == 0
    assert notices_of(pks.head, "agreement.expired") and notices_of(pks.partner_admin, "agreement.expired")

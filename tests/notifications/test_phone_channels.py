"""Issue 39: notices by WhatsApp and SMS beside e-mail, chosen by each person per group of notices, with a number
verified by a code, quiet hours in their own time zone, a morning summary, delivery statuses through the providers'
signed webhooks, fallback WhatsApp → SMS → e-mail, and STOP. The providers are the project's own fakes
(`mitrapas_dev.local_phone`), over HTTP on loopback: never the internet."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
import time

import pytest
from sqlalchemy import select

from mitrapas_dev.local_phone import LocalPhoneProviders, VERIFY_TOKEN
from portal.agreements.models import AgreementStatus as S
from portal.audit.models import AuditEntry
from portal.core.columns import as_utc
from portal.core.tenancy import as_person, unscoped
from portal.extensions import db
from portal.notifications import channel_outbox, digests, phones, preferences
from portal.notifications.channel_models import ChannelMessage, MessageStatus, PhoneChannel
from portal.ops import doctor
from portal.organisations.models import Role
from tests.factories import FacilityFactory, member_of
from tests.notifications.test_notifications import FACILITY_NO, mails_to, notices_of

HEAD_PHONE, HEAD_TYPED = "+6281234567890", "0812-3456-7890"
CANARY = "WBP Bambang Sutrisno bin Wagiman NIK 3271046504870002"


@pytest.fixture(scope="session")
def providers():
    server = LocalPhoneProviders().start()
    server.deliver = False  # in-process, the tests post the callbacks themselves
    yield server
    server.stop()


@pytest.fixture
def phone(app, providers, mailbox, monkeypatch):
    """The app sends WhatsApp and SMS through the fake providers, whose inbox starts empty."""
    providers.clear()
    providers.refusals.clear()
    for key, value in providers.settings().items():
        monkeypatch.setitem(app.config, key, value)
    return providers


def send(now=None):
    """The worker's round: the morning summaries due, then the WhatsApp and SMS messages due."""
    digests.send_due(now=now)
    return channel_outbox.send_due(now=now)


def messages_of(user) -> list[ChannelMessage]:
    with unscoped("test: the outbox as the worker reads it"):
        return list(db.session.scalars(select(ChannelMessage).where(ChannelMessage.user_id == user.id)
                                       .order_by(ChannelMessage.id).execution_options(populate_existing=True)))


def verified(web, phone, channel="whatsapp", typed=HEAD_TYPED):
    """The person asks for a code on their settings page and types the one their phone received."""
    assert web.post(f"/notifications/settings/{channel}/code", {f"{channel}-phone": typed}).status_code == 302
    send()
    code = phone.code_sent_to(phones.normalised(typed), channel)
    assert web.post(f"/notifications/settings/{channel}/verify", {f"{channel}-code-code": code}).status_code == 302


def chose(web, **routes):
    """The settings form sent with `routes` ({group: channel}; the rest by e-mail), quiet hours off unless told."""
    quiet = routes.pop("quiet", None)
    digest = routes.pop("digest", [])
    form = {f"route_{group}": route for group, route in routes.items()}
    form.update({f"digest_{group}": "y" for group in digest})
    form.update({"time_zone": routes.pop("zone", "Asia/Jakarta"), "quiet_from": "21", "quiet_until": "6",
                 "contribution_notices": "each"})
    if quiet:
        form.update({"quiet": "y", "quiet_from": str(quiet[0]), "quiet_until": str(quiet[1])})
    answer = web.post("/notifications/settings", form)
    assert answer.status_code == 302, answer.text[-3000:]
    db.session.expire_all()  # the page saved them in its own session: what the test holds is read again


def test_a_head_who_chose_whatsapp_gets_pks_waits_for_your_signature_as_the_partner_signs(pks, login_as, phone):
    web = login_as(pks.head)
    page = web.get("/notifications/settings").text
    assert "WhatsApp" in page and "Kirim kode" in page
    verified(web, phone)
    code = phone.inbox[0]
    assert code.template == "mitrapas_kode_verifikasi" and code.language == "id" and len(code.parameters[0]) == 6
    chose(web, agreements="whatsapp")
    pks.in_state(S.PARTNER_SIGNED)
    assert send()[0] >= 1
    told = phone.wait_for(lambda m: m.parameters[:1] == ["PKS menunggu tanda tangan Anda"])
    headline, sentence, link = told.parameters
    assert told.to == HEAD_PHONE and headline == "PKS menunggu tanda tangan Anda"
    assert FACILITY_NO in sentence and "RSUD Tamiang Layang" in sentence and link.startswith("http")
    assert "/agreements/" in link
    assert notices_of(pks.head, "agreement.to_sign_partner_signed"), "the bell has it too"
    assert not [m for m in mails_to(pks.head) if m.kind == "notification"], "not by e-mail as well"


def test_a_code_is_checked_and_a_phone_channel_is_chosen_only_once_verified(pks, login_as, phone):
    web = login_as(pks.officer)
    refused = web.post("/notifications/settings", {"route_agreements": "whatsapp", "time_zone": "Asia/Jakarta",
                                                   "quiet_from": "21", "quiet_until": "6"})
    assert "Verifikasi dulu nomor Anda untuk WhatsApp" in refused.text
    bad_number = web.post("/notifications/settings/whatsapp/code", {"whatsapp-phone": "12345"})
    assert "Itu bukan nomor ponsel" in bad_number.text
    assert web.post("/notifications/settings/whatsapp/code", {"whatsapp-phone": "+62 813 1111 2222"}).status_code == 302
    wrong = web.post("/notifications/settings/whatsapp/verify", {"whatsapp-code-code": "000000"})
    assert "Kode itu tidak cocok" in wrong.text
    for _ in range(phones.CODE_TRIES):
        web.post("/notifications/settings/whatsapp/verify", {"whatsapp-code-code": "000000"})
    send()
    right = phone.code_sent_to("+6281311112222")
    spent = web.post("/notifications/settings/whatsapp/verify", {"whatsapp-code-code": right})
    assert "sudah kedaluwarsa atau terlalu sering salah" in spent.text, "five wrong tries spend a code"
    with as_person(pks.officer):
        assert not phones.usable_channels(pks.officer)
    assert phones.normalised("0812-3456-7890") == phones.normalised("+62 812 3456 7890") == HEAD_PHONE


def test_the_delivery_status_comes_back_through_the_signed_webhook(pks, login_as, phone, client):
    web = login_as(pks.head)
    verified(web, phone)
    path, body, headers = phone.status_request(phone.inbox[0], "delivered")
    forged = dict(headers, **{"X-Hub-Signature-256": "sha256=" + "0" * 64})
    assert client.post(path, data=body, headers=forged).status_code == 403
    assert client.post(path, data=body, headers={"Content-Type": "application/json"}).status_code == 403
    assert client.post(path, data=body, headers=headers).status_code == 200
    [code] = messages_of(pks.head)
    assert code.status == MessageStatus.DELIVERED
    path, body, headers = phone.status_request(phone.inbox[0], "sent")
    client.post(path, data=body, headers=headers)
    assert messages_of(pks.head)[0].status == MessageStatus.DELIVERED, "a late 'sent' does not take it back"
    path, body, headers = phone.status_request(phone.inbox[0], "read")
    client.post(path, data=body, headers=headers)
    assert messages_of(pks.head)[0].status == MessageStatus.READ
    page = web.get("/notifications/settings").text
    assert "Kode verifikasi" in page and "Dibaca" in page


def test_a_code_typed_with_a_space_counts_and_numbers_refused_do_not_use_up_the_codes(pks, login_as, phone, app):
    web = login_as(pks.officer)
    for _ in range(6):  # more than PHONE_CODE_LIMIT: none of them was sent
        assert "Itu bukan nomor ponsel" in web.post("/notifications/settings/whatsapp/code",
                                                    {"whatsapp-phone": "0812"}).text
    page = web.post("/notifications/settings/whatsapp/code", {"whatsapp-phone": "0813 1111 2222"})
    assert page.status_code == 302
    assert 'value="+62 813-1111-2222"' in web.get("/notifications/settings").text, "ready for a new code"
    send()
    code = phone.code_sent_to("+6281311112222")
    assert web.post("/notifications/settings/whatsapp/verify",
                    {"whatsapp-code-code": f"{code[:3]} {code[3:]}"}).status_code == 302


def test_a_person_in_wita_reads_every_time_in_wita(pks, login_as, phone):
    from portal.notifications.models import Notification

    web = login_as(pks.officer)
    chose(web, zone="Asia/Makassar")
    with unscoped("test: a notice of a known moment"):
        db.session.add(Notification(user_id=pks.officer.id, organisation_id=pks.facility.id, kind="reminder.verification",
                                    params={"count": 1, "days": 7}, link="/",
                                    created_at=datetime(2026, 12, 7, 12, 25, tzinfo=timezone.utc)))
        db.session.flush()
    assert "7 Desember 2026 20:25" in web.get("/notifications/").text, "19:25 WIB is 20:25 WITA"


def test_meta_checks_the_webhook_with_its_verify_token(phone, client):
    asked = {"hub.mode": "subscribe", "hub.challenge": "1158201444", "hub.verify_token": VERIFY_TOKEN}
    assert client.get("/hooks/whatsapp", query_string=asked).text == "1158201444"
    assert client.get("/hooks/whatsapp", query_string={**asked, "hub.verify_token": "guess"}).status_code == 403


def test_quiet_hours_hold_a_notice_until_morning_in_the_persons_own_time_zone(pks, login_as, phone):
    web = login_as(pks.head)
    verified(web, phone)
    chose(web, agreements="whatsapp", zone="Asia/Makassar", quiet=(21, 6))
    pks.in_state(S.PARTNER_SIGNED)
    evening = datetime(2026, 12, 7, 14, 30, tzinfo=timezone.utc)  # 22.30 WITA
    phone.clear()
    send(evening)
    assert phone.inbox == []
    [held] = [m for m in messages_of(pks.head) if m.kind == "agreement.to_sign_partner_signed"]
    morning = datetime(2026, 12, 7, 22, 0, tzinfo=timezone.utc)  # 06.00 WITA
    assert held.status == MessageStatus.QUEUED and as_utc(held.next_attempt_at) == morning
    assert "ditahan sampai" in web.get("/notifications/settings").text
    send(morning - timedelta(minutes=1))
    assert phone.inbox == []
    send(morning)
    assert phone.wait_for(lambda m: m.parameters[:1] == ["PKS menunggu tanda tangan Anda"])
    web.post("/notifications/settings/whatsapp/code", {"whatsapp-phone": HEAD_TYPED})
    send(evening)
    assert phone.code_sent_to(HEAD_PHONE), "a verification code is never held"


def test_a_notice_read_in_the_portal_during_the_night_is_not_sent_in_the_morning(pks, login_as, phone):
    web = login_as(pks.head)
    verified(web, phone)
    chose(web, agreements="whatsapp", quiet=(21, 6))
    pks.in_state(S.PARTNER_SIGNED)
    evening = datetime(2026, 12, 7, 15, 30, tzinfo=timezone.utc)  # 22.30 WIB
    phone.clear()
    send(evening)
    [notice] = notices_of(pks.head, "agreement.to_sign_partner_signed")
    assert web.get(f"/notifications/{notice.id}").status_code == 302  # he opens it from the bell
    db.session.expire_all()  # as the worker's own session reads it
    send(datetime(2026, 12, 7, 23, 0, tzinfo=timezone.utc))  # 06.00 WIB
    assert not [m for m in phone.inbox if m.parameters[:1] == ["PKS menunggu tanda tangan Anda"]]
    [skipped] = [m for m in messages_of(pks.head) if m.kind == "agreement.to_sign_partner_signed"]
    assert skipped.status == MessageStatus.SKIPPED
    assert "Tidak dikirim: sudah dibaca di portal" in web.get("/notifications/settings").text


def test_turning_quiet_hours_off_releases_what_they_held(pks, login_as, phone):
    web = login_as(pks.head)
    verified(web, phone)
    chose(web, agreements="whatsapp", quiet=(0, 23))  # nearly all day: held now, whatever the hour of the run
    hour = datetime.now(timezone.utc).astimezone(preferences._zone("Asia/Jakarta")).hour
    chose(web, agreements="whatsapp", quiet=(hour, (hour + 2) % 24))
    pks.in_state(S.PARTNER_SIGNED)
    phone.clear()
    send()
    assert phone.inbox == [] and "ditahan sampai" in web.get("/notifications/settings").text
    chose(web, agreements="whatsapp")
    send()
    assert phone.wait_for(lambda m: m.parameters[:1] == ["PKS menunggu tanda tangan Anda"])


def test_the_morning_summary_holds_the_groups_notices_and_tells_them_once_at_seven(pks, login_as, phone):
    web = login_as(pks.officer)
    verified(web, phone, typed="0813 2222 3333")
    chose(web, agreements="whatsapp", digest=["agreements"])
    with unscoped("test: when the first summary is due"):
        due = as_utc(pks.officer.digest_due_at)
    local = due.astimezone(preferences._zone("Asia/Jakarta"))
    assert (local.hour, local.minute) == (7, 0)
    pks.in_state(S.SUBMITTED)
    pks.in_state(S.SUBMITTED)
    phone.clear()
    send()
    assert phone.inbox == [], "nothing one by one"
    assert len(notices_of(pks.officer, "agreement.submitted")) == 2, "the bell has each at once"
    send(due)
    summary = phone.wait_for(lambda m: m.template == "mitrapas_pemberitahuan")
    assert summary.parameters[0] == "Ringkasan MitraPAS Anda"
    assert summary.parameters[1] == "2 pemberitahuan baru sejak kemarin: 2 PKS."
    assert summary.parameters[2].endswith("/notifications/")
    phone.clear()
    send(due + timedelta(hours=1))
    assert phone.inbox == [], "told once"
    with unscoped("test: the next one"):
        db.session.refresh(pks.officer)
        assert as_utc(pks.officer.digest_due_at) == due + timedelta(days=1)
    send(due + timedelta(days=1))
    assert phone.inbox == [], "nothing new, nothing sent"


def test_turning_the_summary_off_sends_what_it_held_and_someone_switched_off_gets_none(pks, login_as, phone):
    web = login_as(pks.officer)
    chose(web, digest=["agreements"])
    pks.in_state(S.SUBMITTED)
    chose(web)
    [held] = [m for m in mails_to(pks.officer) if m.kind == "notice_summary"]
    assert "1 pemberitahuan baru sejak kemarin: 1 PKS." in held.text
    chose(web, digest=["agreements"])
    with unscoped("test: the officer is switched off, and the morning comes"):
        pks.officer.is_active = False
        due = as_utc(pks.officer.digest_due_at)
        db.session.flush()
    pks.in_state(S.SUBMITTED)
    send(due)
    assert len([m for m in mails_to(pks.officer) if m.kind == "notice_summary"]) == 1
    with unscoped("test: no summary is due any more"):
        db.session.refresh(pks.officer)
        assert pks.officer.digest_due_at is None


def test_a_summary_by_email_lists_each_notice(pks, login_as, phone):
    web = login_as(pks.officer)
    chose(web, digest=["agreements"])
    pks.in_state(S.SUBMITTED)
    assert not [m for m in mails_to(pks.officer) if m.kind == "notification"]
    with unscoped("test: when it is due"):
        due = as_utc(pks.officer.digest_due_at)
    send(due)
    [summary] = [m for m in mails_to(pks.officer) if m.kind == "notice_summary"]
    assert "1 pemberitahuan baru sejak kemarin: 1 PKS." in summary.text
    assert "RSUD Tamiang Layang mengajukan" in summary.text


def test_a_whatsapp_refused_goes_by_sms_and_one_that_cannot_go_at_all_by_email(pks, login_as, phone):
    web = login_as(pks.head)
    verified(web, phone)
    verified(web, phone, channel="sms")
    chose(web, agreements="whatsapp")
    phone.clear()
    phone.refuse(400, 131026)  # "message undeliverable": not a WhatsApp number any more
    pks.in_state(S.PARTNER_SIGNED)
    send()
    send()
    sms = phone.wait_for(lambda m: m.channel == "sms")
    # (the notice that it waited for his decision was read as he approved it: it was not sent at all)
    assert sms.text.startswith("MitraPAS: PKS menunggu tanda tangan Anda.") and sms.to == HEAD_PHONE
    refused = next(m for m in messages_of(pks.head) if m.kind == "agreement.to_sign_partner_signed")
    assert refused.status == MessageStatus.FAILED and refused.fell_back_to == "sms" and "131026" in refused.last_error

    phone.refuse(503, times=40)  # both providers down for good: tried with waits, then by e-mail
    before = messages_of(pks.head)[-1].id
    pks.in_state(S.PARTNER_SIGNED)
    now = datetime.now(timezone.utc)
    for minutes in (0, 2, 5, 11, 20, 40, 60):
        send(now + timedelta(minutes=minutes))
    down = [m for m in messages_of(pks.head) if m.id > before and m.kind == "agreement.to_sign_partner_signed"]
    assert [(m.channel, m.status, m.fell_back_to) for m in down] == [
        ("whatsapp", MessageStatus.DEAD, "sms"), ("sms", MessageStatus.DEAD, "email")]
    assert [m.attempts for m in down] == [4, 4]
    assert [m for m in mails_to(pks.head) if m.kind == "notification"], "the notice reached the mailbox"
    page = web.get("/notifications/settings").text
    assert "Gagal (tidak dicoba lagi)" in page and "dikirim lewat E-mail sebagai gantinya" in page


def test_a_failure_reported_by_the_webhook_sends_the_notice_by_email(pks, login_as, phone, client):
    web = login_as(pks.head)
    verified(web, phone)
    chose(web, agreements="whatsapp")
    pks.in_state(S.PARTNER_SIGNED)
    send()
    sent = phone.wait_for(lambda m: m.parameters[:1] == ["PKS menunggu tanda tangan Anda"])
    path, body, headers = phone.status_request(sent, "failed", error=(131047, "Re-engagement message"))
    assert client.post(path, data=body, headers=headers).status_code == 200
    message = next(m for m in messages_of(pks.head) if m.provider_id == sent.id)
    assert message.status == MessageStatus.FAILED and message.fell_back_to == "email"
    assert [m for m in mails_to(pks.head) if m.kind == "notification"]


@pytest.mark.parametrize("word", ["BERHENTI", "stop"])
def test_replying_stop_or_berhenti_turns_the_channel_off_and_notices_go_by_email(pks, login_as, phone, client, word):
    web = login_as(pks.head)
    verified(web, phone)
    chose(web, agreements="whatsapp")
    path, body, headers = phone.reply_request("whatsapp", HEAD_PHONE, f" {word} ")
    assert client.post(path, data=body, headers=headers).status_code == 200
    with as_person(pks.head):
        assert phones.numbers_of(pks.head)["whatsapp"].stopped_at is not None
    assert "Dihentikan: +62 812-3456-7890 membalas BERHENTI" in web.get("/notifications/settings").text
    phone.clear()
    pks.in_state(S.PARTNER_SIGNED)
    send()
    assert phone.inbox == []
    assert [m for m in mails_to(pks.head) if m.kind == "notification"]
    with unscoped("test: the trail"):
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "phone.stopped",
                                                          AuditEntry.actor_id == pks.head.id))
    refused = web.post("/notifications/settings/whatsapp/code", {"whatsapp-phone": HEAD_TYPED})
    assert "membalas STOP (atau BERHENTI)" in refused.text, "no code goes to a number that said STOP"
    send()
    assert phone.inbox == []
    path, body, headers = phone.reply_request("whatsapp", HEAD_PHONE, "Mulai")
    assert client.post(path, data=body, headers=headers).status_code == 200
    with as_person(pks.head):
        assert phones.numbers_of(pks.head)["whatsapp"].usable, "MULAI: on again, still verified"


def test_a_stop_sent_again_after_the_number_came_back_changes_nothing(pks, login_as, phone, client):
    web = login_as(pks.head)
    verified(web, phone)
    old_stop = phone.reply_request("whatsapp", HEAD_PHONE, "STOP", at=time.time() - 3600)
    assert client.post(old_stop[0], data=old_stop[1], headers=old_stop[2]).status_code == 200
    with as_person(pks.head):
        assert phones.numbers_of(pks.head)["whatsapp"].usable, "a STOP from before the number was verified"


def test_nobody_can_flood_a_number_with_codes(pks, login_as, phone, app):
    victim = "0812 5555 6666"
    asked = []
    for person in (pks.head, pks.officer, pks.partner_admin):
        web = login_as(person)
        asked.append(web.post("/notifications/settings/whatsapp/code", {"whatsapp-phone": victim}).status_code)
        web.logout()
    assert asked == [302, 302, 302]
    web = login_as(pks.partner_member)
    refused = web.post("/notifications/settings/whatsapp/code", {"whatsapp-phone": victim})
    assert "Terlalu banyak kode dikirim ke nomor ini" in refused.text, "three an hour to one number, whoever asks"
    abroad = web.post("/notifications/settings/whatsapp/code", {"whatsapp-phone": "+1 202 555 0143"})
    assert "Hanya nomor ponsel Indonesia (+62)" in abroad.text
    send()
    assert len([m for m in phone.inbox if m.to == "+6281255556666"]) == 3
    with unscoped("test: a sent code is not kept"):
        assert {m.text for m in db.session.scalars(select(ChannelMessage).where(
            ChannelMessage.kind == "verification_code", ChannelMessage.status == MessageStatus.SENT))} == {""}


def test_a_callback_with_a_strange_signature_is_refused_not_an_error(phone, client):
    path, body, headers = phone.status_request(phone_message(), "delivered")
    assert client.post(path, data=body, headers={**headers, "X-Hub-Signature-256": "sha256=ä€"}).status_code == 403
    assert client.get("/hooks/whatsapp", query_string={"hub.mode": "subscribe", "hub.challenge": "1",
                                                       "hub.verify_token": "ä€"}).status_code == 403


def phone_message():
    from mitrapas_dev.local_phone import Received

    return Received("whatsapp", "wamid.nothing", HEAD_PHONE)


def test_a_message_names_its_record_and_parties_never_what_someone_typed(pks, login_as, phone, client):
    web = login_as(pks.officer)
    verified(web, phone, channel="sms", typed="0813 4444 5555")
    chose(web, agreements="sms", contributions="sms", reminders="sms")
    agreement = pks.in_state(S.SUBMITTED, title=f"Layanan {CANARY}", scope=CANARY, facility_number=CANARY)
    send()
    from portal.agreements import operations as agreements
    with pks.acting(pks.officer):
        agreements.request_changes(agreement, f"Hapus {CANARY}", actor=pks.officer)
    send()
    texts = [m.text for m in phone.inbox if m.channel == "sms"]
    assert len(texts) >= 1 and not [text for text in texts if "Bambang" in text or "3271046504870002" in text]
    assert any("RSUD Tamiang Layang" in text for text in texts)


def test_the_platform_admin_sees_what_did_not_arrive(pks, login_as, phone):
    web = login_as(pks.head)
    verified(web, phone)
    chose(web, agreements="whatsapp")
    phone.refuse(400, 131026)
    pks.in_state(S.PARTNER_SIGNED)
    send()
    web.logout()
    platform_admin = member_of(FacilityFactory(), Role.VIEWER, is_platform_admin=True)
    page = login_as(platform_admin).get("/admin/outbox").text
    assert "Pesan WhatsApp dan SMS yang tidak sampai" in page and "131026" in page and "Agung Novarianto" in page


def test_the_doctor_checks_the_providers(app, phone, monkeypatch):
    assert doctor.phone_channels() == []
    monkeypatch.setitem(app.config, "WHATSAPP_ACCESS_TOKEN", "expired")
    monkeypatch.setitem(app.config, "SMS_GATEWAY_SECRET", "")
    problems = doctor.phone_channels()
    assert any("WhatsApp Cloud API refused" in problem for problem in problems)
    assert any("SMS_GATEWAY_SECRET is not set" in problem for problem in problems)


def test_without_providers_only_email_is_offered(pks, login_as, mailbox):
    page = login_as(pks.head).get("/notifications/settings").text
    assert "Portal ini belum mengirim pesan WhatsApp atau SMS" in page
    assert 'value="whatsapp"' not in page


def test_a_pseudonymised_person_loses_their_numbers_and_messages(pks, login_as, phone):
    from portal.notifications import channels

    web = login_as(pks.head)
    verified(web, phone)
    with unscoped("test: what pseudonymisation calls"):
        head = db.session.get(type(pks.head), pks.head.id)
        channels.by_name("whatsapp").forget(head, {head.email: "x@pseudonym"}, lambda text: text)
        assert not db.session.scalars(select(PhoneChannel).where(PhoneChannel.user_id == head.id)).all()
    assert [m.text for m in messages_of(pks.head)] == [""]

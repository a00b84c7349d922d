"""Story (issue 39): on the deployed portal (gunicorn, PostgreSQL under RLS, Redis, the mail worker), the head of
Rutan Tamiang Layang chose WhatsApp for agreements: seconds after RSUD's director signs, the (fake) WhatsApp Cloud
API has "PKS menunggu tanda tangan Anda" for him, and its delivery status comes back through the signed webhook.
The officer chose SMS: his quiet hours hold a notice until he turns them off, his morning summary holds the next one
until the morning comes, and replying BERHENTI stops his SMS."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, timezone
import os
import signal
import subprocess
import sys
import time
from zoneinfo import ZoneInfo

from portal import PROJECT_ROOT
from tests.deployed.people import authenticator_of, choose, org_path, sign_in_with_code, verify_number

HEAD, DIRECTOR = "agung.novarianto@mitrapas.test", "vinny.safari@mitrapas.test"
OFFICER = "pelayanan@rutan-tamiang-layang.mitrapas.test"
HEAD_PHONE, OFFICER_PHONE = "+6281270001001", "+6285270002002"
TITLE = "Layanan kesehatan jiwa tahap"


def seed(stack) -> int:
    """One more approved PKS of the pair (the officer is told it was submitted)."""
    subprocess.run([sys.executable, "-m", "tests.deployed.seed_agreements", "1", "tamiang-layang", TITLE],
                   cwd=PROJECT_ROOT, env=stack.env, check=True, timeout=300)
    return stack.sql("SELECT max(id) FROM agreements WHERE title = :title", title=f"{TITLE} 1")[0][0]


def status_of(stack, provider_id: str) -> str:
    return stack.sql("SELECT status FROM channel_messages WHERE provider_id = :id", id=provider_id)[0][0]


def until(check, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if (found := check()):
            return found
        time.sleep(0.25)
    raise AssertionError(f"{what} within {seconds} s")


@contextmanager
def telling_the_worker(stack):
    try:
        yield
    except AssertionError as error:
        for process in stack._workers:  # where it is now, in its log (faulthandler)
            os.kill(process.pid, signal.SIGUSR1)
        time.sleep(1)
        worker = (stack.folder / "mail-worker.log").read_text(errors="replace")[-6000:]
        rows = stack.sql("SELECT m.id, u.email, m.channel, m.kind, m.status, m.attempts, m.next_attempt_at, now(), "
                         "m.last_error, u.quiet_from, u.quiet_until FROM channel_messages m "
                         "JOIN users u ON u.id = m.user_id ORDER BY m.id")
        rows += stack.sql("SELECT u.email, u.digest_due_at, u.digested_notice_id, u.digest_groups::text, "
                          "u.notice_routes::text, now() FROM users u WHERE u.digest_groups::text <> '[]'")
        rows += stack.sql("SELECT n.id, n.kind, n.read_at, n.created_at FROM notifications n JOIN users u ON "
                          "u.id = n.user_id WHERE u.email = :email ORDER BY n.id DESC LIMIT 5", email=OFFICER)
        raise AssertionError(f"{error}\nthe messages:\n" + "\n".join(map(str, rows))
                             + f"\nthe worker said:\n{worker}\ngunicorn said:\n{stack.log_text()[-3000:]}") from None


def test_a_head_who_chose_whatsapp_hears_within_seconds_of_the_partners_signature(stack, visitor):
    with telling_the_worker(stack):
        the_head_hears_within_seconds(stack, visitor)


def test_quiet_hours_and_the_morning_summary_hold_and_release_the_officers_sms(stack, visitor):
    with telling_the_worker(stack):
        the_officers_sms_are_held_and_released(stack, visitor)


def the_head_hears_within_seconds(stack, visitor):
    phones = stack.phones
    agreement_id = seed(stack)
    head_app, director_app = authenticator_of(visitor, HEAD), authenticator_of(visitor, DIRECTOR)
    head = visitor()
    sign_in_with_code(head, HEAD, head_app)
    verify_number(head, phones, "whatsapp", "0812-7000-1001", HEAD_PHONE)
    choose(head, agreements="whatsapp")

    director = visitor()
    sign_in_with_code(director, DIRECTOR, director_app)
    page = f"{org_path(director)}agreements/{agreement_id}"
    signed_at = time.monotonic()
    assert director.post(f"{page}/sign", {"password": "mitrapas-demo-2025", "code": director_app.code(),
                                          "agree": "y"}, token_from=page).status_code == 302
    told = phones.wait_for(lambda m: m.to == HEAD_PHONE and m.parameters[:1] == ["PKS menunggu tanda tangan Anda"],
                           timeout=20)
    took = time.monotonic() - signed_at
    assert took < 20, f"{took:.1f} s after the signature"
    assert told.template == "mitrapas_pemberitahuan" and told.language == "id"
    assert "RSUD Tamiang Layang" in told.parameters[1] and "/agreements/" in told.parameters[2]

    # The fake provider reports "sent" then "delivered" to /hooks/whatsapp, signed with the app secret.
    until(lambda: status_of(stack, told.id) == "delivered", 20, "the delivered status")
    assert "Sampai di ponsel" in head.get("/notifications/settings").text
    forged = phones.status_request(told, "read", secret="not-the-app-secret")
    answer = head.http.post(head.url(forged[0]), data=forged[1], headers=forged[2], timeout=30)
    assert answer.status_code == 403 and status_of(stack, told.id) == "delivered"


def sign(stack, visitor, email: str, agreement_id: int) -> None:
    person = visitor()
    authenticator = authenticator_of(visitor, email)
    sign_in_with_code(person, email, authenticator)
    page = f"{org_path(person)}agreements/{agreement_id}"
    assert person.post(f"{page}/sign", {"password": "mitrapas-demo-2025", "code": authenticator.code(),
                                        "agree": "y"}, token_from=page).status_code == 302


def officers_sms(phones, words: str):
    return [m for m in phones.inbox if m.to == OFFICER_PHONE and words in m.text]


def the_officers_sms_are_held_and_released(stack, visitor):
    phones = stack.phones
    officer = visitor()
    officer.login(OFFICER)
    verify_number(officer, phones, "sms", "0852 7000 2002", OFFICER_PHONE)
    hour = datetime.now(timezone.utc).astimezone(ZoneInfo("Asia/Jakarta")).hour
    choose(officer, quiet=(hour, (hour + 2) % 24), agreements="sms")

    # In his quiet hours: the PKS the director signed is signed by the head too; RSUD submits another, which the
    # officer forwards at once from the portal (its notice read before any SMS could go).
    signed_id = stack.sql("SELECT max(id) FROM agreements WHERE title = :title", title=f"{TITLE} 1")[0][0]
    sign(stack, visitor, HEAD, signed_id)
    second = seed(stack)
    held = until(lambda: stack.sql(
        "SELECT m.id FROM channel_messages m JOIN users u ON u.id = m.user_id WHERE u.email = :email "
        "AND m.kind = 'agreement.signed_by_both' AND m.status = 'queued' AND m.next_attempt_at > now()",
        email=OFFICER), 20, "the notice held by the quiet hours")
    time.sleep(5)  # the worker sweeps every 2 s: it looked, and held it
    assert not officers_sms(phones, "kedua pihak")
    assert "ditahan sampai" in officer.get("/notifications/settings").text
    choose(officer, agreements="sms")  # quiet hours off: what they held goes now
    released = phones.wait_for(lambda m: m.to == OFFICER_PHONE and "PKS ditandatangani kedua pihak" in m.text,
                               timeout=20)
    assert released.channel == "sms" and released.text.startswith("MitraPAS: PKS ditandatangani kedua pihak.")
    assert held
    until(lambda: stack.sql("SELECT m.status FROM channel_messages m JOIN users u ON u.id = m.user_id "
                            "WHERE u.email = :email AND m.kind = 'agreement.submitted'", email=OFFICER
                            ) == [("skipped",)], 20, "the forwarded PKS's notice skipped: he read it")
    assert not officers_sms(phones, "untuk ditinjau")

    # The morning summary: the second PKS signed by both waits for 07.00.
    choose(officer, agreements="sms", digest=("agreements",))
    sign(stack, visitor, DIRECTOR, second)
    sign(stack, visitor, HEAD, second)
    time.sleep(6)
    assert len(officers_sms(phones, "kedua pihak")) == 1, "the second one is held for the summary"
    # The morning comes: 07.00 WIB (the owner moves the officer's summary time, as the clock would).
    stack.write("UPDATE users SET digest_due_at = now() - interval '1 minute' WHERE email = :email", email=OFFICER)
    summary = phones.wait_for(lambda m: m.to == OFFICER_PHONE and m.text.startswith("MitraPAS: Ringkasan"),
                              timeout=20)
    assert "1 pemberitahuan baru sejak kemarin: 1 PKS." in summary.text

    assert phones.reply("sms", OFFICER_PHONE, "BERHENTI") == 200
    stopped = stack.sql("SELECT p.stopped_at FROM phone_channels p JOIN users u ON u.id = p.user_id "
                        "WHERE u.email = :email AND p.channel = 'sms'", email=OFFICER)[0][0]
    assert stopped is not None
    assert "Dihentikan" in officer.get("/notifications/settings").text

"""Story: the portal on two machines behind one address; every request of a journey lands on the other one.

Two gunicorn instances share PostgreSQL, S3 and Redis and nothing else. Each
person's requests alternate between them: sessions, CSRF tokens, flash messages,
rate limits, notifications and e-mail must behave as on one instance, because no
state lives in a process (README: "What lives where").
"""
from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from tests import sample_files
from tests.deployed.people import enrol_two_factor, flashes, org_path, sign_in_with_code, submission_key
from tests.deployed.stack import MAIL_WAIT
from tests.visitor import Visitor

DRAFT = "Pelatihan Kewirausahaan dan Keterampilan Produksi"


@pytest.fixture(scope="module")
def two(stack):
    """Both instances' addresses; a person's requests alternate between them."""
    second = stack.start_instance()
    yield stack.instances[0].url, second.url
    stack.instances.remove(second)
    second.process.terminate()
    second.process.wait(15)


def person(stack, two, email: str, authenticator=None) -> Visitor:
    visitor = Visitor(*two, verify=stack.ca_file)
    if authenticator:
        sign_in_with_code(visitor, email, authenticator)
    else:
        visitor.login(email)
    return visitor


def act(visitor: Visitor, path: str, data: dict | None = None, *, token_from: str, **kwargs) -> list:
    """Post a form on one instance, follow its redirect on the other, and return the flashes shown there."""
    answer = visitor.post(path, data, token_from=token_from, **kwargs)
    assert answer.status_code == 302, f"{path}: {answer.status_code}"
    page = visitor.get(urlsplit(answer.headers["Location"]).path)
    assert page.status_code == 200
    return flashes(page.text)


def test_a_whole_journey_alternating_between_two_instances(stack, two):
    pair = stack.sql("SELECT p.id FROM partnerships p JOIN organisations o ON o.id = p.partner_id "
                     "WHERE o.name = 'Balai Latihan Kerja Bengkulu'")[0][0]
    agreement_id = stack.sql("SELECT id FROM agreements WHERE title = :t", t=DRAFT)[0][0]
    before_mail = len(stack.mail.messages)

    # Rutan Bengkulu's head sets its approval chain on the settings page (issue 37), in place of the demo's four
    # steps: the officer's check, then Kanwil Bengkulu's acknowledgement, then the head.
    head = person(stack, two, "yulian.fernando@mitrapas.test")
    steps_page = f"{org_path(head)}agreements/approval-steps"
    assert any("Langkah persetujuan telah disimpan" in text for kind, text in act(head, steps_page, {
        "steps-0-actor": "officer", "steps-0-name": "Pemeriksaan berkas", "steps-0-days": "3",
        "steps-0-may_return": "y", "steps-1-actor": "kanwil", "steps-1-name": "", "steps-1-days": "5",
        "decision_days": "5"}, token_from=steps_page))

    blk = person(stack, two, "admin@blk.mitrapas.test")
    home = org_path(blk)
    shown = act(blk, f"{home}materials/new?pair={pair}", {"category": "module", "agreement": "0"},
                token_from=f"{home}materials/new?pair={pair}",
                files={"files": ("Modul kewirausahaan.pdf", sample_files.pdf("Modul"), "application/pdf")})
    assert ("success", "1 berkas telah diunggah.") in shown
    new_contribution = f"{home}contributions/new?pair={pair}"
    key = submission_key(blk, new_contribution)
    shown = act(blk, new_contribution, {"submission_key": key, "type": "training", "title": "Pelatihan menjahit",
                                        "started_on": "2025-11-11", "participants_total": "15", "hours": "4",
                                        "agreement": "0", "programme": "0"}, token_from=new_contribution)
    assert any(kind == "success" and "Kontribusi telah dicatat" in text for kind, text in shown)
    agreement_page = f"{home}agreements/{agreement_id}"
    assert ("success", "Perjanjian telah diajukan untuk ditinjau.") in act(
        blk, f"{agreement_page}/submit", token_from=agreement_page)

    officer = person(stack, two, "rafi.rizaldi@mitrapas.test")
    facility = org_path(officer)
    waiting = officer.get(f"{facility}contributions/?status=submitted").text
    contribution_id = re.search(r'/contributions/(\d+)">Pelatihan menjahit<', waiting)[1]
    act(officer, f"{facility}contributions/{contribution_id}/verify",
        token_from=f"{facility}contributions/{contribution_id}")
    assert ("success", "Langkah persetujuan selesai; PKS berlanjut ke langkah berikutnya.") in act(
        officer, f"{facility}agreements/{agreement_id}/forward", token_from=f"{facility}agreements/{agreement_id}")
    # The regional office's analyst acknowledges from its own pages: its one write, under Row-Level Security.
    kanwil = person(stack, two, "analis.bengkulu@mitrapas.test")
    office = org_path(kanwil)
    assert 'data-testid="waiting-acknowledgement">' in kanwil.get(office).text, "Menunggu tindakan Anda, for the Kanwil"
    assert ("success", "PKS telah ditandai sudah diketahui Kanwil.") in act(
        kanwil, f"{office}agreements/{agreement_id}/acknowledge", token_from=f"{office}agreements/{agreement_id}")
    assert stack.sql("SELECT status FROM agreements WHERE id = :id", id=agreement_id)[0][0] == "forwarded"
    assert stack.sql("SELECT state, decided_for_id FROM agreement_steps WHERE agreement_id = :id AND actor = 'kanwil'",
                     id=agreement_id)[0] == ("done", stack.sql(
                         "SELECT id FROM organisations WHERE name = 'Kanwil Ditjenpas Bengkulu'")[0][0])

    bell = head.get("/").text
    assert re.search(r'data-testid="unread-count">\d+<', bell), "the forwarded agreement waits for the head's decision"
    assert ("success", "Perjanjian telah disetujui. Mitra menandatangani lebih dulu, lalu Kepala.") in act(
        head, f"{facility}agreements/{agreement_id}/approve", token_from=f"{facility}agreements/{agreement_id}")

    for email, path in (("admin@blk.mitrapas.test", agreement_page),
                        ("yulian.fernando@mitrapas.test", f"{facility}agreements/{agreement_id}")):
        signer = person(stack, two, email)
        authenticator = enrol_two_factor(signer)
        signer = person(stack, two, email, authenticator)
        shown = act(signer, f"{path}/sign", {"password": "mitrapas-demo-2025", "code": authenticator.code(),
                                             "agree": "y"}, token_from=path)
        assert ("success", "Anda telah menandatangani perjanjian.") in shown

    assert stack.sql("SELECT status FROM agreements WHERE id = :id", id=agreement_id)[0][0] in ("active", "signed")
    assert stack.mail.wait_for_mail_to("admin@blk.mitrapas.test", timeout=MAIL_WAIT, after=before_mail), \
        "the partner hears by e-mail that its agreement was approved and signed"


def test_the_login_limit_holds_across_both_instances(stack, two):
    """Five wrong passwords for one account, spread over both instances, and the sixth try is refused.

    The account (a Kanwil analyst no later story signs in as) stays locked for 15 minutes."""
    stranger = Visitor(*two, verify=stack.ca_file)
    answers = [stranger.post("/login", {"email": "analis.jateng@mitrapas.test", "password": "salah-sekali"})
               for _ in range(6)]
    assert [answer.status_code for answer in answers[:5]] == [200] * 5
    assert answers[5].status_code == 429

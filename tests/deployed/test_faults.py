"""Story: the parts under the portal fail while people work, and nothing is lost or half-written.

PostgreSQL restarts under traffic, Redis goes away, the object store goes away,
and gunicorn workers are killed in the middle of uploads and signings. Each story
ends with `storage-reconcile` and `audit-verify` clean.
"""
from __future__ import annotations

import hashlib
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

from portal import PROJECT_ROOT
from tests import sample_files
from tests.deployed.people import authenticator_of, flashes, org_path, sign_in_with_code, submission_key
from tests.deployed.stack import MAIL_WAIT
from tests.visitor import Visitor

STORE_DOWN = "Penyimpanan dokumen sedang tidak dapat dihubungi"


def storage_and_audit_are_clean(stack, *, orphans_from_killed_writes: bool = False) -> None:
    """No row without its object ever; orphan objects only where a write was killed, and then removed."""
    found = stack.flask("portal", "storage-reconcile", "--grace-minutes", "0", check=False)
    assert "without its object" not in found.stdout, found.stdout
    if orphans_from_killed_writes:
        stack.flask("portal", "storage-reconcile", "--grace-minutes", "0", "--fix")
    else:
        assert found.returncode == 0, found.stdout
    stack.flask("portal", "storage-reconcile", "--grace-minutes", "0")
    stack.flask("portal", "audit-verify")


def count(stack, table: str) -> int:
    return stack.sql(f"SELECT count(*) FROM {table}")[0][0]


def upload(person: Visitor, pair_page: str, content: bytes, name: str, **kwargs):
    return person.post(pair_page, {"category": "report", "agreement": "0"}, token_from=pair_page,
                       files={"files": (name, content, "application/pdf")}, **kwargs)


def bengkulu_pair(stack) -> int:
    return stack.sql("SELECT p.id FROM partnerships p JOIN organisations o ON o.id = p.partner_id "
                     "WHERE o.name = 'Dinas Koperasi dan UKM Provinsi Bengkulu'")[0][0]


# --- PostgreSQL ---------------------------------------------------------------------------------

class Traffic(threading.Thread):
    """People reading their lists and dashboards without pause; every answer's status is kept."""

    def __init__(self, people: list[tuple[Visitor, str]]):
        super().__init__(daemon=True)
        self.people, self.statuses, self.stopping = people, [], threading.Event()

    def run(self):
        while not self.stopping.is_set():
            for person, page in self.people:
                try:
                    self.statuses.append((time.monotonic(), person.get(page, timeout=20).status_code))
                except requests.RequestException:
                    self.statuses.append((time.monotonic(), 0))

    def stop(self):
        self.stopping.set()
        self.join(30)


def test_postgresql_restarted_under_traffic(stack, visitor):
    people = []
    for email in ("rafi.rizaldi@mitrapas.test", "admin@diskopukm.mitrapas.test", "analis.ditjenpas@mitrapas.test"):
        person = visitor()
        person.login(email)
        home = org_path(person)
        people += [(person, home), (person, f"{home}agreements/"), (person, f"{home}contributions/")]
    traffic = Traffic(people)
    traffic.start()
    time.sleep(2)

    stack.postgres.restart()
    restarted = time.monotonic()
    answered = None
    while time.monotonic() - restarted < 30 and answered is None:
        try:
            if people[0][0].get(people[0][1], timeout=5).status_code == 200:
                answered = time.monotonic() - restarted
        except requests.RequestException:
            pass
        time.sleep(0.2)
    time.sleep(2)
    traffic.stop()

    assert answered is not None and answered < 10, f"answered again after {answered} s"
    assert not [status for _, status in traffic.statuses if status >= 500 and status != 503], stack.log_text()[-4000:]
    assert [status for moment, status in traffic.statuses if moment > restarted + answered][-5:] == [200] * 5
    storage_and_audit_are_clean(stack)


# --- Redis --------------------------------------------------------------------------------------

def test_redis_down_pages_sign_in_and_uploads_work_and_mail_goes_out(stack, visitor):
    pair = bengkulu_pair(stack)
    mail_before = len(stack.mail.messages)
    stack.redis.stop()
    try:
        partner = visitor()
        partner.login("admin@diskopukm.mitrapas.test")
        home = org_path(partner)
        assert partner.get(f"{home}agreements/").status_code == 200
        answer = upload(partner, f"{home}materials/new?pair={pair}", sample_files.pdf("Redis mati"), "laporan.pdf")
        assert answer.status_code == 302
        new = f"{home}contributions/new?pair={pair}"
        key = submission_key(partner, new)
        recorded = partner.post(new, {"submission_key": key, "type": "umkm", "title": "Pendampingan pemasaran",
                                      "started_on": "2025-11-20", "participants_total": "8", "agreement": "0",
                                      "programme": "0"})
        assert recorded.status_code == 302
        contribution = recorded.headers["Location"].rsplit("/", 1)[1]
        officer = visitor()
        officer.login("rafi.rizaldi@mitrapas.test")
        facility = org_path(officer)
        verified = officer.post(f"{facility}contributions/{contribution}/verify",
                                token_from=f"{facility}contributions/{contribution}")
        assert verified.status_code == 302
    finally:
        stack.redis.start()
    assert stack.mail.wait_for_mail_to("admin@diskopukm.mitrapas.test", timeout=MAIL_WAIT, after=mail_before), \
        "the verification notice never went out"
    storage_and_audit_are_clean(stack)


# --- the object store ---------------------------------------------------------------------------

def test_object_store_down_uploads_refused_clearly_and_downloads_answer_503(stack, visitor):
    pair = bengkulu_pair(stack)
    partner = visitor()
    partner.login("admin@diskopukm.mitrapas.test")
    home = org_path(partner)
    assert upload(partner, f"{home}materials/new?pair={pair}", sample_files.pdf("Laporan"), "laporan-s3.pdf"
                  ).status_code == 302
    shown = re.search(r'href="(/o/[^"]+/materials/\d+)"', partner.get(f"{home}materials/").text)
    material = shown and re.search(r'href="(/o/[^"]+/materials/\d+/versions/\d+/download)"',
                                   partner.get(shown.group(1)).text)
    assert material, "the partner has a material to download"
    versions, objects = count(stack, "material_versions"), count(stack, "audit_entries")
    stack.seaweed.stop()
    try:
        answer = upload(partner, f"{home}materials/new?pair={pair}", sample_files.pdf("S3 mati"), "s3.pdf",
                        allow_redirects=True)
        assert any(kind == "danger" and STORE_DOWN in text for kind, text in flashes(answer.text)), answer.text[-800:]
        download = partner.get(material.group(1), allow_redirects=False)
        assert download.status_code == 503 and "Penyimpanan dokumen tidak dapat dihubungi" in download.text
    finally:
        stack.seaweed.start()
    assert (count(stack, "material_versions"), count(stack, "audit_entries")) == (versions, objects)
    assert partner.get(material.group(1), allow_redirects=False).status_code == 303
    storage_and_audit_are_clean(stack)


# --- gunicorn workers killed --------------------------------------------------------------------

def kill_workers(stack) -> None:
    for pid in stack.instances[0].worker_pids():
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def wait_for_workers(stack, person: Visitor) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if person.get("/healthz", timeout=5).status_code == 200 and len(stack.instances[0].worker_pids()) == 2:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise AssertionError("gunicorn did not bring its workers back")


def test_workers_killed_in_the_middle_of_200_mib_uploads(stack, visitor, tmp_path: Path):
    pair = bengkulu_pair(stack)
    partner = visitor()
    partner.login("admin@diskopukm.mitrapas.test")
    page = f"{org_path(partner)}materials/new?pair={pair}"
    big = tmp_path / "besar.pdf"
    with big.open("wb") as out:
        out.write(b"%PDF-1.7\n")
        for _ in range(200):
            out.write(os.urandom(1024 * 1024))
    with big.open("rb") as content:
        whole = (big.stat().st_size, hashlib.file_digest(content, "sha256").hexdigest())
    answered = set()
    for attempt in range(20):
        outcome = {}

        def send():
            try:
                with big.open("rb") as content:
                    outcome["status"] = upload(partner, page, content, f"besar-{attempt}.pdf", timeout=120).status_code
            except requests.RequestException as error:
                outcome["error"] = error
        sender = threading.Thread(target=send)
        sender.start()
        time.sleep(random.uniform(0.3, 4.0))
        kill_workers(stack)
        sender.join(150)
        if outcome.get("status") == 302:
            answered.add(f"besar-{attempt}.pdf")
        wait_for_workers(stack, partner)
    # A worker killed after its commit but before its answer left keeps the upload the partner did
    # not hear about (the list shows it); what must never be is an answered upload lost, or a half one.
    stored = {name: (size, sha256) for name, size, sha256 in stack.sql(
        "SELECT filename, size, sha256 FROM material_versions WHERE filename LIKE 'besar-%'")}
    assert answered <= set(stored), answered - set(stored)
    assert all(facts == whole for facts in stored.values()), stored
    storage_and_audit_are_clean(stack, orphans_from_killed_writes=True)


def test_workers_killed_in_the_middle_of_signings(stack, visitor):
    subprocess.run([sys.executable, "-m", "tests.deployed.seed_agreements", "20"], cwd=PROJECT_ROOT, env=stack.env,
                   check=True, timeout=300)
    ids = [row[0] for row in stack.sql("SELECT id FROM agreements WHERE title LIKE 'Rujukan kesehatan tahap %' "
                                       "ORDER BY id")]
    signers = {}
    for email in ("vinny.safari@mitrapas.test", "agung.novarianto@mitrapas.test"):
        authenticator = authenticator_of(visitor, email)  # the channels story may have turned it on already
        signers[email] = (authenticator, visitor())
        sign_in_with_code(signers[email][1], email, authenticator)
    (director_app, director), (head_app, head) = signers["vinny.safari@mitrapas.test"], signers[
        "agung.novarianto@mitrapas.test"]
    for number, agreement_id in enumerate(ids):
        signer, app = (director, director_app) if number % 2 == 0 else (head, head_app)
        if signer is head:  # the facility signs second: the partner signs first, undisturbed
            page = f"{org_path(director)}agreements/{agreement_id}"
            assert director.post(f"{page}/sign", {"password": "mitrapas-demo-2025", "code": director_app.code(),
                                                  "agree": "y"}, token_from=page).status_code == 302
        page = f"{org_path(signer)}agreements/{agreement_id}"
        token, referer = signer.csrf_token(page)
        code = app.code()
        sender = threading.Thread(target=lambda: _sign_quietly(signer, page, token, referer, code))
        sender.start()
        time.sleep(random.uniform(0.0, 0.25))
        kill_workers(stack)
        sender.join(60)
        wait_for_workers(stack, signer)
    for agreement_id in ids:
        status, = stack.sql("SELECT status FROM agreements WHERE id = :id", id=agreement_id)[0]
        parties = sorted(row[0] for row in stack.sql("SELECT party FROM signatures WHERE agreement_id = :id",
                                                     id=agreement_id))
        finals = stack.sql("SELECT count(*) FROM agreement_documents WHERE agreement_id = :id AND kind = 'final'",
                           id=agreement_id)[0][0]
        allowed = {"approved": ([], 0), "partner_signed": (["partner"], 0), "active": (["facility", "partner"], 1)}
        assert status in allowed and (parties, finals) == allowed[status], (agreement_id, status, parties, finals)
    storage_and_audit_are_clean(stack, orphans_from_killed_writes=True)


def _sign_quietly(signer: Visitor, page: str, token: str, referer: str, code: str) -> None:
    try:
        signer.http.post(signer.url(f"{page}/sign"), data={"csrf_token": token, "password": "mitrapas-demo-2025",
                                                           "code": code, "agree": "y"},
                         headers={"Referer": referer}, allow_redirects=False, timeout=30)
    except requests.RequestException:
        pass  # the worker died under it: that is the point


# --- a body cut off ---------------------------------------------------------------------------------

def test_an_upload_cut_off_mid_file_leaves_nothing_and_the_portal_carries_on(stack, visitor):
    """The connection drops halfway through a multipart body: no row, no object, and the next request is fine."""
    import socket
    import ssl
    from urllib.parse import urlsplit

    pair = bengkulu_pair(stack)
    partner = visitor()
    partner.login("admin@diskopukm.mitrapas.test")
    page = f"{org_path(partner)}materials/new?pair={pair}"
    token, referer = partner.csrf_token(page)
    boundary = "----mitrapas-cut"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{token}\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"category\"\r\n\r\nreport\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"terpotong.pdf\"\r\n"
            f"Content-Type: application/pdf\r\n\r\n").encode() + b"%PDF-1.7\n"
    declared = len(head) + 4 * 1024 * 1024
    cookies = "; ".join(f"{cookie.name}={cookie.value}" for cookie in partner.http.cookies)
    address = urlsplit(stack.url)
    before = (count(stack, "material_versions"), count(stack, "audit_entries"))
    logged = len(stack.log_text())

    context = ssl.create_default_context(cafile=stack.ca_file)
    with socket.create_connection((address.hostname, address.port)) as raw, \
            context.wrap_socket(raw, server_hostname=address.hostname) as connection:
        connection.sendall((f"POST {page} HTTP/1.1\r\nHost: {address.netloc}\r\nCookie: {cookies}\r\n"
                            f"Referer: {stack.url}{page}\r\nUser-Agent: {partner.http.headers['User-Agent']}\r\n"
                            f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
                            f"Content-Length: {declared}\r\n\r\n").encode() + head + os.urandom(1024 * 1024))

    time.sleep(2)
    assert (count(stack, "material_versions"), count(stack, "audit_entries")) == before
    assert partner.get(f"{org_path(partner)}materials/").status_code == 200
    assert "Exception on" not in stack.log_text()[logged:]
    storage_and_audit_are_clean(stack)

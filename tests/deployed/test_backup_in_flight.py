"""Story: the nightly backup runs while people work. Partners send materials (forms with two files, and 8.5 MiB
recordings sent from the browser in two parts straight to storage), an intern records contributions, and a PKS
pair's signatories sign one agreement after another; `mitrapas backup` runs in the middle of it, and two more
uploads wait at their in-between moments (sent whole but not yet saved as a material; half sent). That backup,
restored into a new database and a new bucket, is one moment of the portal and nothing of it is half there:

- the restore reports nothing missing; every material version and agreement document has its object in the new
  bucket with the size and checksum its row says (read back with boto3, against what the browsers sent);
- every agreement is in a state its signatures and documents agree with (approved: none; partner signed: the
  partner's signature and the signed copy; in force: both, and one final PDF);
- `storage-reconcile` and `audit-verify` are clean on the restored installation;
- the restored rows are one moment: everything committed before the backup started is there, and nothing the
  first portal did not hold when it finished;
- every upload the restored database says is whole (joined, checked) has its object, or the person who had sent a
  file and not yet saved the form would save it on the restored portal as a material without its file (the
  backup copied only what material rows pointed at, until this story found it).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
import hashlib
import os
import queue
import subprocess
import sys
import threading
import time

import boto3
from botocore.config import Config as BotoConfig
import pytest

from mitrapas_dev.demo import DEMO_PASSWORD
from portal import PROJECT_ROOT
from tests import sample_files
from tests.authenticator import Authenticator
from tests.databases import fresh_database
from tests.deployed.people import (
    enrol_two_factor, flashes, intern_pair_at_bengkulu, org_path, sign_in_with_code, submission_key,
)
from tests.deployed.seed_agreements import PAIRS
from tests.deployed.stack import DeployedStack
from tests.deployed.test_faults import bengkulu_pair
from tests.upload_client import BrowserUpload, over_http
from tests.visitor import Visitor

MiB = 1024 * 1024
#: Approved PKS waiting for both signatures; more than the signatories' codes allow in the story's half minute.
AGREEMENTS = 14
#: Signatures each signatory gives at most, however long the backup takes: an account's codes are allowed 10 a
#: quarter of an hour (TWO_FACTOR_LIMIT_PER_ACCOUNT), one went on signing in, and the portal rightly refuses the
#: eleventh ("Terlalu banyak kode dicoba"; CI's slower run got that far once).
SIGNATURES_EACH = 8
_FACILITY, _PARTNER, HEAD, DIRECTOR, _OFFICER, _TYPE, TITLE = PAIRS["purwokerto"]
#: Two parts of the tier's 8 MiB (UPLOAD_PART_BYTES): a browser upload in parts, not one PUT.
RECORDING = 8 * MiB + 512 * 1024
#: Where the backup is restored to (the tier's SeaweedFS; a new bucket).
BUCKET = "restored-in-flight"
#: What each sent file was, by its name: the restored objects are compared with these, not with the rows.
SENT: dict[str, str] = {}


class Hands(threading.Thread):
    """One person doing one thing again and again until told to stop; anything that went wrong, kept."""

    def __init__(self, name: str, step):
        super().__init__(daemon=True, name=name)
        self.step, self.stopping, self.done, self.failures = step, threading.Event(), 0, []

    def run(self):
        number = 0
        while not self.stopping.is_set():
            number += 1
            try:
                self.done += bool(self.step(number))
            except Exception as error:  # noqa: BLE001 -- the story fails on it, after the backup
                self.failures.append(f"{self.name} #{number}: {error!r}")
                self.stopping.wait(1)

    def stop(self):
        self.stopping.set()
        self.join(120)
        assert not self.is_alive(), f"{self.name} did not stop"


def sent(name: str, content: bytes) -> None:
    SENT[name] = hashlib.sha256(content).hexdigest()


def form_uploads(stack, visitor):
    """A partner's form with two files at once: one commit, so both or neither."""
    partner = visitor()
    partner.login("admin@diskopukm.mitrapas.test")
    page = f"{org_path(partner)}materials/new?pair={bengkulu_pair(stack)}"

    def step(number: int) -> bool:
        files = []
        for side in "ab":
            name, content = f"laporan-sedang-{number}{side}.pdf", sample_files.pdf(f"Laporan {number}{side}")
            sent(name, content)
            files.append(("files", (name, content, "application/pdf")))
        answer = partner.post(page, {"category": "report", "agreement": "0"}, files=files, allow_redirects=True)
        assert ("success", "2 berkas telah diunggah.") in flashes(answer.text), (answer.status_code, answer.url)
        return True
    return step


def browser_uploads(stack, visitor):
    """The intern's recordings, sent from the browser in parts, finished, then saved as a material."""
    intern, browser, page = _intern(stack, visitor)
    pair = intern_pair_at_bengkulu(stack)

    def step(number: int) -> bool:
        name, content = f"rekaman-sedang-{number}.pdf", b"%PDF-1.7\n" + os.urandom(RECORDING - 9)
        sent(name, content)
        upload = browser.open(len(content), name, pair=pair)
        assert upload["parts"] == 2, upload
        browser.send(upload, content)
        status, joined = browser.complete(upload)
        assert status == 200, joined
        saved = intern.post(page, {"category": "report", "agreement": "0", "description": name,
                                   "uploaded-0": upload["id"]}, allow_redirects=True)
        assert ("success", "1 berkas telah diunggah.") in flashes(saved.text), (saved.status_code, saved.url)
        return True
    return step


def _intern(stack, visitor) -> tuple[Visitor, BrowserUpload, str]:
    intern = visitor()
    intern.login("magang.psikologi@mitrapas.test")
    org = org_path(intern).strip("/").split("/")[-1]
    return (intern, BrowserUpload(over_http(intern), org),
            f"{org_path(intern)}materials/new?pair={intern_pair_at_bengkulu(stack)}")


def contributions(stack, visitor):
    """The quickest write there is, again and again: an intern records a session at Purwokerto (so the backup's
    moment falls between commits wherever it falls)."""
    intern = visitor()
    intern.login("magang.sosiologi@mitrapas.test")
    pair, = stack.sql("SELECT p.id FROM partnerships p JOIN organisations f ON f.id = p.facility_id "
                      "JOIN organisations o ON o.id = p.partner_id WHERE f.name = :facility AND o.name = :partner",
                      facility=_FACILITY, partner=_PARTNER)[0]
    page = f"{org_path(intern)}contributions/new?pair={pair}"

    def step(number: int) -> bool:
        # Training: no agreement the story signs covers it, so none need be chosen while they come into force.
        answer = intern.post(page, {"submission_key": submission_key(intern, page), "type": "training",
                                    "title": f"Pelatihan keterampilan sosial {number}", "started_on": "2026-01-28",
                                    "participants_total": "6", "hours": "2", "agreement": "0", "programme": "0"})
        assert answer.status_code == 302 and "/contributions/" in answer.headers["Location"], answer.status_code
        return True
    return step


def code_due(app: Authenticator) -> bool:
    """Whether the person has a code the portal has not seen, without waiting for the next half minute."""
    return bool(app.recovery) or app.last_step <= int(time.time()) // 30


def signer(visitor, email: str) -> tuple[Visitor, Authenticator, str]:
    person = visitor()
    person.login(email)
    app = enrol_two_factor(person)
    person = visitor()
    sign_in_with_code(person, email, app)
    return person, app, org_path(person)


def signings(person: Visitor, app: Authenticator, home: str, waiting: queue.Queue, signed: queue.Queue | None):
    """Sign the agreements as they come to this person (the partner first, then the head), at most one a second:
    each takes a new code, and a signatory's codes must last the story: at most SIGNATURES_EACH."""
    given = []

    def step(_number: int) -> bool:
        started = time.monotonic()
        if len(given) >= SIGNATURES_EACH or not code_due(app):
            time.sleep(0.5)
            return False
        try:
            agreement_id = waiting.get(timeout=0.5)
        except queue.Empty:
            return False
        page = f"{home}agreements/{agreement_id}"
        answer = person.post(f"{page}/sign", {"password": DEMO_PASSWORD, "code": app.code(), "agree": "y"},
                             token_from=page, allow_redirects=True)
        assert ("success", "Anda telah menandatangani perjanjian.") in flashes(answer.text), \
            (agreement_id, flashes(answer.text))
        given.append(agreement_id)
        if signed is not None:
            signed.put(agreement_id)
        time.sleep(max(0.0, 1 - (time.monotonic() - started)))
        return True
    return step


def facts(stack) -> dict[str, set]:
    """What the database holds, as the rows that say it (read as the owner)."""
    return {
        "material_versions": set(stack.sql("SELECT id, storage_key, size FROM material_versions")),
        "materials": set(stack.sql("SELECT id FROM materials")),
        "contributions": set(stack.sql("SELECT id, title FROM contributions")),
        "uploads": {row[0] for row in stack.sql("SELECT id FROM uploads")},
        "signatures": set(stack.sql("SELECT id, agreement_id, party FROM signatures")),
        "agreement_documents": set(stack.sql("SELECT id, agreement_id, kind, sha256 FROM agreement_documents")),
        "audit_entries": set(stack.sql("SELECT id, hash FROM audit_entries")),
    }


def bucket_objects(stack, bucket: str) -> dict[str, int]:
    """Every object in `bucket`, by key, with its size: read with boto3, not through the portal."""
    client = s3(stack)
    found = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        found.update({item["Key"]: item["Size"] for item in page.get("Contents", [])})
    return found


def s3(stack):
    env = stack.env
    return boto3.client("s3", endpoint_url=env["S3_ENDPOINT_URL"], region_name="us-east-1",
                        aws_access_key_id=env["S3_ACCESS_KEY_ID"], aws_secret_access_key=env["S3_SECRET_ACCESS_KEY"],
                        config=BotoConfig(signature_version="s3v4", s3={"addressing_style": "path"}))


def sha256_of(stack, bucket: str, key: str) -> str:
    digest = hashlib.sha256()
    for chunk in s3(stack).get_object(Bucket=bucket, Key=key)["Body"].iter_chunks(MiB):
        digest.update(chunk)
    return digest.hexdigest()


@dataclass
class InFlight:
    """What the story did and found: the first portal's rows before and after the backup, the restored portal."""

    hands: list[Hands]
    agreements: list[int]
    before: dict[str, set]
    after: dict[str, set]
    backup: subprocess.CompletedProcess
    restore: subprocess.CompletedProcess
    restored: DeployedStack
    #: The upload the backup caught finished in storage but not yet saved as a material.
    unsaved: str


@pytest.fixture(scope="module")
def in_flight(stack, visitor, tmp_path_factory):
    started, folder = time.monotonic(), tmp_path_factory.mktemp("in-flight")
    subprocess.run([sys.executable, "-m", "tests.deployed.seed_agreements", str(AGREEMENTS), "purwokerto"],
                   cwd=PROJECT_ROOT, env=stack.env, check=True, timeout=300)
    agreements = [row[0] for row in stack.sql("SELECT id FROM agreements WHERE title LIKE :title ORDER BY id",
                                              title=f"{TITLE} %")]
    director, head = signer(visitor, DIRECTOR), signer(visitor, HEAD)
    for_partner, for_head = queue.Queue(), queue.Queue()
    for agreement_id in agreements:
        for_partner.put(agreement_id)
    hands = [Hands("form uploads", form_uploads(stack, visitor)),
             Hands("browser uploads", browser_uploads(stack, visitor)),
             Hands("contributions", contributions(stack, visitor)),
             Hands("partner signing", signings(*director, for_partner, for_head)),
             Hands("head signing", signings(*head, for_head, None))]
    # Two uploads the backup catches at their in-between moments: one finished in storage and not yet saved as a
    # material (the person is still filling in the form), one with only its first part sent.
    intern, browser, page = _intern(stack, visitor)
    pair = intern_pair_at_bengkulu(stack)
    contents = {name: b"%PDF-1.7\n" + os.urandom(RECORDING - 9)
                for name in ("rekaman-belum-disimpan.pdf", "rekaman-setengah.pdf")}
    for name, content in contents.items():
        sent(name, content)
    unsaved, halfway = (browser.open(len(content), name, pair=pair) for name, content in contents.items())
    browser.send(unsaved, contents["rekaman-belum-disimpan.pdf"])
    assert browser.complete(unsaved)[0] == 200
    browser.send(halfway, contents["rekaman-setengah.pdf"], parts=[1])

    for hand in hands:
        hand.start()
    try:
        deadline = time.monotonic() + 60  # each has done its thing once: all five are under way
        while not all(hand.done or hand.failures for hand in hands) and time.monotonic() < deadline:
            time.sleep(0.2)
        before = facts(stack)
        backed_up = time.monotonic()
        backup = stack.flask("backup", "--to", str(folder / "target"), check=False)
        backup_seconds = time.monotonic() - backed_up
        after = facts(stack)
    finally:
        for hand in hands:
            hand.stop()
    # The two in-between uploads go on, on the first portal, after the backup.
    browser.send(halfway, contents["rekaman-setengah.pdf"], parts=[2])
    for upload in (unsaved, halfway):
        assert browser.complete(upload)[0] == 200
        saved = intern.post(page, {"category": "report", "agreement": "0", "uploaded-0": upload["id"]},
                            allow_redirects=True)
        assert ("success", "1 berkas telah diunggah.") in flashes(saved.text)

    with fresh_database("in-flight", base=stack.postgres.url) as database:
        changes = {"DATABASE_URL": database.app_url, "MIGRATION_DATABASE_URL": database.owner_url,
                   "S3_BUCKET": BUCKET, "REDIS_URL": stack.redis.url.rsplit("/", 1)[0] + "/2"}
        restoring = time.monotonic()
        restore = stack.flask("restore", "--from", str(folder / "target"), changes=changes, check=False)
        restore_seconds = time.monotonic() - restoring
        print(f"\nin flight during the backup ({backup_seconds:.1f} s): "
              + ", ".join(f"{hand.name} {hand.done}" for hand in hands)
              + f"; restore {restore_seconds:.1f} s; {time.monotonic() - started:.1f} s in all before the checks")
        yield InFlight(hands, agreements, before, after, backup, restore,
                       dataclasses.replace(stack, env={**stack.env, **changes}, instances=[], _workers=[]),
                       unsaved["id"])


def test_a_backup_taken_under_uploads_and_signings_restores_with_nothing_missing(in_flight):
    assert [failure for hand in in_flight.hands for failure in hand.failures] == []
    assert in_flight.backup.returncode == 0 and "tidak terenkripsi" in in_flight.backup.stdout, \
        in_flight.backup.stdout + in_flight.backup.stderr[-3000:]
    for table in ("material_versions", "signatures", "contributions"):  # the backup really ran under writes
        assert in_flight.after[table] > in_flight.before[table], table
    assert in_flight.restore.returncode == 0, in_flight.restore.stdout + in_flight.restore.stderr[-3000:]
    assert "Pemulihan selesai: tidak ada yang hilang." in in_flight.restore.stdout, in_flight.restore.stdout


def test_the_restored_database_is_one_moment_of_the_first(in_flight):
    """Everything committed before the backup began is restored, and nothing the first portal did not hold by the
    time it ended: each restored row (a version, a signature, a chain link) is one it held, as it held it."""
    restored = facts(in_flight.restored)
    for table, rows in restored.items():
        before, after = in_flight.before[table], in_flight.after[table]
        assert before <= rows, (table, "committed before the backup, not restored", sorted(before - rows)[:5])
        assert rows <= after, (table, "restored, not held when the backup ended", sorted(rows - after)[:5])


def test_every_restored_version_and_document_has_its_object_whole(stack, in_flight):
    """Each material version and agreement document has its object, of its size; the story's files hash to what
    the browsers sent, and its agreements' documents to their rows' checksums (read with boto3)."""
    restored, objects = in_flight.restored, bucket_objects(stack, BUCKET)
    versions = restored.sql("SELECT id, filename, storage_key, size, sha256 FROM material_versions "
                            "WHERE problem IS NULL")
    documents = restored.sql("SELECT id, filename, storage_key, size, sha256, agreement_id FROM agreement_documents")
    missing = [(row_id, name, key) for row_id, name, key, size, *_ in versions + documents if objects.get(key) != size]
    assert missing == [], f"{len(missing)} row(s) without their object (or of another size): {missing[:10]}"
    story = [(row_id, key, SENT[name], sha256) for row_id, name, key, _size, sha256 in versions if name in SENT]
    story += [(row_id, key, sha256, sha256) for row_id, _name, key, _size, sha256, agreement_id in documents
              if agreement_id in in_flight.agreements]
    assert len(story) >= 20
    for row_id, key, expected, recorded in story:
        assert recorded in (None, expected), (row_id, key, "its row's checksum is not what was sent")
        assert sha256_of(stack, BUCKET, key) == expected, (row_id, key)
    assert restored.sql("SELECT u.id FROM uploads u LEFT JOIN material_versions v ON v.storage_key = u.storage_key "
                        "WHERE u.status = 'attached' AND v.id IS NULL") == []


def test_every_restored_agreement_is_whole(in_flight):
    """(signing parties, signed copies, final PDFs) as each state has them, for the story's agreements."""
    restored = in_flight.restored
    allowed = {"approved": ([], 0, 0), "partner_signed": (["partner"], 1, 0),
               "active": (["facility", "partner"], 1, 1), "signed": (["facility", "partner"], 1, 1)}
    states = {}
    for agreement_id in in_flight.agreements:
        status, = restored.sql("SELECT status FROM agreements WHERE id = :id", id=agreement_id)[0]
        parties = sorted(row[0] for row in restored.sql("SELECT party FROM signatures WHERE agreement_id = :id",
                                                       id=agreement_id))
        copies, finals = restored.sql(
            "SELECT count(*) FILTER (WHERE kind = 'signed'), count(*) FILTER (WHERE kind = 'final') "
            "FROM agreement_documents WHERE agreement_id = :id", id=agreement_id)[0]
        assert status in allowed and (parties, copies, finals) == allowed[status], \
            (agreement_id, status, parties, copies, finals)
        states[status] = states.get(status, 0) + 1
    assert states.get("approved", 0) < len(in_flight.agreements), states
    # Across the whole portal: no signature on an agreement not yet signed, no agreement in force without its PDF.
    assert restored.sql("SELECT s.id, a.status FROM signatures s JOIN agreements a ON a.id = s.agreement_id "
                        "WHERE a.status IN ('draft', 'submitted', 'changes_requested', 'forwarded', 'approved')") == []
    assert restored.sql("SELECT a.id, a.status FROM agreements a WHERE a.status IN ('signed', 'active') AND NOT EXISTS "
                        "(SELECT 1 FROM agreement_documents d WHERE d.agreement_id = a.id AND d.kind = 'final')") == []


def test_storage_reconcile_and_audit_verify_are_clean_on_the_restored_portal(in_flight):
    agreed = in_flight.restored.flask("portal", "storage-reconcile", "--grace-minutes", "0", check=False)
    assert agreed.returncode == 0 and "Storage and database agree." in agreed.stdout, agreed.stdout
    assert "Audit trail intact." in in_flight.restored.flask("portal", "audit-verify").stdout


def test_a_file_sent_but_not_yet_saved_is_restored_with_its_object(stack, in_flight):
    """The intern had sent a recording whole and was still filling in the form when the backup ran: the restored
    portal holds the upload as whole (joined or checked), so saving the form there would make a material of it;
    its object must be in the new bucket, as sent, or that material would be a row without its file."""
    objects = bucket_objects(stack, BUCKET)
    whole = in_flight.restored.sql("SELECT id, filename, storage_key, size FROM uploads "
                                   "WHERE status IN ('joined', 'checked')")
    assert in_flight.unsaved in {row[0] for row in whole}
    assert [(row_id, name) for row_id, name, key, size in whole if objects.get(key) != size] == []
    for _row_id, name, key, _size in whole:
        if name in SENT:
            assert sha256_of(stack, BUCKET, key) == SENT[name], name

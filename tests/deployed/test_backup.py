"""Story: the server is lost. The operator had run `mitrapas backup` (encrypted to a key kept elsewhere); a fresh
installation gets a new database and a new bucket, `mitrapas restore` fills them, and a second portal started on
them is the same portal: every demo account's crawl reaches the same pages with the same content, the signed PKS
still passes pdfsig and /verify/, the audit chain verifies and storage agrees with the database. A backup missing a
file restores everything else and names it.

The new database is on the tier's PostgreSQL, the new bucket in its SeaweedFS, the new portal's kept pages in
another Redis database: nothing of the first installation's data is shared, only the keys the README says to keep
apart from the backup (SECRETS_KEYS, the CA's key folder and passphrase, SECRET_KEY).
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
import dataclasses
import difflib
import hashlib
import json
from pathlib import Path
import re
import subprocess
import time
from urllib.parse import urlsplit

import pytest

from mitrapas_dev import demo
from tests.databases import fresh_database
from tests.deployed.crawl import crawl
from tests.deployed.people import org_path
from tests.visitor import Visitor

ACCOUNTS = [email for email, _name, _what in demo.logins()]
TITLE = "Sistem Rujukan Pelayanan Kesehatan"
#: One's own pages (sessions, personal data) tell this browser's sign-in apart from the other's.
PERSONAL = re.compile(r"^/account/")
#: What differs between two drawings of the same page: the form secrets and the script nonce.
VOLATILE = (re.compile(rb'(type="hidden"[^>]*value=")[^"]*"'), re.compile(rb'(nonce=")[^"]*"'),
            re.compile(rb'(name="csrf_token"[^>]*value=")[^"]*"'), re.compile(rb'(data-csrf=")[^"]*"'))
#: Answers crawled per account and portal: the first pages breadth first from the home page (each list, its
#: filters, the first records), where the crawl story follows up to 500; two full crawls of every account took
#: 6 minutes of the tier.
PER_ACCOUNT = 60


class Recorder(Visitor):
    """A visitor that keeps a digest of each answer it was given (its secrets blanked), by address."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.digests: dict[str, str] = {}

    def get(self, path: str, **kwargs):
        response = super().get(path, **kwargs)
        self.digests[path] = hashlib.sha256(normal(response.content)).hexdigest() \
            if _comparable(response, self.base) else ""
        return response


def normal(body: bytes) -> bytes:
    for pattern in VOLATILE:
        body = pattern.sub(rb'\1"', body)
    return body


def _comparable(response, base: str) -> bool:
    """Pages, CSV and every stored file (a document, or what the object store answered) are compared byte for
    byte; XLSX and drawn PDFs carry the moment they were made (the crawl itself checks their rows and pages)."""
    kind = response.headers.get("Content-Type", "").split(";")[0]
    where = urlsplit(response.url)
    return kind in ("text/html", "text/csv") or where.netloc != urlsplit(base).netloc or "/documents/" in where.path


def crawl_all(base: str, ca_file: str) -> dict[str, Recorder]:
    def one(email: str) -> Recorder:
        person = Recorder(base, verify=ca_file)
        person.login(email)
        person.crawl = crawl(person, limit=PER_ACCOUNT)
        return person
    with ThreadPoolExecutor(max_workers=4) as pool:
        return dict(zip(ACCOUNTS, pool.map(one, ACCOUNTS)))


@pytest.fixture(scope="module")
def backups(stack, tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("backups")
    key = folder / "backup.key"
    public = stack.flask("backup-key", "--out", str(key)).stdout.strip()
    started = time.monotonic()
    made = stack.flask("backup", "--to", str(folder / "target"), "--recipient", public)
    print(f"backup: {time.monotonic() - started:.1f} s")
    assert "terenkripsi" in made.stdout, made.stdout
    return {"target": folder / "target", "key": key}


@pytest.fixture(scope="module")
def restored(stack, backups):
    """A second installation on a new database and bucket, filled by `mitrapas restore`, serving HTTPS."""
    with fresh_database("restored", base=stack.postgres.url) as database:
        changes = {"DATABASE_URL": database.app_url, "MIGRATION_DATABASE_URL": database.owner_url,
                   "S3_BUCKET": "restored", "REDIS_URL": stack.redis.url.rsplit("/", 1)[0] + "/1"}
        started = time.monotonic()
        result = stack.flask("restore", "--from", str(backups["target"]), "--identity", str(backups["key"]),
                             changes=changes)
        print(f"restore: {time.monotonic() - started:.1f} s")
        assert "Pemulihan selesai: tidak ada yang hilang." in result.stdout, result.stdout
        second = dataclasses.replace(stack, env={**stack.env, **changes}, instances=[], _workers=[])
        second.start_instance()
        try:
            yield second
        finally:
            second.stop()


def test_every_account_finds_the_same_pages_with_the_same_content(stack, restored):
    started = time.monotonic()
    before, after = crawl_all(stack.url, stack.ca_file), crawl_all(restored.url, stack.ca_file)
    print(f"crawls: {time.monotonic() - started:.1f} s, "
          f"{sum(len(person.crawl.visits) for person in (*before.values(), *after.values()))} answers")
    differences = []
    for email in ACCOUNTS:
        assert after[email].crawl.problems == [], email
        reached = {visit.url for visit in before[email].crawl.visits if visit.status < 400}
        assert len(reached) >= 10
        assert {visit.url for visit in after[email].crawl.visits if visit.status < 400} == reached, email
        for url in sorted(reached):
            if not PERSONAL.match(urlsplit(url).path) and before[email].digests[url] != after[email].digests[url]:
                differences.append((email, url))
    assert differences == [], _first_difference(stack, restored, differences)


def _first_difference(stack, restored, differences) -> str:
    """The first page that differs, as a diff of the two portals' drawings, for whoever reads the failure."""
    email, url = differences[0]
    pages = []
    for base in (stack.url, restored.url):
        person = Visitor(base, verify=stack.ca_file)
        person.login(email)
        pages.append(normal(person.get(url).content).decode(errors="replace").splitlines())
    diff = "\n".join(list(difflib.unified_diff(*pages, lineterm=""))[:60])
    return f"{len(differences)} page(s) differ, e.g. {email} {url}:\n{diff}\n{differences[:20]}"


def test_the_restored_signed_pks_passes_pdfsig_and_verify(stack, restored, tmp_path):
    agreement_id, document_id = restored.sql(
        "SELECT a.id, d.id FROM agreements a JOIN agreement_documents d ON d.agreement_id = a.id "
        "WHERE a.title = :title AND d.kind = 'final'", title=TITLE)[0]
    officer = Visitor(restored.url, verify=stack.ca_file)
    officer.login("pelayanan@rutan-tamiang-layang.mitrapas.test")
    download = officer.get(f"{org_path(officer)}agreements/{agreement_id}/documents/{document_id}")
    assert download.status_code == 200 and download.content.startswith(b"%PDF")
    (tmp_path / "pks.pdf").write_bytes(download.content)
    report = subprocess.run(["pdfsig", "-nocert", str(tmp_path / "pks.pdf")], capture_output=True, text=True,
                            timeout=60).stdout
    assert report.count("Signature is Valid.") == 2 and "Vinny Safari" in report and "Agung Novarianto" in report
    anyone = Visitor(restored.url, verify=stack.ca_file)
    token, page = anyone.csrf_token("/verify/")
    checked = anyone.http.post(anyone.url("/verify/"), data={"csrf_token": token, "f-csrf_token": token,
                                                             "f-submit": "1"},
                               files={"f-document": ("pks.pdf", download.content, "application/pdf")},
                               headers={"Referer": page}, timeout=60)
    assert checked.status_code == 200
    assert checked.text.count("Utuh: tidak berubah sejak ditandatangani") == 3
    assert "RSUD Tamiang Layang" in checked.text and "Rutan Kelas IIB Tamiang Layang" in checked.text


def test_the_restored_audit_chain_verifies_and_storage_agrees(restored):
    assert "Audit trail intact." in restored.flask("portal", "audit-verify").stdout
    agreed = restored.flask("portal", "storage-reconcile", "--grace-minutes", "0")
    assert "Storage and database agree." in agreed.stdout
    doctor = restored.flask("doctor", check=False).stdout
    for sound in ("database role and Row-Level Security", "migrations", "object store", "sealed secrets",
                  "signing keys"):
        assert f"ok    {sound}" in doctor, doctor


def test_a_backup_missing_a_file_restores_everything_else_and_names_it(stack, backups):
    manifest_path, = (backups["target"] / "backups").glob("*/manifest.json")
    manifest = json.loads(manifest_path.read_text())
    lost = next(entry for entry in manifest["objects"] if entry["what"] == "news_photo")
    (backups["target"] / lost["blob"]).unlink()
    with fresh_database("missing", base=stack.postgres.url) as database:
        changes = {"DATABASE_URL": database.app_url, "MIGRATION_DATABASE_URL": database.owner_url,
                   "S3_BUCKET": "missing-file"}
        result = stack.flask("restore", "--from", str(backups["target"]), "--identity", str(backups["key"]),
                             changes=changes, check=False)
        assert result.returncode == 1
        problems = [line for line in result.stdout.splitlines() if "HILANG" in line]
        assert problems == [f"  HILANG  Tidak ada di cadangan: {lost['key']} (foto berita {lost['id']})",
                            f"  HILANG  storage-reconcile: foto berita {lost['id']} tanpa berkasnya {lost['key']}"]
        assert "Rantai audit utuh" in result.stdout
        counts = dict(stack.sql("SELECT 'agreements', count(*) FROM agreements UNION ALL "
                                "SELECT 'materials', count(*) FROM materials"))
        engine_rows = dataclasses.replace(stack, env={**stack.env, **changes}).sql(
            "SELECT 'agreements', count(*) FROM agreements UNION ALL SELECT 'materials', count(*) FROM materials")
        assert dict(engine_rows) == counts

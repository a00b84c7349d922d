"""A working hour of a national portal, as `make bench-pages`'s last rows: N sessions of the busiest facility's head
reload the agreement list every few seconds while a partner of a facility in another province records a
contribution every second through the portal's own form (issue 36).

Measured once quiet and once under the writes, in the same run: the share of reloads answered from the page kept
for the session, and the reloads' p50 and p99. A reload answered kept leaves no trace in the store; one drawn
anew is kept again, with a SET of a `session-page:` key: the bench counts those with Redis' MONITOR (nothing in
the portal tells it), so kept = 1 - drawn / reloads.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
import re
import statistics
import threading
import time

import redis
from sqlalchemy import create_engine, text

from tests.visitor import Visitor

HEAD = "agung.novarianto@mitrapas.test"
#: A demo person who, for the bench, also works at a generated partner of a facility in another province.
WRITER = "admin@diskopukm.mitrapas.test"


def unrelated_pair(stack, facility_slug: str) -> tuple[str, int]:
    """A generated partner and one of its partnerships, with a facility of another province than the head's (and
    not a partner of the head's facility); the writer becomes that partner's admin."""
    engine = create_engine(stack.env["MIGRATION_DATABASE_URL"])
    with engine.begin() as connection:
        found = connection.execute(text(
            "SELECT partner.slug, partner.id AS partner_id, p.id AS pair FROM partnerships p "
            "JOIN organisations facility ON facility.id = p.facility_id "
            "JOIN organisations partner ON partner.id = p.partner_id "
            "JOIN organisations head_facility ON head_facility.slug = :slug "
            "WHERE facility.province <> head_facility.province AND partner.slug LIKE 'mitra-%' "
            "AND NOT EXISTS (SELECT 1 FROM partnerships mine WHERE mine.partner_id = partner.id "
            "                AND mine.facility_id = head_facility.id) "
            "ORDER BY p.id LIMIT 1"), {"slug": facility_slug}).one()
        connection.execute(text(
            "INSERT INTO memberships (user_id, organisation_id, role, created_at) "
            "SELECT id, :organisation, 'admin', now() FROM users WHERE email = :email "
            "ON CONFLICT DO NOTHING"), {"organisation": found.partner_id, "email": WRITER})
    engine.dispose()
    return found.slug, found.pair


class DrawnPages:
    """Counts the signed-in pages kept anew (SETs of `session-page:` keys) while it runs."""

    def __init__(self, redis_url: str):
        self.client = redis.Redis.from_url(redis_url)
        self.count, self._stop = 0, threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self):
        self._thread.start()
        time.sleep(0.5)
        return self

    def _watch(self) -> None:
        with self.client.monitor() as monitor:
            for command in monitor.listen():
                if self._stop.is_set():
                    return
                words = command["command"].split()
                if words and words[0].upper() in ("SET", "SETEX", "PSETEX") and "session-page:" in words[1]:
                    self.count += 1

    def __exit__(self, *exc):
        time.sleep(0.5)
        self._stop.set()
        self.client.ping()  # one more command, so the watcher sees the stop
        self._thread.join(timeout=5)


def signed_in_heads(stack, path: str, sessions: int) -> list[Visitor]:
    heads = []
    for _ in range(sessions):
        head = Visitor(stack.url, verify=stack.ca_file)
        head.login(HEAD)
        head.get(path)  # the form secret is made: the next one is kept
        head.get(path)
        heads.append(head)
    return heads


def reloading(heads: list[Visitor], path: str, seconds: float, every: float) -> tuple[int, list[float]]:
    """The signed-in heads each reload `path` every `every` seconds: how many reloads, and their times."""
    sessions = len(heads)
    times: list[float] = []
    deadline = time.monotonic() + seconds

    def reload(head: Visitor, offset: float) -> None:
        time.sleep(offset)
        while time.monotonic() < deadline:
            started = time.monotonic()
            answer = head.get(path)
            assert answer.status_code == 200 and 'action="/logout"' in answer.text, answer.status_code
            times.append((time.monotonic() - started) * 1000)
            time.sleep(max(0.0, every - (time.monotonic() - started)))

    with ThreadPoolExecutor(sessions) as pool:
        list(pool.map(reload, heads, [every * index / sessions for index in range(sessions)]))
    return len(times), times


def writing(stack, partner_slug: str, pair: int, stop: threading.Event) -> list[int]:
    """The writer records a contribution every second through the form, until `stop`; the answers' codes."""
    writer = Visitor(stack.url, verify=stack.ca_file)
    writer.login(WRITER)
    form = f"/o/{partner_slug}/contributions/new?pair={pair}"
    codes, number = [], 0
    while not stop.is_set():
        started, number = time.monotonic(), number + 1
        key = re.search(r'name="submission_key" type="hidden" value="([0-9a-f]+)"', writer.get(form).text)[1]
        answer = writer.post(form, {"submission_key": key, "type": "training", "title": f"Pelatihan kerja {number}",
                                    "started_on": (date.today() - timedelta(days=1)).isoformat(),
                                    "participants_total": "15", "hours": "2", "agreement": "0", "programme": "0"},
                             token_from=form, allow_redirects=False)
        codes.append(answer.status_code)
        time.sleep(max(0.0, 1.0 - (time.monotonic() - started)))
    return codes


def measure(stack, where: dict[str, str], sessions: int = 20, seconds: float = 30, every: float = 3) -> list[dict]:
    """The two rows: quiet, and with an unrelated facility's partner writing once a second."""
    path = f"/o/{where['facility']}/agreements/"
    partner_slug, pair = unrelated_pair(stack, where["facility"])
    rows = []
    for label, writes in (("quiet", False), ("1 write/s elsewhere", True)):
        stop, written = threading.Event(), []
        writer = threading.Thread(target=lambda: written.extend(writing(stack, partner_slug, pair, stop)))
        heads = signed_in_heads(stack, path, sessions)
        with DrawnPages(stack.env["REDIS_URL"]) as drawn:
            if writes:
                writer.start()
            reloads, times = reloading(heads, path, seconds, every)
            stop.set()
            if writes:
                writer.join()
        recorded = sum(code == 302 for code in written)
        if writes and recorded < seconds * 0.5:
            raise SystemExit(f"the writer recorded only {recorded} contributions ({set(written)})")
        rows.append({"label": label, "reloads": reloads, "drawn": min(drawn.count, reloads),
                     "kept": 1 - min(drawn.count, reloads) / reloads, "writes": recorded,
                     "p50_ms": statistics.median(times), "p99_ms": statistics.quantiles(times, n=100)[98]})
    return rows


def report(rows: list[dict], sessions: int) -> None:
    print(f"\n{sessions} sessions of the head reloading the agreement list every 3 s (goal under writes: 80% kept)")
    print(f"  {'while':22} {'reloads':>8} {'drawn':>6} {'kept':>6} {'writes':>7} {'p50':>9} {'p99':>9} {'goal':>5}")
    for row in rows:
        goal = ("met" if row["kept"] >= 0.8 else "no") if row["writes"] else ""
        print(f"  {row['label']:22} {row['reloads']:>8} {row['drawn']:>6} {row['kept']:>6.0%} {row['writes']:>7} "
              f"{row['p50_ms']:>7.1f}ms {row['p99_ms']:>7.1f}ms {goal:>5}")

"""The real mix of people on the portal, for locust (see tests/load/README.md; `make load` runs it).

Partners browse their lists, upload small materials and record contributions;
facility officers verify what waits; heads open agreements and approve what was
forwarded to them; oversight offices open dashboards and exports. Every person
signs in once with a demo account, over HTTPS, with the CA in MITRAPAS_CA.

At the end the run's figures go to MITRAPAS_LOAD_SUMMARY (JSON): requests,
failures, answers 5xx, and p50/p95/p99 per kind of request.
"""
from __future__ import annotations

import json
import os
import random
import re
from datetime import date, timedelta

from locust import HttpUser, between, events, task

PASSWORD = "mitrapas-demo-2025"
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
_SERVER_ERRORS = {"count": 0}


@events.request.add_listener
def _count_server_errors(response=None, **_):
    if response is not None and getattr(response, "status_code", 0) >= 500:
        _SERVER_ERRORS["count"] += 1


@events.quitting.add_listener
def _write_summary(environment, **_):
    target = os.environ.get("MITRAPAS_LOAD_SUMMARY")
    if not target:
        return
    total = environment.stats.total
    rows = {name: {"requests": entry.num_requests, "failures": entry.num_failures,
                   "p50_ms": entry.get_response_time_percentile(0.5),
                   "p95_ms": entry.get_response_time_percentile(0.95),
                   "p99_ms": entry.get_response_time_percentile(0.99)}
            for (name, _method), entry in environment.stats.entries.items()}
    with open(target, "w") as out:
        json.dump({"requests": total.num_requests, "failures": total.num_failures,
                   "server_errors": _SERVER_ERRORS["count"], "rps": total.total_rps,
                   "p50_ms": total.get_response_time_percentile(0.5),
                   "p99_ms": total.get_response_time_percentile(0.99), "by_request": rows}, out, indent=2)


class Person(HttpUser):
    abstract = True
    wait_time = between(1, 3)
    accounts: tuple[str, ...] = ()

    def on_start(self):
        self.client.trust_env = False
        self.client.verify = os.environ.get("MITRAPAS_CA", True)
        self.email = random.choice(self.accounts)
        page = self.client.get("/login", name="login page")
        answer = self.client.post("/login", name="sign in", allow_redirects=False, headers=self._referer("/login"),
                                  data={"email": self.email, "password": PASSWORD, "csrf_token": _token(page.text)})
        if answer.status_code != 302:
            raise RuntimeError(f"sign-in of {self.email} failed: {answer.status_code}")
        self.home = re.search(r"/o/[a-z0-9-]+/", self.client.get("/", name="dashboard").url).group(0)

    def _referer(self, path: str) -> dict:
        return {"Referer": self.host.rstrip("/") + path}

    def open_some(self, listing: str, pattern: str, name: str) -> None:
        page = self.client.get(f"{self.home}{listing}", name=f"{listing} list")
        found = re.findall(pattern, page.text)
        if found:
            self.client.get(random.choice(found), name=name)


def _token(html: str) -> str:
    found = _CSRF.search(html)
    return found.group(1) if found else ""


class Partner(Person):
    weight = 6
    accounts = ("admin@diskopukm.mitrapas.test", "admin@blk.mitrapas.test", "magang.psikologi@mitrapas.test",
                "magang.sosiologi@mitrapas.test", "admin@sekata.mitrapas.test", "vinny.safari@mitrapas.test")

    def on_start(self):
        super().on_start()
        chooser = self.client.get(f"{self.home}contributions/new", name="contribution form").text
        pairs = re.findall(r"[?&]pair=(\d+)", chooser)
        self.pair_query = f"?pair={pairs[0]}" if pairs else ""

    @task(6)
    def browse(self):
        self.client.get(self.home, name="dashboard")
        self.open_some("agreements/", r'href="(/o/[^"]+/agreements/\d+)"', "agreement")
        self.open_some("contributions/", r'href="(/o/[^"]+/contributions/\d+)"', "contribution")
        self.client.get(f"{self.home}materials/", name="materials list")

    @task(2)
    def upload_small_material(self):
        content = b"%PDF-1.4\n" + os.urandom(48 * 1024)
        page = self.client.get(f"{self.home}materials/new{self.pair_query}", name="upload form")
        self.client.post(f"{self.home}materials/new{self.pair_query}", name="upload", allow_redirects=False,
                         headers=self._referer(f"{self.home}materials/new"),
                         data={"category": "report", "agreement": "0", "csrf_token": _token(page.text)},
                         files={"files": ("laporan-kegiatan.pdf", content, "application/pdf")})

    @task(2)
    def record_contribution(self):
        page = self.client.get(f"{self.home}contributions/new{self.pair_query}", name="contribution form")
        key = re.search(r'name="submission_key" type="hidden" value="([0-9a-f]+)"', page.text)
        if not key:
            return
        day = date.today() - timedelta(days=random.randint(1, 60))
        self.client.post(f"{self.home}contributions/new{self.pair_query}", name="record contribution",
                         allow_redirects=False, headers=self._referer(f"{self.home}contributions/new"),
                         data={"csrf_token": _token(page.text), "submission_key": key.group(1), "type": "counselling",
                               "title": "Konseling kelompok", "started_on": day.isoformat(),
                               "participants_total": str(random.randint(5, 30)), "hours": "2", "agreement": "0",
                               "programme": "0"})


class Officer(Person):
    weight = 2
    accounts = ("rafi.rizaldi@mitrapas.test", "pelayanan@rutan-tamiang-layang.mitrapas.test",
                "yudi.suhartono@mitrapas.test")

    @task
    def verify_what_waits(self):
        queue = self.client.get(f"{self.home}contributions/?status=submitted", name="verification queue").text
        waiting = re.findall(r'href="(/o/[^"]+/contributions/(\d+))"', queue)
        if waiting:
            path, _id = random.choice(waiting)
            page = self.client.get(path, name="contribution")
            self.client.post(f"{path}/verify", name="verify contribution", allow_redirects=False,
                             headers=self._referer(path), data={"csrf_token": _token(page.text)})


class Head(Person):
    weight = 1
    accounts = ("yulian.fernando@mitrapas.test", "agung.novarianto@mitrapas.test", "agus.salim@mitrapas.test")

    @task
    def approve_and_read(self):
        self.client.get(self.home, name="dashboard")
        page = self.client.get(f"{self.home}agreements/?queue=review", name="agreements to review").text
        for path in re.findall(r'href="(/o/[^"]+/agreements/\d+)"', page)[:3]:
            shown = self.client.get(path, name="agreement").text
            if f'action="{path}/approve"' in shown:
                self.client.post(f"{path}/approve", name="approve agreement", allow_redirects=False,
                                 headers=self._referer(path), data={"csrf_token": _token(shown)})


class Oversight(Person):
    weight = 1
    accounts = ("analis.ditjenpas@mitrapas.test", "analis.bengkulu@mitrapas.test", "analis.kalteng@mitrapas.test")

    @task(3)
    def dashboard(self):
        self.client.get(f"{self.home}?period=year", name="oversight dashboard")

    @task(1)
    def export(self):
        self.client.get(f"{self.home}export/facilities.xlsx?period=year", name="oversight export xlsx")
        self.client.get(f"{self.home}agreements/export.csv", name="agreements export csv")

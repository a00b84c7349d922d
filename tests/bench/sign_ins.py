"""Signing in under load, as deployed: what a burst of sign-ins costs every other page, in one run.

Starts the deployed-stack tier's stack (gunicorn 2 workers x 4 threads over HTTPS, PostgreSQL under Row-Level
Security, Redis, demo data) and, beside its portal, the same release with other password-hash settings. For each
portal, a prober asks a cheap signed-in page (the party names a list suggests, `names.json`, for a search that
finds none: the session, its person, the tenancy, one query) one request after another, first alone (the
baseline) and then while N people sign in over and over (a fresh browser each time: the sign-in page, then the
form). It prints the cheap page's p50 and p99 with the sign-ins against without, and the sign-ins' rate, p50,
p99 and how many were asked to try again (429).

    .venv/bin/python -m tests.bench.sign_ins [--seconds 15] [--people 4 16]

It asserts nothing about time; the figures are in tests/bench/README.md ("Signing in under load").
"""
from __future__ import annotations

import argparse
from contextlib import ExitStack
import re
import statistics
import threading
import time

import requests

from tests.deployed.stack import start_stack
from tests.visitor import Visitor

HEAD = "agung.novarianto@mitrapas.test"
PEOPLE = ("agung.novarianto@mitrapas.test", "admin@sekata.mitrapas.test", "analis.ditjenpas@mitrapas.test")
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
#: Which portals are compared: a name and what its environment changes.
SETTINGS = (
    ("m=19 MiB t=2 p=1, the default: 1 at once (2 workers, 2 cores)", {}),
    ("m=19 MiB t=2 p=1, 2 at once", {"PASSWORD_HASHES_AT_ONCE": "2"}),
    ("m=19 MiB t=2 p=1, unbounded", {"PASSWORD_HASHES_AT_ONCE": "64"}),
    ("argon2-cffi's defaults m=64 MiB t=3 p=4, unbounded (before)", {"PASSWORD_HASH_MEMORY_KIB": "65536",
                                                                    "PASSWORD_HASH_TIME_COST": "3",
                                                                    "PASSWORD_HASH_PARALLELISM": "4",
                                                                    "PASSWORD_HASHES_AT_ONCE": "64"}),
)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def probe(url: str, cookie_visitor: Visitor, path: str, until: float) -> list[float]:
    """The cheap page, one request after another until `until`: each one's seconds."""
    times = []
    while time.perf_counter() < until:
        started = time.perf_counter()
        answer = cookie_visitor.http.get(url + path, timeout=60)
        times.append(time.perf_counter() - started)
        assert answer.status_code == 200, answer.status_code
    return times


def sign_in_over_and_over(url: str, ca_file: str, email: str, until: float, seen: list) -> None:
    """A fresh browser each time: the sign-in page, then the form; (seconds of the form, its status)."""
    from mitrapas_dev.demo import DEMO_PASSWORD

    while time.perf_counter() < until:
        with requests.Session() as http:
            http.verify, http.trust_env = ca_file, False
            page = http.get(url + "/login", timeout=60)
            token = _CSRF.search(page.text).group(1)
            started = time.perf_counter()
            answer = http.post(url + "/login", data={"email": email, "password": DEMO_PASSWORD, "csrf_token": token},
                               headers={"Referer": url + "/login"}, allow_redirects=False, timeout=60)
            seen.append((time.perf_counter() - started, answer.status_code))


def measure(url: str, ca_file: str, people: int, seconds: float) -> dict:
    visitor = Visitor(url, verify=ca_file)
    visitor.login(HEAD)
    home = re.search(r"/o/[a-z0-9-]+/", visitor.get("/").url).group(0)
    path = f"{home}partners/names.json?q=zzzz"
    probe(url, visitor, path, time.perf_counter() + 2)  # warm
    alone = probe(url, visitor, path, time.perf_counter() + seconds)
    seen: list = []
    until = time.perf_counter() + seconds
    threads = [threading.Thread(target=sign_in_over_and_over, args=(url, ca_file, PEOPLE[n % len(PEOPLE)], until,
                                                                     seen)) for n in range(people)]
    for thread in threads:
        thread.start()
    loaded = probe(url, visitor, path, until)
    for thread in threads:
        thread.join()
    signed = [took for took, status in seen if status == 302]
    return {"alone_p50": statistics.median(alone), "alone_p99": percentile(alone, 0.99),
            "loaded_p50": statistics.median(loaded), "loaded_p99": percentile(loaded, 0.99),
            "sign_ins": len(signed) / seconds, "sign_in_p50": percentile(signed, 0.5),
            "sign_in_p99": percentile(signed, 0.99), "refused": sum(1 for _, status in seen if status == 429),
            "other": sum(1 for _, status in seen if status not in (302, 429))}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--people", type=int, nargs="+", default=[4, 16])
    arguments = parser.parse_args(argv)
    rows = []
    with ExitStack() as resources:
        stack = start_stack(resources)
        base = dict(stack.env)
        for name, changes in SETTINGS:
            stack.env = {**base, **changes}
            instance = stack.instances[0] if not changes else stack.start_instance()
            for people in arguments.people:
                row = measure(instance.url, stack.ca_file, people, arguments.seconds)
                rows.append((name, people, row))
                print_row(name, people, row)
            if changes:
                instance.process.terminate()
                instance.process.wait(30)
        stack.env = base
    print("\n| settings | signing in | cheap page p50 | p99 | with sign-ins: p50 | p99 | p99 ratio | "
          "sign-ins/s | sign-in p50 | p99 | asked to retry |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, people, row in rows:
        print(f"| {name} | {people} | {ms(row['alone_p50'])} | {ms(row['alone_p99'])} | {ms(row['loaded_p50'])} | "
              f"{ms(row['loaded_p99'])} | {row['loaded_p99'] / row['alone_p99']:.1f}x | {row['sign_ins']:.1f} | "
              f"{ms(row['sign_in_p50'])} | {ms(row['sign_in_p99'])} | {row['refused']} |")


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


def print_row(name: str, people: int, row: dict) -> None:
    print(f"{name}, {people} signing in: cheap page p50 {ms(row['alone_p50'])} -> {ms(row['loaded_p50'])}, "
          f"p99 {ms(row['alone_p99'])} -> {ms(row['loaded_p99'])}; {row['sign_ins']:.1f} sign-ins/s, "
          f"p50 {ms(row['sign_in_p50'])}, p99 {ms(row['sign_in_p99'])}; {row['refused']} asked to retry, "
          f"{row['other']} other answers", flush=True)


if __name__ == "__main__":
    main()

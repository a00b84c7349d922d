"""The hot pages as deployed, against bare Flask under the same gunicorn, in one run: `make bench-pages`.

Starts the deployed stack of the tier (gunicorn 2 workers x 4 threads over HTTPS,
PostgreSQL through the login role under Row-Level Security, SeaweedFS, Redis) with
the demo data, adds the generator's national data set (550 facilities, 3,000
partners, 8,000 agreements, 200,000 contributions) and lets the demo people also
work at the busiest generated organisations: Agung Novarianto heads the busiest
facility (about 200 partners), SEKATA's admin runs the busiest partner, and Ditjen
PAS's analyst oversees every facility. A bare Flask "hello" is served by gunicorn
with the same settings (workers, threads, TLS, keep-alive).

The first row after bare Flask is the signed-in floor: the party names a list suggests (`names.json`) for a
search that finds none, i.e. what any signed-in request costs at least (the session and its person read under
RLS, the tenancy, one query, JSON).

The signed-in pages are measured twice: as the person reloading them gets them (kept for their session until
anything is written, portal/core/session_pages.py), and "(drawn)", drawn anew for every request, as after each write.

Each page is loaded with wrk (Debian's package) at 8 and 50 connections; the script
prints req/s as a ratio to bare Flask, p50 and p99. Every answer under load is
checked by `wrk_check.lua`: a 200 carrying the signed-in page to its end (a
redirect to the sign-in page, e.g. because strong session protection no longer
recognises the client, counts as a bad answer and is reported). The last column says how
wrk's connections lay across the gunicorn workers halfway through ("25/25"; "50/0" means
one worker, one core, answered everything, and the figure says so rather than the page).

    .venv/bin/python -m tests.bench.pages [--seconds 10] [--connections 8 50] [--contributions 200000] [--only public]

It asserts nothing about time; the goals and the figures are in tests/bench/README.md.
"""
from __future__ import annotations

import argparse
from contextlib import ExitStack
from dataclasses import dataclass, replace
import json
from pathlib import Path
import shutil
import subprocess
import time

import psutil
import requests
from sqlalchemy import create_engine, text

from tests.bench import data_generator, kept_under_writes
from tests.databases import server_url
from tests.deployed.stack import connections_held, start_stack
from tests.visitor import Visitor

HERE = Path(__file__).parent
#: wrk and the sign-ins send the same User-Agent: strong session protection ties a session to it and the address.
USER_AGENT = "MitraPAS bench-pages (wrk)"
SIGNED_IN = 'action="/logout"'
PUBLIC_PAGE = 'href="/login"'
LOAD_THREADS = 2


@dataclass
class Page:
    name: str
    #: Who asks; None: an anonymous visitor of the public pages.
    email: str | None
    path: str
    dashboard: bool = False
    #: The least a signed-in request costs (sign-in, tenancy, one query): the scale the pages are drawn on.
    floor: bool = False
    #: Drawn anew for every request (never kept), as after each write that reached it.
    drawn: bool = False

    @property
    def public(self) -> bool:
        return self.email is None

    @property
    def marker(self) -> str:
        """What the whole answer carries: the sign-out button, the sign-in link of a public page's footer, or (the
        floor's JSON) its key."""
        return '"names"' if self.floor else PUBLIC_PAGE if self.public else SIGNED_IN

    @property
    def ending(self) -> str:
        return "]}" if self.floor else "</html>"

    def goal_met(self, share: float, p99_ms: float) -> bool:
        """Issue 13: 20% of bare Flask and p99 < 150 ms (dashboards: p99 < 250 ms); issue 16: public pages 50%
        and p99 < 50 ms (a shared report brings a spike); issue 36: the signed-in floor 15%, and drawn anew, a
        list 5% with p99 < 300 ms, a dashboard 2% with p99 < 1 s."""
        if self.floor:
            return share >= 0.15
        if self.drawn:
            return share >= 0.02 and p99_ms < 1000 if self.dashboard else share >= 0.05 and p99_ms < 300
        if self.public:
            return share >= 0.5 and p99_ms < 50
        if self.dashboard:
            return p99_ms < 250
        return share >= 0.2 and p99_ms < 150


def load_national_data(stack, contributions: int) -> dict[str, str]:
    """The generator's data set, and the demo people's memberships at its busiest organisations."""
    engine = create_engine(stack.env["MIGRATION_DATABASE_URL"])
    with engine.begin() as connection:
        data_generator.organisations(connection)
        data_generator.partnerships_and_agreements(connection)
        data_generator.contributions(connection, contributions)
        data_generator.tallies(connection)
        data_generator.products(connection)
        facility = connection.execute(text(
            "SELECT o.id, o.slug FROM organisations o JOIN partnerships p ON p.facility_id = o.id "
            "WHERE o.slug LIKE 'upt-%' GROUP BY o.id ORDER BY count(*) DESC LIMIT 1")).one()
        partner = connection.execute(text(
            "SELECT o.id, o.slug FROM organisations o JOIN contributions c ON c.partner_id = o.id "
            "WHERE o.slug LIKE 'mitra-%' GROUP BY o.id ORDER BY count(*) DESC LIMIT 1")).one()
        for email, organisation, role in (("agung.novarianto@mitrapas.test", facility.id, "head"),
                                          ("admin@sekata.mitrapas.test", partner.id, "admin")):
            connection.execute(text(
                "INSERT INTO memberships (user_id, organisation_id, role, created_at) "
                "SELECT id, :organisation, :role, now() FROM users WHERE email = :email"),
                {"organisation": organisation, "role": role, "email": email})
        agreement = connection.execute(text(
            "SELECT id FROM agreements WHERE facility_id = :facility ORDER BY id LIMIT 1"),
            {"facility": facility.id}).scalar()
        oversight = connection.execute(text(
            "SELECT slug FROM organisations WHERE name = 'Direktorat Jenderal Pemasyarakatan' "
            "AND slug <> 'ditjenpas'")).scalar()
        partners = connection.execute(text("SELECT count(*) FROM partnerships WHERE facility_id = :facility"),
                                      {"facility": facility.id}).scalar()
        news = connection.execute(text(
            "SELECT n.slug FROM news_items n JOIN organisations o ON o.id = n.facility_id "
            "WHERE o.slug = 'rutan-kelas-iib-tamiang-layang' AND n.status = 'published'")).scalar()
        product = connection.execute(text(
            "SELECT o.slug || '/produk/' || p.slug FROM products p JOIN organisations o ON o.id = p.facility_id "
            "WHERE p.public ORDER BY p.id LIMIT 1")).scalar()
    data_generator.vacuum(engine)
    engine.dispose()
    print(f"data: busiest facility {facility.slug} ({partners} partners), busiest partner {partner.slug}, "
          f"{contributions:,} generated contributions")
    return {"facility": facility.slug, "partner": partner.slug, "agreement": str(agreement),
            "oversight": oversight, "news": news, "product": product}


def hot_pages(where: dict[str, str]) -> list[Page]:
    head, partner = "agung.novarianto@mitrapas.test", "admin@sekata.mitrapas.test"
    facility = f"/o/{where['facility']}"
    signed_in = [
        Page("agreement list", head, f"{facility}/agreements/"),
        Page("contribution list", head, f"{facility}/contributions/"),
        Page("material list", head, f"{facility}/materials/"),
        Page("agreement detail", head, f"{facility}/agreements/{where['agreement']}"),
        Page("facility dashboard", head, f"{facility}/", dashboard=True),
        Page("partner dashboard", partner, f"/o/{where['partner']}/", dashboard=True),
        Page("oversight dashboard", "analis.ditjenpas@mitrapas.test", f"/o/{where['oversight']}/", dashboard=True),
    ]
    # The same pages drawn for every request: an argument the views ignore keeps them from being kept for the
    # session (portal/core/session_pages.py), as after every write.
    drawn = [replace(page, name=f"{page.name} (drawn)", path=f"{page.path}?drawn=1", drawn=True)
             for page in signed_in]
    return [
        Page("signed-in floor", head, f"{facility}/partners/names.json?q=zzzz", floor=True),
        *signed_in,
        *drawn,
        Page("public facility page", None, "/publik/rutan-kelas-iib-tamiang-layang"),
        Page("public news item", None, f"/publik/rutan-kelas-iib-tamiang-layang/berita/{where['news']}"),
        Page("public province page", None, "/publik/provinsi/kalimantan-tengah"),
        Page("public catalogue", None, "/publik/katalog"),
        Page("public catalogue search", None, "/publik/katalog?provinsi=Bengkulu&kategori=handicraft"),
        Page("public product page", None, f"/publik/{where['product']}"),
    ]


def session_cookie(stack, email: str, landing: str = "/") -> str:
    """A signed-in session, made with the User-Agent wrk sends, as a Cookie header: as the browser holds it after
    a first page of the organisation measured (which gives the session its form secret and its last organisation;
    wrk sends the same cookie all along, so a session still naming another organisation would be changed, and not
    kept, by every page: a person of two organisations, as the head and the partner's admin are here)."""
    visitor = Visitor(stack.url, verify=stack.ca_file)
    visitor.http.headers["User-Agent"] = USER_AGENT
    visitor.login(email)
    visitor.get(landing)
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in visitor.http.cookies)


def wrk(instance, path: str, connections: int, seconds: int, marker: str, ending: str, cookie: str = "") -> dict:
    command = ["wrk", "--threads", str(min(LOAD_THREADS, connections)), "--connections", str(connections),
               "--duration", f"{seconds}s", "--timeout", "30s", "--script", str(HERE / "wrk_check.lua"),
               "--header", f"User-Agent: {USER_AGENT}"]
    if cookie:
        command += ["--header", f"Cookie: {cookie}"]
    with subprocess.Popen([*command, instance.url + path, "--", marker, ending], stdout=subprocess.PIPE,
                          text=True) as load:
        time.sleep(seconds / 2)
        spread = connections_per_worker(instance)
        output, _ = load.communicate()
    if load.returncode:
        raise subprocess.CalledProcessError(load.returncode, command, output)
    result = json.loads(output.strip().splitlines()[-1])
    result["rps"] = result["requests"] / result["seconds"]
    result["spread"] = spread
    return result


def connections_per_worker(instance) -> str:
    """How wrk's connections lie across the gunicorn workers halfway through, e.g. "25/25": a gthread worker
    keeps the keep-alive connections it accepted, so "48/2" means one worker (one core, by the GIL) answers
    nearly everything, and the figure measures that rather than the page."""
    counts = []
    for pid in instance.worker_pids():
        try:
            counts.append(connections_held(pid, instance.port))
        except psutil.Error:
            counts.append(0)
    return "/".join(str(count) for count in sorted(counts, reverse=True))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, nargs="+", default=[8, 50])
    parser.add_argument("--contributions", type=int, default=200_000)
    parser.add_argument("--sessions", type=int, default=20, help="heads reloading in the kept-under-writes rows")
    parser.add_argument("--only", default="", help="measure only the pages whose name holds this, e.g. public")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: `make bench-pages` installs Debian's wrk")
    if server_url() is None:
        raise SystemExit("bench-pages needs PostgreSQL: DATABASE_URL=postgresql+psycopg://... make bench-pages")
    with ExitStack() as resources:
        stack = start_stack(resources)
        where = load_national_data(stack, args.contributions)
        pages = [page for page in hot_pages(where) if args.only in page.name]
        hello = stack.start_instance(app="tests.bench.hello_app:app", ready_path="/")
        # Each person's organisation's home page: every page of theirs measured is of that one organisation.
        landings = {page.email: "/".join(page.path.split("/")[:3]) + "/" for page in pages}
        cookies = {email: session_cookie(stack, email, landing) for email, landing in landings.items() if email}
        cookies[None] = ""
        for page in pages:  # one answer each first: a page that fails is a defect, not a figure
            answer_once(stack, page, cookies[page.email])
        rows = []
        for connections in args.connections:
            baseline = wrk(hello, "/", connections, args.seconds, "hello", "hello")
            rows.append(("bare Flask hello", connections, baseline, baseline["rps"], None))
            for page in pages:
                settle(stack)
                # A kept page lasts SESSION_PAGE_SECONDS: asked once just before, as the person who reloads it had.
                answer_once(stack, page, cookies[page.email])
                result = wrk(stack.instances[0], page.path, connections, args.seconds, page.marker, page.ending,
                             cookies[page.email])
                rows.append((page.name, connections, result, baseline["rps"], page))
        report(rows, args.seconds)
        if not args.only or args.only in "kept under writes":
            kept_under_writes.report(kept_under_writes.measure(stack, where, sessions=args.sessions), args.sessions)


def answer_once(stack, page: Page, cookie: str) -> None:
    """Ask for `page` for a second with one connection; every answer must be the whole page."""
    probe = wrk(stack.instances[0], page.path, 1, 1, page.marker, page.ending, cookie)
    if probe["bad"] or not probe["good"]:
        raise SystemExit(f"{page.name} ({page.path}) does not answer with the signed-in page")


def settle(stack, quick_ms: float = 20, most_seconds: float = 30) -> None:
    """Wait until the portal has answered the queue the last page left (wrk stops asking, the workers do not stop
    answering): three static files in a row, each in under `quick_ms`."""
    deadline, quick = time.monotonic() + most_seconds, 0
    with requests.Session() as session:
        while quick < 3 and time.monotonic() < deadline:
            started = time.monotonic()
            session.get(stack.url + "/static/public.css", verify=stack.ca_file, timeout=30)
            quick = quick + 1 if (time.monotonic() - started) * 1000 < quick_ms else 0


def report(rows, seconds: int) -> None:
    print(f"\npages as deployed (gunicorn 2x4, HTTPS, PostgreSQL with RLS), wrk {seconds} s each, same run")
    print(f"  {'page':31} {'conns':>5} {'req/s':>8} {'of Flask':>8} {'p50':>9} {'p99':>9} {'KB':>6} "
          f"{'bad':>5} {'goal':>5} {'workers':>8}")
    for name, connections, result, baseline, page in rows:
        share = result["rps"] / baseline
        goal = ""
        if page is not None and connections >= 50:
            goal = "met" if page.goal_met(share, result["p99_ms"]) else "no"
        size = result["bytes"] / max(result["requests"], 1) / 1024
        print(f"  {name:31} {connections:>5} {result['rps']:>8.1f} {share:>7.1%} {result['p50_ms']:>7.1f}ms "
              f"{result['p99_ms']:>7.1f}ms {size:>6.1f} {result['bad'] + result['socket_errors']:>5} {goal:>5} "
              f"{result['spread']:>8}")


if __name__ == "__main__":
    main()

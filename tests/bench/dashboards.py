"""What the dashboards cost at national scale, against hand-written SQL that computes the same numbers.

On PostgreSQL (DATABASE_URL, or the local server CI uses), generates 550
facilities, 3,000 partners, 8,000 agreements and first 100,000 then 1,000,000
contributions (tests/bench/data_generator.py). At each size it times, in the
same run on the same database:

- each dashboard page, requested over the portal's own WSGI stack as a
  logged-in person (Row-Level Security and the tenancy filter on, HTML rendered);
- its floor: one hand-written SQL statement that computes the same numbers, run as
  the database owner (no RLS, no ORM, no HTML);

and prints the medians and their ratio. It asserts nothing about time.

    .venv/bin/python -m tests.bench.dashboards
"""
from __future__ import annotations

import os
import statistics
import time

from sqlalchemy import create_engine, text

from portal.core.tenancy import unscoped
from portal.extensions import db
from portal.organisations.models import Organisation, Role
from tests.bench import data_generator
from tests.conftest import Web, make_app
from tests.databases import fresh_database
from tests.factories import PASSWORD, member_of

LOCAL_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SIZES = (100_000, 1_000_000)
RUNS = 7

#: The floors: each computes what its page shows for "this year", in one statement.
OVERSIGHT_FLOOR = """
SELECT f.id, f.name, f.province,
       (SELECT count(*) FROM agreements a WHERE a.facility_id = f.id AND a.status = 'active'),
       c.n, c.people, c.hours,
       (SELECT max(e.created_at) FROM audit_entries e WHERE e.facility_id = f.id)
FROM organisations f
LEFT JOIN (SELECT facility_id, count(*) AS n, sum(participants_total) AS people, sum(hours) AS hours
           FROM contributions WHERE status = 'verified' AND started_on BETWEEN :start AND :end
           GROUP BY facility_id) c ON c.facility_id = f.id
WHERE f.kind = 'facility' AND (CAST(:province AS text) IS NULL OR f.province = :province)
ORDER BY f.name
"""
PARTY_FLOOR = """
WITH work AS (
    SELECT {other} AS party, type, date_trunc('month', started_on) AS month, participants_total, hours
    FROM contributions
    WHERE {own} = :org AND status = 'verified' AND started_on BETWEEN :trend_start AND :end)
SELECT 'agreements', NULL, NULL, NULL,
       count(*) FILTER (WHERE status = 'active'),
       count(*) FILTER (WHERE status IN ('submitted','changes_requested','forwarded','approved','partner_signed')),
       count(*) FILTER (WHERE status IN ('signed','active') AND end_date BETWEEN current_date AND current_date + 90)
FROM agreements WHERE {own} = :org
UNION ALL
SELECT 'work', party, type, month, count(*), sum(participants_total), sum(hours)
FROM work
GROUP BY GROUPING SETS ((party), (type), (month))
"""


def median_seconds(action) -> float:
    action()  # warm caches and plans
    samples = []
    for _ in range(RUNS):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def busiest(connection, column: str) -> int:
    return connection.execute(text(f"SELECT {column} FROM contributions GROUP BY {column} "
                                   "ORDER BY count(*) DESC LIMIT 1")).scalar()


def main() -> None:
    os.environ.setdefault("DATABASE_URL", LOCAL_POSTGRES)
    if not os.environ["DATABASE_URL"].startswith("postgresql"):
        os.environ["DATABASE_URL"] = LOCAL_POSTGRES
    with fresh_database("bench_dashboards") as database:
        app = make_app(database)
        owner = create_engine(database.owner_url)
        with owner.begin() as connection:
            data_generator.organisations(connection)
            data_generator.partnerships_and_agreements(connection)
        results, added = [], 0
        for size in SIZES:
            with owner.begin() as connection:
                data_generator.contributions(connection, size - added)
                data_generator.tallies(connection)
            added = size
            data_generator.vacuum(owner)
            results.append((size, measure(app, owner)))
        with app.app_context():
            db.engine.dispose()
        owner.dispose()
    report(results)


def measure(app, owner) -> dict[str, tuple[float, float, int]]:
    """{view: (page seconds, floor seconds, queries the page made)} at the current size."""
    from datetime import date

    year = date.today().year
    window = {"start": date(year, 1, 1), "end": date(year, 12, 31), "trend_start": date(year, 1, 1)}
    with owner.connect() as connection:
        facility_id, partner_id = busiest(connection, "facility_id"), busiest(connection, "partner_id")
        province = connection.execute(text("SELECT province FROM organisations WHERE kind = 'facility' "
                                           "GROUP BY province ORDER BY count(*) DESC LIMIT 1")).scalar()
    views = {}
    with app.app_context(), unscoped("benchmark people"):
        orgs = {
            "oversight, Ditjen PAS (550 facilities)": (db.session.scalar(
                db.select(Organisation).where(Organisation.slug == "ditjenpas")), Role.ANALYST,
                OVERSIGHT_FLOOR, {"province": None}),
            f"oversight, Kanwil {province}": (db.session.scalar(db.select(Organisation).where(
                Organisation.kind == "oversight", Organisation.province == province)), Role.ANALYST,
                OVERSIGHT_FLOOR, {"province": province}),
            "facility, the busiest": (db.session.get(Organisation, facility_id), Role.HEAD,
                                      PARTY_FLOOR.format(own="facility_id", other="partner_id"),
                                      {"org": facility_id}),
            "partner, the busiest": (db.session.get(Organisation, partner_id), Role.ADMIN,
                                     PARTY_FLOOR.format(own="partner_id", other="facility_id"),
                                     {"org": partner_id}),
        }
        people = {name: (org.slug, member_of(org, role).email, sql, args)
                  for name, (org, role, sql, args) in orgs.items()}
        db.session.commit()
    for name, (slug, email, sql, args) in people.items():
        web = Web(app.test_client())
        assert web.login(email, PASSWORD).status_code == 302
        counter = QueryCounter(app)
        with counter:
            assert web.get(f"/o/{slug}/").status_code == 200
        page = median_seconds(lambda: web.get(f"/o/{slug}/"))
        with owner.connect() as connection:
            floor = median_seconds(lambda: connection.execute(text(sql), window | args).all())
        views[name] = (page, floor, counter.count)
    return views


class QueryCounter:
    """Counts the SQL statements the portal sends while a page is served."""

    def __init__(self, app):
        with app.app_context():
            self.engine = db.engine
        self.count = 0

    def __call__(self, *args):
        self.count += 1

    def __enter__(self):
        from sqlalchemy import event
        event.listen(self.engine, "before_cursor_execute", self)

    def __exit__(self, *exc):
        from sqlalchemy import event
        event.remove(self.engine, "before_cursor_execute", self)


def report(results) -> None:
    print(f"dashboards on PostgreSQL: median of {RUNS} requests each, floor = one hand-written SQL statement")
    print(f"  {'view':44} {'contributions':>13} {'page':>9} {'floor':>9} {'page/floor':>10} {'queries':>8}")
    for size, views in results:
        for name, (page, floor, queries) in views.items():
            print(f"  {name:44} {size:>13,} {page * 1000:>7.1f}ms {floor * 1000:>7.1f}ms "
                  f"{page / floor:>9.1f}x {queries:>8}")
    (small, first), (large, second) = results
    for name in first:
        print(f"  growth {name}: page {second[name][0] / first[name][0]:.1f}x, floor "
              f"{second[name][1] / first[name][1]:.1f}x for {large // small}x the contributions")


if __name__ == "__main__":
    main()

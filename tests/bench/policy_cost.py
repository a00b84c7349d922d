"""What Row-Level Security costs the statements the hot pages send, against the same statements without it.

On a PostgreSQL database of its own at head (DATABASE_URL, or the local server CI uses) with the generator's national
data set (550 facilities, 3,000 partners, 8,000 agreements, 200,000 contributions), each statement is run as the
login role under a scope (the portal's settings, the policies applying) and, as its floor, as the tables' owner (no
policies) with the same WHERE clause the ORM's tenancy filter adds. Prints the median of each and the ratio; with
`--before 0037` it also downgrades to that migration and measures again in the same run, then at head once more,
so a policy change is compared with what it replaced on the same data and machine. Asserts nothing about time.

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test .venv/bin/python -m tests.bench.policy_cost \
        --before 0037
"""
from __future__ import annotations

import argparse
import os
import statistics
import time

from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, text

from tests.bench import data_generator
from tests.bench.dashboards import LOCAL_POSTGRES
from tests.conftest import postgres_of_its_own

RUNS = 30

#: (what, scope, SQL with the ORM's own filter). `:org` is the scope's organisation.
STATEMENTS = (
    ("a facility's contributions, counted (the list's pages)", "facility",
     "SELECT count(*) FROM contributions WHERE facility_id = :org OR partner_id = :org"),
    ("a facility's 20 newest contributions with their partner", "facility",
     "SELECT c.id, c.title, p.name FROM contributions c JOIN organisations p ON p.id = c.partner_id "
     "WHERE c.facility_id = :org OR c.partner_id = :org ORDER BY c.started_on DESC, c.id DESC LIMIT 20"),
    ("a facility's verified work by type (its dashboard)", "facility",
     "SELECT type, count(*), sum(participants_total) FROM contributions WHERE status = 'verified' "
     "AND (facility_id = :org OR partner_id = :org) GROUP BY type"),
    ("partner names matching a search (the signed-in floor)", "facility",
     "SELECT o.name FROM organisations o JOIN partnerships p ON p.partner_id = o.id "
     "AND (p.facility_id = :org OR p.partner_id = :org) WHERE lower(o.name) LIKE '%zzzz%' "
     "GROUP BY o.name ORDER BY o.name LIMIT 10"),
    ("the busiest partner's agreements", "partner",
     "SELECT id, title, status FROM agreements WHERE facility_id = :org OR partner_id = :org "
     "ORDER BY id DESC LIMIT 20"),
    ("Ditjen PAS: every contribution, counted", "national office",
     "SELECT count(*) FROM contributions"),
    ("a provincial office: its facilities' contributions by status", "provincial office",
     "SELECT status, count(*) FROM contributions GROUP BY status"),
)


def load(owner_engine, contributions: int) -> dict[str, int]:
    with owner_engine.begin() as connection:
        data_generator.organisations(connection)
        data_generator.partnerships_and_agreements(connection)
        data_generator.contributions(connection, contributions)
        data_generator.tallies(connection)
        one = lambda sql: connection.execute(text(sql)).scalar()  # noqa: E731
        scopes = {
            "facility": one("SELECT facility_id FROM partnerships GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"),
            "partner": one("SELECT partner_id FROM partnerships GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"),
            "national office": one("SELECT id FROM organisations WHERE slug = 'ditjenpas'"),
            "provincial office": one(
                "SELECT o.id FROM organisations o JOIN organisations f ON f.province = o.province "
                "AND f.kind = 'facility' WHERE o.kind = 'oversight' GROUP BY o.id ORDER BY count(*) DESC LIMIT 1"),
        }
    data_generator.vacuum(owner_engine)
    return scopes


def median_ms(connection, sql: str, org: int) -> float:
    statement, timings = text(sql), []
    for _ in range(RUNS):
        started = time.perf_counter()
        connection.execute(statement, {"org": org}).all()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def measure(app_engine, owner_engine, scopes: dict[str, int]) -> dict[str, tuple[float, float]]:
    """{statement: (ms under the policies, ms as the owner)}."""
    figures = {}
    with app_engine.connect() as as_portal, owner_engine.connect() as as_owner:
        for what, scope, sql in STATEMENTS:
            org = scopes[scope]
            with as_portal.begin():
                as_portal.execute(text("SELECT set_config('mitrapas.org_id', :org, true)"), {"org": str(org)})
                under_policies = median_ms(as_portal, sql, org)
            with as_owner.begin():
                floor = median_ms(as_owner, sql, org)
            figures[what] = (under_policies, floor)
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--contributions", type=int, default=200_000)
    parser.add_argument("--before", help="also measure at this migration, e.g. 0037, in the same run")
    args = parser.parse_args(argv)
    if not os.environ.get("DATABASE_URL", "").startswith("postgresql"):  # policies exist on PostgreSQL only
        os.environ["DATABASE_URL"] = LOCAL_POSTGRES
    with postgres_of_its_own("bench_policy_cost") as (app, database):
        owner_engine, app_engine = create_engine(database.owner_url), create_engine(database.app_url)
        scopes = load(owner_engine, args.contributions)
        runs = [("head", measure(app_engine, owner_engine, scopes))]
        if args.before:
            with app.app_context():
                downgrade(revision=args.before)
                runs.insert(0, (args.before, measure(app_engine, owner_engine, scopes)))
                upgrade()
            runs.append(("head again", measure(app_engine, owner_engine, scopes)))
        app_engine.dispose()
        owner_engine.dispose()
    print(f"\nstatements under Row-Level Security against the same as the owner (floor), medians of {RUNS}, "
          f"{args.contributions:,} contributions")
    print(f"  {'statement':62} {'policies at':>11} {'ms':>8} {'floor ms':>9} {'x floor':>8}")
    for what, _, _ in STATEMENTS:
        for name, figures in runs:
            under_policies, floor = figures[what]
            print(f"  {what:62} {name:>11} {under_policies:8.2f} {floor:9.2f} {under_policies / floor:7.1f}x")


if __name__ == "__main__":
    main()

"""What the automatic pair-rule filter costs, against the hand-written query it replaces.

For a facility, a partner and an oversight office, time loading their visible
partnerships through the ORM (filter added by portal.core.tenancy) and through one
hand-written SQL statement with the same WHERE clause (the floor), at two data
sizes. Prints medians and the ratio; asserts nothing about time.
"""
from __future__ import annotations

import random
import statistics
import time

from sqlalchemy import insert, select, text

from portal.core.columns import utcnow
from portal.core.tenancy import acting_for, unscoped
from portal.extensions import db
from portal.organisations.models import PROVINCES, Organisation, OrgKind
from portal.organisations.partnership_models import Partnership
from tests.conftest import make_app
from tests.databases import fresh_database

SIZES = (2_000, 20_000)
RUNS = 25

_PAIRS = ("SELECT p.*, f.*, q.* FROM partnerships p JOIN organisations f ON f.id = p.facility_id "
          "JOIN organisations q ON q.id = p.partner_id WHERE ")
_EITHER_PARTY = _PAIRS + "p.facility_id = :org OR p.partner_id = :org"
FLOOR = {
    OrgKind.FACILITY: _EITHER_PARTY,
    OrgKind.PARTNER: _EITHER_PARTY,
    OrgKind.OVERSIGHT: _PAIRS + "p.facility_id IN (SELECT id FROM organisations WHERE province = :province)",
}


def median_ms(action) -> float:
    timings = []
    for _ in range(RUNS):
        start = time.perf_counter()
        action()
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings)


def populate(pairs: int) -> None:
    rng = random.Random(7)
    facilities = max(pairs // 40, 10)
    partners = max(pairs // 8, 10)
    now = utcnow()
    db.session.execute(insert(Organisation), [
        {"slug": f"f{i}", "name": f"Rutan {i}", "kind": OrgKind.FACILITY, "province": rng.choice(PROVINCES),
         "facility_class": "Rutan Kelas IIB", "is_active": True, "created_at": now} for i in range(facilities)])
    db.session.execute(insert(Organisation), [
        {"slug": f"p{i}", "name": f"Mitra {i}", "kind": OrgKind.PARTNER, "is_active": True, "created_at": now}
        for i in range(partners)])
    db.session.execute(insert(Organisation), [
        {"slug": "kanwil", "name": "Kanwil", "kind": OrgKind.OVERSIGHT, "province": "Bengkulu",
         "is_active": True, "created_at": now}])
    ids = {kind: list(db.session.scalars(select(Organisation.id).where(Organisation.kind == kind)))
           for kind in (OrgKind.FACILITY, OrgKind.PARTNER)}
    seen = set()
    while len(seen) < pairs:
        seen.add((rng.choice(ids[OrgKind.FACILITY]), rng.choice(ids[OrgKind.PARTNER])))
    db.session.execute(insert(Partnership), [
        {"facility_id": f, "partner_id": p, "created_at": now} for f, p in seen])
    db.session.commit()


def measure(pairs: int) -> None:
    with unscoped("benchmark data"):
        populate(pairs)
        subjects = {kind: db.session.scalar(select(Organisation).where(Organisation.kind == kind).limit(1))
                    for kind in (OrgKind.FACILITY, OrgKind.PARTNER, OrgKind.OVERSIGHT)}
    for kind, org in subjects.items():
        with acting_for(org):
            orm = median_ms(lambda: (db.session.scalars(select(Partnership)).unique().all(),
                                     db.session.expunge_all()))
            rows = len(db.session.scalars(select(Partnership)).unique().all())
        with unscoped("the floor is the same rule written by hand"):
            floor = median_ms(lambda: db.session.execute(
                text(FLOOR[kind]), {"org": org.id, "province": org.province}).all())
        print(f"{pairs:>7} pairs  {kind.value:<9} rows={rows:<5} orm+filter={orm:7.2f} ms  "
              f"hand-written SQL={floor:7.2f} ms  ratio={orm / floor:5.2f}x", flush=True)


def main() -> None:
    print(f"Tenancy filter vs. hand-written SQL (median of {RUNS} runs)")
    for pairs in SIZES:
        with fresh_database("bench") as database:
            app = make_app(database)
            with app.app_context():
                print(f"database: {db.engine.dialect.name}")
                measure(pairs)
                db.session.remove()
                db.engine.dispose()

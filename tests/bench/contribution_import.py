"""What importing contributions from a spreadsheet costs, against a plain bulk INSERT of the same rows.

Imports a 1,000-row and a 10,000-row CSV through `contribution_import` (every
row checked by the same rules as the form, audited, all in one transaction),
and inserts the same 10,000 rows with one executemany INSERT (the floor: no
checks, no audit). Prints the times and the ratios; asserts nothing.

    .venv/bin/python -m tests.bench.contribution_import
"""
from __future__ import annotations

from datetime import date, timedelta
import io
import time

from sqlalchemy import insert

from portal.audit.models import AuditEntry
from portal.contributions import importer as contribution_import
from portal.contributions.models import Contribution, ContributionStatus, ContributionType
from portal.core.tenancy import acting_for, unscoped
from portal.extensions import db
from portal.organisations.models import Role
from tests.conftest import make_app
from tests.databases import fresh_database
from tests.factories import FacilityFactory, PartnerFactory, PartnershipFactory, member_of

SIZES = (1_000, 10_000)


def csv_of(rows: int) -> bytes:
    start = date.today() - timedelta(days=400)
    lines = [",".join(contribution_import.COLUMNS)]
    for n in range(rows):
        day = (start + timedelta(days=n % 390)).isoformat()
        lines.append(f"{day},,counselling,Sesi konseling {n},,{n % 15},{n % 4},{n % 15 + n % 4},2,,Klinik,")
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def seconds(action) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def main() -> None:
    with fresh_database("bench_import") as database:
        app = make_app(database)
        with app.app_context():
            with unscoped("benchmark set-up"):
                facility, partner = FacilityFactory(), PartnerFactory()
                PartnershipFactory(facility=facility, partner=partner)
                intern = member_of(partner, Role.MEMBER)
                db.session.commit()
            timings = {}
            for rows in SIZES:
                data = csv_of(rows)
                with acting_for(partner):
                    def run():
                        result = contribution_import.import_contributions(
                            facility, partner, io.BytesIO(data), "bench.csv", actor=intern)
                        assert result.ok, result.problems[:3]
                        db.session.commit()
                    timings[rows] = seconds(run)  # rows accumulate: the app role may not delete them
            rows = [{"facility_id": facility.id, "partner_id": partner.id, "type": ContributionType.COUNSELLING,
                     "status": ContributionStatus.SUBMITTED, "title": f"Sesi {n}", "description": "",
                     "started_on": date.today() - timedelta(days=n % 390), "participants_total": n % 19,
                     "version": 1} for n in range(SIZES[-1])]
            with unscoped("benchmark floor"):
                def floor():
                    db.session.execute(insert(Contribution), rows)
                    db.session.commit()
                floor_seconds = seconds(floor)
                audited = db.session.query(AuditEntry).count()
            db.engine.dispose()
    small, large = SIZES
    print(f"contribution_import on {database.owner_url.split(':')[0]}: one run, each in one transaction")
    print(f"  import {small:>6,} rows : {timings[small]:7.2f} s  ({timings[small] / small * 1000:.2f} ms/row)")
    print(f"  import {large:>6,} rows : {timings[large]:7.2f} s  ({timings[large] / large * 1000:.2f} ms/row, "
          f"{large / timings[large]:,.0f} rows/s; the goal is 2,000 rows/s on PostgreSQL)")
    print(f"  floor  {large:>6,} rows : {floor_seconds:7.2f} s  (one executemany INSERT, no checks, no audit)")
    print(f"  ratio import/floor at {large:,}: {timings[large] / floor_seconds:.1f}x;"
          f" growth {large:,} vs {small:,} rows: {timings[large] / timings[small]:.1f}x for 10x the rows")
    print(f"  audit entries written: {audited:,}")


if __name__ == "__main__":
    main()

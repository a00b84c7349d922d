"""The oversight dashboard's monthly tallies always equal the verified contributions they add up."""
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from portal.contributions import operations as contributions, tallies
from portal.contributions.models import ContributionTally
from portal.core.tenancy import unscoped
from portal.extensions import db
from portal.reporting import figures as reports, filters as report_filters
from tests.factories import ContributionFactory, FacilityFactory, PartnerFactory
from tests.contributions.test_contributions import fields, record


def tally_rows():
    with unscoped("test: read every tally"):
        return sorted((t.facility_id, t.type.value, t.month, t.contributions, t.participants, t.hours)
                      for t in db.session.scalars(select(ContributionTally)))


def rebuilt_rows():
    with unscoped("test: rebuild from the contributions"):
        tallies.rebuild()
    return tally_rows()


def test_verifying_adds_to_the_month_and_a_verified_correction_replaces_the_original(pks):
    original = record(pks)
    assert tally_rows() == []  # submitted work does not count yet
    with pks.acting(pks.officer):
        contributions.verify_contribution(original, actor=pks.officer)
    month = original.started_on.replace(day=1)
    assert tally_rows() == [(pks.facility.id, "counselling", month, 1, 12, Decimal("3"))]
    with pks.acting(pks.partner_member):
        correction = contributions.correct_verified(original, fields(participants_male=20, participants_total=22),
                                                    actor=pks.partner_member)
    with pks.acting(pks.officer):
        contributions.verify_contribution(correction, actor=pks.officer)
    assert tally_rows() == [(pks.facility.id, "counselling", month, 1, 22, Decimal("3"))]
    assert rebuilt_rows() == [(pks.facility.id, "counselling", month, 1, 22, Decimal("3"))]


def test_rejected_work_never_reaches_the_tallies(pks):
    waiting = record(pks)
    with pks.acting(pks.officer):
        contributions.reject_contribution(waiting, "Tanggal salah", actor=pks.officer)
    assert tally_rows() == [] == rebuilt_rows()


def test_the_overview_adds_whole_months_from_tallies_and_partial_months_from_contributions():
    facility, partner = FacilityFactory(province="Bengkulu"), PartnerFactory()
    for day, people in ((date(2025, 1, 31), 1), (date(2025, 2, 1), 10), (date(2025, 2, 28), 100),
                        (date(2025, 3, 15), 1000), (date(2025, 4, 2), 10000)):
        ContributionFactory(facility=facility, partner=partner, status="verified", started_on=day,
                            participants_total=people)
    ContributionFactory(facility=facility, partner=partner, status="submitted", started_on=date(2025, 2, 2),
                        participants_total=5)

    def reached(start, end, **filters):
        period = report_filters.Period(start, end, "custom")
        with unscoped("test: an office that sees every facility"):
            via_overview = reports.facilities_overview([facility], report_filters.Filters(period, **filters))[0]
            direct = reports.total_of(reports.contributions_by("facility", report_filters.Filters(period, **filters)))
        assert via_overview.measures == direct  # the tallies agree with the contributions
        return via_overview.measures.participants

    assert reached(date(2025, 2, 1), date(2025, 2, 28)) == 110  # one whole month
    assert reached(date(2025, 1, 31), date(2025, 3, 14)) == 111  # partial, whole, partial
    assert reached(date(2025, 1, 1), date(2025, 4, 30)) == 11111  # whole months only
    assert reached(date(2025, 2, 2), date(2025, 2, 27)) == 0  # inside one month, from the contributions
    assert reached(date(2025, 3, 1), date(2025, 4, 2)) == 11000
    assert reached(date(2025, 1, 1), date(2025, 12, 31), type="training") == 0


def test_the_whole_months_of_a_period():
    def whole(start, end):
        return report_filters.Period(start, end, "custom").whole_months()

    assert whole(date(2025, 1, 1), date(2025, 12, 31)) == (date(2025, 1, 1), date(2025, 12, 1))
    assert whole(date(2025, 1, 2), date(2025, 3, 30)) == (date(2025, 2, 1), date(2025, 2, 1))
    assert whole(date(2025, 1, 2), date(2025, 1, 30)) is None
    assert whole(date(2024, 2, 1), date(2024, 2, 29)) == (date(2024, 2, 1), date(2024, 2, 1))
    assert whole(date(2025, 1, 1), date(2025, 1, 1) + timedelta(days=30)) == (date(2025, 1, 1), date(2025, 1, 1))


def test_rebuild_tallies_from_the_command_line(app, pks):
    original = record(pks)
    with pks.acting(pks.officer):
        contributions.verify_contribution(original, actor=pks.officer)
    expected = tally_rows()
    with unscoped("test: damage the tallies"):
        db.session.query(ContributionTally).delete()
    result = app.test_cli_runner().invoke(args=["portal", "rebuild-tallies"])
    assert result.exit_code == 0 and "1 tally row(s) written." in result.output
    assert tally_rows() == expected

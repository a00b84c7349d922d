"""Contributions: a partner records, an officer verifies or rejects, only verified counts."""
from datetime import date, timedelta
from decimal import Decimal

import pytest

from portal.agreements.models import AgreementStatus as S
from portal.contributions import operations as contributions, programmes
from portal.contributions.measures import Measures
from portal.contributions.models import Contribution, ContributionStatus as C, ContributionType as T
from portal.contributions.operations import ContributionFields
from portal.contributions.programmes import ProgrammeFields
from portal.core.errors import DomainError, NotAllowed

TODAY = date.today()


def fields(**changes) -> ContributionFields:
    values = dict(type=T.COUNSELLING, title="Konseling psikologis", started_on=TODAY - timedelta(days=1),
                  participants_male=10, participants_female=2, participants_total=12, hours=Decimal("3"),
                  partner_people="2 peserta magang psikologi", location="Klinik Pratama")
    values.update(changes)
    return ContributionFields(**values)


def record(pks, by=None, **changes) -> Contribution:
    by = by or pks.partner_member
    with pks.acting(by):
        return contributions.record_contribution(pks.facility, pks.partner, fields(**changes), actor=by)


@pytest.mark.parametrize("changes, message", [
    (dict(participants_male=-1), "Jumlah peserta tidak boleh negatif."),
    (dict(participants_male=10, participants_female=5, participants_total=12),
     "Laki-laki dan perempuan bersama-sama (15) lebih banyak daripada jumlah total (12)."),
    (dict(started_on=TODAY - timedelta(days=1), ended_on=TODAY - timedelta(days=3)),
     "Tanggal berakhir tidak boleh sebelum tanggal mulai."),
    (dict(started_on=TODAY + timedelta(days=5)), "Tanggal ini di masa depan: kontribusi dicatat setelah terlaksana"),
    (dict(hours=Decimal("25")), "lebih dari 24 jam sehari"),
    (dict(hours=Decimal("-1")), "Jumlah jam tidak boleh negatif."),
])
def test_each_field_rule_is_explained_in_bahasa_indonesia(pks, changes, message):
    with pytest.raises(DomainError) as refused:
        record(pks, **changes)
    assert message in str(refused.value.message)


def test_hours_over_a_date_range_allow_up_to_24_a_day(pks):
    contribution = record(pks, started_on=TODAY - timedelta(days=30), ended_on=TODAY - timedelta(days=1),
                          hours=Decimal("120"))
    assert contribution.hours == Decimal("120")


def test_the_total_follows_from_men_and_women_when_not_given(pks):
    assert record(pks, participants_total=None).participants_total == 12


def test_an_agreement_is_required_when_one_of_a_matching_type_is_in_force(pks):
    agreement = pks.in_state(S.ACTIVE, type=contributions.A.COUNSELLING, start_date=TODAY - timedelta(days=60))
    with pytest.raises(DomainError) as refused:
        record(pks)
    assert "Pilih perjanjian" in str(refused.value.message)
    with pks.acting(pks.partner_member):
        offered = contributions.agreements_for(pks.facility, pks.partner, T.COUNSELLING)
        assert offered == [agreement]
        assert contributions.agreements_for(pks.facility, pks.partner, T.HEALTH) == []
    assert record(pks, agreement=agreement).agreement == agreement
    assert record(pks, type=T.HEALTH, title="Rujukan").agreement is None  # no health agreement: not required


def test_the_officer_rejects_the_partner_corrects_the_officer_verifies(pks):
    contribution = record(pks)
    with pks.acting(pks.officer):
        contributions.reject_contribution(contribution, "Jumlah peserta perempuan keliru", actor=pks.officer)
    assert contribution.status == C.REJECTED
    with pks.acting(pks.partner_member):
        contributions.update_contribution(contribution, fields(participants_female=3, participants_total=13),
                                          actor=pks.partner_member)
    assert contribution.status == C.SUBMITTED
    with pks.acting(pks.officer):
        contributions.verify_contribution(contribution, actor=pks.officer)
        assert contributions.totals().participants == 13
    assert contribution.status == C.VERIFIED and contribution.verified_by_id == pks.officer.id


def test_only_verified_contributions_count(pks):
    verified, waiting = record(pks), record(pks, participants_male=30, participants_total=32)
    with pks.acting(pks.officer):
        contributions.verify_contribution(verified, actor=pks.officer)
        assert contributions.totals() == Measures(contributions=1, participants=12, hours=Decimal("3"))
    assert waiting.status == C.SUBMITTED


def test_a_verified_contribution_is_frozen_and_corrected_by_a_new_version(pks):
    original = record(pks)
    with pks.acting(pks.officer):
        contributions.verify_contribution(original, actor=pks.officer)
    with pks.acting(pks.partner_member):
        with pytest.raises(DomainError):
            contributions.update_contribution(original, fields(hours=Decimal("4")), actor=pks.partner_member)
        correction = contributions.correct_verified(original, fields(hours=Decimal("4")), actor=pks.partner_member)
    with pks.acting(pks.officer):
        assert contributions.totals().hours == Decimal("3")  # the old one counts until the correction is verified
        contributions.verify_contribution(correction, actor=pks.officer)
        assert contributions.totals() == Measures(contributions=1, participants=12, hours=Decimal("4"))
    assert original.status == C.SUPERSEDED and correction.corrects == original


def test_only_the_partner_records_and_only_the_facility_verifies(pks):
    with pks.acting(pks.officer), pytest.raises(NotAllowed):
        contributions.record_contribution(pks.facility, pks.partner, fields(), actor=pks.officer)
    contribution = record(pks)
    for outsider in (pks.partner_admin, pks.viewer, pks.analyst, pks.stranger_head):
        with pks.acting(outsider), pytest.raises(NotAllowed):
            contributions.verify_contribution(contribution, actor=outsider)


def test_a_programme_groups_sessions_and_closes_with_its_certificates(pks):
    with pks.acting(pks.partner_member):
        programme = programmes.create_programme(pks.facility, pks.partner, ProgrammeFields(
            name="Program Rehabilitasi Kategori II", type=T.REHABILITATION, category="Kategori II",
            duration_days=30, start_date=TODAY - timedelta(days=30), planned_participants=18),
            actor=pks.partner_member)
        sessions = contributions.record_sessions(programme, [
            fields(type=T.REHABILITATION, title=f"Sesi {n}", started_on=TODAY - timedelta(days=30 - n),
                   participants_male=18, participants_female=0, participants_total=18, hours=Decimal("2"))
            for n in range(1, 4)], actor=pks.partner_member)
        with pytest.raises(DomainError, match="Sesi 2|Session 2"):
            contributions.record_sessions(programme, [fields(type=T.REHABILITATION),
                                                      fields(type=T.REHABILITATION, hours=Decimal("30"))],
                                          actor=pks.partner_member)
    with pks.acting(pks.officer):
        for session in sessions:
            contributions.verify_contribution(session, actor=pks.officer)
        programmes.close_programme(programme, actual_participants=18, certificates_issued=18,
                                      end_date=TODAY, actor=pks.officer)
        assert contributions.totals(Contribution.programme_id == programme.id).hours == Decimal("6")
        assert len(programme.contributions) == 3  # the failed batch left nothing behind
    assert (programme.actual_participants, programme.certificates_issued) == (18, 18)

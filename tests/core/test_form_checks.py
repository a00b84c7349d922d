"""Honest defaults and checks (issue 34): required choices start on "— pilih —", dates are believable, every
number a message gives is the real one, and the contribution form says each problem beside its field.

The date rules live in the services, so the form, the spreadsheet import and the API say the same.
"""
from datetime import date, timedelta
import io
import re

import pytest
from sqlalchemy import select, update

from portal.agreements import operations as agreements
from portal.agreements.models import Agreement
from portal.contributions import importer as contribution_import, operations as contributions
from portal.contributions.models import Contribution, ContributionType as T
from portal.contributions.operations import ContributionFields
from portal.core import clock
from portal.core.errors import FieldErrors
from portal.core.tenancy import unscoped
from portal.extensions import db
from portal.organisations.invitation_models import Invitation
from portal.organisations.partnership_models import Partnership
from tests.integrations.test_api import a_contribution, issue, send


@pytest.fixture(autouse=True)
def today(app):
    """The portal's day (Asia/Jakarta), which the rules use, not the machine's."""
    global TODAY
    with app.app_context():
        TODAY = clock.today()


def pair_id(pks):
    with unscoped("the test looks up its own pair"):
        return db.session.scalar(select(Partnership.id).where(Partnership.facility_id == pks.facility.id,
                                                              Partnership.partner_id == pks.partner.id))


def refused(pks, started_on, **changes) -> dict:
    fields = ContributionFields(type=T.COUNSELLING, title="Konseling", started_on=started_on, **changes)
    with pks.acting(pks.partner_member), pytest.raises(FieldErrors) as refusal:
        contributions.record_contribution(pks.facility, pks.partner, fields, actor=pks.partner_member)
    return {name: str(message) for name, message in refusal.value.problems.items()}


def selected(page: str, name: str) -> str:
    """The option a select starts on."""
    select_tag = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', page, re.S).group(1)
    return re.search(r'<option[^>]*selected[^>]*>([^<]*)<', select_tag).group(1)


def error_beside(page: str, field_id: str) -> str:
    found = re.search(rf'<div id="{field_id}-error" class="invalid-feedback d-block">(.*?)</div>', page, re.S)
    return found.group(1).strip() if found else ""


# --- a contribution's date -------------------------------------------------------------------

def test_a_contribution_dated_1999_is_refused_with_the_earliest_year(pks):
    problem = refused(pks, date(1999, 1, 1))["started_on"]
    assert problem == "Tanggal ini sebelum tahun 2020: portal mencatat kontribusi sejak 1 Januari 2020. " \
                      "Periksa tahunnya."


def test_a_contribution_before_the_partnership_began_is_refused_with_its_day(pks):
    with unscoped("the test dates the partnership"):
        db.session.execute(update(Partnership).where(Partnership.id == pair_id(pks))
                           .values(since=TODAY - timedelta(days=10)))
    problems = refused(pks, TODAY - timedelta(days=11))
    assert "sebelum kemitraan dimulai" in problems["started_on"]
    assert str((TODAY - timedelta(days=10)).year) in problems["started_on"]
    with pks.acting(pks.partner_member):
        contributions.record_contribution(pks.facility, pks.partner, ContributionFields(
            type=T.COUNSELLING, title="Hari pertama", started_on=TODAY - timedelta(days=10)), actor=pks.partner_member)


def test_a_future_date_is_refused_without_a_false_number(pks, app, monkeypatch):
    """It read "tidak boleh lebih dari 0 hari ke depan"."""
    problem = refused(pks, TODAY + timedelta(days=5))["started_on"]
    assert "di masa depan" in problem and "0 hari" not in problem
    monkeypatch.setitem(app.config, "CONTRIBUTION_FUTURE_DAYS", 3)
    problem = refused(pks, TODAY + timedelta(days=5))["started_on"]
    assert "paling jauh 3 hari ke depan" in problem
    assert str((TODAY + timedelta(days=3)).day) in problem


def test_an_end_in_the_future_and_every_problem_are_said_at_once(pks):
    problems = refused(pks, TODAY - timedelta(days=2), ended_on=TODAY + timedelta(days=400),
                       participants_male=20, participants_total=12)
    assert set(problems) == {"ended_on", "participants_total"}


def test_the_spreadsheet_import_and_the_api_refuse_the_same_date(pks, client):
    sheet = b"tanggal_mulai,jenis,judul\r\n1999-01-01,counselling,Sesi lama\r\n"
    with pks.acting(pks.partner_member):
        result = contribution_import.import_contributions(pks.facility, pks.partner, io.BytesIO(sheet), "a.csv",
                                                          actor=pks.partner_member, dry_run=True)
    assert [problem.row for problem in result.problems] == [2]
    assert "sebelum tahun 2020" in result.problems[0].message
    pks.facility_id = pks.facility.id
    secret = issue(pks, pks.partner_admin, pks.partner, scopes=("contributions:write",))
    answer = send(client, secret, a_contribution(pks, started_on="1999-01-01"))
    assert answer.status_code == 422 and "sebelum tahun 2020" in answer.json["detail"]


# --- the contribution form ----------------------------------------------------------------

def new_contribution_url(pks):
    return f"/o/{pks.partner.slug}/contributions/new?pair={pair_id(pks)}"


def test_the_contribution_form_starts_on_choose_and_refuses_an_untouched_type(pks, login_as):
    """A contribution whose type was never touched was saved as counselling."""
    intern = login_as(pks.partner_member)
    assert selected(intern.get(new_contribution_url(pks)).text, "type") == "— pilih —"
    page = intern.post(new_contribution_url(pks), {"title": "Sesi", "started_on": TODAY.isoformat(),
                                                   "agreement": "0", "programme": "0"}).text
    assert error_beside(page, "type") == "Pilih jenis kontribusi."
    with unscoped("the test counts contributions"):
        assert db.session.scalar(select(Contribution.id)) is None


def test_the_contribution_form_says_each_problem_beside_its_field_not_one_at_a_time_in_a_banner(pks, login_as):
    intern = login_as(pks.partner_member)
    page = intern.post(new_contribution_url(pks), {
        "type": "", "title": "Sesi", "started_on": "1999-01-01", "participants_male": "20",
        "participants_total": "12", "hours": "3", "agreement": "0", "programme": "0"}).text
    assert error_beside(page, "type") == "Pilih jenis kontribusi."
    assert "sebelum tahun 2020" in error_beside(page, "started_on")
    assert "lebih banyak daripada jumlah total (12)" in error_beside(page, "participants_total")
    assert "alert-danger" not in page


def test_the_date_fields_offer_only_the_days_the_rule_allows(pks, login_as):
    page = login_as(pks.partner_member).get(new_contribution_url(pks)).text
    started = re.search(r'<input[^>]*name="started_on"[^>]*>', page).group(0)
    assert 'min="2020-01-01"' in started and f'max="{TODAY.isoformat()}"' in started


def test_the_programme_form_starts_on_choose(pks, login_as):
    page = login_as(pks.partner_member).get(
        f"/o/{pks.partner.slug}/contributions/programmes/new?pair={pair_id(pks)}").text
    assert selected(page, "type") == "— pilih —"


# --- an agreement's period ----------------------------------------------------------------

def agreement_form(pks, **changes):
    data = dict(type="health_referral", title="Rujukan", scope="Rujukan WBP", objectives="Layanan cepat",
                start_date=TODAY.isoformat(), end_date=(TODAY + timedelta(days=364)).isoformat(),
                facility_signatory="0", partner_signatory="0")
    return {**data, **changes}


def test_an_agreement_running_2099_to_2199_is_refused_beside_both_dates(pks, login_as):
    admin = login_as(pks.partner_admin)
    url = f"/o/{pks.partner.slug}/agreements/new?pair={pair_id(pks)}"
    page = admin.post(url, agreement_form(pks, start_date="2099-01-01", end_date="2199-01-01")).text
    assert "lebih dari 2 tahun ke depan" in error_beside(page, "start_date")
    assert "paling lama 5 tahun" in error_beside(page, "end_date") and "31 Desember 2103" in page
    with unscoped("the test counts agreements"):
        assert db.session.scalar(select(Agreement.id)) is None


@pytest.mark.parametrize("period, field, words", [
    (lambda today: (date(1999, 1, 1), date(1999, 12, 31)), "start_date", "lebih dari 5 tahun yang lalu"),
    (lambda today: (today, today.replace(year=today.year + 5)), "end_date", "paling lama 5 tahun"),
    (lambda today: (today + timedelta(days=800), today + timedelta(days=900)), "start_date",
     "lebih dari 2 tahun ke depan"),
], ids=["1999", "five years and a day", "two years ahead"])
def test_the_agreement_service_refuses_an_unbelievable_period(pks, period, field, words):
    """The API and the renewals go through the service: the rule is there, not only on the page."""
    start, end = period(TODAY)
    problems = agreements.period_problems(start, end)
    assert list(problems) == [field] and words in str(problems[field])
    with pks.acting(pks.partner_admin), pytest.raises(FieldErrors):
        agreements.create_agreement(pks.facility, pks.partner, pks.fields(start_date=start, end_date=end),
                                    actor=pks.partner_admin)


def test_five_years_to_the_day_is_accepted(pks):
    assert agreements.period_problems(TODAY, TODAY.replace(year=TODAY.year + 5) - timedelta(days=1)) == {}


def test_the_agreement_form_starts_on_choose_and_refuses_an_untouched_type(pks, login_as):
    """The agreement type started on "Rujukan kesehatan"."""
    admin = login_as(pks.partner_admin)
    url = f"/o/{pks.partner.slug}/agreements/new?pair={pair_id(pks)}"
    assert selected(admin.get(url).text, "type") == "— pilih —"
    page = admin.post(url, agreement_form(pks, type="")).text
    assert error_beside(page, "type") == "Pilih jenis kerja sama."


# --- inviting -------------------------------------------------------------------------------

def test_the_invitation_starts_on_choose_not_on_partner_admin(pks, login_as):
    admin = login_as(pks.partner_admin)
    url = f"/o/{pks.partner.slug}/members/invite"
    assert selected(admin.get(url).text, "role") == "— pilih —"
    page = admin.post(url, {"email": "magang@contoh.ac.id"}).text
    assert error_beside(page, "role") == "Pilih peran."
    with unscoped("the test counts invitations"):
        assert db.session.scalar(select(Invitation.id)) is None

"""The dashboards' "Menunggu tindakan Anda" counts what the person looking can do now; what waits for someone else
is shown apart, in words, each linked to its list where that list shows exactly what it counts."""
import re

from portal.agreements.models import AgreementStatus as S
from portal.contributions.models import ContributionStatus
from portal.organisations.models import Role
from tests.factories import ContributionFactory, member_of


def board(web, organisation) -> str:
    response = web.get(f"/o/{organisation.slug}/")
    assert response.status_code == 200
    return response.text


def count(page: str, testid: str) -> int | None:
    """The number a line shows, or None where the line is not on the page."""
    found = re.search(rf'data-testid="{testid}"[^>]*>(?:\s*<a [^>]*>)?([^<]*?)(\d+)\s*<', page)
    return int(found[2]) if found else None


def others(page: str, key: str) -> str | None:
    found = re.search(rf'data-testid="others-{key}">(.*?)</li>', page, re.S)
    return re.sub(r"\s+", " ", found[1].replace("&nbsp;", " ")).strip() if found else None


def test_a_forwarded_agreement_leaves_the_officers_queue_and_waits_for_the_head(pks, login_as):
    agreement = pks.in_state(S.FORWARDED)
    page = board(login_as(pks.officer), pks.facility)
    assert count(page, "waiting-review") is None and count(page, "waiting-decision") is None
    assert 'data-testid="waiting-nothing"' in page
    line = others(page, "agreement-forwarded")
    assert "Perjanjian menunggu keputusan Kepala: 1" in line
    assert f'href="/o/{pks.facility.slug}/agreements/?status=forwarded"' in line
    assert agreement.title not in page  # counts and words; the list names them


def test_the_head_decides_what_an_officer_forwarded(pks, login_as):
    pks.in_state(S.FORWARDED)
    page = board(login_as(pks.head), pks.facility)
    assert count(page, "waiting-decision") == 1
    assert f'href="/o/{pks.facility.slug}/agreements/?status=forwarded"' in page
    assert others(page, "agreement-forwarded") is None


def test_the_officer_reviews_what_was_submitted_and_the_head_may_too(pks, login_as):
    """The workflow lets a head forward as well (`agreement_moves.RULES`): the queue says what the rule says."""
    pks.in_state(S.SUBMITTED)
    web = login_as(pks.officer)
    assert count(board(web, pks.facility), "waiting-review") == 1
    web.logout()
    assert count(board(login_as(pks.head), pks.facility), "waiting-review") == 1


def test_a_viewer_acts_on_nothing_and_reads_what_waits_for_the_officers(pks, login_as):
    pks.in_state(S.SUBMITTED)
    page = board(login_as(pks.viewer), pks.facility)
    assert 'data-testid="waiting-nothing"' in page
    assert "Perjanjian dalam langkah persetujuan UPT: 1" in others(page, "agreement-submitted")


def test_the_partners_queue_leaves_out_contributions_waiting_for_the_facility(pks, login_as):
    ContributionFactory(facility=pks.facility, partner=pks.partner, status=ContributionStatus.SUBMITTED)
    ContributionFactory(facility=pks.facility, partner=pks.partner, status=ContributionStatus.SUBMITTED)
    page = board(login_as(pks.partner_admin), pks.partner)
    assert count(page, "waiting-verification") is None
    line = others(page, "contribution-submitted")
    assert "Kontribusi menunggu verifikasi Rutan Kelas IIB Tamiang Layang: 2" in line
    assert f'href="/o/{pks.partner.slug}/contributions/?status=submitted"' in line


def test_the_other_side_is_named_in_general_when_it_is_several(pks, login_as):
    for facility in (pks.facility, pks.stranger_facility):
        ContributionFactory(facility=facility, partner=pks.partner, status=ContributionStatus.SUBMITTED)
    page = board(login_as(pks.partner_admin), pks.partner)
    assert "Kontribusi menunggu verifikasi UPT: 2" in others(page, "contribution-submitted")


def test_the_facilitys_verifiers_count_what_waits_and_the_partner_what_was_sent_back(pks, login_as):
    ContributionFactory(facility=pks.facility, partner=pks.partner, status=ContributionStatus.SUBMITTED)
    ContributionFactory(facility=pks.facility, partner=pks.partner, status=ContributionStatus.REJECTED,
                        status_reason="Tanggal salah")
    web = login_as(pks.officer)
    page = board(web, pks.facility)
    assert count(page, "waiting-verification") == 1 and count(page, "waiting-correction") is None
    assert "Kontribusi menunggu perbaikan dari RSUD Tamiang Layang: 1" in others(page, "contribution-rejected")
    web.logout()
    page = board(login_as(pks.partner_member), pks.partner)
    assert count(page, "waiting-correction") == 1


def test_changes_requested_wait_for_the_partner_not_for_the_officer_who_may_edit(pks, login_as):
    pks.in_state(S.CHANGES_REQUESTED)
    web = login_as(pks.officer)
    page = board(web, pks.facility)
    assert count(page, "waiting-changes") is None
    assert "Perjanjian menunggu perbaikan dari RSUD Tamiang Layang: 1" in others(page, "agreement-changes_requested")
    web.logout()
    assert count(board(login_as(pks.partner_admin), pks.partner), "waiting-changes") == 1


def test_an_approved_agreement_waits_for_its_signatory_only(pks, login_as):
    pks.in_state(S.APPROVED)
    web = login_as(pks.partner_admin)
    assert count(board(web, pks.partner), "waiting-signature") == 1
    web.logout()
    page = board(login_as(pks.second_partner_admin), pks.partner)
    assert count(page, "waiting-signature") is None
    assert "Perjanjian menunggu tanda tangan penanda tangan Anda: 1" in others(page, "agreement-approved")
    web.logout()
    page = board(login_as(pks.officer), pks.facility)
    assert "Perjanjian menunggu tanda tangan RSUD Tamiang Layang: 1" in others(page, "agreement-approved")


def test_a_line_whose_list_would_show_more_than_it_counts_has_no_link(pks, login_as):
    """Two approved PKS, one for this admin to sign: the other's line counts 1, the list of approved ones shows 2."""
    pks.in_state(S.APPROVED)
    other_signer = member_of(pks.partner, Role.ADMIN)
    pks.in_state(S.APPROVED, partner_signatory=other_signer)
    page = board(login_as(pks.partner_admin), pks.partner)
    assert count(page, "waiting-signature") == 1
    line = others(page, "agreement-approved")
    assert "Perjanjian menunggu tanda tangan penanda tangan Anda: 1" in line and "href" not in line

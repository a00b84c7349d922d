"""Story: many hands on one record at once, on the deployed portal (2 workers x 4 threads, PostgreSQL).

Fifty approvals or signings of one agreement arriving together move it exactly
once; a contribution form sent twice at once records one contribution.
"""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.deployed.people import (
    clones, enrol_two_factor, intern_pair_at_bengkulu, org_path, sign_in_with_code, submission_key,
)
from tests.visitor import Visitor

AT_ONCE = 50


def all_at_once(tabs: list[Visitor], send) -> list[int]:
    """Each tab sends its request at the same moment; their status codes."""
    start = threading.Barrier(len(tabs))

    def one(tab: Visitor) -> int:
        token, referer = tab.csrf_token(tab.page)
        start.wait()
        return send(tab, token, referer).status_code
    with ThreadPoolExecutor(max_workers=len(tabs)) as pool:
        return list(pool.map(one, tabs))


def agreement(stack, title: str) -> tuple[int, str]:
    return tuple(stack.sql("SELECT id, status FROM agreements WHERE title = :title", title=title)[0])


def audit_count(stack, action: str, agreement_id: int) -> int:
    return stack.sql("SELECT count(*) FROM audit_entries WHERE action = :action AND object_type = 'agreement' "
                     "AND object_id = :id", action=action, id=str(agreement_id))[0][0]


def fifty_tabs(person: Visitor, page: str) -> list[Visitor]:
    tabs = clones(person, AT_ONCE)
    for tab in tabs:
        tab.page = page
    return tabs


def test_fifty_approvals_at_once_move_the_agreement_once(stack, visitor):
    agreement_id, status = agreement(stack, "Pembinaan UMKM Warga Binaan Rutan Bengkulu")
    # The demo's PKS waits at Kanwil Bengkulu's step of Rutan Bengkulu's chain: its analyst acknowledges it, and
    # only the head's decision is left (the chain's own story: test_two_instances.py).
    assert status == "submitted"
    kanwil = visitor()
    kanwil.login("analis.bengkulu@mitrapas.test")
    office_page = f"{org_path(kanwil)}agreements/{agreement_id}"
    assert kanwil.post(f"{office_page}/acknowledge", token_from=office_page).status_code == 302
    assert agreement(stack, "Pembinaan UMKM Warga Binaan Rutan Bengkulu")[1] == "forwarded"
    head = visitor()
    head.login("yulian.fernando@mitrapas.test")
    page = f"{org_path(head)}agreements/{agreement_id}"

    codes = all_at_once(fifty_tabs(head, page), lambda tab, token, referer: tab.http.post(
        tab.url(f"{page}/approve"), data={"csrf_token": token}, headers={"Referer": referer},
        allow_redirects=False, timeout=60))

    assert set(codes) == {302}
    assert agreement(stack, "Pembinaan UMKM Warga Binaan Rutan Bengkulu")[1] == "approved"
    assert audit_count(stack, "agreement.approved", agreement_id) == 1


def test_fifty_signings_at_once_sign_once_each_party_and_issue_one_final_pdf(stack, visitor):
    title = "Pendampingan Rehabilitasi Warga Binaan"
    agreement_id, status = agreement(stack, title)
    assert status == "approved"
    for email in ("admin@sekata.mitrapas.test", "agus.salim@mitrapas.test"):
        person = visitor()
        person.login(email)
        authenticator = enrol_two_factor(person)
        person.logout()
        person = visitor()
        sign_in_with_code(person, email, authenticator)
        page = f"{org_path(person)}agreements/{agreement_id}"
        code = authenticator.code()  # the one code the person typed, sent from fifty tabs

        codes = all_at_once(fifty_tabs(person, page), lambda tab, token, referer: tab.http.post(
            tab.url(f"{page}/sign"), data={"csrf_token": token, "password": "mitrapas-demo-2025", "code": code,
                                           "agree": "y"},
            headers={"Referer": referer}, allow_redirects=False, timeout=60))

        assert set(codes) == {302}
    assert agreement(stack, title)[1] in ("active", "signed")
    assert stack.sql("SELECT count(*) FROM signatures WHERE agreement_id = :id", id=agreement_id)[0][0] == 2
    assert audit_count(stack, "agreement.completed", agreement_id) == 1
    assert stack.sql("SELECT count(*) FROM agreement_documents WHERE agreement_id = :id AND kind = 'final'",
                     id=agreement_id)[0][0] == 1


@pytest.mark.parametrize("copies", [2, 5])
def test_a_contribution_form_sent_several_times_at_once_records_one(stack, visitor, copies):
    intern = visitor()
    intern.login("magang.psikologi@mitrapas.test")
    pair = intern_pair_at_bengkulu(stack)
    form_page = f"{org_path(intern)}contributions/new?pair={pair}"
    key = submission_key(intern, form_page)
    tabs = clones(intern, copies)
    for tab in tabs:
        tab.page = form_page
    data = {"submission_key": key, "type": "counselling", "title": f"Konseling kelompok ({copies} kiriman)",
            "started_on": "2025-11-29", "participants_total": "12", "hours": "2", "agreement": "0", "programme": "0"}

    codes = all_at_once(tabs, lambda tab, token, referer: tab.http.post(
        tab.url(form_page), data={**data, "csrf_token": token}, headers={"Referer": referer}, allow_redirects=False,
        timeout=60))

    assert set(codes) == {302}
    assert stack.sql("SELECT count(*) FROM contributions WHERE submission_key = :key", key=key)[0][0] == 1

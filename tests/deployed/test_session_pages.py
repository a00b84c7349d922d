"""Story: an officer keeps the contribution list open in several tabs while a partner records a session; every tab
shows it on its next page, whichever worker answers, while an officer in another province goes on being answered
the page kept for her. Signing out in one tab signs out the others, kept pages or not.

Signed-in pages are kept for the session that asked until a write that reaches its organisation or person is
committed (portal/core/session_pages.py, whose_pages.py): here the write is committed by one worker and the pages
were kept by both, in Redis.
"""
from __future__ import annotations

import secrets

from tests.bench.kept_under_writes import DrawnPages
from tests.deployed.people import clones, org_path, submission_key

OFFICER = "rafi.rizaldi@mitrapas.test"  # Rutan Bengkulu
ELSEWHERE = "pelayanan@rutan-tamiang-layang.mitrapas.test"  # Rutan Tamiang Layang, Kalimantan Tengah
PARTNER = "admin@diskopukm.mitrapas.test"  # Dinas Koperasi dan UKM Provinsi Bengkulu
TABS = 6


def test_every_tab_shows_a_contribution_recorded_meanwhile_and_a_sign_out_ends_them_all(stack, visitor):
    officer = visitor()
    officer.login(OFFICER)
    contributions = f"{org_path(officer)}contributions/"
    tabs = clones(officer, TABS)
    kept = [tab.get(contributions) for tab in tabs for _ in range(3)]  # each tab its own connection, so both workers
    assert all(page.status_code == 200 and "</html>" in page.text for page in kept)
    elsewhere = visitor()
    elsewhere.login(ELSEWHERE)
    her_list = f"{org_path(elsewhere)}contributions/"
    her_page = [elsewhere.get(her_list) for _ in range(4)][-1].text  # both workers drew and kept it

    title = f"Pendampingan koperasi {secrets.token_hex(3)}"
    record_contribution(stack, visitor, title)

    after = [tab.get(contributions) for tab in tabs]
    assert [title in page.text for page in after] == [True] * TABS
    with DrawnPages(stack.env["REDIS_URL"]) as drawn:
        again = [elsewhere.get(her_list) for _ in range(4)]
    assert [page.text for page in again] == [her_page] * 4 and drawn.count == 0, \
        "a contribution in Bengkulu does not redraw the pages of a facility in Kalimantan Tengah"

    tabs[0].logout()
    answers = [tab.get(contributions, allow_redirects=False) for tab in tabs[1:]]
    assert [answer.headers.get("Location", "").startswith("/login") for answer in answers] == [True] * (TABS - 1)


def record_contribution(stack, visitor, title: str) -> None:
    pair = stack.sql("SELECT p.id FROM partnerships p JOIN organisations o ON o.id = p.partner_id "
                     "WHERE o.name = 'Dinas Koperasi dan UKM Provinsi Bengkulu'")[0][0]
    partner = visitor()
    partner.login(PARTNER)
    form = f"{org_path(partner)}contributions/new?pair={pair}"
    answer = partner.post(form, {"submission_key": submission_key(partner, form), "type": "training", "title": title,
                                 "started_on": "2026-11-20", "participants_total": "12", "hours": "3",
                                 "agreement": "0", "programme": "0"}, token_from=form)
    assert answer.status_code == 302

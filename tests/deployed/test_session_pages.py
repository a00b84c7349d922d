"""Story: an officer keeps the contribution list open in several tabs while a partner records a session; every tab
shows it on its next page, whichever worker answers. Signing out in one tab signs out the others, kept pages or not.

Signed-in pages are kept for the session that asked until anything is written (portal/core/session_pages.py): here
the write is committed by one worker and the pages were kept by both, in Redis.
"""
from __future__ import annotations

import secrets

from tests.deployed.people import clones, org_path, submission_key

OFFICER = "rafi.rizaldi@mitrapas.test"  # Rutan Bengkulu
PARTNER = "admin@diskopukm.mitrapas.test"  # Dinas Koperasi dan UKM Provinsi Bengkulu
TABS = 6


def test_every_tab_shows_a_contribution_recorded_meanwhile_and_a_sign_out_ends_them_all(stack, visitor):
    officer = visitor()
    officer.login(OFFICER)
    contributions = f"{org_path(officer)}contributions/"
    tabs = clones(officer, TABS)
    kept = [tab.get(contributions) for tab in tabs for _ in range(3)]  # each tab its own connection, so both workers
    assert all(page.status_code == 200 and "</html>" in page.text for page in kept)

    title = f"Pendampingan koperasi {secrets.token_hex(3)}"
    record_contribution(stack, visitor, title)

    after = [tab.get(contributions) for tab in tabs]
    assert [title in page.text for page in after] == [True] * TABS

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

"""Story: an analyst left signed in on a phone at the office ends that session from a laptop; the phone is
out on its next page, whichever instance answers, and the laptop stays in."""
from __future__ import annotations

import re

ANALYST = "analis.bengkulu@mitrapas.test"
PHONE = "Mozilla/5.0 (Linux; Android 13; SM-A145F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36"


def ended_sessions(stack) -> int:
    return stack.sql("SELECT count(*) FROM login_sessions s JOIN users u ON u.id = s.user_id "
                     "WHERE u.email = :email AND s.revoked_at IS NOT NULL", email=ANALYST)[0][0]


def signed_in(person) -> bool:
    return not person.get("/account/profile", allow_redirects=False).headers.get("Location", "").startswith("/login")


def test_a_person_ends_the_session_left_on_a_phone(stack, visitor):
    before = ended_sessions(stack)
    phone, laptop = visitor(), visitor()
    phone.http.headers["User-Agent"] = PHONE
    phone.login(ANALYST)
    laptop.login(ANALYST)
    page = laptop.get("/account/sessions").text
    assert 'data-testid="this-session"' in page
    # Earlier stories left this analyst signed in elsewhere too: the phone's is the row that names it.
    phone_row, = [row for row in re.findall(r'<tr data-testid="session">(.*?)</tr>', page, re.S)
                  if "Chrome Mobile 124 · Android 13" in row]
    handle, = re.findall(r'name="session" value="([0-9a-f]+)"', phone_row)
    answer = laptop.post("/account/sessions/end", {"session": handle}, token_from="/account/sessions")
    assert answer.status_code == 302
    assert not signed_in(phone) and signed_in(laptop)
    assert ended_sessions(stack) == before + 1

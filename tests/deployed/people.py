"""What the tier's stories do as people: sign in (with two-factor), read tokens and flashes, act on records."""
from __future__ import annotations

import re

from mitrapas_dev.demo import DEMO_PASSWORD
from tests.authenticator import Authenticator
from tests.visitor import Visitor

_FLASH = re.compile(r'<div class="alert alert-(\w+)[^"]*"[^>]*>\s*(.*?)\s*(?:<button|</div>)', re.S)


def flashes(html: str) -> list[tuple[str, str]]:
    """(category, text) of each message the page shows."""
    return [(kind, re.sub(r"<[^>]+>|\s+", " ", text).strip()) for kind, text in _FLASH.findall(html)]


def org_path(visitor: Visitor) -> str:
    """`/o/<slug>/` of the organisation the signed-in person lands in."""
    return re.search(r"/o/[a-z0-9-]+/", visitor.get("/").url).group(0)


def submission_key(visitor: Visitor, form_page: str) -> str:
    """The one-time key a contribution form carries (sent twice, it records once)."""
    return re.search(r'name="submission_key" type="hidden" value="([0-9a-f]+)"', visitor.get(form_page).text)[1]


def enrol_two_factor(visitor: Visitor) -> Authenticator:
    """Turn on two-factor sign-in as the person would, with an authenticator app's codes."""
    page = visitor.get("/account/two-factor").text
    authenticator = Authenticator(re.search(r'data-testid="totp-secret">([A-Z2-7]+)<', page).group(1), [])
    answer = visitor.post("/account/two-factor", {"code": authenticator.code()})
    assert answer.status_code == 200 and 'data-testid="totp-secret"' not in answer.text, "enrolment failed"
    authenticator.recovery = re.findall(r"<li>([0-9a-f]{6}-[0-9a-f]{6})</li>", answer.text)
    return authenticator


#: The authenticator app of each person a story turned two-factor sign-in on for: the tier's stories share it (a
#: second enrolment would find it on already).
AUTHENTICATORS: dict[str, Authenticator] = {}


def authenticator_of(visitor_factory, email: str) -> Authenticator:
    """The person's authenticator, turning two-factor sign-in on for them first if no story did."""
    if email not in AUTHENTICATORS:
        person = visitor_factory()
        person.login(email)
        AUTHENTICATORS[email] = enrol_two_factor(person)
        person.logout()
    return AUTHENTICATORS[email]


def sign_in_with_code(visitor: Visitor, email: str, authenticator: Authenticator) -> None:
    """Password, then a code the portal has not seen from this person."""
    password = visitor.post("/login", {"email": email, "password": DEMO_PASSWORD})
    assert password.headers.get("Location", "").endswith("/login/two-factor"), f"{email}: no code asked"
    visitor.email = email
    answer = visitor.post("/login/two-factor", {"code": authenticator.code()})
    assert answer.status_code == 302, f"two-factor sign-in of {email} failed"


#: The groups of notices everyone is offered a channel for (a verifier also has "new_contributions").
NOTICE_GROUPS = ("agreements", "contributions", "people", "materials", "news", "inquiries", "reminders")


def verify_number(person, phones, channel: str, typed: str, phone: str) -> None:
    """On their notification settings, the person asks for a code to `typed` and types what their phone got."""
    settings = "/notifications/settings"
    assert person.post(f"{settings}/{channel}/code", {f"{channel}-phone": typed}, token_from=settings
                       ).status_code == 302
    code = phones.code_sent_to(phone, channel)
    assert person.post(f"{settings}/{channel}/verify", {f"{channel}-code-code": code}, token_from=settings
                       ).status_code == 302


def choose(person, quiet: tuple[int, int] | None = None, digest: tuple[str, ...] = (), **routes) -> None:
    """The settings saved: `routes` ({group: channel}, the rest by e-mail), the summary for `digest`, quiet hours
    only if given."""
    form = {f"route_{group}": routes.get(group, "email") for group in NOTICE_GROUPS}
    form.update({f"digest_{group}": "y" for group in digest})
    form.update({"time_zone": "Asia/Jakarta", "quiet_from": "21", "quiet_until": "6",
                 "contribution_notices": "each"})
    if quiet:
        form.update({"quiet": "y", "quiet_from": str(quiet[0]), "quiet_until": str(quiet[1])})
    answer = person.post("/notifications/settings", form)
    assert answer.status_code == 302, answer.text[-2000:]


def intern_pair_at_bengkulu(stack) -> int:
    """The pair MagangHub's psychology intern records for: Rutan Kelas IIB Bengkulu and the programme."""
    return stack.sql("SELECT p.id FROM partnerships p JOIN organisations f ON f.id = p.facility_id "
                     "JOIN organisations o ON o.id = p.partner_id WHERE f.name = 'Rutan Kelas IIB Bengkulu' "
                     "AND o.name LIKE 'Program Pemagangan%'")[0][0]


def clones(visitor: Visitor, count: int) -> list[Visitor]:
    """`count` more browsers holding the same signed-in session (one person's several tabs)."""
    copies = []
    for _ in range(count):
        copy = Visitor(*visitor.bases, verify=visitor.http.verify)
        copy.http.cookies.update(visitor.http.cookies)
        copy.email = visitor.email
        copies.append(copy)
    return copies

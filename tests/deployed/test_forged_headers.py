"""Story: on the deployed portal, someone sends what nginx would pass on for them: a Host of their own choosing, or an
X-Forwarded-For naming a signed-in officer's address beside a stolen cookie. The foreign Host is refused and
changes nothing the next visitor of a public page gets; the stolen cookie is sent to sign in (issue 32).

The addresses are documentation ranges, written in headers only: nothing is sent to them."""
from __future__ import annotations

from tests.deployed.people import org_path

OFFICER = "rafi.rizaldi@mitrapas.test"  # Rutan Bengkulu
OFFICERS_ADDRESS = "198.51.100.7"
THIEFS_ADDRESS = "203.0.113.9"
FOREIGN = "attacker.example"


def test_a_foreign_host_is_refused_and_the_next_visitor_gets_the_portals_own_links(stack, visitor):
    stack.flask("portal", "forget-kept-pages")  # as after a publication: the next visitor of each page draws it
    forger = visitor()
    for address in ("/sitemap.xml", "/robots.txt", "/publik/", "/login"):
        answer = forger.get(address, headers={"Host": FOREIGN})
        assert answer.status_code == 400 and FOREIGN not in answer.text, address
    reader = visitor()
    for address in ("/sitemap.xml", "/robots.txt"):
        page = reader.get(address)
        assert page.status_code == 200 and FOREIGN not in page.text, address
        assert f"{stack.env['PUBLIC_URL']}/" in page.text, "links are built from PUBLIC_URL"


def test_a_stolen_cookie_with_the_officers_address_forged_is_sent_to_sign_in(visitor):
    officer = visitor()
    officer.http.headers["X-Forwarded-For"] = OFFICERS_ADDRESS  # what nginx passes on for the officer's browser
    officer.login(OFFICER)
    dashboard = org_path(officer)
    assert [officer.get(dashboard).status_code for _ in range(3)] == [200] * 3, "drawn, then kept"

    thief = visitor()
    thief.http.cookies.update(officer.http.cookies)
    # The thief writes the officer's address; nginx appends the one it saw, and ProxyFix trusts that last hop.
    thief.http.headers["X-Forwarded-For"] = f"{OFFICERS_ADDRESS}, {THIEFS_ADDRESS}"
    answer = thief.get(dashboard, allow_redirects=False)
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/login")
    assert officer.get(dashboard, allow_redirects=False).status_code == 200, "the officer's session goes on"

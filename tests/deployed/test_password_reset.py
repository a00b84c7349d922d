"""Story: someone who forgot their password asks for a link. The request answers the same for any address; the
worker looks the account up and mails the link (the request only queued the address); the link sets a new
password once, and the new password signs in."""
from __future__ import annotations

import re

from tests.deployed.stack import MAIL_WAIT

#: Nobody else's story signs in as Purwokerto's Humas after the crawl: its password may change here.
HUMAS = "humas@lapas-purwokerto.mitrapas.test"
NOBODY = "tidak-ada-akun@contoh.go.id"
NEW_PASSWORD = "kalimat sandi baru yang cukup panjang"


def test_a_forgotten_password_is_reset_through_the_link_the_worker_mails(stack, visitor):
    asker = visitor()
    before = len(stack.mail.inbox.messages)
    answers = [asker.post("/password/forgot", {"email": email}) for email in (NOBODY, HUMAS)]
    assert [(a.status_code, a.headers["Location"]) for a in answers] == [(302, "/login")] * 2, "one answer for all"

    message = stack.mail.wait_for_mail_to(HUMAS, timeout=MAIL_WAIT, after=before)
    assert message is not None, "the worker mailed the link"
    link = re.search(r"https?://\S+/password/reset/\S+", message.get_body(("plain",)).get_content()).group(0)
    path = "/password/reset/" + link.split("/password/reset/", 1)[1]
    assert asker.post(path, {"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302
    visitor().login(HUMAS, NEW_PASSWORD)
    assert asker.get(path).status_code == 410, "the link works once"
    assert not [m for m in stack.mail.inbox.messages[before:] if NOBODY in m["To"]], "nothing went to nobody"

"""Story: a partner types a prisoner's name and NIK into every free-text field it fills, as happens by mistake in
real reports; on the deployed portal the name and number stay where they were typed (the records and the partner's
own exports) and reach no log line, address, e-mail subject, notice, WhatsApp message or overseer's export."""
from __future__ import annotations

import re
from urllib.parse import unquote_plus

from tests import sample_files
from tests.deployed.people import NOTICE_GROUPS, choose, org_path, submission_key, verify_number
from tests.deployed.stack import MAIL_WAIT
from tests.deployed.test_faults import bengkulu_pair, upload

#: What must not travel: a WBP-like name and a 16-digit NIK-like number.
NAME, NIK = "Bambang Sutrisno bin Wagiman", "3271046504870002"
CANARY = f"WBP {NAME} NIK {NIK}"

PARTNER = "admin@diskopukm.mitrapas.test"
#: The partner's admin reads her notices on WhatsApp.
PARTNER_PHONE = "+6281290001111"
OFFICER = "rafi.rizaldi@mitrapas.test"
ANALYST = "analis.bengkulu@mitrapas.test"
#: How notices name the PKS drafted here (its number fields hold no number).
PKS_NAME = ("PKS UMKM / pemberdayaan ekonomi antara Rutan Kelas IIB Bengkulu dan Dinas Koperasi dan UKM Provinsi "
            "Bengkulu")


def carries(text: str) -> bool:
    text = unquote_plus(text or "")
    return NAME in text or NIK in text


def record(partner, home: str, pair: int, title: str) -> str:
    new = f"{home}contributions/new?pair={pair}"
    answer = partner.post(new, {
        "submission_key": submission_key(partner, new), "type": "umkm", "title": title, "description": CANARY,
        "partner_people": CANARY, "location": CANARY, "started_on": "2025-11-20", "participants_total": "8",
        "agreement": "0", "programme": "0"})
    assert answer.status_code == 302, answer.text[-2000:]
    return answer.headers["Location"].rsplit("/", 1)[1]


def draft_and_submit(partner, home: str, pair: int) -> str:
    """A PKS draft with the canary in every text field the partner fills, and in its file's name; submitted."""
    new = f"{home}agreements/new?pair={pair}"
    typed = {field: CANARY for field in ("title", "scope", "objectives", "facility_rights", "facility_obligations",
                                         "partner_rights", "partner_obligations", "facility_number",
                                         "partner_number", "facility_signatory_position",
                                         "partner_signatory_position")}
    form = partner.get(new).text
    signatories = {name: _first_choice(form, name) for name in ("facility_signatory", "partner_signatory")}
    answer = partner.post(new, {**typed, **signatories, "type": "economic_empowerment", "start_date": "2025-12-01",
                                "end_date": "2026-11-30", "facility_signatory_nip": "", "partner_signatory_nip": ""},
                          files={"document": (f"draf {NAME} {NIK}.pdf", sample_files.pdf(CANARY), "application/pdf")})
    assert answer.status_code == 302, answer.text[-2000:]
    agreement = answer.headers["Location"].rstrip("/").rsplit("/", 1)[1]
    assert partner.post(f"{home}agreements/{agreement}/submit",
                        token_from=f"{home}agreements/{agreement}").status_code == 302
    return agreement


def watched(visitor, addresses: list[str]):
    """A browser whose every address (requested, or sent to by a redirect) is noted."""
    person = visitor()
    person.http.hooks["response"].append(
        lambda answer, *args, **kwargs: addresses.extend([answer.url, answer.headers.get("Location", "")]))
    return person


def test_a_prisoners_name_typed_by_a_partner_stays_in_its_records(stack, visitor):
    pair = bengkulu_pair(stack)
    mail_before, addresses = len(stack.mail.messages), []
    partner = watched(visitor, addresses)
    partner.login(PARTNER)
    verify_number(partner, stack.phones, "whatsapp", "0812 9000 1111", PARTNER_PHONE)
    choose(partner, **{group: "whatsapp" for group in NOTICE_GROUPS})
    home = org_path(partner)
    sent_back = record(partner, home, pair, f"Pendampingan {CANARY}")
    kept = record(partner, home, pair, f"Pelatihan {CANARY}")
    assert upload(partner, f"{home}materials/new?pair={pair}", sample_files.pdf(CANARY),
                  f"daftar {NAME} {NIK}.pdf").status_code == 302
    agreement = draft_and_submit(partner, home, pair)

    officer = watched(visitor, addresses)
    officer.login(OFFICER)
    facility = org_path(officer)
    assert officer.post(f"{facility}contributions/{sent_back}/reject", {"reason": f"Hapus nama {CANARY}"},
                        token_from=f"{facility}contributions/{sent_back}").status_code == 302
    assert officer.post(f"{facility}contributions/{kept}/verify",
                        token_from=f"{facility}contributions/{kept}").status_code == 302
    assert officer.post(f"{facility}agreements/{agreement}/request-changes", {"reason": f"Hapus nama {CANARY}"},
                        token_from=f"{facility}agreements/{agreement}").status_code == 302

    # Where it belongs: the record and the partner's own export of its contributions.
    assert carries(partner.get(f"{home}contributions/{sent_back}").text)
    assert carries(officer.get(f"{facility}agreements/{agreement}").text)
    assert carries(partner.get(f"{home}contributions/export.csv").text), "the control: the canary is in the data"

    # Where it must not go.
    # Named as the screens name them: the contribution by its type and date; the PKS, whose number fields hold the
    # canary and so are no number, by its type and parties (the demo's own Bengkulu PKS reads the same).
    bell = partner.get("/notifications/").text
    assert "mengembalikan kontribusi Produksi UMKM atau akses pasar tanggal 20 November 2025" in bell, \
        "the partner was told which contribution came back"
    assert f"perubahan pada {PKS_NAME}" in bell
    facility_bell = officer.get("/notifications/").text
    assert facility_bell.count(f"mengajukan {PKS_NAME}") >= 2, "the draft was submitted (and the demo's before it)"
    assert not carries(bell) and not carries(facility_bell), "a notice names the record, never its text"
    for page in (partner.get(home).text, officer.get(facility).text):
        assert not carries(_header(page)), "the bell preview in the page header"
    # The submitted PKS, by e-mail to the officer; two contribution decisions and the changes asked, by WhatsApp to
    # the partner's admin.
    messages = stack.mail.wait_for(mail_before + 1, timeout=MAIL_WAIT)[mail_before:]
    assert messages and not [m["Subject"] for m in messages if carries(m["Subject"])]
    try:
        told = [stack.phones.wait_for(lambda m, words=words: m.to == PARTNER_PHONE and words in m.words, timeout=60)
                for words in ("mengembalikan kontribusi", "memverifikasi kontribusi", "perubahan pada")]
    finally:
        choose(partner)  # back to e-mail: later stories (the faults') wait for her mail
    assert not [m.words for m in told if carries(m.words)], "a WhatsApp message names the record, never its text"

    analyst = watched(visitor, addresses)
    analyst.login(ANALYST)
    overview = org_path(analyst)
    board = analyst.get(overview).text
    exports = sorted(set(re.findall(r'href="([^"]*/export/[^"]+\.csv[^"]*)"', board)))
    assert exports, "the overseer's dashboard offers its tables"
    for path in exports:
        answer = analyst.get(path.replace("&amp;", "&"))
        assert answer.status_code == 200 and not carries(answer.text), path

    assert len(addresses) > 20 and not [url for url in addresses if carries(url)]
    logs = stack.log_text() + (stack.folder / "mail-worker.log").read_text(errors="replace")
    assert not carries(logs), [line for line in logs.splitlines() if carries(line)][:3]


def _first_choice(form: str, name: str) -> str:
    """The first person a signatory `<select>` offers."""
    options = form[form.index(f'name="{name}"'):]
    return re.findall(r'<option[^>]*value="([1-9][0-9]*)"', options[:options.index("</select>")])[0]


def _header(page: str) -> str:
    return page[:page.find("<main")] if "<main" in page else page

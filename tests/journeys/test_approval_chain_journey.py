"""A PKS through Rutan Kelas IIB Bengkulu's own four-step approval chain (issue 37), each person from their home page.

The head looks at the facility's approval steps (officer, Urusan Umum's legal review, Kanwil Bengkulu's
acknowledgement, then the head) and gives the legal review a day less. BLK Bengkulu's admin submits the PKS drafted
with the Rutan; the officer checks it, the general-affairs head reviews it, the regional office's analyst
acknowledges it from the Kanwil's own dashboard, and the head approves it. The agreement's page then shows each
step with who acted, for whom, and when.
"""
from __future__ import annotations

from playwright.sync_api import expect

HEAD = "yulian.fernando@mitrapas.test"
OFFICER = "rafi.rizaldi@mitrapas.test"
LEGAL = "umum@rutan-bengkulu.mitrapas.test"
KANWIL = "analis.bengkulu@mitrapas.test"
PARTNER = "admin@blk.mitrapas.test"
TITLE = "Pelatihan Kewirausahaan dan Keterampilan Produksi"
STEPS = ("Pemeriksaan kelengkapan berkas", "Reviu hukum Urusan Umum", "Diketahui Kanwil Ditjenpas Bengkulu",
         "Keputusan Kepala")

#: The menu's Perjanjian, "Langkah persetujuan", the legal review's days, "Simpan langkah".
SETTING = 4
#: The dashboard's line of what waits for them, the agreement, the button.
ACTING = 3


def test_a_pks_goes_through_the_facilitys_four_steps_each_person_from_their_home_page(journey):
    trip = journey("approval-chain")

    head = trip.person(HEAD, "kepala-rutan")
    head.sign_in()
    page = head.page
    with head.budget("looking at the approval steps and changing one deadline", SETTING + head.menu_tap):
        head.nav("Perjanjian")
        head.click(page.get_by_test_id("approval-chain-link"))
        expect(page.get_by_test_id("chains")).to_contain_text(" → ".join(STEPS))
        head.fill(page.get_by_label("Hari kerja").nth(1), "4")
        head.click(page.get_by_role("button", name="Simpan langkah"))
    expect(page.get_by_text("Langkah persetujuan telah disimpan.")).to_be_visible()

    partner = trip.person(PARTNER, "admin-blk")
    partner.sign_in()
    with partner.budget("submitting the draft", 3 + partner.menu_tap):
        partner.nav("Perjanjian")
        partner.click(partner.page.get_by_test_id("agreement-list").get_by_role("link", name=TITLE))
        partner.click(partner.page.get_by_role("button", name="Ajukan untuk ditinjau"))
    expect(partner.page.get_by_test_id("approval-step")).to_have_count(4)
    expect(partner.page.get_by_test_id("standing")).to_contain_text("Menunggu “Pemeriksaan kelengkapan berkas”")

    officer = trip.person(OFFICER, "petugas-rutan")
    officer.sign_in()
    act(officer, "waiting-review", f"Selesaikan “{STEPS[0]}”")
    expect(officer.page.get_by_test_id("standing")).to_contain_text(f"Menunggu “{STEPS[1]}”")

    legal = trip.person(LEGAL, "urusan-umum")
    legal.sign_in()
    act(legal, "waiting-review", f"Selesaikan “{STEPS[1]}”")
    expect(legal.page.get_by_test_id("standing")).to_contain_text("Menunggu diketahui kantor wilayah (Kanwil)")

    kanwil = trip.person(KANWIL, "kanwil-bengkulu")
    kanwil.sign_in()
    with kanwil.budget("acknowledging from the Kanwil's dashboard", ACTING + 1):
        kanwil.click(kanwil.page.get_by_test_id("waiting-acknowledgement"))
        kanwil.click(kanwil.page.get_by_test_id("agreement-list").get_by_role("link", name=TITLE))
        kanwil.click(kanwil.page.get_by_role("button", name="Tandai sudah diketahui Kanwil"))
    expect(kanwil.page.get_by_text("PKS telah ditandai sudah diketahui Kanwil.")).to_be_visible()
    expect(kanwil.page.get_by_test_id("status-badge")).to_have_text("Menunggu keputusan Kepala")

    act(head, "waiting-decision", "Setujui", home=True)
    expect(head.page.get_by_test_id("status-badge")).to_have_text("Disetujui, menunggu tanda tangan")
    steps = head.page.get_by_test_id("approval-step")
    for number, (name, who) in enumerate(zip(STEPS, ("Rafi Rizaldi", "Kaur Umum Rutan Bengkulu",
                                                     "Kanwil Ditjenpas Bengkulu", "Yulian Fernando"))):
        expect(steps.nth(number)).to_contain_text(name)
        expect(steps.nth(number)).to_contain_text(who)
        expect(steps.nth(number)).to_contain_text("Selesai")


def act(person, queue: str, button: str, *, home: bool = False) -> None:
    """From their home page: the dashboard's line of what waits for them, the agreement, the step's button."""
    page = person.page
    with person.budget(f"{button} from the dashboard", ACTING + home):
        if home:
            person.click(page.get_by_role("link", name="MitraPAS", exact=True))
        person.click(page.get_by_test_id(queue))
        person.click(page.get_by_role("link", name=TITLE))
        person.click(page.get_by_role("button", name=button))

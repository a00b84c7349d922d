"""A facility with many partners filters its lists by typing part of a partner's name, and is offered names as it types."""
from portal.organisations.models import Role
from tests.factories import (
    AgreementFactory, FacilityFactory, MaterialFactory, PartnerFactory, PartnershipFactory, member_of,
)


def _suggested(web, facility, typed: str) -> list[str]:
    answer = web.get(f"/o/{facility.slug}/partners/names.json?q={typed}")
    assert answer.status_code == 200 and answer.is_json
    return answer.get_json()["names"]


def test_the_facility_is_offered_its_own_partners_names_as_it_types(login_as):
    facility = FacilityFactory(name="Lapas Kelas IIA Contoh")
    for name in ("Yayasan Sekata", "RSUD Sekayu", "BLK Balikpapan"):
        PartnershipFactory(facility=facility, partner=PartnerFactory(name=name))
    elsewhere = FacilityFactory()
    PartnershipFactory(facility=elsewhere, partner=PartnerFactory(name="Yayasan Sekar Rahasia"))  # not its partner
    web = login_as(member_of(facility, Role.OFFICER))

    assert _suggested(web, facility, "SEK") == ["RSUD Sekayu", "Yayasan Sekata"]
    assert _suggested(web, facility, "balik") == ["BLK Balikpapan"]
    assert _suggested(web, facility, "%") == []  # a wildcard is only a character
    assert len(_suggested(web, facility, "")) == 3


def test_a_partner_filters_its_materials_and_agreements_by_part_of_a_facility_name(login_as):
    partner = PartnerFactory()
    balikpapan, bengkulu = FacilityFactory(name="Rutan Balikpapan"), FacilityFactory(name="Rutan Bengkulu")
    for facility in (balikpapan, bengkulu):
        PartnershipFactory(facility=facility, partner=partner)
        MaterialFactory(facility=facility, partner=partner, title=f"Modul untuk {facility.name}")
        AgreementFactory(facility=facility, partner=partner, title=f"PKS dengan {facility.name}")
    web = login_as(member_of(partner, Role.ADMIN))

    materials = web.get(f"/o/{partner.slug}/materials/?party=balik").text
    assert "Modul untuk Rutan Balikpapan" in materials and "Modul untuk Rutan Bengkulu" not in materials
    agreements = web.get(f"/o/{partner.slug}/agreements/?party=BENGKULU").text
    assert "PKS dengan Rutan Bengkulu" in agreements and "PKS dengan Rutan Balikpapan" not in agreements
    assert 'data-suggest="/o/' in agreements and "party-search.js" in agreements


def test_an_oversight_office_is_offered_the_facilities_and_partners_in_its_province(login_as):
    from tests.factories import OversightFactory

    kanwil = OversightFactory(province="Bengkulu")
    PartnershipFactory(facility=FacilityFactory(name="Rutan Bengkulu", province="Bengkulu"),
                       partner=PartnerFactory(name="Yayasan Bengkulu Sehat"))
    PartnershipFactory(facility=FacilityFactory(name="Rutan Bengkulu Jauh", province="Aceh"),
                       partner=PartnerFactory(name="Yayasan Bengkulu Jauh"))
    web = login_as(member_of(kanwil, Role.ANALYST))
    assert _suggested(web, kanwil, "bengkulu") == ["Rutan Bengkulu", "Yayasan Bengkulu Sehat"]

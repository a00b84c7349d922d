"""Pages ask the database a fixed number of questions, however much data there is."""
import pytest
from sqlalchemy import event

from portal.audit import chain as audit
from portal.extensions import db
from portal.organisations.models import Role
from tests.factories import FacilityFactory, PartnerFactory, PartnershipFactory, member_of


class QueryCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, *args):
        self.count += 1


def queries_for(web, url) -> int:
    counter = QueryCounter()
    engine = db.session.get_bind().engine
    event.listen(engine, "before_cursor_execute", counter)
    try:
        assert web.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", counter)
    return counter.count


def queries_per_page(app, people: dict, pages: dict) -> dict[str, int]:
    """{url: queries} for each person's pages, each person in a browser of their own."""
    from tests.conftest import Web
    from tests.factories import PASSWORD

    result = {}
    for who, urls in pages.items():
        web = Web(app.test_client())
        assert web.login(people[who].email, PASSWORD).status_code == 302
        result.update({url: queries_for(web, url) for url in urls})
    return result


def grow(facility, head, n):
    for _ in range(n):
        PartnershipFactory(facility=facility, partner=PartnerFactory())
        member_of(facility, Role.OFFICER)
        audit.record("test.event", actor=head, object_type="test", organisation=facility)


@pytest.mark.parametrize("page", ["", "partners/", "members/", "audit/"])
def test_query_count_does_not_grow_with_the_data(login_as, page):
    facility = FacilityFactory()
    head = member_of(facility, Role.HEAD)
    web = login_as(head)
    grow(facility, head, 2)
    small = queries_for(web, f"/o/{facility.slug}/{page}")
    grow(facility, member_of(facility, Role.OFFICER), 15)
    assert queries_for(web, f"/o/{facility.slug}/{page}") == small


def grow_agreements(facility, partner, actor, n):
    from tests.factories import AgreementDocumentFactory, AgreementFactory

    agreements = []
    for _ in range(n):
        agreement = AgreementFactory(facility=facility, partner=partner, facility_signatory=actor)
        AgreementDocumentFactory(agreement=agreement)
        audit.record("agreement.updated", actor=actor, object_type="agreement", object_id=agreement.id,
                     organisation=facility, facility=facility, partner=partner)
        agreements.append(agreement)
    return agreements


def test_agreement_list_and_page_ask_the_same_number_of_questions_as_they_grow(login_as):
    facility, partner = FacilityFactory(), PartnerFactory()
    PartnershipFactory(facility=facility, partner=partner)
    head = member_of(facility, Role.HEAD)
    web = login_as(head)
    first = grow_agreements(facility, partner, head, 2)[0]
    small_list = queries_for(web, f"/o/{facility.slug}/agreements/")
    small_page = queries_for(web, f"/o/{facility.slug}/agreements/{first.id}")
    grow_agreements(facility, partner, head, 15)
    for _ in range(10):  # a longer timeline and more document versions for the same agreement
        from tests.factories import AgreementDocumentFactory
        uploader, editor = member_of(partner, Role.MEMBER), member_of(facility, Role.OFFICER)
        AgreementDocumentFactory(agreement=first, number=_ + 2, uploaded_by=uploader)
        audit.record("agreement.updated", actor=editor, object_type="agreement",
                     object_id=first.id, organisation=facility, facility=facility, partner=partner)
    assert queries_for(web, f"/o/{facility.slug}/agreements/") == small_list
    assert queries_for(web, f"/o/{facility.slug}/agreements/{first.id}") == small_page


def test_material_list_and_page_ask_the_same_number_of_questions_as_they_grow(login_as):
    from tests.factories import MaterialFactory, MaterialVersionFactory

    facility, partner = FacilityFactory(), PartnerFactory()
    PartnershipFactory(facility=facility, partner=partner)
    officer = member_of(facility, Role.OFFICER)
    web = login_as(officer)

    def grow(n):
        made = []
        for _ in range(n):
            material = MaterialFactory(facility=facility, partner=partner, created_by=member_of(partner, Role.MEMBER))
            for number in (1, 2):
                MaterialVersionFactory(material=material, number=number, uploaded_by=member_of(partner, Role.MEMBER),
                                       thumbnail_key=f"thumb-{material.id}-{number}")
            made.append(material)
        return made

    first = grow(2)[0]
    small_list = queries_for(web, f"/o/{facility.slug}/materials/")
    small_page = queries_for(web, f"/o/{facility.slug}/materials/{first.id}")
    grow(15)
    for number in range(3, 12):
        MaterialVersionFactory(material=first, number=number, uploaded_by=member_of(partner, Role.MEMBER))
    assert queries_for(web, f"/o/{facility.slug}/materials/") == small_list
    assert queries_for(web, f"/o/{facility.slug}/materials/{first.id}") == small_page


def test_the_oversight_dashboard_asks_the_same_number_of_questions_for_more_facilities(login_as):
    from tests.factories import ContributionFactory, OversightFactory

    kanwil = OversightFactory(province="Bengkulu")
    web = login_as(member_of(kanwil, Role.ANALYST))

    def grow(n):
        for _ in range(n):
            facility = FacilityFactory(province="Bengkulu")
            partner = PartnerFactory()
            PartnershipFactory(facility=facility, partner=partner)
            ContributionFactory(facility=facility, partner=partner, status="verified")

    grow(2)
    small = queries_for(web, f"/o/{kanwil.slug}/")
    grow(15)
    assert queries_for(web, f"/o/{kanwil.slug}/") == small


def test_facility_and_partner_dashboards_ask_the_same_number_of_questions_as_work_grows(app):
    from datetime import date, timedelta

    from tests.factories import ContributionFactory, OversightFactory

    facility, partner = FacilityFactory(province="Bengkulu"), PartnerFactory()
    PartnershipFactory(facility=facility, partner=partner)
    kanwil = OversightFactory(province="Bengkulu")
    people = {"facility": member_of(facility, Role.HEAD), "partner": member_of(partner, Role.ADMIN),
              "kanwil": member_of(kanwil, Role.ANALYST)}
    pages = {"facility": [f"/o/{facility.slug}/", f"/o/{facility.slug}/export/trend.xlsx"],
             "partner": [f"/o/{partner.slug}/"],
             "kanwil": [f"/o/{kanwil.slug}/facilities/{facility.id}", f"/o/{kanwil.slug}/export/facilities.csv"]}

    def grow(n):
        for day in range(n):
            other = PartnerFactory()
            PartnershipFactory(facility=facility, partner=other)
            for who in (partner, other):
                ContributionFactory(facility=facility, partner=who, status="verified",
                                    started_on=date.today() - timedelta(days=day * 31 % 300))

    grow(2)
    small = queries_per_page(app, people, pages)
    grow(12)
    assert queries_per_page(app, people, pages) == small


def test_every_hot_page_asks_the_same_number_of_questions_at_ten_times_the_data(app):
    """The pages `make bench-pages` loads, for a facility whose partners, agreements, work and files grow tenfold."""
    from datetime import date, timedelta

    from tests.factories import (
        AgreementFactory, ContributionFactory, MaterialFactory, MaterialVersionFactory, OversightFactory,
    )

    facility, partner = FacilityFactory(province="Bengkulu"), PartnerFactory()
    PartnershipFactory(facility=facility, partner=partner)
    first = AgreementFactory(facility=facility, partner=partner, status="active")
    people = {"head": member_of(facility, Role.HEAD), "partner": member_of(partner, Role.ADMIN),
              "analyst": member_of(OversightFactory(province="Bengkulu"), Role.ANALYST)}
    at = f"/o/{facility.slug}"
    pages = {"head": [f"{at}/agreements/", f"{at}/agreements/?party=mitra", f"{at}/contributions/",
                      f"{at}/materials/", f"{at}/agreements/{first.id}", f"{at}/", f"{at}/partners/names.json?q=a"],
             "partner": [f"/o/{partner.slug}/"],
             "analyst": [f"/o/{people['analyst'].memberships[0].organisation.slug}/"]}

    def grow(n):
        for day in range(n):
            other = PartnerFactory()
            PartnershipFactory(facility=facility, partner=other)
            for who in (partner, other):
                AgreementFactory(facility=facility, partner=who, status="active")
                ContributionFactory(facility=facility, partner=who, status="verified",
                                    started_on=date.today() - timedelta(days=day * 31 % 300))
                ContributionFactory(facility=facility, partner=who, status="submitted")
                material = MaterialFactory(facility=facility, partner=who)
                MaterialVersionFactory(material=material, number=1, thumbnail_key=f"thumb-{material.id}")

    grow(3)
    small = queries_per_page(app, people, pages)
    grow(27)
    assert queries_per_page(app, people, pages) == small


def test_public_pages_ask_the_same_number_of_questions_as_a_facility_publishes_more(client, app):
    from portal.extensions import cache
    from tests.factories import ContributionFactory, NewsItemFactory, ProgrammeFactory

    facility = FacilityFactory(public_page=True, province="Bengkulu")
    FacilityFactory(public_page=True, province="Bengkulu")

    def publish(n):
        for _ in range(n):
            pair = dict(facility=facility, partner=PartnershipFactory(facility=facility).partner)
            NewsItemFactory(facility=facility, partner=pair["partner"])
            ContributionFactory(**pair, status="verified")
            ProgrammeFactory(**pair, status="closed", actual_participants=18, certificates_issued=18)

    def asked(url):
        cache.clear()  # the drawn page would answer without a question
        app.extensions["kept_pages"].forget_everything()
        counter = QueryCounter()
        engine = db.session.get_bind().engine
        event.listen(engine, "before_cursor_execute", counter)
        try:
            assert client.get(url).status_code == 200, url
        finally:
            event.remove(engine, "before_cursor_execute", counter)
        return counter.count

    pages = [f"/publik/{facility.slug}", "/publik/provinsi/bengkulu", "/publik/", f"/publik/{facility.slug}/feed.atom",
             "/sitemap.xml"]
    publish(2)
    small = {url: asked(url) for url in pages}
    publish(20)
    assert {url: asked(url) for url in pages} == small


def test_the_audit_trail_in_sentences_asks_the_same_number_of_questions_as_it_grows(login_as):
    """Each entry names its record (a material's file, a contribution's title, a PKS, a member) and its partnership:
    one look-up per kind of record for the whole page, not one per entry."""
    from tests.factories import AgreementFactory, ContributionFactory, MaterialFactory

    facility, partner = FacilityFactory(), PartnerFactory()
    PartnershipFactory(facility=facility, partner=partner)
    head = member_of(facility, Role.HEAD)
    web = login_as(head)

    def grow(n):
        for _ in range(n):
            actor = member_of(partner, Role.ADMIN)
            pair = dict(organisation=partner, facility=facility, partner=partner)
            material = MaterialFactory(facility=facility, partner=partner)
            contribution = ContributionFactory(facility=facility, partner=partner)
            agreement = AgreementFactory(facility=facility, partner=partner)
            audit.record("material.uploaded", actor=actor, object_type="material", object_id=material.id, **pair,
                         after={"filename": "foto.jpg", "size": 5120, "category": "photo", "agreement": agreement.id})
            audit.record("contribution.verified", actor=head, object_type="contribution", object_id=contribution.id,
                         **pair, before={"status": "submitted"}, after={"status": "verified"})
            audit.record("agreement.submitted", actor=actor, object_type="agreement", object_id=agreement.id, **pair,
                         before={"status": "draft"}, after={"status": "submitted", "version": 1})
            audit.record("member.added", actor=head, object_type="membership", object_id=None, organisation=facility,
                         after={"user": actor.id, "role": "officer"})

    grow(2)
    small = queries_for(web, f"/o/{facility.slug}/audit/")
    grow(10)
    assert queries_for(web, f"/o/{facility.slug}/audit/") == small


def test_the_landing_page_asks_the_same_number_of_questions_as_facilities_publish_more(client):
    """`/` for a visitor without an account: the facilities that publish and their latest news."""
    from tests.factories import NewsItemFactory

    def publish(n):
        for _ in range(n):
            facility = FacilityFactory(public_page=True)
            NewsItemFactory(facility=facility, partner=PartnershipFactory(facility=facility).partner)

    def asked():
        counter = QueryCounter()
        engine = db.session.get_bind().engine
        event.listen(engine, "before_cursor_execute", counter)
        try:
            page = client.get("/")
            assert page.status_code == 200 and 'href="/login">Masuk</a>' in page.text
        finally:
            event.remove(engine, "before_cursor_execute", counter)
        return counter.count

    publish(2)
    small = asked()
    publish(12)
    assert asked() == small


def test_the_queues_ask_the_same_number_of_questions_however_many_records_wait(app):
    """What waits for the person looking and for others (issue 34): three questions, however many agreements and
    contributions wait, in how many states, with how many partners."""
    from tests.factories import AgreementFactory, ContributionFactory

    facility, partner = FacilityFactory(), PartnerFactory()
    PartnershipFactory(facility=facility, partner=partner)
    people = {"officer": member_of(facility, Role.OFFICER), "partner": member_of(partner, Role.ADMIN)}
    pages = {"officer": [f"/o/{facility.slug}/"], "partner": [f"/o/{partner.slug}/"]}

    def grow(n):
        for _ in range(n):
            other = PartnerFactory()
            PartnershipFactory(facility=facility, partner=other)
            for who in (partner, other):
                for status in ("submitted", "forwarded", "changes_requested", "approved", "partner_signed"):
                    AgreementFactory(facility=facility, partner=who, status=status)
                for status in ("submitted", "rejected"):
                    ContributionFactory(facility=facility, partner=who, status=status)

    grow(1)
    small = queries_per_page(app, people, pages)
    grow(6)
    assert queries_per_page(app, people, pages) == small

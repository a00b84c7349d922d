"""The pair rule: who sees which shared record, and another tenant's record is a 404."""
import ast
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import aliased

from portal.core.tenancy import Scope, TenantViolation, acting_for, current_scope, unscoped
from portal.extensions import db
from portal.organisations import visibility
from portal.organisations.models import Organisation, OrgKind, Role
from portal.organisations.partnership_models import Partnership
from portal.umkm.models import HelpKind, ProductHelper
from tests.factories import (
    AgreementDocumentFactory, AgreementFactory, ApiTokenFactory, BackgroundJobFactory, ContributionFactory,
    FacilityFactory, InquiryFactory, InvitationFactory, MaterialVersionFactory, NewsItemFactory, OversightFactory,
    PartnerFactory, PartnershipFactory, ProductFactory, ProgrammeFactory, ResumableUploadFactory,
    WebhookDeliveryFactory, WebhookEndpointFactory, member_of,
)


@pytest.fixture
def world():
    """Two facilities in two provinces, each with a partner; oversight offices for both."""
    class World:
        pass
    w = World()
    w.bengkulu = FacilityFactory(province="Bengkulu")
    w.balikpapan = FacilityFactory(province="Kalimantan Timur")
    w.sekata = PartnerFactory()
    w.rsud = PartnerFactory()
    w.ours = PartnershipFactory(facility=w.bengkulu, partner=w.rsud)
    w.theirs = PartnershipFactory(facility=w.balikpapan, partner=w.sekata)
    w.kanwil_bengkulu = OversightFactory(province="Bengkulu")
    w.kanwil_kaltim = OversightFactory(province="Kalimantan Timur")
    w.ditjenpas = OversightFactory(province=None)
    w.head = member_of(w.bengkulu, Role.HEAD)
    w.their_membership = member_of(w.balikpapan, Role.OFFICER).memberships[0]
    w.their_document = AgreementDocumentFactory(agreement=AgreementFactory(facility=w.balikpapan, partner=w.sekata))
    w.their_version = MaterialVersionFactory(material__facility=w.balikpapan, material__partner=w.sekata)
    w.their_contribution = ContributionFactory(facility=w.balikpapan, partner=w.sekata)
    w.their_programme = ProgrammeFactory(facility=w.balikpapan, partner=w.sekata)
    w.their_invitation = InvitationFactory(organisation=w.balikpapan)
    w.their_job = BackgroundJobFactory(organisation=w.balikpapan)
    w.their_token = ApiTokenFactory(organisation=w.balikpapan)
    w.their_delivery = WebhookDeliveryFactory(endpoint=WebhookEndpointFactory(organisation=w.balikpapan))
    w.their_news = NewsItemFactory(facility=w.balikpapan, partner=w.sekata)
    # Opened (notionally) by our head, for their pair: only the pair rule stands in the way.
    w.their_upload = ResumableUploadFactory(facility=w.balikpapan, partner=w.sekata, uploaded_by_id=w.head.id)
    w.their_product = ProductFactory(facility=w.balikpapan)
    w.their_helper = ProductHelper(product=w.their_product, facility_id=w.balikpapan.id, partner_id=w.sekata.id,
                                   help=HelpKind.TRAINED_MAKERS)
    with unscoped("test data is set up across tenants"):
        db.session.add(w.their_helper)
        db.session.flush()
    w.their_inquiry = InquiryFactory(product=w.their_product)
    return w


def visible_pairs():
    return set(db.session.scalars(select(Partnership)).unique())


@pytest.mark.parametrize("who, sees", [
    ("bengkulu", {"ours"}),
    ("rsud", {"ours"}),
    ("sekata", {"theirs"}),
    ("kanwil_bengkulu", {"ours"}),
    ("kanwil_kaltim", {"theirs"}),
    ("ditjenpas", {"ours", "theirs"}),
])
def test_each_organisation_sees_exactly_its_pairs(world, who, sees):
    with acting_for(getattr(world, who)):
        assert visible_pairs() == {getattr(world, name) for name in sees}


def test_nobody_sees_shared_records_outside_an_organisation(world):
    assert current_scope() == Scope()
    assert visible_pairs() == set()


def test_the_escape_hatch_sees_everything_and_needs_a_reason(world):
    with unscoped("integrity check"):
        assert visible_pairs() >= {world.ours, world.theirs}
    with pytest.raises(ValueError):
        with unscoped(""):
            pass


def test_a_lazy_load_is_filtered_too(world):
    with acting_for(world.bengkulu):
        assert db.session.scalar(select(Partnership).where(Partnership.id == world.theirs.id)) is None


def test_writing_a_record_for_a_foreign_pair_is_refused(world):
    with acting_for(world.bengkulu):
        db.session.add(Partnership(facility=world.balikpapan, partner=world.rsud))
        with pytest.raises(TenantViolation):
            db.session.flush()
    db.session.rollback()


def test_oversight_never_writes_shared_records(world):
    with acting_for(world.kanwil_bengkulu):
        record = db.session.scalar(select(Partnership).where(Partnership.id == world.ours.id))
        record.focus = "diubah oleh kanwil"
        with pytest.raises(TenantViolation):
            db.session.flush()
    db.session.rollback()


def test_a_party_may_write_its_own_pair(world):
    with acting_for(world.rsud):
        db.session.add(Partnership(facility=world.balikpapan, partner=world.rsud))
        db.session.flush()


# --- every tenant-scoped URL answers 404 to another tenant -------------------------------

#: How to fill each URL argument with a record that belongs to another tenant.
FOREIGN_RECORDS = {
    "membership_id": lambda w: w.their_membership.id,
    "partnership_id": lambda w: w.theirs.id,
    "agreement_id": lambda w: w.their_document.agreement_id,
    "document_id": lambda w: w.their_document.id,
    "step": lambda w: "submit",
    "material_id": lambda w: w.their_version.material_id,
    "version_id": lambda w: w.their_version.id,
    "how": lambda w: "download",
    "contribution_id": lambda w: w.their_contribution.id,
    "programme_id": lambda w: w.their_programme.id,
    "decision": lambda w: "verify",
    "facility_id": lambda w: w.balikpapan.id,
    "invitation_id": lambda w: w.their_invitation.id,
    "action": lambda w: "resend",
    "table": lambda w: "by-party",
    "file_format": lambda w: "xlsx",
    "job_id": lambda w: w.their_job.id,
    "token_id": lambda w: w.their_token.id,
    "endpoint_id": lambda w: w.their_delivery.endpoint_id,
    "delivery_id": lambda w: w.their_delivery.id,
    "upload_id": lambda w: w.their_upload.id,
    "news_id": lambda w: w.their_news.id,
    "quote_id": lambda w: w.their_news.quotes[0].id,
    "photo_id": lambda w: w.their_news.photos[0].id,
    "move": lambda w: "withdraw",
    "choice": lambda w: "show",
    "product_id": lambda w: w.their_product.id,
    "certificate_id": lambda w: w.their_product.certificates[0].id,
    "helper_id": lambda w: w.their_helper.id,
    "inquiry_id": lambda w: w.their_inquiry.id,
    "size": lambda w: "kecil",
    "inquiry_move": lambda w: "answer",
}
#: Arguments that name no record: with only these, the URL is the organisation's own and answers it.
NOT_RECORDS = {"step", "how", "decision", "action", "table", "file_format", "move", "choice", "size", "inquiry_move"}


def tenant_rules(app):
    return [rule for rule in app.url_map.iter_rules() if "org_slug" in rule.arguments]


def test_every_tenant_url_rule_is_covered_by_the_isolation_walk(app):
    rules = tenant_rules(app)
    assert len(rules) >= 8
    uncovered = {rule.endpoint: rule.arguments - {"org_slug"} - FOREIGN_RECORDS.keys() for rule in rules}
    assert {endpoint: args for endpoint, args in uncovered.items() if args} == {}, (
        "a new URL argument needs an entry in FOREIGN_RECORDS so its isolation is tested")


def test_every_tenant_url_answers_404_to_another_tenant(app, world, login_as):
    web = login_as(world.head)
    failures = []
    for rule in tenant_rules(app):
        foreign = {arg: FOREIGN_RECORDS[arg](world) for arg in rule.arguments - {"org_slug"}}
        attempts = [dict(org_slug=world.balikpapan.slug, **foreign)]
        if foreign.keys() - NOT_RECORDS:
            attempts.append(dict(org_slug=world.bengkulu.slug, **foreign))
        for values in attempts:
            url = rule.build(values)[1]
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                response = web.post(url) if method == "POST" else web.get(url)
                if response.status_code != 404:
                    failures.append((method, url, response.status_code))
    assert failures == []


def test_own_records_are_reachable_through_the_same_rules(world, login_as):
    web = login_as(world.head)
    assert web.get(f"/o/{world.bengkulu.slug}/partners/{world.ours.id}").status_code == 200
    assert web.get(f"/o/{world.bengkulu.slug}/partners/{world.theirs.id}").status_code == 404


def test_oversight_of_another_province_gets_404_for_a_facility_pair(world, login_as):
    analyst = member_of(world.kanwil_kaltim, Role.ANALYST)
    web = login_as(analyst)
    assert web.get(f"/o/{world.kanwil_kaltim.slug}/partners/{world.ours.id}").status_code == 404
    assert web.get(f"/o/{world.kanwil_kaltim.slug}/partners/{world.theirs.id}").status_code == 200


def test_kinds_of_organisation_are_what_they_say(world):
    assert visibility.covers(world.kanwil_bengkulu, world.bengkulu)
    assert not visibility.covers(world.kanwil_bengkulu, world.balikpapan)
    assert visibility.covers(world.ditjenpas, world.balikpapan) and world.ditjenpas.kind == OrgKind.OVERSIGHT


# --- the rule written once ---------------------------------------------------------------------------------

def test_covers_says_the_same_of_two_organisations_and_as_sql(world):
    """`visibility.covers` is one expression for both worlds: on loaded organisations and in a query it agrees, for
    every pair of organisations (an office of the facility's province, a national office; nothing else covers)."""
    everyone = [world.bengkulu, world.balikpapan, world.sekata, world.rsud, world.kanwil_bengkulu,
                world.kanwil_kaltim, world.ditjenpas]
    ids = [organisation.id for organisation in everyone]
    in_python = {(a.id, b.id) for a in everyone for b in everyone if visibility.covers(a, b)}
    overseer, facility = aliased(Organisation), aliased(Organisation)
    with unscoped("test: every organisation against every other"):
        in_sql = set(db.session.execute(select(overseer.id, facility.id).join(facility, visibility.covers(
            overseer, facility)).where(overseer.id.in_(ids), facility.id.in_(ids))).all())
        assert set(db.session.scalars(visibility.overseers_of(world.bengkulu.id))) >= {
            world.kanwil_bengkulu.id, world.ditjenpas.id}
    assert in_python == in_sql == {
        (world.kanwil_bengkulu.id, world.bengkulu.id), (world.kanwil_kaltim.id, world.balikpapan.id),
        (world.ditjenpas.id, world.bengkulu.id), (world.ditjenpas.id, world.balikpapan.id)}


#: Where the rule is written in Python; nowhere else may compare an office's province with a facility's.
RULE_OWNER = Path("portal/organisations/visibility.py")


def province_comparisons(source: str) -> list[int]:
    """Lines of `source` that spell the oversight rule: a `province` attribute compared (`==`, `!=`, `.is_(None)`,
    `.in_()`) or tested for truth, in a module that also names oversight (the kind, or a name such as `oversight`,
    `overseer`). Public pages listing a province's facilities never name oversight, so they pass."""
    tree = ast.parse(source)

    def names_province(node) -> bool:
        return isinstance(node, ast.Attribute) and node.attr == "province"

    def names_oversight(node) -> bool:
        return ((isinstance(node, ast.Attribute) and node.attr == "OVERSIGHT")
                or (isinstance(node, ast.Constant) and node.value == "oversight")
                or (isinstance(node, ast.Name) and "overs" in node.id.lower())  # oversight, overseer, overseen
                or (isinstance(node, ast.arg) and "overs" in node.arg.lower()))

    if not any(names_oversight(node) for node in ast.walk(tree)):
        return []
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            tested = [node.left, *node.comparators]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            tested = [node.func.value] if node.func.attr in ("is_", "is_not", "in_") else []
        elif isinstance(node, ast.BoolOp):
            tested = node.values  # `oversight.province or ...`: the province as a truth
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            tested = [node.operand]
        elif isinstance(node, (ast.If, ast.IfExp)):
            tested = [node.test]
        else:
            tested = []
        if any(names_province(side) for side in tested):
            lines.append(node.lineno)
    return sorted(set(lines))


def test_the_scan_finds_each_way_the_rule_was_spelled():
    """The source scan below would have caught every copy this refactor removed."""
    copies = [
        "if scope.kind == OrgKind.OVERSIGHT and province:\n    q = select(O.id).where(O.province == province)",
        "def f(oversight):\n    if oversight.province:\n"
        "        query = query.where(Organisation.province == oversight.province)",
        "c = (O.kind == OrgKind.OVERSIGHT) & (O.province.is_(None) | (O.province == province))",
        "n = self.kind == OrgKind.OVERSIGHT and not self.province",
        "sql = 'oversight'\nif facility.province != office.province: pass",
    ]
    assert all(province_comparisons(copy) for copy in copies)
    assert province_comparisons("q = select(O.id).where(O.province == province)") == []  # a public page's list


def test_no_module_but_the_owner_compares_an_oversight_office_province():
    root = Path(__file__).resolve().parents[2]
    found = {}
    for folder in ("portal", "blueprints", "devtools"):
        for path in sorted((root / folder).rglob("*.py")):
            relative = path.relative_to(root)
            if relative != RULE_OWNER and (lines := province_comparisons(path.read_text())):
                found[str(relative)] = lines
    assert found == {}, f"the oversight rule is spelled outside {RULE_OWNER}: use visibility.covers & co."


# --- review of the one-pair-rule change: `is_party` in `_may_write_own` ---------------------------------------------

def test_a_partner_never_writes_a_facilitys_own_record_even_under_its_own_id():
    """A facility's own records (news, quotes, photos, tallies) are written by the facility alone. Before 79d9d59
    `_may_write_own` asked for a FACILITY scope; `is_party(scope, facility_id, None)` takes any party whose id is the
    record's facility_id, so a partner flushing a news item filed under its own id now passes the write guard (and
    Row-Level Security's `mitrapas_party_to(facility_id, NULL)`, which never looked at the kind, lets it in too)."""
    from datetime import date

    from portal.public.news_models import NewsItem, NewsSource, NewsStatus

    partner = PartnerFactory()
    with acting_for(partner):
        db.session.add(NewsItem(facility_id=partner.id, title="Bukan fasilitas", slug="bukan-fasilitas", body="x",
                                happened_on=date.today(), source_kind=NewsSource.CONTRIBUTION, source_id=0,
                                status=NewsStatus.DRAFT))
        with pytest.raises(TenantViolation):
            db.session.flush()
    db.session.rollback()

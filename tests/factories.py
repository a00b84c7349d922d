"""factory_boy factories: organisations, people and pairs, built inside the test's transaction."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from functools import cache
import time

import factory
from factory.alchemy import SQLAlchemyModelFactory
import pyotp
from sqlalchemy import select

from portal.accounts.models import LoginSession, User
from portal.accounts.operations import hash_password
from portal.agreements.models import Agreement, AgreementDocument, AgreementType, DocumentKind
from portal.contributions import tallies
from portal.contributions.models import Contribution, ContributionStatus, ContributionType, Programme
from portal.core.columns import PairScoped, utcnow
from portal.core.tenancy import unscoped
from portal.extensions import db
from portal.integrations.token_models import ApiToken
from portal.integrations.webhook_models import WebhookDelivery, WebhookEndpoint
from portal.jobs.models import BackgroundJob
from portal.materials.models import Material, MaterialCategory, MaterialVersion
from portal.materials.upload_models import ResumableUpload
from portal.notifications.models import Notification
from portal.organisations.invitation_models import Invitation
from portal.organisations.models import Membership, Organisation, OrgKind, PartnerCategory, Role
from portal.organisations.partnership_models import Partnership
from portal.public.news_models import NewsItem, NewsPhoto, NewsQuote, NewsSource, NewsStatus
from portal.umkm.models import (
    CertificateKind, CertificateStatus, Inquiry, Product, ProductCategory, ProductCertificate, ProductPhoto,
)

#: Every factory-made user's password.
PASSWORD = "benar-sekali-42"


@cache
def _password_hash() -> str:
    return hash_password(PASSWORD)


class Factory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "flush"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        with unscoped("test data is set up across tenants"):
            record = super()._create(model_class, *args, **kwargs)
            if issubclass(model_class, PairScoped) and model_class is not Partnership:
                _partners(record.facility_id, record.partner_id)
            return record


def _partners(facility_id: int, partner_id: int) -> None:
    """A shared record is only ever written for two organisations that are partners (the portal checks it, and
    on PostgreSQL so does Row-Level Security): test data makes the partnership its record implies."""
    found = db.session.scalar(select(Partnership.id).where(Partnership.facility_id == facility_id,
                                                          Partnership.partner_id == partner_id))
    if found is None:
        db.session.add(Partnership(facility_id=facility_id, partner_id=partner_id, focus="Konseling"))
        db.session.flush()


class FacilityFactory(Factory):
    class Meta:
        model = Organisation

    kind = OrgKind.FACILITY
    name = factory.Sequence(lambda n: f"Rutan Kelas IIB Contoh {n}")
    slug = factory.Sequence(lambda n: f"rutan-contoh-{n}")
    province = "Bengkulu"
    facility_class = "Rutan Kelas IIB"


class PartnerFactory(Factory):
    class Meta:
        model = Organisation

    kind = OrgKind.PARTNER
    name = factory.Sequence(lambda n: f"Yayasan Mitra {n}")
    slug = factory.Sequence(lambda n: f"yayasan-mitra-{n}")
    partner_category = PartnerCategory.NGO


class OversightFactory(Factory):
    class Meta:
        model = Organisation

    kind = OrgKind.OVERSIGHT
    name = factory.Sequence(lambda n: f"Kanwil Contoh {n}")
    slug = factory.Sequence(lambda n: f"kanwil-contoh-{n}")
    province = "Bengkulu"


class UserFactory(Factory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"orang{n}@contoh.go.id")
    name = factory.Sequence(lambda n: f"Orang Contoh {n}")
    password_hash = factory.LazyFunction(_password_hash)


class MembershipFactory(Factory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(FacilityFactory)
    role = Role.HEAD


class PartnershipFactory(Factory):
    class Meta:
        model = Partnership

    facility = factory.SubFactory(FacilityFactory)
    partner = factory.SubFactory(PartnerFactory)
    focus = "Konseling"


def also_member_of(user: User, organisation: Organisation, role: Role) -> User:
    """`user`, now a member of `organisation` too (their memberships loaded again while every tenant is visible)."""
    MembershipFactory(organisation=organisation, role=role, user=user)
    with unscoped("test data is set up across tenants"):
        db.session.refresh(user, ["memberships"])
    return user


def member_of(organisation: Organisation, role: Role, **user_fields) -> User:
    """A new person with `role` in `organisation` (their memberships loaded while every tenant is visible)."""
    user = MembershipFactory(organisation=organisation, role=role, user=UserFactory(**user_fields)).user
    with unscoped("test data is set up across tenants"):
        db.session.refresh(user, ["memberships"])
    return user


class AgreementFactory(Factory):
    """An agreement in any state, without documents (see tests.documents for those)."""

    class Meta:
        model = Agreement

    facility = factory.SubFactory(FacilityFactory)
    partner = factory.SubFactory(PartnerFactory)
    type = AgreementType.HEALTH_REFERRAL
    title = factory.Sequence(lambda n: f"Sistem Rujukan Pelayanan Kesehatan {n}")
    scope = "Rujukan pelayanan kesehatan bagi WBP"
    start_date = factory.LazyFunction(lambda: date.today() - timedelta(days=30))
    end_date = factory.LazyFunction(lambda: date.today() + timedelta(days=335))
    facility_number = factory.Sequence(lambda n: f"W17.PAS.PAS.10-{n}")
    partner_number = factory.Sequence(lambda n: f"445/{n}/RSUD")


class AgreementDocumentFactory(Factory):
    """A document row only: for tests that never read the object (isolation walks)."""

    class Meta:
        model = AgreementDocument

    agreement = factory.SubFactory(AgreementFactory)
    facility = factory.SelfAttribute("agreement.facility")
    partner = factory.SelfAttribute("agreement.partner")
    kind = DocumentKind.DRAFT
    number = 1
    filename = "draf.pdf"
    content_type = "application/pdf"
    size = 1024
    sha256 = "0" * 64
    storage_key = factory.Sequence(lambda n: f"f/0/p/0/agreements/0/{n:032x}")


class MaterialFactory(Factory):
    class Meta:
        model = Material

    facility = factory.SubFactory(FacilityFactory)
    partner = factory.SubFactory(PartnerFactory)
    category = MaterialCategory.MODULE
    title = factory.Sequence(lambda n: f"Modul konseling {n}.pdf")


class MaterialVersionFactory(Factory):
    """A version row only: for tests that never read the object (isolation walks, query counts)."""

    class Meta:
        model = MaterialVersion

    material = factory.SubFactory(MaterialFactory)
    facility = factory.SelfAttribute("material.facility")
    partner = factory.SelfAttribute("material.partner")
    number = 1
    filename = "modul.pdf"
    content_type = "application/pdf"
    size = 2048
    sha256 = factory.Sequence(lambda n: f"{n:064x}")
    storage_key = factory.Sequence(lambda n: f"f/0/p/0/materials/{n:032x}")


class ProgrammeFactory(Factory):
    class Meta:
        model = Programme

    facility = factory.SubFactory(FacilityFactory)
    partner = factory.SubFactory(PartnerFactory)
    name = factory.Sequence(lambda n: f"Program Rehabilitasi Kategori II angkatan {n}")
    type = ContributionType.REHABILITATION
    start_date = factory.LazyFunction(lambda: date.today() - timedelta(days=30))


class ContributionFactory(Factory):
    class Meta:
        model = Contribution

    facility = factory.SubFactory(FacilityFactory)
    partner = factory.SubFactory(PartnerFactory)
    type = ContributionType.COUNSELLING
    title = factory.Sequence(lambda n: f"Konseling psikologis sesi {n}")
    started_on = factory.LazyFunction(lambda: date.today() - timedelta(days=1))
    participants_total = 12

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        """A verified one counts in its facility's tallies, as if an officer had verified it."""
        contribution = super()._create(model_class, *args, **kwargs)
        if contribution.status == ContributionStatus.VERIFIED:
            with unscoped("test data is set up across tenants"):
                tallies.count_in(contribution)
        return contribution


class ApiTokenFactory(Factory):
    """An organisation's API token (its secret is not known: the tests that call the API issue their own)."""

    class Meta:
        model = ApiToken

    name = factory.Sequence(lambda n: f"Sistem {n}")
    prefix = "mitrapas_abcdef"
    token_hash = factory.Sequence(lambda n: f"{n:064x}")
    scopes = factory.LazyFunction(lambda: ["agreements:read"])
    expires_on = factory.LazyFunction(lambda: date.today() + timedelta(days=30))


class WebhookEndpointFactory(Factory):
    """An organisation's webhook address for every event (its secret is made up: the tests that receive make
    their own)."""

    class Meta:
        model = WebhookEndpoint

    url = factory.Sequence(lambda n: f"https://simrs-{n}.example/hook")
    description = factory.Sequence(lambda n: f"Sistem {n}")
    events = factory.LazyFunction(lambda: ["agreement.submitted"])
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


class WebhookDeliveryFactory(Factory):
    """An event queued for an endpoint."""

    class Meta:
        model = WebhookDelivery

    endpoint = factory.SubFactory(WebhookEndpointFactory)
    organisation_id = factory.LazyAttribute(lambda d: d.endpoint.organisation_id)
    message_id = factory.Sequence(lambda n: f"msg_{n:032x}")
    event_type = "agreement.submitted"
    event_key = factory.Sequence(lambda n: f"test:{n}")
    body = "{}"


class BackgroundJobFactory(Factory):
    """A finished import job of an organisation (its page shows how it ended)."""

    class Meta:
        model = BackgroundJob

    id = factory.Sequence(lambda n: f"{n:032x}")
    kind = "contribution-import"
    organisation_id = factory.LazyAttribute(lambda job: job.organisation.id)
    status = "done"
    params = factory.LazyFunction(lambda: {"filename": "rekap.csv", "pair_id": 0})
    result = factory.LazyFunction(lambda: {"rows": 0, "kept": [], "problems": []})

    class Params:
        organisation = None


class InvitationFactory(Factory):
    class Meta:
        model = Invitation

    organisation = factory.SubFactory(FacilityFactory)
    email = factory.Sequence(lambda n: f"undangan{n}@contoh.go.id")
    role = Role.OFFICER
    token_hash = factory.Sequence(lambda n: f"{n:064d}")
    expires_at = factory.LazyFunction(lambda: utcnow() + timedelta(days=7))


class NotificationFactory(Factory):
    """A notice in someone's bell."""

    class Meta:
        model = Notification

    user_id = factory.LazyAttribute(lambda notice: notice.recipient.id)
    organisation_id = factory.LazyAttribute(lambda notice: notice.organisation.id)
    kind = "agreement.submitted"
    link = "/"

    class Params:
        recipient = factory.SubFactory(UserFactory)
        organisation = factory.SubFactory(FacilityFactory)


class LoginSessionFactory(Factory):
    """A login of someone, from a browser."""

    class Meta:
        model = LoginSession

    id = factory.Sequence(lambda n: f"sesi-{n:040d}")
    user = factory.SubFactory(UserFactory)
    ip = "10.0.0.8"
    user_agent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"


def with_two_factor(user: User) -> User:
    """Two-factor sign-in already turned on, as signatories need it."""
    with unscoped("test data is set up across tenants"):
        user.totp_secret, user.totp_enabled_at = pyotp.random_base32(), utcnow()
        db.session.flush()
    return user


def fresh_code(user_id: int) -> str:
    """The next authenticator code this person's server would accept (each time step works once).

    Once a test has used the codes of every step the server accepts now (say, the head signs two agreements within
    half a minute), the person's last step is set back, as if the next half minute had come: tests do not wait for
    the clock. Only the test's own bookkeeping moves; the server's rule (a step works once) is untouched."""
    with unscoped("the test reads the secret as the person's authenticator app holds it"):
        secret, last = db.session.execute(select(User.totp_secret, User.totp_last_step)
                                          .where(User.id == user_id)).one()
        if secret is None:
            return "000000"  # no authenticator: whatever they type is wrong
        now = int(time.time()) // 30
        if last is not None and last >= now + 1:
            db.session.get(User, user_id).totp_last_step = last = now - 1
            db.session.flush()
    step = max(now, (last or 0) + 1)
    return pyotp.TOTP(secret).at(step * 30)


class ResumableUploadFactory(Factory):
    """A browser upload under way: its parts are (notionally) arriving in storage."""

    class Meta:
        model = ResumableUpload

    id = factory.Sequence(lambda n: f"{n:032x}")
    filename = "modul.pdf"
    size = 20 * 1024 * 1024
    part_size = 8 * 1024 * 1024
    storage_key = factory.Sequence(lambda n: f"f/0/p/0/materials/upload-{n}")
    multipart_id = factory.Sequence(lambda n: f"multipart-{n}")
    status = "uploading"


def trail(**filters) -> list:
    """Entries of the audit trail matching `filters`, oldest first, read as `flask audit verify` reads it."""
    from portal.audit.models import AuditEntry

    with unscoped("the test reads the whole audit trail"):
        return list(db.session.scalars(select(AuditEntry).filter_by(**filters).order_by(AuditEntry.id)))


def every_organisation() -> dict[str, Organisation]:
    """Every organisation by name, with its members, as the platform admin sees them (loaded while visible)."""
    from sqlalchemy.orm import selectinload

    with unscoped("test: the whole directory and its people"):
        return {org.name: org for org in db.session.scalars(
            select(Organisation).options(selectinload(Organisation.memberships).selectinload(Membership.user)))}


class NewsItemFactory(Factory):
    """A published report of a facility, with a quote and a photo (rows only: the photo's objects are not stored)."""

    class Meta:
        model = NewsItem

    facility = factory.SubFactory(FacilityFactory)
    partner = factory.SubFactory(PartnerFactory)
    title = factory.Sequence(lambda n: f"Konseling psikologis bagi warga binaan {n}")
    slug = factory.Sequence(lambda n: f"konseling-psikologis-{n}")
    body = "Paragraf pertama.\n\nParagraf kedua."
    happened_on = factory.LazyFunction(lambda: date.today() - timedelta(days=3))
    source_kind = NewsSource.CONTRIBUTION
    source_id = 0
    status = NewsStatus.PUBLISHED
    published_at = factory.LazyFunction(utcnow)
    quotes = factory.LazyAttribute(lambda item: [NewsQuote(facility=item.facility, speaker="Rafi Rizaldi",
                                                           office="Kasubsi Pelayanan Tahanan", text="Kesehatan mental")])
    photos = factory.LazyAttributeSequence(lambda item, n: [NewsPhoto(
        facility=item.facility, caption="Ruang konseling", large_key=f"f/0/news/{n}-besar",
        small_key=f"f/0/news/{n}-kecil", width=1280, height=853)])


class ProductFactory(Factory):
    """A facility's product (UMKM) with a photo, an issued certificate and a partner who helps (rows only: the
    photo's objects are not stored)."""

    class Meta:
        model = Product

    facility = factory.SubFactory(FacilityFactory)
    name = factory.Sequence(lambda n: f"Kain batik besurek {n}")
    slug = factory.Sequence(lambda n: f"kain-batik-besurek-{n}")
    category = ProductCategory.HANDICRAFT
    description = "Batik tulis motif besurek."
    price_min = Decimal("250000")
    price_max = Decimal("450000")
    unit = "lembar"
    makers = 6
    photos = factory.LazyAttributeSequence(lambda product, n: [ProductPhoto(
        facility=product.facility, caption="Kain batik", large_key=f"f/0/products/{n}-besar",
        small_key=f"f/0/products/{n}-kecil", width=1280, height=853)])
    certificates = factory.LazyAttribute(lambda product: [ProductCertificate(
        facility=product.facility, kind=CertificateKind.TRADEMARK, status=CertificateStatus.ISSUED,
        issuer="DJKI", number="IDM000123")])


class InquiryFactory(Factory):
    """A buyer's inquiry about a facility's product."""

    class Meta:
        model = Inquiry

    product = factory.SubFactory(ProductFactory)
    facility = factory.LazyAttribute(lambda inquiry: inquiry.product.facility)
    buyer_name = "Ibu Sari"
    phone = "0812 3456 7890"
    quantity = 10

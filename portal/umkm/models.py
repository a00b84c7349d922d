"""What inmates make and how it reaches buyers (issue 38; the Bengkulu report of 11 November 2025): a facility's
products, their photos and certificates, the partners who help each, the counts of inmates' interests and skills,
buyers' inquiries, and sales. `portal.umkm` says what may happen to them.

Counts only, never names: how many inmates make a product, how many are interested in a skill. Money is Rupiah as
an exact decimal (`Numeric`), never a float.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
import enum

from sqlalchemy import (
    CheckConstraint, Date, ForeignKey, ForeignKeyConstraint, Numeric, String, Text, UniqueConstraint, false, select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.columns import FacilityOwned, PairScoped, SharedWithPartners, Timestamp, enum_column, utcnow
from portal.extensions import db

#: Rupiah: up to a trillion, with sen (a price of Rp 12.500,50 is rare, but exact).
Rupiah = Numeric(15, 2)


class ProductCategory(enum.StrEnum):
    HANDICRAFT = "handicraft"
    PROCESSED_FOOD = "processed_food"
    WORKSHOP = "workshop"
    AGRICULTURE = "agriculture"
    GARMENT = "garment"
    OTHER = "other"


class CertificateKind(enum.StrEnum):
    #: Pangan Industri Rumah Tangga (home-industry food licence, from the district health office).
    PIRT = "pirt"
    HALAL = "halal"
    SNI = "sni"
    #: A registered trademark.
    TRADEMARK = "trademark"


class CertificateStatus(enum.StrEnum):
    #: Applied for; a partner may be arranging it.
    IN_PROGRESS = "in_progress"
    ISSUED = "issued"


class HelpKind(enum.StrEnum):
    """What a partner does for a product."""

    TRAINED_MAKERS = "trained_makers"
    CERTIFICATION = "certification"
    TAKES_OUTPUT = "takes_output"
    MARKETING = "marketing"
    OTHER = "other"


class SkillArea(enum.StrEnum):
    """What the interest mapping asks about: the skill areas facilities train for."""

    HANDICRAFT = "handicraft"
    BATIK_WEAVING = "batik_weaving"
    FOOD_PROCESSING = "food_processing"
    SEWING = "sewing"
    WELDING_WORKSHOP = "welding_workshop"
    CARPENTRY = "carpentry"
    AGRICULTURE = "agriculture"
    LIVESTOCK_FISHERY = "livestock_fishery"
    BARBERING = "barbering"
    OTHER = "other"


class InquiryState(enum.StrEnum):
    """`portal.umkm.inquiries` owns every move: new → answered → agreed → delivered → paid, or closed."""

    NEW = "new"
    ANSWERED = "answered"
    #: Quantity and price agreed: the sale is recorded.
    AGREED = "agreed"
    DELIVERED = "delivered"
    PAID = "paid"
    #: Ended without a sale (or the sale fell through before delivery).
    CLOSED = "closed"


class BuyerKind(enum.StrEnum):
    PERSON = "person"
    SHOP = "shop"
    COOPERATIVE = "cooperative"
    GOVERNMENT = "government"
    OTHER = "other"


def _shown_products():
    """The products in the catalogue, as a sub-select (the tenancy filter adds: of a publishing facility)."""
    return select(Product.id).where(Product.public.is_(True), Product.archived.is_(False))


def of_the_product(ondelete: str) -> ForeignKeyConstraint:
    """A row that belongs to a product, and so to the product's own facility (both columns, one key)."""
    return ForeignKeyConstraint(["product_id", "facility_id"], ["products.id", "products.facility_id"],
                                ondelete=ondelete)


class Product(SharedWithPartners, db.Model):
    """A product the facility's workshop (Kegiatan Kerja) makes: its partners see it to help, and the public in the
    catalogue once the facility shows it there and its public page is on."""

    __tablename__ = "products"
    __table_args__ = (UniqueConstraint("facility_id", "slug"),
                      #: What its photos, certificates, helpers, inquiries and sales point at: the product *and* its
                      #: facility, so none of them can hang a row of one facility on another's product.
                      UniqueConstraint("id", "facility_id"),
                      CheckConstraint("price_min IS NULL OR price_max IS NULL OR price_min <= price_max",
                                      name="price_range"))

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The readable part of its public address, fixed once shown in the catalogue (shared links keep working).
    slug: Mapped[str] = mapped_column(String(160))
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[ProductCategory] = mapped_column(enum_column(ProductCategory), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    price_min: Mapped[Decimal | None] = mapped_column(Rupiah)
    price_max: Mapped[Decimal | None] = mapped_column(Rupiah)
    #: What one price buys ("lembar", "pak 250 g").
    unit: Mapped[str] = mapped_column(String(60), default="")
    monthly_capacity: Mapped[int | None]
    #: How many inmates work on it: a count, never names.
    makers: Mapped[int] = mapped_column(default=0)
    #: Shown in the public catalogue (opt-in, per product).
    public: Mapped[bool] = mapped_column(default=False, index=True)
    #: No longer made: kept (its sales stay), off the catalogue and the lists.
    archived: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow, onupdate=utcnow)

    #: What the public reads (`tenancy`; migration 0040's `public_read` says the same): a product shown, still made.
    public_rows = staticmethod(lambda cls: cls.public.is_(True) & cls.archived.is_(False))

    photos: Mapped[list["ProductPhoto"]] = relationship(
        back_populates="product", order_by="ProductPhoto.id", cascade="all, delete-orphan", overlaps="facility")
    certificates: Mapped[list["ProductCertificate"]] = relationship(
        back_populates="product", order_by="ProductCertificate.id", cascade="all, delete-orphan",
        overlaps="facility")


class ProductPhoto(SharedWithPartners, db.Model):
    """A photo made fit to publish, as a news photo is: confirmed to show no recognisable WBP, re-encoded from its
    pixels (no EXIF, no GPS), resized for the web. The upload itself is not kept."""

    __tablename__ = "product_photos"
    __table_args__ = (of_the_product("CASCADE"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(index=True)
    caption: Mapped[str] = mapped_column(String(300), default="")
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    confirmed_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    large_key: Mapped[str] = mapped_column(String(300), unique=True)
    small_key: Mapped[str] = mapped_column(String(300), unique=True)
    width: Mapped[int]
    height: Mapped[int]

    product: Mapped[Product] = relationship(back_populates="photos", overlaps="facility")

    public_rows = staticmethod(lambda cls: cls.product_id.in_(_shown_products()))


class ProductCertificate(SharedWithPartners, db.Model):
    """A PIRT, halal, SNI or trademark certificate of a product: applied for, or issued with its number, issuer and
    expiry (reminded before it lapses), and its document."""

    __tablename__ = "product_certificates"
    __table_args__ = (of_the_product("CASCADE"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(index=True)
    kind: Mapped[CertificateKind] = mapped_column(enum_column(CertificateKind))
    status: Mapped[CertificateStatus] = mapped_column(enum_column(CertificateStatus))
    #: Who issues it, e.g. "Dinas Kesehatan Kota Bengkulu", "BPJPH".
    issuer: Mapped[str] = mapped_column(String(200), default="")
    number: Mapped[str | None] = mapped_column(String(120))
    issued_on: Mapped[date | None] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date, index=True)
    #: The scanned certificate (PDF or photo) in the document store, private to those who see the product.
    document_key: Mapped[str | None] = mapped_column(String(300))
    document_name: Mapped[str | None] = mapped_column(String(255))
    document_type: Mapped[str | None] = mapped_column(String(120))
    #: The largest reminder window (90, 30, 7 days) already told, for the expiry date it was told for.
    reminded_days: Mapped[int | None]
    reminded_for: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow, onupdate=utcnow)

    product: Mapped[Product] = relationship(back_populates="certificates", overlaps="facility")

    #: An issued certificate of a product in the catalogue (one being applied for is not the public's).
    public_rows = staticmethod(lambda cls: (cls.status == CertificateStatus.ISSUED)
                               & cls.product_id.in_(_shown_products()))


class ProductHelper(PairScoped, db.Model):
    """A partner helping a product, through its partnership with the facility: BLK trained the makers, the
    cooperative office arranges the PIRT, a shop takes part of the output. What it did is a contribution like any
    other (`contribution_id`, when recorded)."""

    __tablename__ = "product_helpers"
    __table_args__ = (UniqueConstraint("product_id", "partner_id", "help"), of_the_product("CASCADE"))

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(index=True)
    help: Mapped[HelpKind] = mapped_column(enum_column(HelpKind))
    note: Mapped[str] = mapped_column(String(300), default="")
    contribution_id: Mapped[int | None] = mapped_column(ForeignKey("contributions.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)

    product: Mapped[Product] = relationship(lazy="joined", overlaps="facility")
    contribution: Mapped["Contribution | None"] = relationship()  # noqa: F821

    #: A partnership's record, but the facility links its product to a partner: written by the facility alone.
    written_by_facility = True
    public_rows = staticmethod(lambda cls: cls.product_id.in_(_shown_products()))


class SkillInterest(SharedWithPartners, db.Model):
    """How many inmates are interested in, and trained for, one skill area, as the facility mapped them in one
    period (a month): counts only. Its partners (the cooperative office, BLK) read them to plan training."""

    __tablename__ = "skill_interests"
    __table_args__ = (UniqueConstraint("facility_id", "period", "skill"),
                      CheckConstraint("interested >= 0 AND trained >= 0", name="counts"))

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The first day of the month the mapping was made in.
    period: Mapped[date] = mapped_column(Date, index=True)
    skill: Mapped[SkillArea] = mapped_column(enum_column(SkillArea))
    interested: Mapped[int] = mapped_column(default=0)
    trained: Mapped[int] = mapped_column(default=0)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow, onupdate=utcnow)

    public_rows = staticmethod(lambda cls: false())  # counts for the partners, never the public's


class Inquiry(FacilityOwned, db.Model):
    """A buyer's question about a product, sent from the public catalogue without an account. It holds the buyer's
    name and contact: the facility's alone (never its partners', never the public's), and only with the buyer's
    consent to be contacted."""

    __tablename__ = "inquiries"
    __table_args__ = (of_the_product("RESTRICT"),)
    shown_on_pages_of = ("facility_id",)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(index=True)
    state: Mapped[InquiryState] = mapped_column(enum_column(InquiryState), default=InquiryState.NEW, index=True)
    buyer_name: Mapped[str] = mapped_column(String(200))
    buyer_organisation: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    quantity: Mapped[int | None]
    message: Mapped[str] = mapped_column(Text, default="")
    consented_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    #: Why it was closed without a sale, as the officer wrote it.
    closed_reason: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow, onupdate=utcnow)

    product: Mapped[Product] = relationship(lazy="joined", overlaps="facility")
    sale: Mapped["Sale | None"] = relationship(back_populates="inquiry", uselist=False)

    public_rows = staticmethod(lambda cls: false())  # a buyer's name and contact: the facility's alone


class Sale(PairScoped, db.Model):
    """A sale of a product: the facility records it (from an inquiry it agreed, or one made at a stall or through a
    shop). Its partner is the one who brought or helped it, if any, who sees it on its dashboard; without one it is
    the facility's own."""

    __tablename__ = "sales"
    __table_args__ = (CheckConstraint("quantity > 0 AND amount >= 0", name="positive"), of_the_product("RESTRICT"))

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The partner who brought or helped the sale; none for the facility's own.
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="RESTRICT"), index=True)
    product_id: Mapped[int] = mapped_column(index=True)
    inquiry_id: Mapped[int | None] = mapped_column(ForeignKey("inquiries.id", ondelete="SET NULL"), unique=True)
    #: What was sold, as it was then (its partner reads the sale, not the product's later changes).
    product_name: Mapped[str] = mapped_column(String(200))
    category: Mapped[ProductCategory] = mapped_column(enum_column(ProductCategory))
    #: What one of its quantity is ("lembar", "kotak"): quantities of different products are never added up.
    unit: Mapped[str] = mapped_column(String(60), default="")
    sold_on: Mapped[date] = mapped_column(Date, index=True)
    quantity: Mapped[int]
    amount: Mapped[Decimal] = mapped_column(Rupiah)
    buyer_kind: Mapped[BuyerKind] = mapped_column(enum_column(BuyerKind))
    delivered_on: Mapped[date | None] = mapped_column(Date)
    paid_on: Mapped[date | None] = mapped_column(Date)
    #: The inquiry was closed after the sale was agreed: it did not happen, and counts no more.
    cancelled: Mapped[bool] = mapped_column(default=False)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)

    inquiry: Mapped[Inquiry | None] = relationship(back_populates="sale")

    #: The facility records its sales; the partner who helped reads them.
    written_by_facility = True
    public_rows = staticmethod(lambda cls: false())

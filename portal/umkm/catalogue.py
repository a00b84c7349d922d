"""The public catalogue: products facilities chose to show, searchable by province and category across every
facility whose public page is on. Read as an anonymous visitor (`tenancy.reading_public`); on PostgreSQL the
policies of migration 0040 say the same again. A product page shows its photos (the published copies only), its
price range, its issued certificates and the partners who help it; never a buyer, a sale or a count of makers'
names (there are none). Every page asks a fixed number of questions.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, or_, select
from sqlalchemy.orm import contains_eager, selectinload

from portal.core import clock
from portal.core.tenancy import reading_public
from portal.extensions import db
from portal.organisations.models import Organisation, OrgKind
from portal.umkm.models import (
    CertificateStatus, Product, ProductCategory, ProductCertificate, ProductHelper, ProductPhoto,
)

PER_PAGE = 24


@dataclass
class CataloguePage:
    products: list[Product]
    page: int
    more: bool
    #: The provinces with a product shown, for the search's choice.
    provinces: list[str] = field(default_factory=list)


@dataclass
class ProductPage:
    product: Product
    certificates: list[ProductCertificate]
    helpers: list[ProductHelper]


def _shown(*columns):
    """Products in the catalogue (or these columns of them): shown by their facility, still made, of a facility
    whose public page is on."""
    query = (select(*(columns or (Product,))).select_from(Product)
             .join(Organisation, Organisation.id == Product.facility_id)
             .where(Product.public.is_(True), Product.archived.is_(False), Organisation.kind == OrgKind.FACILITY,
                    Organisation.public_page.is_(True), Organisation.is_active.is_(True)))
    return query if columns else query.options(contains_eager(Product.facility), selectinload(Product.photos))


def search(*, province: str | None = None, category: ProductCategory | None = None, words: str = "",
           page: int = 1) -> CataloguePage:
    with reading_public():
        query = _shown()
        if province:
            query = query.where(Organisation.province == province)
        if category:
            query = query.where(Product.category == category)
        for word in words.split()[:5]:
            like = f"%{word.replace('%', '').replace('_', '')}%"
            query = query.where(or_(Product.name.ilike(like), Product.description.ilike(like),
                                    Organisation.name.ilike(like)))
        found = list(db.session.scalars(query.order_by(Product.updated_at.desc(), Product.id.desc())
                                        .offset((page - 1) * PER_PAGE).limit(PER_PAGE + 1)).unique())
        provinces = list(db.session.scalars(
            _shown(Organisation.province).where(Organisation.province.is_not(None))
            .group_by(Organisation.province).order_by(Organisation.province)))
    return CataloguePage(found[:PER_PAGE], page, len(found) > PER_PAGE, provinces)


def of_facility(facility_id: int) -> list[Product]:
    """A publishing facility's products in the catalogue, for its public page."""
    with reading_public():
        return list(db.session.scalars(_shown().where(Product.facility_id == facility_id)
                                       .order_by(Product.name)).unique())


def product_page(facility_slug: str, product_slug: str) -> ProductPage | None:
    with reading_public():
        product = db.session.scalars(_shown().where(Organisation.slug == facility_slug,
                                                    Product.slug == product_slug)).unique().one_or_none()
        if product is None:
            return None
        today = clock.today()
        certificates = [certificate for certificate in product.certificates
                        if certificate.status == CertificateStatus.ISSUED
                        and (certificate.expires_on is None or certificate.expires_on >= today)]
        helpers = list(db.session.scalars(select(ProductHelper).where(ProductHelper.product_id == product.id)
                                          .order_by(ProductHelper.id)))
        return ProductPage(product, certificates, helpers)


def photo_key(facility_slug: str, photo_id: int, small: bool) -> str | None:
    """The stored copy of a photo of a product in the catalogue, or None."""
    with reading_public():
        return db.session.scalar(
            _shown(ProductPhoto.small_key if small else ProductPhoto.large_key)
            .join(ProductPhoto, ProductPhoto.product_id == Product.id)
            .where(ProductPhoto.id == photo_id, Organisation.slug == facility_slug))


def addresses() -> list[tuple[str, str, object]]:
    """(facility slug, product slug, changed at) of every product in the catalogue, for the sitemap."""
    with reading_public():
        return list(db.session.execute(
            _shown(Organisation.slug, Product.slug, Product.updated_at)
            .order_by(Product.updated_at.desc())).all())


def count_shown() -> int:
    with reading_public():
        return db.session.scalar(_shown(func.count(Product.id))) or 0

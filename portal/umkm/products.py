"""A facility's products, from the first entry to the public catalogue: each change one function here, guarded by
role and state, written to the audit trail in the same transaction. Their photos, certificates and the partners
who help each live here too: they are the product's.

Only the facility writes (`policy.can_manage_products`); its partners and the offices covering it read
(`SharedWithPartners`); the public reads a product the facility shows in its catalogue, once its public page is on.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import BinaryIO

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal import policy
from portal.accounts.models import User
from portal.audit import chain as audit
from portal.contributions.models import Contribution, ContributionStatus
from portal.core import images, slugs, transactional_files as files
from portal.core.errors import DomainError
from portal.extensions import db
from portal.organisations.models import Organisation
from portal.organisations.partnership_models import Partnership
from portal.reporting.figures import EXPIRY_WINDOWS  # an agreement's reminders: told 90, 30 and 7 days before
from portal.umkm.fields import PRODUCT_FIELDS, ProductFields
from portal.umkm.models import (
    CertificateKind, CertificateStatus, HelpKind, Product, ProductCertificate, ProductHelper, ProductPhoto,
)

MAX_PHOTOS = 6
#: A certificate's scan: a PDF or a photo of it.
CERTIFICATE_TYPES = ("application/pdf", "image/jpeg", "image/png")
CERTIFICATE_MAX_BYTES = 10 * 1024 * 1024


def products_of(facility: Organisation, *, archived: bool = False) -> list[Product]:
    """The facility's products (those still made, or those no longer made), by name."""
    return list(db.session.scalars(select(Product).where(Product.facility_id == facility.id,
                                                         Product.archived.is_(archived)).order_by(Product.name)))


def products_seen(limit: int = 300) -> list[Product]:
    """The products still made of the facilities the acting organisation sees (a partner: those it works with; an
    office: those it covers), by facility and name."""
    return list(db.session.scalars(select(Product).join(Organisation, Organisation.id == Product.facility_id)
                                   .where(Product.archived.is_(False)).order_by(Organisation.name, Product.name)
                                   .limit(limit)))


def product(product_id: int) -> Product | None:
    """A product the acting organisation sees (its own, its partner facility's, one it oversees), or None."""
    return db.session.scalar(select(Product).where(Product.id == product_id))


def create(facility: Organisation, fields: ProductFields, *, actor: User) -> Product:
    policy.require(policy.can_manage_products(actor, facility))
    _check(fields)
    made = Product(facility=facility, created_by_id=actor.id, slug=slugs.free_slug(Product, facility, fields.name, fallback="produk"),
                   **_values(fields))
    db.session.add(made)
    db.session.flush()
    _record("product.created", made, actor, after={"name": made.name, "product_category": str(made.category)})
    return made


def edit(product: Product, fields: ProductFields, *, actor: User) -> None:
    """Change what the product says; its address stays as it was made (a link shared once keeps working)."""
    _require(product, actor)
    _check(fields)
    before = {"name": product.name, "price_min": _money(product.price_min), "price_max": _money(product.price_max)}
    for name, value in _values(fields).items():
        setattr(product, name, value)
    db.session.flush()
    _record("product.edited", product, actor, before=before,
            after={"name": product.name, "price_min": _money(product.price_min),
                   "price_max": _money(product.price_max)})


def show_in_catalogue(product: Product, shown: bool, *, actor: User) -> None:
    """Opt a product in or out of the public catalogue (it appears there while the facility's public page is on)."""
    _require(product, actor)
    if shown and product.archived:
        raise DomainError(_l("A product no longer made cannot be shown in the catalogue."))
    if product.public == shown:
        return
    product.public = shown
    db.session.flush()
    _record("product.shown" if shown else "product.hidden", product, actor)


def archive(product: Product, *, actor: User) -> None:
    """No longer made: off the catalogue and the lists, kept for its sales."""
    _require(product, actor)
    product.archived, product.public = True, False
    db.session.flush()
    _record("product.archived", product, actor)


# --- photos ----------------------------------------------------------------------------------------

def add_photo(product: Product, stream: BinaryIO, *, filename: str | None, caption: str, no_wbp_recognisable: bool,
              actor: User) -> ProductPhoto:
    """A photo of the product for the catalogue, once the officer confirms no WBP can be recognised in it: only the
    copies drawn from its pixels are kept (`images.web_copies`), never the upload with its EXIF and position."""
    _require(product, actor)
    if not no_wbp_recognisable:
        raise DomainError(_l("Confirm that no WBP can be recognised in the photo before it is published."))
    if len(product.photos) >= MAX_PHOTOS:
        raise DomainError(_l("A product holds at most %(count)s photos.", count=MAX_PHOTOS))
    original = stream.read(images.MAX_SOURCE_BYTES + 1)
    if len(original) > images.MAX_SOURCE_BYTES:
        raise DomainError(_l("This photo is too large to publish (at most 25 MB)."))
    if files.sniff(original[:files.SNIFF_BYTES]) not in images.IMAGE_TYPES:
        raise DomainError(_l("%(file)s is not a JPEG or PNG photo. Choose a photo taken with a phone or camera.",
                             file=files.safe_filename(filename, "foto")))
    large, small, (width, height) = images.web_copies(original)
    prefix = f"f/{product.facility_id}/products/{product.id}"
    keys = [files.store_bytes(data, filename=f"foto-{size}.jpg", prefix=prefix, content_type="image/jpeg",
                              session=db.session).key for size, data in (("besar", large), ("kecil", small))]
    photo = ProductPhoto(facility_id=product.facility_id, caption=caption.strip()[:300], confirmed_by_id=actor.id,
                         large_key=keys[0], small_key=keys[1], width=width, height=height)
    product.photos.append(photo)
    db.session.flush()
    _record("product.photo_added", product, actor, after={"no_wbp_recognisable": True})
    return photo


def remove_photo(product: Product, photo_id: int, *, actor: User) -> None:
    _require(product, actor)
    photo = next((p for p in product.photos if p.id == photo_id), None)
    if photo is None:
        raise DomainError(_l("This photo is no longer part of the product."))
    product.photos.remove(photo)
    for key in (photo.large_key, photo.small_key):
        files.remove_after_commit(key, db.session)
    db.session.flush()
    _record("product.photo_removed", product, actor)


# --- certificates ----------------------------------------------------------------------------------

@dataclass
class CertificateFields:
    kind: CertificateKind
    status: CertificateStatus
    issuer: str = ""
    number: str = ""
    issued_on: date | None = None
    expires_on: date | None = None


def save_certificate(product: Product, fields: CertificateFields, *, document: BinaryIO | None = None,
                     filename: str | None = None, actor: User, certificate: ProductCertificate | None = None
                     ) -> ProductCertificate:
    """Add a certificate (applied for, or issued) or update one, with its scan if one is given."""
    _require(product, actor)
    issuer, number = fields.issuer.strip(), fields.number.strip()
    if fields.status == CertificateStatus.ISSUED and not (issuer and number):
        raise DomainError(_l("An issued certificate needs its issuer and its number."))
    if fields.issued_on and fields.expires_on and fields.expires_on <= fields.issued_on:
        raise DomainError(_l("A certificate expires after the day it was issued."))
    if certificate is None:
        certificate = ProductCertificate(facility_id=product.facility_id, kind=fields.kind)
        product.certificates.append(certificate)
    elif certificate.product_id != product.id:
        raise DomainError(_l("This certificate is no longer part of the product."))
    if certificate.expires_on != fields.expires_on:
        certificate.reminded_days = certificate.reminded_for = None  # a renewed certificate is reminded anew
    certificate.kind, certificate.status = fields.kind, fields.status
    certificate.issuer, certificate.number = issuer[:200], number[:120] or None
    certificate.issued_on, certificate.expires_on = fields.issued_on, fields.expires_on
    if document is not None:
        stored = files.store_upload(document, filename=filename, prefix=f"f/{product.facility_id}/certificates",
                                    allowed=CERTIFICATE_TYPES, max_bytes=CERTIFICATE_MAX_BYTES, session=db.session)
        images.refuse_pixel_bomb(stored)
        if certificate.document_key:
            files.remove_after_commit(certificate.document_key, db.session)
        certificate.document_key, certificate.document_name = stored.key, stored.filename
        certificate.document_type = stored.content_type
    db.session.flush()
    _record("product.certificate_saved", product, actor,
            after={"certificate": str(certificate.kind), "certificate_status": str(certificate.status),
                   "expires_on": certificate.expires_on.isoformat() if certificate.expires_on else None})
    return certificate


def remove_certificate(product: Product, certificate_id: int, *, actor: User) -> None:
    _require(product, actor)
    certificate = next((c for c in product.certificates if c.id == certificate_id), None)
    if certificate is None:
        raise DomainError(_l("This certificate is no longer part of the product."))
    product.certificates.remove(certificate)
    if certificate.document_key:
        files.remove_after_commit(certificate.document_key, db.session)
    db.session.flush()
    _record("product.certificate_removed", product, actor, before={"certificate": str(certificate.kind)})


def certificate_of(product: Product, certificate_id: int) -> ProductCertificate | None:
    """One of the product's certificates (its scan is for whoever sees the product)."""
    return next((c for c in product.certificates if c.id == certificate_id), None)


def expiring_certificates(today: date) -> list[tuple[ProductCertificate, int]]:
    """Issued certificates of products still made that lapse within the largest window, each with the smallest
    window it is in, not yet told for that window and expiry date (`flask portal remind`)."""
    found = db.session.scalars(
        select(ProductCertificate).join(Product, Product.id == ProductCertificate.product_id)
        .where(ProductCertificate.status == CertificateStatus.ISSUED, Product.archived.is_(False),
               ProductCertificate.expires_on.is_not(None),
               ProductCertificate.expires_on <= today + timedelta(days=max(EXPIRY_WINDOWS))))
    due = []
    for certificate in found:
        window = min(days for days in EXPIRY_WINDOWS if certificate.expires_on <= today + timedelta(days=days))
        told = certificate.reminded_for == certificate.expires_on and certificate.reminded_days is not None
        if not told or window < certificate.reminded_days:
            due.append((certificate, window))
    return due


def reminded(certificate: ProductCertificate, window: int) -> None:
    certificate.reminded_days, certificate.reminded_for = window, certificate.expires_on


# --- the partners who help -------------------------------------------------------------------------

def partners_of(facility: Organisation) -> list[Organisation]:
    """The partners the facility has a partnership with: those who may help a product or a sale."""
    return list(db.session.scalars(select(Organisation).join(Partnership, Partnership.partner_id == Organisation.id)
                                   .where(Partnership.facility_id == facility.id).order_by(Organisation.name)))


def contributions_to_name(product: Product, limit: int = 100) -> list[Contribution]:
    """The facility's verified contributions a partner's link to the product may name, newest first."""
    return list(db.session.scalars(select(Contribution).where(
        Contribution.facility_id == product.facility_id, Contribution.status == ContributionStatus.VERIFIED)
        .order_by(Contribution.started_on.desc()).limit(limit)))


def contribution_named(product: Product, contribution_id: int | None) -> Contribution | None:
    """The contribution a form names (none for 0), as the acting organisation sees it; `add_helper` checks its pair."""
    if not contribution_id:
        return None
    found = db.session.get(Contribution, contribution_id)
    if found is None:
        raise DomainError(_l("Choose a contribution of this partner at this facility."))
    return found


def helpers_of(product: Product) -> list[ProductHelper]:
    return helpers_of_many([product]).get(product.id, [])


def helpers_of_many(found: list[Product]) -> dict[int, list[ProductHelper]]:
    """The helpers of several products, by product id (one question for a page of the API)."""
    by_product: dict[int, list[ProductHelper]] = {}
    for helper in db.session.scalars(select(ProductHelper).where(ProductHelper.product_id.in_([p.id for p in found]))
                                     .order_by(ProductHelper.id)):
        by_product.setdefault(helper.product_id, []).append(helper)
    return by_product


def add_helper(product: Product, partner: Organisation, help: HelpKind, *, note: str = "",
               contribution: Contribution | None = None, actor: User) -> ProductHelper:
    """Link a partner of the facility to the product, with what it does; the contribution recording it, if any,
    must be of the same pair."""
    _require(product, actor)
    if partner.id not in {p.id for p in partners_of(product.facility)}:
        raise DomainError(_l("Only a partner the facility works with can be linked to its product."))
    if contribution is not None and (contribution.facility_id, contribution.partner_id) != (product.facility_id,
                                                                                           partner.id):
        raise DomainError(_l("Choose a contribution of this partner at this facility."))
    taken = db.session.scalar(select(ProductHelper.id).where(ProductHelper.product_id == product.id,
                                                             ProductHelper.partner_id == partner.id,
                                                             ProductHelper.help == help))
    if taken is not None:
        raise DomainError(_l("This partner is already linked to the product for this."))
    helper = ProductHelper(product=product, facility_id=product.facility_id, partner_id=partner.id, help=help,
                           note=note.strip()[:300], contribution=contribution)
    db.session.add(helper)
    db.session.flush()
    _record("product.helper_added", product, actor, partner=partner, after={"partner": partner.name,
                                                                             "help": str(help)})
    return helper


def remove_helper(product: Product, helper_id: int, *, actor: User) -> None:
    _require(product, actor)
    helper = next((h for h in helpers_of(product) if h.id == helper_id), None)
    if helper is None:
        raise DomainError(_l("This partner is no longer linked to the product."))
    db.session.delete(helper)
    db.session.flush()
    _record("product.helper_removed", product, actor, partner=helper.partner,
            before={"partner": helper.partner.name, "help": str(helper.help)})


# --- shared ----------------------------------------------------------------------------------------

def _require(product: Product, actor: User) -> None:
    policy.require(policy.can_manage_products(actor, product.facility))


def _check(fields: ProductFields) -> None:
    if not fields.name.strip():
        raise DomainError(_l("A product needs a name."))
    if any(getattr(fields, name) is not None and getattr(fields, name) < 0
           for name in ("price_min", "price_max", "monthly_capacity", "makers")):
        raise DomainError(_l("Prices and counts cannot be below zero."))
    if fields.price_min is not None and fields.price_max is not None and fields.price_min > fields.price_max:
        raise DomainError(_l("The lowest price is higher than the highest price."))


def _values(fields: ProductFields) -> dict:
    values = {field.name: getattr(fields, field.name) for field in PRODUCT_FIELDS}
    values["name"] = values["name"].strip()
    values["description"], values["unit"] = (values["description"] or "").strip(), (values["unit"] or "").strip()
    values["makers"] = values["makers"] or 0
    return values


def _money(amount) -> str | None:
    return None if amount is None else str(amount)


def _record(action: str, product: Product, actor: User | None, *, partner: Organisation | None = None,
            before: dict | None = None, after: dict | None = None) -> None:
    audit.record(action, actor=actor, object_type="product", object_id=product.id, organisation=product.facility,
                 facility=product.facility, partner=partner, before=before, after=after)


"""Who hears of UMKM: a facility's product keepers of each buyer's inquiry as it arrives, and of a certificate about
to lapse (from `flask portal remind`). A notice names the product by its category and the inquiry by its number,
never the buyer, nor anything the buyer typed (it travels to mailboxes and lock screens)."""
from __future__ import annotations

from flask import Flask

from portal.core import clock, events, links
from portal.notifications.delivery import notify
from portal.notifications.operations import people_of
from portal.organisations.roles import Capability as C
from portal.umkm import products
from portal.umkm.events import InquiryEvent, InquiryVerb


def subscribe(app: Flask) -> None:
    events.connect((InquiryVerb.RECEIVE,), _received, app)


def unsubscribe(app: Flask) -> None:
    events.disconnect((InquiryVerb.RECEIVE,), _received, app)


def _received(app: Flask, *, event: InquiryEvent) -> None:
    inquiry = event.record
    if inquiry is None:
        return
    facility = inquiry.facility
    notify(people_of(facility, C.MANAGE_PRODUCTS), event.verb.action, organisation=facility,
           link=links.path("umkm.inquiry", org_slug=facility.slug, inquiry_id=inquiry.id),
           number=inquiry.id, product_category=str(inquiry.product.category), facility=facility.name)


def remind_certificates() -> int:
    """Issued certificates lapsing within 90, 30 or 7 days: the facility's product keepers hear once per window."""
    sent = 0
    for certificate, window in products.expiring_certificates(clock.today()):
        product = certificate.product
        facility = product.facility
        sent += len(notify(people_of(facility, C.MANAGE_PRODUCTS), "reminder.certificate_expiring",
                           organisation=facility,
                           link=links.path("umkm.product", org_slug=facility.slug, product_id=product.id),
                           dedupe_key=f"certificate:{certificate.id}:expiring:{window}:{certificate.expires_on}",
                           certificate_kind=str(certificate.kind), product_category=str(product.category),
                           facility=facility.name, days=window, end=certificate.expires_on.isoformat()))
        products.reminded(certificate, window)
    return sent

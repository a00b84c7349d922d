"""Products, buyers' inquiries and sales through the API, each with its own scope: `products:read` and `sales:read`
for whoever sees them (a partner: its facilities' products and the sales it helped); `inquiries:read` for the
facility alone (an inquiry holds a buyer's name and contact)."""
from __future__ import annotations

from flask import abort, g, request
from spectree import Response as Answers

from blueprints.api import bp, spec
from blueprints.api.access import REFUSALS, ref, require
from blueprints.api.schemas import (
    CertificateOut, HelperOut, InquiryOut, InquiryPage, InquiryQuery, KeysetQuery, Problem, ProductOut,
    ProductPage, ProductQuery, SaleOut, SalePage,
)
from portal.integrations import keyset
from portal.organisations.models import OrgKind
from portal.umkm import products, sales
from portal.umkm.fields import PRODUCT_FIELDS, SALE_FIELDS, Kind
from portal.umkm.models import Inquiry, Product, ProductHelper, Sale
from sqlalchemy import select


def _text(value):
    return None if value is None else str(value)


def _product(product: Product, helpers: list[ProductHelper]) -> ProductOut:
    declared = {field.api_name: _text(getattr(product, field.api_name)) if field.kind == Kind.RUPIAH
                else getattr(product, field.api_name) for field in PRODUCT_FIELDS}
    return ProductOut(
        id=product.id, facility=ref(product.facility), **declared, in_catalogue=product.public,
        archived=product.archived, updated_at=product.updated_at,
        certificates=[CertificateOut(kind=c.kind, status=c.status, issuer=c.issuer, number=c.number,
                                     issued_on=c.issued_on, expires_on=c.expires_on) for c in product.certificates],
        helpers=[HelperOut(partner=ref(h.partner), help=h.help, contribution_id=h.contribution_id) for h in helpers])


@bp.get("/products")
@spec.validate(query=ProductQuery, resp=Answers(HTTP_200=ProductPage, HTTP_400=Problem, **REFUSALS), tags=["umkm"])
def product_list():
    """The products the organisation sees (its own; a partner's facilities'; an office's facilities'), newest first.
    Scope `products:read`."""
    require("products:read")
    query: ProductQuery = request.context.query
    wanted = select(Product)
    if query.category:
        wanted = wanted.where(Product.category == query.category)
    found, last = keyset.page(wanted, Product, query.after, query.limit)
    helpers = products.helpers_of_many(found)
    return ProductPage(items=[_product(product, helpers.get(product.id, [])) for product in found], next=last)


@bp.get("/products/<int:product_id>")
@spec.validate(resp=Answers(HTTP_200=ProductOut, HTTP_404=Problem, **REFUSALS), tags=["umkm"])
def product(product_id: int):
    """One product. Scope `products:read`."""
    require("products:read")
    found = products.product(product_id) or abort(404)
    return _product(found, products.helpers_of(found))


def _sale(sale: Sale) -> SaleOut:
    declared = {field.api_name: _text(getattr(sale, field.api_name)) if field.kind == Kind.RUPIAH
                else getattr(sale, field.api_name) for field in SALE_FIELDS if field.kind != Kind.PARTNER}
    return SaleOut(id=sale.id, facility=ref(sale.facility), partner=ref(sale.partner) if sale.partner else None,
                   product_id=sale.product_id, product_name=sale.product_name, category=sale.category, unit=sale.unit,
                   inquiry_id=sale.inquiry_id, **declared, delivered_on=sale.delivered_on, paid_on=sale.paid_on,
                   cancelled=sale.cancelled)


@bp.get("/sales")
@spec.validate(query=KeysetQuery, resp=Answers(HTTP_200=SalePage, HTTP_400=Problem, **REFUSALS), tags=["umkm"])
def sale_list():
    """The sales the organisation sees (a facility's; those a partner helped; an office's facilities'), newest
    first. Scope `sales:read`."""
    require("sales:read")
    query: KeysetQuery = request.context.query
    found, last = keyset.page(select(Sale), Sale, query.after, query.limit)
    return SalePage(items=[_sale(sale) for sale in found], next=last)


@bp.get("/sales/<int:sale_id>")
@spec.validate(resp=Answers(HTTP_200=SaleOut, HTTP_404=Problem, **REFUSALS), tags=["umkm"])
def sale(sale_id: int):
    """One sale. Scope `sales:read`."""
    require("sales:read")
    found = sales.sale(sale_id) or abort(404)
    return _sale(found)


def _inquiry(inquiry: Inquiry) -> InquiryOut:
    return InquiryOut(id=inquiry.id, product_id=inquiry.product_id, state=inquiry.state, buyer_name=inquiry.buyer_name,
                      buyer_organisation=inquiry.buyer_organisation, phone=inquiry.phone, email=inquiry.email,
                      quantity=inquiry.quantity, message=inquiry.message, received_at=inquiry.created_at,
                      sale_id=inquiry.sale.id if inquiry.sale else None)


def _facility_only() -> None:
    """A buyer's contact is the facility's alone: no other organisation's token reads inquiries."""
    require("inquiries:read")
    if g.org.kind != OrgKind.FACILITY:
        abort(404)


@bp.get("/inquiries")
@spec.validate(query=InquiryQuery, resp=Answers(HTTP_200=InquiryPage, HTTP_400=Problem, HTTP_404=Problem,
                                                **REFUSALS), tags=["umkm"])
def inquiry_list():
    """The facility's buyers' inquiries, newest first. Scope `inquiries:read`, for a facility's token."""
    _facility_only()
    query: InquiryQuery = request.context.query
    wanted = select(Inquiry).where(Inquiry.facility_id == g.org.id)
    if query.state:
        wanted = wanted.where(Inquiry.state == query.state)
    found, last = keyset.page(wanted, Inquiry, query.after, query.limit)
    return InquiryPage(items=[_inquiry(inquiry) for inquiry in found], next=last)


@bp.get("/inquiries/<int:inquiry_id>")
@spec.validate(resp=Answers(HTTP_200=InquiryOut, HTTP_404=Problem, **REFUSALS), tags=["umkm"])
def inquiry(inquiry_id: int):
    """One of the facility's inquiries. Scope `inquiries:read`, for a facility's token."""
    _facility_only()
    found = sales.inquiry_of(g.org, inquiry_id) or abort(404)
    return _inquiry(found)

"""The public catalogue of what inmates make: search across facilities, a product's page, its photos, and the
buyer's inquiry form (no account; CSRF, a rate limit per visitor, and a field people never see, which bots fill in)."""
from __future__ import annotations

from ipaddress import ip_address, ip_network

from flask import abort, current_app, make_response, redirect, render_template, request, url_for
from flask_limiter.util import get_remote_address

from blueprints.public import bp
from blueprints.public.views import _page_number, published_jpeg
from blueprints.umkm.forms import InquiryForm, choices_of
from portal.core import rate_limits
from portal.core.errors import FieldErrors
from portal.extensions import db, limiter
from portal.organisations.models import PROVINCES
from portal.public import kept_pages as public_cache
from portal.umkm import catalogue, sales
from portal.umkm.models import ProductCategory


def _inquiry_limit() -> str:
    return current_app.config["PUBLIC_INQUIRY_LIMIT"]


def _public_limit() -> str:
    return current_app.config["PUBLIC_LIMIT"]


def _visitor_network() -> str:
    """Who a limit counts: the visitor's address, or for IPv6 its /64 (one subscriber holds a whole /64)."""
    address = get_remote_address()
    try:
        found = ip_address(address)
    except ValueError:
        return address
    return str(ip_network(f"{found}/64", strict=False)) if found.version == 6 else address


def _choices() -> tuple[str | None, ProductCategory | None]:
    """`?provinsi=` a province by name, `?kategori=` a category's code; any other value is a page that does not
    exist (it would otherwise be drawn and kept once per made-up value)."""
    province, category = request.args.get("provinsi") or None, request.args.get("kategori") or None
    if province is not None and province not in PROVINCES:
        abort(404)
    if category is not None and category not in ProductCategory._value2member_map_:
        abort(404)
    return province, ProductCategory(category) if category else None


def _catalogue_page(words: str = ""):
    province, category = _choices()
    page = catalogue.search(province=province, category=category, words=words, page=_page_number())
    return render_template("public/catalogue.html", page=page, province=province, category=category, words=words,
                           categories=choices_of(ProductCategory, blank=False))


@bp.get("/publik/katalog")
@public_cache.cached_page(vary_on=("lang", "provinsi", "kategori", "halaman"))
def catalogue_index():
    """The catalogue by province and category, kept once drawn; a search by words is `catalogue_search`'s (here
    `?cari=` is ignored, as every argument the kept page does not vary on)."""
    return _catalogue_page()


@bp.get("/publik/katalog/cari")
@limiter.limit(_public_limit, key_func=_visitor_network)
def catalogue_search():
    """A search by words (`?cari=`): drawn for each visitor, never kept (each made-up word would be a page)."""
    words = request.args.get("cari", "").strip()[:100]
    if not words:
        return redirect(url_for("public.catalogue_index", **{k: v for k, v in request.args.items() if k != "cari"}))
    return _catalogue_page(words)


@bp.get("/publik/<slug>/produk/<product_slug>")
@public_cache.cached_page(vary_on=("lang",))
def product(slug: str, product_slug: str):
    page = catalogue.product_page(slug, product_slug)
    if page is None:
        abort(404)
    return render_template("public/product.html", page=page, product=page.product, facility=page.product.facility)


@bp.route("/publik/<slug>/produk/<product_slug>/tanya", methods=["GET", "POST"])
@limiter.limit(_public_limit, key_func=_visitor_network, methods=["GET"])
@limiter.limit(_inquiry_limit, key_func=_visitor_network, methods=["POST"])
def inquiry(slug: str, product_slug: str):
    """The buyer's inquiry: never kept (it holds a form's token), its answer a page of its own. Besides each
    visitor's limit, a facility takes at most PUBLIC_INQUIRY_FACILITY_LIMIT a day from everyone together (each one
    is e-mailed to its product keepers and stays in the audit trail)."""
    page = catalogue.product_page(slug, product_slug)
    if page is None:
        abort(404)
    form = InquiryForm()
    if form.validate_on_submit():
        if form.website.data:  # a bot: told it was sent, nothing is kept
            return redirect(url_for("public.inquiry_sent", slug=slug, product_slug=product_slug))
        if not rate_limits.hit(current_app.config["PUBLIC_INQUIRY_FACILITY_LIMIT"], "inquiries-to", slug):
            abort(429)
        fields = sales.InquiryFields(
            buyer_name=form.buyer_name.data or "", consent=form.consent.data,
            buyer_organisation=form.buyer_organisation.data or "", phone=form.phone.data or "",
            email=form.email.data or "", quantity=form.quantity.data, message=form.message.data or "")
        try:
            received = sales.receive(slug, product_slug, fields)
            db.session.commit()
        except FieldErrors as refused:
            db.session.rollback()
            page = catalogue.product_page(slug, product_slug)  # read again: the rollback forgot it
            for name, message in refused.problems.items():
                form[name].errors = [*form[name].errors, str(message)]
        else:
            if received is None:
                abort(404)
            return redirect(url_for("public.inquiry_sent", slug=slug, product_slug=product_slug))
    return _never_kept(render_template("public/inquiry.html", form=form, product=page.product,
                                       facility=page.product.facility))


def _never_kept(body: str):
    """The one public page that takes input: it carries a form's token (and so a session cookie), and no browser or
    proxy may keep or share it."""
    answer = make_response(body)
    answer.headers["Cache-Control"] = "no-store"
    return answer


@bp.get("/publik/<slug>/produk/<product_slug>/terkirim")
@limiter.limit(_public_limit, key_func=_visitor_network)
def inquiry_sent(slug: str, product_slug: str):
    page = catalogue.product_page(slug, product_slug)
    if page is None:
        abort(404)
    return _never_kept(render_template("public/inquiry_sent.html", product=page.product,
                                       facility=page.product.facility))


@bp.get("/publik/<slug>/produk-foto/<int:photo_id>-<any(besar, kecil):size>.jpg")
@public_cache.cached_page()
def product_photo(slug: str, photo_id: int, size: str):
    return published_jpeg(catalogue.photo_key(slug, photo_id, small=size == "kecil"))

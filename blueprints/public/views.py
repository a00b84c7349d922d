"""Translate public addresses into reads of `portal.public.pages`, and answers into HTML and Atom."""
from __future__ import annotations

from flask import Response, abort, current_app, render_template, request, send_from_directory

from blueprints.public import bp, feeds
from portal.core import links, storage
from portal.public import kept_pages as public_cache, pages as public_pages
from portal.umkm import catalogue

#: Pages of news beyond this are not offered (nor drawn for anyone who guesses them).
MAX_PAGE = 200


@bp.context_processor
def _language_of_links() -> dict:
    """Links keep the visitor's language (`?lang=en`); Bahasa Indonesia needs none."""
    return {"lang": "en" if request.args.get("lang") == "en" else None, "province_slug": public_pages.province_slug}


def _page_number() -> int:
    """`?halaman=n`, the only input of a public list: a whole number from 1, or the page does not exist."""
    given = request.args.get("halaman", "1")
    if not given.isdigit() or not 1 <= int(given) <= MAX_PAGE:
        abort(404)
    return int(given)


@bp.get("/publik/")
@public_cache.cached_page(vary_on=("lang",))
def index():
    return render_template("public/index.html", directory=public_pages.directory(),
                           news=public_pages.latest_news(limit=10))


@bp.get("/publik/<slug>")
@public_cache.cached_page(vary_on=("lang", "halaman"))
def facility(slug: str):
    page = public_pages.facility_page(slug, _page_number())
    if page is None or (page.page > 1 and not page.news):
        abort(404)
    return render_template("public/facility.html", page=page)


@bp.get("/publik/<slug>/berita/<news_slug>")
@public_cache.cached_page(vary_on=("lang",))
def news(slug: str, news_slug: str):
    item = public_pages.news_item(slug, news_slug)
    if item is None:
        abort(404)
    return render_template("public/news.html", item=item, facility=item.facility)


@bp.get("/publik/<slug>/foto/<int:photo_id>-<any(besar, kecil):size>.jpg")
@public_cache.cached_page()
def photo(slug: str, photo_id: int, size: str):
    return published_jpeg(public_pages.photo_key(slug, photo_id, small=size == "kecil"))


def published_jpeg(key: str | None) -> Response:
    """A published photo's copy (a report's, a product's), whole (it is kept, as its page is), or 404."""
    if key is None:
        abort(404)
    return Response(b"".join(storage.get(key)), content_type="image/jpeg")


@bp.get("/publik/<slug>/pks/<int:agreement_id>.pdf")
@public_cache.cached_page()
def agreement_document(slug: str, agreement_id: int):
    document = public_pages.agreement_document(slug, agreement_id)
    if document is None:
        abort(404)
    answer = Response(b"".join(storage.get(document.storage_key)), content_type="application/pdf")
    answer.headers["Content-Disposition"] = f'inline; filename="PKS-{agreement_id}.pdf"'
    return answer


@bp.get("/publik/provinsi/<province_slug>")
@public_cache.cached_page(vary_on=("lang",))
def province(province_slug: str):
    page = public_pages.province_page(province_slug)
    if page is None:
        abort(404)
    return render_template("public/province.html", page=page)


@bp.get("/publik/<slug>/feed.atom")
@public_cache.cached_page()
def facility_feed(slug: str):
    found = public_pages.facility(slug)
    if found is None:
        abort(404)
    return feeds.atom(title=found.name, page=links.absolute("public.facility", slug=slug),
                      items=public_pages.latest_news(facility_id=found.id))


@bp.get("/publik/provinsi/<province_slug>/feed.atom")
@public_cache.cached_page()
def province_feed(province_slug: str):
    province = public_pages.publishing_province(province_slug)
    if province is None:
        abort(404)
    return feeds.atom(title=province, page=links.absolute("public.province", province_slug=province_slug),
                      items=public_pages.latest_news(province=province))


@bp.get("/sitemap.xml")
@public_cache.cached_page()
def sitemap():
    body = render_template("public/sitemap.xml", directory=public_pages.directory(),
                           news=public_pages.all_news_addresses(), products=catalogue.addresses())
    return Response(body, content_type="application/xml; charset=utf-8")


@bp.get("/robots.txt")
@public_cache.cached_page()
def robots():
    body = render_template("public/robots.txt")
    return Response(body, content_type="text/plain; charset=utf-8")


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask every site for it, whatever the page says: answered, not a 404 in every log."""
    return send_from_directory(current_app.static_folder, "favicon.ico", mimetype="image/vnd.microsoft.icon",
                               max_age=7 * 24 * 3600)

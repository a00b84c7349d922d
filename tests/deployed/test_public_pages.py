"""Story: a shared report brings the public to the facilities' pages on the deployed portal; every public page,
feed, sitemap and photo answers whole, from a copy shared by every worker, and what Humas publishes reaches the
visitor at once, whichever worker answers."""
from __future__ import annotations

import io
import re
import time

from PIL import Image

from tests.deployed.people import org_path

HUMAS = "humas@rutan-bengkulu.mitrapas.test"
#: How each kind of public answer ends when it is whole.
ENDINGS = {"text/html": b"</html>", "application/atom+xml": b"</feed>", "application/xml": b"</urlset>",
           "image/jpeg": b"\xff\xd9", "text/plain": b"sitemap.xml"}


def whole(answer) -> bool:
    kind = answer.headers.get("Content-Type", "").split(";")[0]
    return answer.status_code == 200 and kind in ENDINGS and answer.content.rstrip().endswith(ENDINGS[kind])


#: The one public page that takes input, a buyer's inquiry (issue 38): never kept, and it carries a form's token.
FORMS = re.compile(r"/produk/[^/]+/tanya$")


def public_addresses(reader) -> set[str]:
    """Every public address a visitor reaches from the index by following links, plus the feeds and sitemap; the
    inquiry forms it links to are listed, not opened (`test_a_buyers_form_is_the_one_public_page_never_kept`)."""
    seen, queue = set(), ["/publik/", "/sitemap.xml", "/robots.txt"]
    while queue:
        address = queue.pop()
        if address in seen:
            continue
        seen.add(address)
        if FORMS.search(address):
            continue
        answer = reader.get(address)
        assert whole(answer), f"{address}: {answer.status_code} {answer.content[-200:]!r}"
        if answer.headers["Content-Type"].startswith(("text/html", "application/xml")):
            for link in re.findall(r'(?:href|src|<loc>)="?(?:https://[^/"<]+)?(/publik/[^"<#?]*|/sitemap\.xml)', answer.text):
                queue.append(link)
    return seen


def test_every_public_page_feed_and_photo_answers_whole_without_a_cookie(visitor):
    reader = visitor()
    addresses = public_addresses(reader)
    assert any("/berita/" in a for a in addresses) and any(a.endswith(".jpg") for a in addresses)
    assert any(a.endswith("feed.atom") for a in addresses) and any("/provinsi/" in a for a in addresses)
    assert len([a for a in addresses if "/berita/" in a]) >= 5, "the five seed reports"
    assert not reader.http.cookies, "a public page sets no cookie (it could not be shared by caches)"
    photo = next(a for a in addresses if a.endswith("-besar.jpg"))
    assert not Image.open(io.BytesIO(reader.get(photo).content)).getexif()
    assert any("/produk/" in a and not FORMS.search(a) for a in addresses), "the catalogue's products"


def test_a_buyers_form_is_the_one_public_page_never_kept(visitor):
    """It takes input, so it carries a form's token in a session cookie: no browser or proxy may keep or share it."""
    reader = visitor()
    forms = [a for a in public_addresses(reader) if FORMS.search(a)]
    assert forms, "a product in the catalogue links to its inquiry form"
    answer = reader.get(forms[0])
    assert whole(answer) and 'name="csrf_token"' in answer.text
    assert answer.headers["Cache-Control"] == "no-store" and "ETag" not in answer.headers


def test_a_drawn_page_is_shared_by_the_workers_and_revalidated_with_its_etag(visitor):
    readers = [visitor() for _ in range(4)]
    answers = [reader.get("/publik/rutan-kelas-iib-tamiang-layang") for reader in readers]
    assert len({answer.headers["ETag"] for answer in answers}) == 1, "one copy for every worker"
    assert all(answer.headers["Cache-Control"] == "public, max-age=60" for answer in answers)
    again = readers[0].get("/publik/rutan-kelas-iib-tamiang-layang",
                           headers={"If-None-Match": answers[0].headers["ETag"]})
    assert again.status_code == 304 and not again.content


def test_what_humas_publishes_reaches_every_visitor_within_a_second(visitor, stack):
    """The worker that committed it answers the new page at once; every other one when it next reads the
    publication version (PUBLIC_VERSION_SECONDS, 1 s): no worker keeps an old copy longer."""
    readers = [visitor() for _ in range(4)]
    before = [reader.get("/publik/rutan-kelas-iib-bengkulu").text for reader in readers]
    humas = visitor()
    assert humas.login(HUMAS).status_code == 302
    home = org_path(humas)
    listing = humas.get(f"{home}news/").text
    source = re.search(r'name="source_kind" value="contribution"><input type="hidden" name="source_id" value="(\d+)"',
                       listing)[1]
    drafted = humas.post(f"{home}news/draft", {"source_kind": "contribution", "source_id": source},
                         token_from=f"{home}news/")
    assert drafted.status_code == 302, drafted.text[-1000:]
    news_page = drafted.headers["Location"]
    assert humas.post(f"{news_page}/publish", token_from=news_page).status_code == 302
    slug = stack.sql("SELECT slug FROM news_items WHERE status = 'published' ORDER BY published_at DESC LIMIT 1")[0][0]
    assert all(slug not in page for page in before)
    time.sleep(1.0)
    for reader in readers:
        for page in ("/publik/rutan-kelas-iib-bengkulu", "/publik/rutan-kelas-iib-bengkulu/feed.atom"):
            assert slug in reader.get(page).text, f"a worker served a copy older than a second: {page}"

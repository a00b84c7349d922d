"""The way in to the public pages (issue 34): `/` for a visitor without an account, the login page's link, what
"in force" means there, programme names, the order of news, the picture a shared link shows, and the favicon."""
from datetime import date, datetime, timedelta, timezone
import io
import re
from urllib.parse import urlsplit

from PIL import Image
import pytest
from sqlalchemy import select

from portal.agreements.models import Agreement, AgreementStatus as S
from portal.contributions.models import ProgrammeStatus
from portal.core import clock, storage
from portal.core.tenancy import unscoped
from portal.extensions import db
from portal.organisations.models import Role
from tests.factories import (
    AgreementFactory, FacilityFactory, NewsItemFactory, PartnerFactory, ProgrammeFactory, member_of,
)

OG = re.compile(r'<meta property="(og:[a-z:]+)" content="([^"]*)"')


def og_tags(html: str) -> dict[str, str]:
    return dict(OG.findall(html))


def fresh(app):
    """Public pages are kept once drawn: forget them, so each test reads what it just made."""
    app.extensions["kept_pages"].forget_everything()


def published(facility, title: str, happened_on: date, published_days_ago: int, **fields):
    return NewsItemFactory(facility=facility, title=title, happened_on=happened_on,
                           published_at=datetime.now(timezone.utc) - timedelta(days=published_days_ago), **fields)


# --- the landing page and the login page ------------------------------------------------------------------------

def test_a_visitor_lands_on_what_mitrapas_is_the_facilities_that_publish_their_news_and_the_sign_in(client, app):
    publishing = FacilityFactory(public_page=True, name="Rutan Kelas IIB Tamiang Layang", province="Kalimantan Tengah")
    FacilityFactory(public_page=False, name="Rutan Yang Belum Terbuka")
    published(publishing, "Konseling kesehatan mental bagi WBP", date(2025, 11, 28), 3)
    slug = publishing.slug
    fresh(app)

    page = client.get("/")

    assert page.status_code == 200, "a visitor is not sent to the login page"
    assert 'href="/login">Masuk</a>' in page.text
    assert f'href="/publik/{slug}"' in page.text and "Rutan Kelas IIB Tamiang Layang" in page.text
    assert 'href="/publik/provinsi/kalimantan-tengah"' in page.text
    assert "Rutan Yang Belum Terbuka" not in page.text
    assert "Konseling kesehatan mental bagi WBP" in page.text and 'href="/publik/"' in page.text
    assert "Tempat UPT Pemasyarakatan dan mitranya" in page.text, "what MitraPAS is, in Indonesian"


def test_a_signed_in_person_still_lands_on_their_dashboard(login_as):
    facility = FacilityFactory()
    head = member_of(facility, Role.HEAD)
    slug = facility.slug
    assert login_as(head).get("/").headers["Location"] == f"/o/{slug}/"


def test_the_landing_page_keeps_the_language_a_visitor_chooses(web):
    assert web.post("/language", {"locale": "en"}).status_code == 302
    page = web.get("/").text
    assert "Facilities that publish their partnerships" in page and 'value="id"' in page


def test_the_login_page_links_to_the_public_pages(client):
    page = client.get("/login").text
    assert 'href="/publik/"' in page and "Lihat halaman publik UPT dan beritanya" in page


# --- what the facility's page lists ----------------------------------------------------------------------------

def test_agreements_in_force_are_those_in_force_today(client, app):
    facility, partner = FacilityFactory(public_page=True, province="Bengkulu"), PartnerFactory()
    today = clock.today()
    pair = dict(facility=facility, partner=partner)
    AgreementFactory(**pair, title="Berlaku hari ini", status=S.ACTIVE)
    AgreementFactory(**pair, title="Ditandatangani, mulai hari ini", status=S.SIGNED, start_date=today)
    AgreementFactory(**pair, title="Mulai tahun 2027", status=S.SIGNED, start_date=date(2027, 1, 4),
                     end_date=date(2029, 1, 3))
    AgreementFactory(**pair, title="Berakhir kemarin", status=S.ACTIVE, start_date=today - timedelta(days=400),
                     end_date=today - timedelta(days=1))
    AgreementFactory(**pair, title="Diakhiri lebih awal", status=S.TERMINATED)
    slug = facility.slug
    fresh(app)

    page = client.get(f"/publik/{slug}").text
    in_force = page.split('id="kerja-sama"')[1].split("</section>")[0]

    assert "Berlaku hari ini" in in_force and "Ditandatangani, mulai hari ini" in in_force
    for not_in_force in ("Mulai tahun 2027", "Berakhir kemarin", "Diakhiri lebih awal"):
        assert not_in_force not in in_force, not_in_force
    province = client.get("/publik/provinsi/bengkulu").text
    assert re.search(rf'href="/publik/{slug}">[^<]+</a></td>\s*<td class="num">2</td>', province), \
        "the province counts the same two"


def test_in_force_on_a_date_is_one_rule_for_every_day(app):
    facility, partner = FacilityFactory(), PartnerFactory()
    AgreementFactory(facility=facility, partner=partner, title="2027-2029", status=S.SIGNED,
                     start_date=date(2027, 1, 4), end_date=date(2029, 1, 3))

    def in_force(day):
        with unscoped("test: every agreement"):
            return db.session.scalars(select(Agreement.title).where(Agreement.in_force_on(day),
                                                                    Agreement.facility_id == facility.id)).all()

    assert in_force(date(2026, 12, 31)) == [] and in_force(date(2029, 1, 4)) == []
    assert in_force(date(2027, 1, 4)) == ["2027-2029"] == in_force(date(2029, 1, 3))


def test_a_programme_name_says_its_duration_once(client, app):
    facility = FacilityFactory(public_page=True)
    closed = dict(facility=facility, status=ProgrammeStatus.CLOSED, end_date=clock.today() - timedelta(days=1),
                  actual_participants=18, certificates_issued=18)
    ProgrammeFactory(**closed, name="Program Rehabilitasi WBP Kategori II (30 hari)", duration_days=30)
    ProgrammeFactory(**closed, name="Konseling Adiksi", duration_days=14)
    slug = facility.slug
    fresh(app)

    page = client.get(f"/publik/{slug}").text

    assert "Program Rehabilitasi WBP Kategori II (30 hari)<" in page and page.count("(30 hari)") == 1
    assert "Konseling Adiksi (14 hari)" in page, "a name that does not say it gets its duration"


# --- news, newest first -----------------------------------------------------------------------------------------

def test_news_is_newest_first_on_every_public_list_and_feed(client, app):
    """Published in another order than they happened (the demo's 28 Nov 2025, 21 Jan 2026, 11 Nov 2025)."""
    facility = FacilityFactory(public_page=True, province="Kalimantan Tengah")
    published(facility, "Berita November akhir", date(2025, 11, 28), 1)
    published(facility, "Berita Januari", date(2026, 1, 21), 2)
    published(facility, "Berita November awal", date(2025, 11, 11), 0)
    slug = facility.slug
    fresh(app)
    newest_first = ["Berita Januari", "Berita November akhir", "Berita November awal"]

    for url in ("/", "/publik/", f"/publik/{slug}", "/publik/provinsi/kalimantan-tengah", f"/publik/{slug}/feed.atom"):
        text = client.get(url).text
        assert sorted(newest_first, key=text.index) == newest_first, url


# --- the picture of a shared link, and the favicon --------------------------------------------------------------

def a_jpeg() -> io.BytesIO:
    picture = io.BytesIO()
    Image.new("RGB", (1280, 853), (40, 110, 60)).save(picture, "JPEG")
    picture.seek(0)
    return picture


@pytest.fixture
def two_facilities(app, storage_settings):
    """One publishing facility whose news has a stored photo, one without any photo."""
    with_photo = FacilityFactory(public_page=True, province="Kalimantan Tengah")
    without = FacilityFactory(public_page=True, province="Bengkulu")
    item = published(with_photo, "Penyerahan sertifikat", date(2025, 11, 28), 1)
    published(without, "Konseling tanpa foto", date(2025, 11, 11), 1, photos=[])
    AgreementFactory(facility=without, partner=PartnerFactory(), status=S.ACTIVE, verification_code="ABCD-EFGH-JKMN")
    with app.app_context():
        for photo in item.photos:
            for key in (photo.large_key, photo.small_key):
                storage.put(key, a_jpeg(), content_type="image/jpeg")
    return {"with_photo": with_photo.slug, "without": without.slug, "photo_id": item.photos[0].id}


def public_pages_of(client) -> list[str]:
    """Every public page a visitor reaches from `/` by following its links (and the verification pages)."""
    seen, queue = [], ["/", "/verify/", "/verify/ABCD-EFGH-JKMN"]
    while queue:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.append(url)
        page = client.get(url)
        assert page.status_code == 200, url
        queue += [link for link in re.findall(r'href="(/publik/[^"?#]*)"', page.text)
                  if not link.endswith((".atom", ".pdf", ".jpg"))]
    return seen


def test_every_public_page_shows_a_picture_when_its_link_is_shared(client, app, two_facilities):
    fresh(app)
    public_url = app.config["PUBLIC_URL"].rstrip("/")
    pages = public_pages_of(client)
    assert {"/", "/publik/", f"/publik/{two_facilities['with_photo']}", f"/publik/{two_facilities['without']}",
            "/publik/provinsi/bengkulu", "/publik/provinsi/kalimantan-tengah"} <= set(pages)
    assert sum("/berita/" in url for url in pages) == 2

    for url in pages:
        tags = og_tags(client.get(url).text)
        for name in ("og:title", "og:description", "og:url", "og:image"):
            assert tags.get(name), (url, name)
        assert tags["og:url"] == public_url + url, url
        assert tags["og:image"].startswith(public_url + "/"), url
        image = client.get(urlsplit(tags["og:image"]).path)
        assert image.status_code == 200 and image.mimetype.startswith("image/"), (url, tags["og:image"])

    photo = f"{public_url}/publik/{two_facilities['with_photo']}/foto/{two_facilities['photo_id']}-besar.jpg"
    assert og_tags(client.get(f"/publik/{two_facilities['with_photo']}").text)["og:image"] == photo
    card = og_tags(client.get(f"/publik/{two_facilities['without']}").text)["og:image"]
    assert card == f"{public_url}/static/mitrapas-card.png"
    assert Image.open(io.BytesIO(client.get("/static/mitrapas-card.png").data)).size == (1200, 630)


def test_the_favicon_is_an_icon(client):
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.mimetype.startswith("image/")
    assert Image.open(io.BytesIO(icon.data)).format == "ICO"
    assert '<link rel="icon" href="/favicon.ico"' in client.get("/publik/").text
    assert '<link rel="icon" href="/favicon.ico"' in client.get("/login").text, "the signed-in pages' frame too"

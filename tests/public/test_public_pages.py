"""Public pages and news: a head turns the page on, Humas turns verified activities into reports, and an
anonymous visitor reads only what is verified and published."""
from dataclasses import dataclass
from datetime import date, timedelta
import io
import re

from PIL import Image
import pytest
from sqlalchemy import select

from portal.agreements.models import AgreementStatus as S
from portal.contributions.models import ContributionStatus, ProgrammeStatus
from portal.core.errors import DomainError, NotAllowed
from portal.core.tenancy import unscoped
from portal.extensions import db
from portal.materials import operations as materials
from portal.materials.models import MaterialCategory
from portal.materials.operations import Upload
from portal.organisations.models import Role
from portal.public import news, news_photos, publication
from portal.public.news_models import NewsItem, NewsStatus
from tests.factories import ContributionFactory, FacilityFactory, ProgrammeFactory, member_of, trail


@pytest.fixture
def newsroom(pks):
    """The PKS world with a Humas officer, a signed agreement, verified and unverified work, and a closed
    programme: what a facility has to tell."""
    pks.humas = member_of(pks.facility, Role.HUMAS, name="Humas Rutan Tamiang Layang")
    pks.agreement = pks.in_state(S.ACTIVE)
    pks.draft_agreement = pks.draft(title="PKS yang masih draf")
    pair = dict(facility=pks.facility, partner=pks.partner)
    pks.verified = ContributionFactory(**pair, title="Konseling kesehatan mental", participants_total=18,
                                       status=ContributionStatus.VERIFIED, type="counselling")
    pks.unverified = ContributionFactory(**pair, title="Sesi belum diverifikasi", participants_total=99,
                                         status=ContributionStatus.SUBMITTED, type="training")
    pks.programme = ProgrammeFactory(**pair, name="Program Rehabilitasi Kategori II", duration_days=30,
                                     actual_participants=18, certificates_issued=18, status=ProgrammeStatus.CLOSED,
                                     end_date=date.today() - timedelta(days=2))
    pks.running = ProgrammeFactory(**pair, name="Program yang masih berjalan")
    # What the test reads back after a commit, when (on PostgreSQL) nobody acting may read these rows.
    pks.facility_id, pks.slug, pks.names = pks.facility.id, pks.facility.slug, {"facility": pks.facility.name, "partner": pks.partner.name,
                                              "agreement": pks.agreement.title, "stranger": pks.stranger_facility.name}
    return pks


def turn_page_on(world, needs_approval=False):
    with world.acting(world.head):
        publication.set_public_page(world.facility, True, actor=world.head)
        publication.set_news_approval(world.facility, needs_approval, actor=world.head)
        db.session.commit()


@dataclass(frozen=True)
class Published:
    id: int
    slug: str


def published_report(world, source=None) -> Published:
    with world.acting(world.humas):
        item = news.draft(world.facility, source or world.programme, actor=world.humas)
        news.add_quote(item, speaker="Agung Novarianto", office="Kepala Rutan Tamiang Layang",
                       text="Rehabilitasi membantu WBP memperbaiki kesehatan mental", actor=world.humas)
        news.publish(item, actor=world.humas)
        published = Published(item.id, item.slug)
        db.session.commit()
    return published


def photo_with_gps() -> bytes:
    """A JPEG as a phone makes it: with its camera, its time and where it was taken."""
    picture = Image.new("RGB", (2400, 1600), (40, 110, 60))
    exif = Image.Exif()
    exif[0x010F] = "KameraHP"  # Make
    exif[0x0132] = "2025:11:28 10:00:00"  # DateTime
    exif[0x8825] = {1: "S", 2: (1.0, 52.0, 0.0), 3: "E", 4: (115.0, 12.0, 0.0)}  # GPS: Tamiang Layang
    output = io.BytesIO()
    picture.save(output, "JPEG", exif=exif)
    return output.getvalue()


def test_the_page_is_off_until_the_head_turns_it_on(newsroom, client):
    assert client.get(f"/publik/{newsroom.slug}").status_code == 404
    with newsroom.acting(newsroom.humas), pytest.raises(NotAllowed):
        publication.set_public_page(newsroom.facility, True, actor=newsroom.humas)
    turn_page_on(newsroom)
    assert client.get(f"/publik/{newsroom.slug}").status_code == 200
    actions = [entry.action for entry in trail(object_type="organisation", object_id=str(newsroom.facility_id))]
    assert actions.count("organisation.public_page_on") == 1


def test_a_visitor_sees_what_is_verified_and_in_force_and_never_a_draft(newsroom, client):
    turn_page_on(newsroom)
    page = client.get(f"/publik/{newsroom.slug}").text
    assert newsroom.names["agreement"] in page and newsroom.names["partner"] in page
    assert "PKS yang masih draf" not in page
    assert "Program Rehabilitasi Kategori II" in page and "Program yang masih berjalan" not in page
    counselling_row = re.search(r"<td[^>]*>Sesi konseling</td><td class=\"num\"[^>]*>1</td><td class=\"num\"[^>]*>18</td>",
                                page)
    assert counselling_row, "the verified session counts, with its 18 participants"
    assert "99" not in page and "Pelatihan" not in page, "an unverified figure never reaches the public"
    assert "set-cookie" not in {name.lower() for name in client.get(f"/publik/{newsroom.slug}").headers.keys()}


def test_humas_drafts_a_report_from_a_closed_programme_in_bahasa_indonesia(newsroom):
    with newsroom.acting(newsroom.humas):
        item = news.draft(newsroom.facility, newsroom.programme, actor=newsroom.humas)
    assert item.status == NewsStatus.DRAFT and item.partner_id == newsroom.partner.id
    assert "Program Rehabilitasi Kategori II" in item.title
    assert "18 WBP" in item.body and "30 hari" in item.body and "18 sertifikat" in item.body
    assert item.slug.startswith("rutan-kelas-iib-tamiang-layang")


@pytest.mark.parametrize("source", ["draft_agreement", "unverified", "running"])
def test_only_verified_activities_become_news(newsroom, source):
    with newsroom.acting(newsroom.humas), pytest.raises(DomainError, match="diverifikasi|verified"):
        news.draft(newsroom.facility, getattr(newsroom, source), actor=newsroom.humas)


@pytest.mark.parametrize("role", ["officer", "viewer", "partner_admin"])
def test_only_humas_and_the_head_write_news(newsroom, role):
    person = getattr(newsroom, role)
    with newsroom.acting(person), pytest.raises(NotAllowed):
        news.draft(newsroom.facility, newsroom.programme, actor=person)


def test_a_published_report_is_read_by_anyone_with_its_quote_and_in_the_feed_and_sitemap(newsroom, client):
    turn_page_on(newsroom)
    item = published_report(newsroom)
    article = client.get(f"/publik/{newsroom.slug}/berita/{item.slug}")
    assert article.status_code == 200
    assert "“Rehabilitasi membantu WBP memperbaiki kesehatan mental”" in article.text
    assert "Agung Novarianto, Kepala Rutan Tamiang Layang" in article.text
    assert 'property="og:type" content="article"' in article.text
    feed = client.get(f"/publik/{newsroom.slug}/feed.atom")
    assert feed.mimetype == "application/atom+xml" and feed.text.count("<entry>") == 1 and item.slug in feed.text
    province = client.get("/publik/provinsi/kalimantan-tengah/feed.atom")
    assert province.status_code == 200 and item.slug in province.text
    sitemap = client.get("/sitemap.xml")
    assert f"/publik/{newsroom.slug}/berita/{item.slug}" in sitemap.text


def test_a_draft_and_a_report_waiting_for_approval_stay_private_until_the_head_approves(newsroom, client):
    turn_page_on(newsroom, needs_approval=True)
    with newsroom.acting(newsroom.humas):
        item = news.draft(newsroom.facility, newsroom.verified, actor=newsroom.humas)
        address = f"/publik/{newsroom.slug}/berita/{item.slug}"
        db.session.commit()
    assert client.get(address).status_code == 404
    with newsroom.acting(newsroom.humas):
        news.publish(item, actor=newsroom.humas)
        assert item.status == NewsStatus.AWAITING_APPROVAL
        db.session.commit()
    assert client.get(address).status_code == 404
    with newsroom.acting(newsroom.humas), pytest.raises(NotAllowed):
        news.approve(item, actor=newsroom.humas)
    with newsroom.acting(newsroom.head):
        news.approve(item, actor=newsroom.head)
        db.session.commit()
    assert client.get(address).status_code == 200
    with newsroom.acting(newsroom.humas):
        news.withdraw(item, actor=newsroom.humas)
        db.session.commit()
    assert client.get(address).status_code == 404


def test_a_published_report_cannot_be_edited(newsroom):
    published = published_report(newsroom)
    with newsroom.acting(newsroom.humas), pytest.raises(DomainError, match="draf|draft"):
        news.edit(news.news_of(newsroom.facility, published.id), news.NewsFields("Judul baru", "Isi", None, date.today()), actor=newsroom.humas)


def test_a_published_photo_carries_no_exif_and_needs_the_no_wbp_confirmation(newsroom, client):
    turn_page_on(newsroom)
    with newsroom.acting(newsroom.partner_member):
        material = materials.upload_materials(
            newsroom.facility, newsroom.partner, [Upload(io.BytesIO(photo_with_gps()), "penutupan.jpg")],
            category=MaterialCategory.PHOTO, actor=newsroom.partner_member)[0]
        version = material.latest
    with newsroom.acting(newsroom.humas):
        item = news.draft(newsroom.facility, newsroom.programme, actor=newsroom.humas)
        with pytest.raises(DomainError, match="WBP"):
            news_photos.add_photo(item, version, caption="Penutupan", no_wbp_recognisable=False,
                                  actor=newsroom.humas)
        photo = news_photos.add_photo(item, version, caption="Penyerahan sertifikat", no_wbp_recognisable=True,
                                      actor=newsroom.humas)
        news.publish(item, actor=newsroom.humas)
        photo_id, slug = photo.id, item.slug
        db.session.commit()
    for size, longest in (("besar", 1280), ("kecil", 480)):
        served = client.get(f"/publik/{newsroom.slug}/foto/{photo_id}-{size}.jpg")
        assert served.status_code == 200 and served.mimetype == "image/jpeg"
        image = Image.open(io.BytesIO(served.data))
        assert max(image.size) == longest
        assert not image.getexif() and "exif" not in image.info
        assert b"KameraHP" not in served.data
    article = client.get(f"/publik/{newsroom.slug}/berita/{slug}").text
    assert 'name="twitter:card" content="summary_large_image"' in article and "og:image" in article


def test_another_facilitys_report_is_not_found_for_its_staff(newsroom, login_as):
    item = published_report(newsroom)
    elsewhere = FacilityFactory()
    their_humas, their_slug = member_of(elsewhere, Role.HUMAS), elsewhere.slug
    web = login_as(their_humas)
    assert web.get(f"/o/{their_slug}/news/{item.id}").status_code == 404
    assert web.get(f"/o/{newsroom.slug}/news/{item.id}").status_code in (403, 404)


def test_humas_drafts_edits_quotes_and_publishes_through_the_pages(newsroom, login_as, client):
    turn_page_on(newsroom)
    with newsroom.acting(newsroom.humas):
        verified_id = newsroom.verified.id
    web = login_as(newsroom.humas)
    base = f"/o/{newsroom.slug}/news"
    listing = web.get(f"{base}/")
    assert listing.status_code == 200 and "Program Rehabilitasi Kategori II" in listing.text
    drafted = web.post(f"{base}/draft", {"source_kind": "contribution", "source_id": str(verified_id)})
    assert drafted.status_code == 302
    news_id = int(drafted.headers["Location"].rstrip("/").split("/")[-1])
    saved = web.post(f"{base}/{news_id}", {"title": "Konseling Kesehatan Mental bagi 18 WBP", "place": "Klinik Rutan",
                                           "happened_on": date.today().isoformat(),
                                           "body": "Paragraf pertama.\n\nParagraf kedua."})
    assert saved.status_code == 302
    quoted = web.post(f"{base}/{news_id}/quotes", {"text": "Kesehatan mental bagian dari pembinaan",
                                                   "speaker": "Rafi Rizaldi", "office": "Kasubsi Pelayanan Tahanan"})
    assert quoted.status_code == 302
    assert web.post(f"{base}/{news_id}/publish").status_code == 302
    with unscoped("the test reads the report it made"):
        item = db.session.get(NewsItem, news_id)
        slug, status = item.slug, item.status
    assert status == NewsStatus.PUBLISHED and slug == "konseling-kesehatan-mental-bagi-18-wbp"
    article = client.get(f"/publik/{newsroom.slug}/berita/{slug}").text
    assert "Paragraf kedua." in article and "Rafi Rizaldi, Kasubsi Pelayanan Tahanan" in article


def test_a_drawn_page_is_reused_until_something_is_published_and_answers_304_to_its_etag(newsroom, client):
    turn_page_on(newsroom)
    address = f"/publik/{newsroom.slug}"
    first = client.get(address)
    assert first.headers["Cache-Control"] == "public, max-age=60" and first.headers["ETag"]
    kept = client.get(address)
    assert kept.data == first.data and kept.headers["Content-Length"] == str(len(kept.data))
    for asked in (first.headers["ETag"], f'W/{first.headers["ETag"]}', f'"other", {first.headers["ETag"]}'):
        unchanged = client.get(address, headers={"If-None-Match": asked})
        assert unchanged.status_code == 304 and unchanged.data == b"", asked
        assert unchanged.headers["ETag"] == first.headers["ETag"] and "Content-Type" not in unchanged.headers
    assert client.get(address, headers={"If-None-Match": '"other"'}).data == first.data
    item = published_report(newsroom)
    after = client.get(address)
    assert item.slug in after.text, "publishing moved the publication version on"
    assert after.headers["ETag"] != first.headers["ETag"]


def test_a_kept_page_is_answered_before_flask_with_the_headers_it_was_drawn_with(newsroom, client, app):
    """A shared report's visitors cost a rate-limit hit and one read of the store: no question to the database,
    no session, yet the same security headers; an argument the page does not use cannot draw it again."""
    from flask import request_started
    from sqlalchemy import event

    from tests.core.test_query_counts import QueryCounter
    turn_page_on(newsroom)
    address = f"/publik/{newsroom.slug}"
    assert client.head(address).status_code == 200, "a HEAD first keeps nothing (it has no body to keep)"
    drawn = client.get(address)
    assert drawn.text.rstrip().endswith("</html>")
    questions, flask_requests, engine = QueryCounter(), QueryCounter(), db.engine
    event.listen(engine, "before_cursor_execute", questions)
    try:
        with request_started.connected_to(flask_requests, app):
            kept, asked_again, head = client.get(address), client.get(f"{address}?utm_source=wa"), client.head(address)
    finally:
        event.remove(engine, "before_cursor_execute", questions)
    assert questions.count == 0 and flask_requests.count == 0
    assert kept.data == asked_again.data == drawn.data and head.status_code == 200 and head.data == b""
    assert "Set-Cookie" not in kept.headers and kept.headers["X-Frame-Options"] == "DENY"
    assert kept.headers["Content-Security-Policy"] == drawn.headers["Content-Security-Policy"]
    assert kept.headers["Content-Type"] == "text/html; charset=utf-8"


def test_a_process_answers_from_its_own_copy_and_hears_of_another_workers_publication_within_a_second(
        newsroom, client, app, monkeypatch):
    """The store is asked nothing for a page this process answered within the second (only the rate limit is
    counted there); a report another worker publishes reaches this one when it next reads the version."""
    from portal.core import data_versions
    turn_page_on(newsroom)
    address = f"/publik/{newsroom.slug}"
    first = client.get(address)
    asked, ask = [], data_versions.ask

    def noted(operation, *args, about="public pages"):
        if about == "public pages":  # the signed-in pages' version is another story (test_session_pages.py)
            asked.append(operation)
        return ask(operation, *args, about=about)
    monkeypatch.setattr(data_versions, "ask", noted)
    assert all(client.get(address).data == first.data for _ in range(5))
    assert asked == [], "neither the version nor the page was read from the store"
    kept_pages = app.extensions["kept_pages"]
    monkeypatch.setattr(kept_pages, "forget_version", lambda: None)  # the commit is another worker's
    report = published_report(newsroom)
    assert asked == ["inc"], "the publication moved the store's version on"
    assert report.slug not in client.get(address).text, "this process's copy, until it reads the version again"
    monkeypatch.setitem(app.config, "PUBLIC_VERSION_SECONDS", 0)  # the second has passed
    assert report.slug in client.get(address).text


def test_a_process_keeps_its_copies_within_its_byte_budget():
    from portal.public.kept_pages import LocalCopies
    copies = LocalCopies(budget=10)
    copies.put("a", (1, b"aaaa", [], "")), copies.put("b", (1, b"bbbb", [], ""))
    assert copies.get("a", 1) is not None, "a is now the most recently answered"
    copies.put("c", (1, b"cccc", [], ""))
    assert copies.get("b", 1) is None and copies.get("a", 1) and copies.get("c", 1) and copies.size == 8
    assert copies.get("a", 2) is None, "a copy drawn at another version is not answered"
    copies.put("huge", (1, b"x" * 11, [], ""))
    assert copies.get("huge", 1) is None and copies.size == 8


@pytest.mark.parametrize("query", ["?halaman=abc", "?halaman=0", "?halaman=-1", "?halaman=9999", "?halaman=2"])
def test_paging_is_validated(newsroom, client, query):
    turn_page_on(newsroom)
    assert client.get(f"/publik/{newsroom.slug}{query}").status_code == 404


def test_the_province_page_lists_its_publishing_facilities_only(newsroom, client):
    turn_page_on(newsroom)
    page = client.get("/publik/provinsi/kalimantan-tengah")
    assert page.status_code == 200 and newsroom.names["facility"] in page.text
    assert newsroom.names["stranger"] not in page.text, "its page is off"
    assert client.get("/publik/provinsi/atlantis").status_code == 404
    assert client.get("/publik/provinsi/bali").status_code == 404
    assert client.get("/publik/provinsi/bali/feed.atom").status_code == 404


def test_the_public_pages_speak_english_when_asked_in_the_address(newsroom, client):
    turn_page_on(newsroom)
    assert "Agreements in force" in client.get(f"/publik/{newsroom.slug}?lang=en").text
    assert "Perjanjian yang berlaku" in client.get(f"/publik/{newsroom.slug}").text


def test_the_public_scope_reads_nothing_unverified_even_by_hand(newsroom, app):
    """Row-Level Security repeats the rule: raw SQL in the public scope sees verified rows only."""
    if db.session.get_bind().dialect.name != "postgresql":
        pytest.skip("Row-Level Security is PostgreSQL's")
    from sqlalchemy import text

    from portal.core.tenancy import reading_public
    from portal.ops.doctor import rls_tables
    from portal.public.kept_pages import PUBLIC_TABLES
    turn_page_on(newsroom)
    published_report(newsroom)
    with reading_public():
        statuses = set(db.session.scalars(text("SELECT status FROM contributions")))
        agreements = set(db.session.scalars(text("SELECT status FROM agreements")))
        programmes = set(db.session.scalars(text("SELECT status FROM programmes")))
        news_statuses = set(db.session.scalars(text("SELECT status FROM news_items")))
        facilities = set(db.session.scalars(text("SELECT slug FROM organisations WHERE kind = 'facility'")))
        private = {table: db.session.scalar(text(f"SELECT count(*) FROM {table}")) for table in rls_tables()
                   if table not in PUBLIC_TABLES}
    assert statuses == {"verified"} and agreements == {"active"} and programmes == {"closed"}
    assert news_statuses == {"published"} and facilities == {newsroom.slug}
    assert private and set(private.values()) == {0}, private
    with reading_public():
        assert db.session.execute(text("UPDATE news_items SET title = 'x'")).rowcount == 0, "the public writes nothing"


def test_a_visitor_asking_too_fast_is_slowed_down(newsroom, client, app, monkeypatch):
    turn_page_on(newsroom)
    monkeypatch.setitem(app.config, "PUBLIC_LIMIT", "3 per minute")
    statuses = [client.get(f"/publik/{newsroom.slug}").status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    assert "Terlalu banyak" in client.get(f"/publik/{newsroom.slug}").text


def test_with_the_limiters_store_away_each_process_still_counts(newsroom, client, app, monkeypatch):
    from flask_limiter import Limiter

    class Away:
        def hit(self, *args, **kwargs):
            raise ConnectionError("Redis is restarting")
    turn_page_on(newsroom)
    monkeypatch.setitem(app.config, "PUBLIC_LIMIT", "2 per minute")
    monkeypatch.setattr(Limiter, "limiter", property(lambda limiter: Away()))
    assert [client.get(f"/publik/{newsroom.slug}").status_code for _ in range(3)] == [200, 200, 429]


def test_the_head_shows_a_signed_agreements_document_and_only_that(newsroom, client, login_as):
    turn_page_on(newsroom)
    with newsroom.acting(newsroom.head):
        agreement_id, draft_id = newsroom.agreement.id, newsroom.draft_agreement.id
    address = f"/publik/{newsroom.slug}/pks/{agreement_id}.pdf"
    assert client.get(address).status_code == 404, "not public until the head says so"
    with newsroom.acting(newsroom.officer), pytest.raises(NotAllowed):
        publication.set_document_public(newsroom.agreement, True, actor=newsroom.officer)
    with newsroom.acting(newsroom.head), pytest.raises(DomainError, match="berlaku|in force"):
        publication.set_document_public(newsroom.draft_agreement, True, actor=newsroom.head)
    web = login_as(newsroom.head)
    page = web.get(f"/o/{newsroom.slug}/agreements/{agreement_id}").text
    assert "Tampilkan dokumen yang ditandatangani di halaman publik" in page
    assert web.post(f"/o/{newsroom.slug}/news/agreements/{agreement_id}/public-document/show").status_code == 302
    document = client.get(address)
    assert document.status_code == 200 and document.data.startswith(b"%PDF") and document.mimetype == "application/pdf"
    assert f"/pks/{agreement_id}.pdf" in client.get(f"/publik/{newsroom.slug}").text
    assert client.get(f"/publik/{newsroom.slug}/pks/{draft_id}.pdf").status_code == 404
    assert web.post(f"/o/{newsroom.slug}/news/agreements/{agreement_id}/public-document/hide").status_code == 302
    assert client.get(address).status_code == 404


def test_the_head_is_asked_to_approve_and_the_author_hears_the_outcome(newsroom):
    from portal.core.i18n import long_date
    from portal.notifications.models import Notification
    from portal.notifications.texts import notice_text

    turn_page_on(newsroom, needs_approval=True)
    with newsroom.acting(newsroom.humas):
        item = news.draft(newsroom.facility, newsroom.programme, actor=newsroom.humas)
        news.publish(item, actor=newsroom.humas)
        news_id = item.id
    with newsroom.acting(newsroom.head):
        news.approve(item, actor=newsroom.head)
    with unscoped("the test reads everyone's notices"):
        kept = list(db.session.scalars(select(Notification)))
        notices = {(n.user_id, n.kind) for n in kept}
        head_id, humas_id = newsroom.head.id, newsroom.humas.id
        asked = next(notice_text(n) for n in kept if (n.user_id, n.kind) == (head_id, "news.submitted"))
    assert (head_id, "news.submitted") in notices and (humas_id, "news.published") in notices
    assert (humas_id, "news.submitted") not in notices and news_id
    assert asked == (f"Berita tentang Program selesai tanggal {long_date(item.happened_on)} menunggu persetujuan Anda "
                     "sebelum diterbitkan."), "named by what it tells of and its date, never by its title"


def test_with_the_store_away_every_visitor_gets_the_page_drawn_anew(newsroom, client, monkeypatch):
    from portal.extensions import cache
    turn_page_on(newsroom)

    def away(*args, **kwargs):
        raise ConnectionError("Redis is restarting")
    for operation in ("get_many", "set", "inc"):
        monkeypatch.setattr(cache.cache, operation, away)
    first, second = client.get(f"/publik/{newsroom.slug}"), client.get(f"/publik/{newsroom.slug}")
    assert first.status_code == second.status_code == 200 and first.headers["ETag"] == second.headers["ETag"]
    report = published_report(newsroom)  # its commit cannot move the version on: nothing was kept to go stale
    assert report.slug in client.get(f"/publik/{newsroom.slug}").text


def test_storage_reconcile_knows_the_published_photos_and_never_removes_them(newsroom):
    """Found on the deployed stack: `storage-reconcile` took the web copies for orphans (and `--fix` would have
    deleted every published photo)."""
    from datetime import timedelta

    from portal.core import storage
    from portal.core.columns import utcnow
    from portal.ops import reconcile
    with newsroom.acting(newsroom.partner_member):
        version = materials.upload_materials(
            newsroom.facility, newsroom.partner, [Upload(io.BytesIO(photo_with_gps()), "penutupan.jpg")],
            category=MaterialCategory.PHOTO, actor=newsroom.partner_member)[0].latest
    with newsroom.acting(newsroom.humas):
        item = news.draft(newsroom.facility, newsroom.programme, actor=newsroom.humas)
        photo = news_photos.add_photo(item, version, caption="", no_wbp_recognisable=True, actor=newsroom.humas)
        copies = [photo.large_key, photo.small_key]
    later = utcnow() + reconcile.GRACE + timedelta(minutes=1)
    with unscoped("reconciliation sees every tenant"):
        assert reconcile.reconcile(now=later).orphan_objects == []
        reconcile.reconcile(fix=True, now=later)
    assert all(list(storage.keys(key)) == [key] for key in copies)

"""What the public may read: the pages of facilities whose head turned them on, and of their provinces.

Everything here runs as an anonymous visitor (`tenancy.reading_public`): the tenancy filter keeps to the
publishing facilities, and each query asks for what is verified and published only. On PostgreSQL the
policies of migration 0023 say the same a second time. Never a WBP's name (the portal keeps counts only),
never an unverified figure, never a draft. Every page asks a fixed number of questions.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from slugify import slugify
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from portal.agreements.models import Agreement, AgreementDocument, DocumentKind
from portal.contributions.measures import Measures, tally_sums
from portal.contributions.models import ContributionTally, ContributionType, Programme, ProgrammeStatus
from portal.core import clock
from portal.core.tenancy import reading_public
from portal.extensions import db
from portal.organisations.models import PROVINCES, Organisation, OrgKind
from portal.organisations.partnership_models import Partnership
from portal.public import publication
from portal.public.news_models import NewsItem, NewsPhoto, NewsStatus
from portal.umkm import catalogue

NEWS_PER_PAGE = 10
#: How far back the totals by quarter go.
QUARTERS_SHOWN = 8


def province_slug(province: str) -> str:
    """The readable part of a province's address (`/publik/provinsi/kalimantan-tengah`)."""
    return slugify(province)


PROVINCE_BY_SLUG = {province_slug(name): name for name in PROVINCES}


@dataclass(frozen=True)
class Quarter:
    year: int
    number: int
    #: Verified work by type.
    by_type: dict[ContributionType, Measures]


@dataclass
class FacilityPage:
    facility: Organisation
    partners: list[Organisation]
    agreements: list[Agreement]
    quarters: list[Quarter]
    programmes: list[Programme]
    news: list[NewsItem]
    page: int = 1
    more: bool = False
    #: The newest published photo of its news: the picture a shared link to the page shows.
    photo: NewsPhoto | None = None
    #: Its products in the public catalogue.
    products: list = field(default_factory=list)


@dataclass
class ProvincePage:
    province: str
    slug: str
    facilities: list[Organisation]
    #: Per facility id: agreements in force and verified contributions in the last four quarters.
    figures: dict[int, tuple[int, int]] = field(default_factory=dict)
    news: list[NewsItem] = field(default_factory=list)


def _publishing(query):
    return query.where(Organisation.kind == OrgKind.FACILITY, Organisation.public_page.is_(True),
                       Organisation.is_active.is_(True))


#: Newest first by the day it happened, the date every list shows (a report published late sorts by its day).
NEWEST_FIRST = (NewsItem.happened_on.desc(), NewsItem.published_at.desc(), NewsItem.id.desc())


def _published_news():
    return (select(NewsItem).where(NewsItem.status == NewsStatus.PUBLISHED)
            .options(selectinload(NewsItem.photos)).order_by(*NEWEST_FIRST))


def _in_force(today: date):
    return select(Agreement).where(Agreement.in_force_on(today))


def facility(slug: str) -> Organisation | None:
    with reading_public():
        return db.session.scalar(_publishing(select(Organisation)).where(Organisation.slug == slug))


def facility_page(slug: str, page: int = 1) -> FacilityPage | None:
    with reading_public():
        found = facility(slug)
        if found is None:
            return None
        partners = list(db.session.scalars(
            select(Organisation).join(Partnership, Partnership.partner_id == Organisation.id)
            .where(Partnership.facility_id == found.id).order_by(Organisation.name)))
        agreements = list(db.session.scalars(_in_force(clock.today()).where(Agreement.facility_id == found.id)
                                             .order_by(Agreement.start_date.desc())))
        programmes = list(db.session.scalars(
            select(Programme).where(Programme.facility_id == found.id, Programme.status == ProgrammeStatus.CLOSED)
            .order_by(Programme.end_date.desc().nulls_last(), Programme.id.desc()).limit(20)))
        news = list(db.session.scalars(_published_news().where(NewsItem.facility_id == found.id)
                                       .offset((page - 1) * NEWS_PER_PAGE).limit(NEWS_PER_PAGE + 1)))
        return FacilityPage(found, partners, agreements, _quarters(found.id), programmes, news[:NEWS_PER_PAGE],
                            page, len(news) > NEWS_PER_PAGE, _newest_photo(found.id),
                            catalogue.of_facility(found.id) if page == 1 else [])


def _newest_photo(facility_id: int) -> NewsPhoto | None:
    return db.session.scalar(
        select(NewsPhoto).join(NewsItem, NewsItem.id == NewsPhoto.news_item_id)
        .where(NewsItem.facility_id == facility_id, NewsItem.status == NewsStatus.PUBLISHED)
        .order_by(*NEWEST_FIRST, NewsPhoto.id).limit(1))


def _first_month_shown(today: date) -> date:
    quarter_start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    months_back = 3 * (QUARTERS_SHOWN - 1)
    index = quarter_start.year * 12 + quarter_start.month - 1 - months_back
    return date(index // 12, index % 12 + 1, 1)


def _quarters(facility_id: int) -> list[Quarter]:
    """Verified contributions by quarter and type, newest quarter first, from the tallies verification keeps."""
    rows = db.session.execute(
        select(ContributionTally.month, ContributionTally.type, *tally_sums())
        .where(ContributionTally.facility_id == facility_id,
               ContributionTally.month >= _first_month_shown(clock.today()))
        .group_by(ContributionTally.month, ContributionTally.type))
    totals: dict[tuple[int, int], dict] = defaultdict(lambda: defaultdict(Measures))
    for row in rows:
        by_type = totals[(row.month.year, (row.month.month - 1) // 3 + 1)]
        by_type[row.type] += Measures.of(row)
    return [Quarter(year, number, dict(by_type)) for (year, number), by_type in sorted(totals.items(), reverse=True)]


def news_item(facility_slug: str, news_slug: str) -> NewsItem | None:
    with reading_public():
        return db.session.scalar(
            _published_news().join(Organisation, Organisation.id == NewsItem.facility_id)
            .where(Organisation.slug == facility_slug, NewsItem.slug == news_slug)
            .options(selectinload(NewsItem.quotes)))


def publishing_province(slug: str) -> str | None:
    """The province of `slug`, if a facility there publishes (its feed exists then)."""
    province = PROVINCE_BY_SLUG.get(slug)
    if province is None:
        return None
    with reading_public():
        found = db.session.scalar(_publishing(select(Organisation.id)).where(Organisation.province == province)
                                  .limit(1))
    return province if found is not None else None


def province_page(slug: str) -> ProvincePage | None:
    province = PROVINCE_BY_SLUG.get(slug)
    if province is None:
        return None
    with reading_public():
        facilities = list(db.session.scalars(_publishing(select(Organisation))
                                             .where(Organisation.province == province).order_by(Organisation.name)))
        if not facilities:
            return None
        ids = [f.id for f in facilities]
        in_force = dict(db.session.execute(
            _in_force(clock.today()).with_only_columns(Agreement.facility_id, func.count())
            .where(Agreement.facility_id.in_(ids)).group_by(Agreement.facility_id)).all())
        verified = {row.facility_id: Measures.of(row).contributions for row in db.session.execute(
            select(ContributionTally.facility_id, *tally_sums())
            .where(ContributionTally.facility_id.in_(ids),
                   ContributionTally.month >= _first_month_shown(clock.today()))
            .group_by(ContributionTally.facility_id))}
        news = list(db.session.scalars(_published_news().where(NewsItem.facility_id.in_(ids)).limit(NEWS_PER_PAGE)))
        figures = {i: (in_force.get(i, 0), int(verified.get(i) or 0)) for i in ids}
        return ProvincePage(province, slug, facilities, figures, news)


def directory() -> dict[str, list[Organisation]]:
    """The publishing facilities by province, for the public index and the sitemap."""
    with reading_public():
        by_province: dict[str, list[Organisation]] = defaultdict(list)
        for found in db.session.scalars(_publishing(select(Organisation)).order_by(Organisation.name)):
            by_province[found.province or ""].append(found)
        return dict(sorted(by_province.items()))


def latest_news(*, facility_id: int | None = None, province: str | None = None, limit: int = 20) -> list[NewsItem]:
    """The newest published reports, of one facility, one province or every publishing facility (feeds)."""
    with reading_public():
        query = _published_news().join(Organisation, Organisation.id == NewsItem.facility_id)
        query = _publishing(query)
        if facility_id is not None:
            query = query.where(NewsItem.facility_id == facility_id)
        if province is not None:
            query = query.where(Organisation.province == province)
        return list(db.session.scalars(query.limit(limit)))


def all_news_addresses() -> list[tuple[str, str, object]]:
    """(facility slug, news slug, published at) of every published report, for the sitemap."""
    with reading_public():
        return list(db.session.execute(
            _publishing(select(Organisation.slug, NewsItem.slug, NewsItem.published_at)
                        .join(Organisation, Organisation.id == NewsItem.facility_id))
            .where(NewsItem.status == NewsStatus.PUBLISHED).order_by(NewsItem.published_at.desc())).all())


def agreement_document(facility_slug: str, agreement_id: int) -> AgreementDocument | None:
    """The final signed PDF of an agreement in force of a publishing facility, where its head made it public."""
    with reading_public():
        return db.session.scalar(
            select(AgreementDocument).join(Agreement, Agreement.id == AgreementDocument.agreement_id)
            .join(Organisation, Organisation.id == Agreement.facility_id)
            .where(Organisation.slug == facility_slug, Agreement.id == agreement_id,
                   Agreement.document_public.is_(True), AgreementDocument.kind == DocumentKind.FINAL,
                   Agreement.status.in_(publication.PUBLISHABLE))
            .order_by(AgreementDocument.number.desc()).limit(1))


def photo_key(facility_slug: str, photo_id: int, small: bool) -> str | None:
    """The stored copy of a published photo of a publishing facility, or None."""
    with reading_public():
        found = db.session.scalar(
            select(NewsPhoto).join(NewsItem, NewsItem.id == NewsPhoto.news_item_id)
            .join(Organisation, Organisation.id == NewsPhoto.facility_id)
            .where(NewsPhoto.id == photo_id, Organisation.slug == facility_slug,
                   NewsItem.status == NewsStatus.PUBLISHED))
        if found is None:
            return None
        return found.small_key if small else found.large_key

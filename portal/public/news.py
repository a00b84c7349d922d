"""A facility's news, from the first draft to the public page: every move is one function here, guarded by
role and state, written to the audit trail in the same transaction.

`draft → (awaiting_approval →) published → withdrawn`. A facility that asks for it has its head approve
each report before it is published; otherwise the Humas officer publishes. Only a draft is edited.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal import policy
from portal.accounts.models import User
from portal.agreements.models import Agreement
from portal.audit import chain as audit
from portal.contributions.models import Contribution, Programme
from portal.core import slugs
from portal.core.columns import utcnow
from portal.core.errors import DomainError
from portal.extensions import db
from portal.organisations.models import Organisation
from portal.public import news_drafts
from portal.public.events import NewsVerb
from portal.public.news_models import NewsItem, NewsQuote, NewsStatus

SOURCES = {"agreement": Agreement, "programme": Programme, "contribution": Contribution}
MAX_QUOTES = 10


class NotEditable(DomainError):
    def __init__(self):
        super().__init__(_l("Only a draft can be changed. Withdraw the report or return it to its draft first."))


@dataclass
class NewsFields:
    title: str
    body: str
    place: str | None
    happened_on: date


def news_of(facility: Organisation, news_id: int) -> NewsItem | None:
    """One of the facility's reports (the tenancy filter keeps other facilities' out)."""
    return db.session.scalar(select(NewsItem).where(NewsItem.id == news_id, NewsItem.facility_id == facility.id))


def newest_of(facility: Organisation, limit: int = 50) -> list[NewsItem]:
    return list(db.session.scalars(select(NewsItem).where(NewsItem.facility_id == facility.id)
                                   .order_by(NewsItem.created_at.desc(), NewsItem.id.desc()).limit(limit)))


def draft(facility: Organisation, source: Agreement | Programme | Contribution, *, actor: User) -> NewsItem:
    """A new report drafted from a verified activity of the facility."""
    policy.require(policy.can_write_news(actor, facility))
    if source.facility_id != facility.id:
        raise news_drafts.NotReportable()
    text = news_drafts.draft_of(source)
    item = NewsItem(facility=facility, partner=text.partner, title=text.title[:300], body=text.body,
                    place=text.place, happened_on=text.happened_on, source_kind=text.source_kind,
                    source_id=text.source_id, author_id=actor.id,
                    slug=slugs.free_slug(NewsItem, facility, text.title, fallback="berita"))
    db.session.add(item)
    db.session.flush()
    _record("news.drafted", item, actor, after={"source": f"{text.source_kind}:{text.source_id}"})
    return item


def edit(item: NewsItem, fields: NewsFields, *, actor: User) -> None:
    require_draft(item, actor)
    if not fields.title.strip() or not fields.body.strip():
        raise DomainError(_l("A report needs a title and a text."))
    before = {"title": item.title}
    item.title, item.body = fields.title.strip(), fields.body.strip()
    item.place, item.happened_on = (fields.place or "").strip() or None, fields.happened_on
    item.slug = slugs.free_slug(NewsItem, item.facility, item.title, fallback="berita", keep=item)
    db.session.flush()
    _record("news.edited", item, actor, before=before, after={"title": item.title})


def add_quote(item: NewsItem, *, speaker: str, office: str, text: str, actor: User) -> NewsQuote:
    """What someone said, with their name and office, as the report will print it."""
    require_draft(item, actor)
    speaker, office, text = speaker.strip(), office.strip(), text.strip().strip("\"“”")
    if not (speaker and office and text):
        raise DomainError(_l("A quote needs the words, the speaker's name and their office."))
    if len(item.quotes) >= MAX_QUOTES:
        raise DomainError(_l("A report holds at most %(count)s quotes.", count=MAX_QUOTES))
    quote = NewsQuote(facility_id=item.facility_id, speaker=speaker, office=office, text=text,
                      position=max((q.position for q in item.quotes), default=0) + 1)
    item.quotes.append(quote)
    db.session.flush()
    _record("news.quote_added", item, actor, after={"speaker": speaker})
    return quote


def remove_quote(item: NewsItem, quote_id: int, *, actor: User) -> None:
    require_draft(item, actor)
    quote = next((q for q in item.quotes if q.id == quote_id), None)
    if quote is None:
        raise DomainError(_l("This quote is no longer part of the report."))
    item.quotes.remove(quote)
    db.session.flush()
    _record("news.quote_removed", item, actor, before={"speaker": quote.speaker})


def publish(item: NewsItem, *, actor: User) -> None:
    """Publish, or, where the facility asks for it and the actor is not its head, send to the head first."""
    require_draft(item, actor)
    if policy.can_approve_news(actor, item.facility) or not item.facility.news_needs_approval:
        _publish(item, actor)
    else:
        _move(item, NewsStatus.AWAITING_APPROVAL, NewsVerb.SUBMIT.action, actor)


def approve(item: NewsItem, *, actor: User) -> None:
    policy.require(policy.can_approve_news(actor, item.facility))
    if item.status != NewsStatus.AWAITING_APPROVAL:
        raise DomainError(_l("This report is not waiting for approval."))
    item.approved_by_id = actor.id
    _publish(item, actor)


def return_to_draft(item: NewsItem, *, actor: User) -> None:
    """The head sends a report back to its author, or the author takes it back, before publication."""
    policy.require(policy.can_write_news(actor, item.facility))
    if item.status != NewsStatus.AWAITING_APPROVAL:
        raise DomainError(_l("This report is not waiting for approval."))
    _move(item, NewsStatus.DRAFT, NewsVerb.RETURN.action, actor)


def withdraw(item: NewsItem, *, actor: User) -> None:
    """Off the public page; kept, since it was public once."""
    policy.require(policy.can_write_news(actor, item.facility))
    if item.status != NewsStatus.PUBLISHED:
        raise DomainError(_l("Only a published report can be withdrawn."))
    _move(item, NewsStatus.WITHDRAWN, "news.withdrawn", actor)


def _publish(item: NewsItem, actor: User) -> None:
    item.published_at = utcnow()
    _move(item, NewsStatus.PUBLISHED, NewsVerb.PUBLISH.action, actor, after={"slug": item.slug})


def _move(item: NewsItem, status: NewsStatus, action: str, actor: User, after: dict | None = None) -> None:
    item.status = status
    db.session.flush()
    _record(action, item, actor, after=after)


def require_draft(item: NewsItem, actor: User) -> None:
    policy.require(policy.can_write_news(actor, item.facility))
    if item.status != NewsStatus.DRAFT:
        raise NotEditable()


def _record(action: str, item: NewsItem, actor: User, *, before: dict | None = None, after: dict | None = None):
    audit.record(action, actor=actor, object_type="news", object_id=item.id, organisation=item.facility,
                 facility=item.facility, before=before, after=after)

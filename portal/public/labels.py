"""What news and public pages are called on screen: news statuses and sources, and the audit actions of news and
of an organisation's public page (`portal.core.vocabulary` reads them)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.public.events import NewsVerb as V
from portal.public.news_models import NewsSource, NewsStatus

NEWS_STATUS = {
    NewsStatus.DRAFT: _l("Draft"),
    NewsStatus.AWAITING_APPROVAL: _l("Waiting for the head's approval"),
    NewsStatus.PUBLISHED: _l("Published"),
    NewsStatus.WITHDRAWN: _l("Withdrawn"),
}

NEWS_SOURCE = {
    NewsSource.AGREEMENT: _l("Agreement signing"),
    NewsSource.PROGRAMME: _l("Finished programme"),
    NewsSource.CONTRIBUTION: _l("Verified activity"),
}

AUDIT_ACTIONS = {
    "organisation.public_page_on": _l("Public page turned on"),
    "organisation.public_page_off": _l("Public page turned off"),
    "organisation.news_approval_changed": _l("Approval of news by the head changed"),
    "news.drafted": _l("News drafted"),
    "news.edited": _l("News edited"),
    "news.quote_added": _l("Quote added to news"),
    "news.quote_removed": _l("Quote removed from news"),
    "news.photo_added": _l("Photo added to news (no WBP recognisable)"),
    "news.photo_removed": _l("Photo removed from news"),
    V.SUBMIT.action: _l("News sent to the head for approval"),
    V.RETURN.action: _l("News returned to its draft"),
    V.PUBLISH.action: _l("News published"),
    "news.withdrawn": _l("News withdrawn from the public page"),
}

LABELS = {NewsStatus: NEWS_STATUS, NewsSource: NEWS_SOURCE}

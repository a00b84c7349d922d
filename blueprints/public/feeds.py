"""Atom feeds of published news (feedgen writes the XML)."""
from __future__ import annotations

from feedgen.feed import FeedGenerator
from flask import Response
from flask_babel import gettext as _

from portal.core import links
from portal.core.columns import as_utc


def atom(*, title: str, page: str, items: list) -> Response:
    feed = FeedGenerator()
    feed.id(page)
    feed.title(_("News from %(name)s", name=title))
    feed.author({"name": title})
    feed.link(href=page, rel="alternate")
    feed.language("id")
    feed.generator("MitraPAS")
    newest = None
    for item in items:
        address = links.absolute("public.news", slug=item.facility.slug, news_slug=item.slug)
        published = as_utc(item.published_at)
        newest = published if newest is None else max(newest, published)  # listed by the day it happened
        entry = feed.add_entry(order="append")
        entry.id(address)
        entry.title(item.title)
        entry.link(href=address)
        entry.published(published)
        entry.updated(published)
        entry.author({"name": item.facility.name})
        paragraphs = item.paragraphs()
        entry.summary(paragraphs[0] if paragraphs else item.title)
        entry.content("\n\n".join(paragraphs), type="text")
    if newest is not None:
        feed.updated(newest)
    return Response(feed.atom_str(pretty=True), content_type="application/atom+xml; charset=utf-8")

"""What happens to a facility's report (news) that someone hears of: its verbs, spelled once, and their events."""
from __future__ import annotations

from dataclasses import dataclass

from portal.core.events import Happened, Verb
from portal.public.news_models import NewsItem


class NewsVerb(Verb):
    SUBMIT = "submit", "news.submitted"
    PUBLISH = "publish", "news.published"
    RETURN = "return", "news.returned"


@dataclass(eq=False)
class NewsEvent(Happened):
    verbs = NewsVerb
    model = NewsItem
    verb: NewsVerb

    @property
    def item(self) -> NewsItem | None:
        return self.record

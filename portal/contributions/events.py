"""What happens to a contribution that someone hears of: its verbs, spelled once, and the event each one sends."""
from __future__ import annotations

from dataclasses import dataclass

from portal.contributions.models import Contribution
from portal.core.events import Happened, Verb


class ContributionVerb(Verb):
    RECORD = "record", "contribution.recorded", "contribution.recorded"
    VERIFY = "verify", "contribution.verified", "contribution.verified"
    REJECT = "reject", "contribution.rejected"


@dataclass(eq=False)
class ContributionEvent(Happened):
    verbs = ContributionVerb
    model = Contribution
    verb: ContributionVerb

    @property
    def contribution(self) -> Contribution | None:
        return self.record

"""What happens to an invitation that someone hears of: its verbs, spelled once, and the event each one sends."""
from __future__ import annotations

from dataclasses import dataclass

from portal.core.events import Happened, Verb
from portal.organisations.invitation_models import Invitation


class InvitationVerb(Verb):
    SEND = "send", "invitation.sent"
    RESEND = "resend", "invitation.resent"
    REVOKE = "revoke", "invitation.revoked"
    ACCEPT = "accept", "invitation.accepted"


@dataclass(eq=False)
class InvitationEvent(Happened):
    verbs = InvitationVerb
    model = Invitation
    verb: InvitationVerb

    @property
    def invitation(self) -> Invitation | None:
        return self.record

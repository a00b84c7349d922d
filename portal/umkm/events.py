"""What happens to a buyer's inquiry and to a sale that someone hears of: their verbs, spelled once, and their
events. A product's own changes are audited but announced to nobody."""
from __future__ import annotations

from dataclasses import dataclass

from portal.core.events import Happened, Verb
from portal.umkm.models import Inquiry, Sale


class InquiryVerb(Verb):
    RECEIVE = "receive", "inquiry.received", "inquiry.received"
    ANSWER = "answer", "inquiry.answered"
    AGREE = "agree", "inquiry.agreed"
    DELIVER = "deliver", "inquiry.delivered"
    PAY = "pay", "inquiry.paid"
    CLOSE = "close", "inquiry.closed"


class SaleVerb(Verb):
    RECORD = "record", "sale.recorded", "sale.recorded"
    CANCEL = "cancel", "sale.cancelled"


@dataclass(eq=False)
class InquiryEvent(Happened):
    verbs = InquiryVerb
    model = Inquiry
    verb: InquiryVerb


@dataclass(eq=False)
class SaleEvent(Happened):
    verbs = SaleVerb
    model = Sale
    verb: SaleVerb

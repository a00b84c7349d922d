"""From a buyer's inquiry to a sale: every move one function here, guarded by role and state, audited in the same
transaction.

An inquiry arrives from the public catalogue without an account (`receive`) and moves
`new → answered → agreed → delivered → paid`, or is `closed` on the way. Agreeing records the sale (quantity,
amount in Rupiah, the kind of buyer, the partner who brought or helped it); delivery and payment date it; closing an
agreed inquiry cancels its sale, which then counts no more. A facility also records a sale made without an inquiry
(a stall, a bazaar, a shop's regular order): handed over and paid that day.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
import re

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from portal import policy
from portal.accounts.models import User
from portal.audit import chain as audit
from portal.core import clock
from portal.core import locking
from portal.core.columns import utcnow
from portal.core.errors import DomainError, FieldErrors
from portal.core.tenancy import acting_for
from portal.extensions import db
from portal.organisations.models import Organisation, OrgKind
from portal.umkm import catalogue, products
from portal.umkm.events import InquiryVerb, SaleVerb
from portal.umkm.fields import SaleFields
from portal.umkm.models import Inquiry, InquiryState, Product, Sale

S = InquiryState
#: Where each move may start from.
MOVES_FROM = {
    InquiryVerb.ANSWER: (S.NEW,),
    InquiryVerb.AGREE: (S.NEW, S.ANSWERED),
    InquiryVerb.DELIVER: (S.AGREED,),
    InquiryVerb.PAY: (S.AGREED, S.DELIVERED),
    InquiryVerb.CLOSE: (S.NEW, S.ANSWERED, S.AGREED),
}
MOVED_TO = {InquiryVerb.ANSWER: S.ANSWERED, InquiryVerb.AGREE: S.AGREED, InquiryVerb.DELIVER: S.DELIVERED,
            InquiryVerb.PAY: S.PAID, InquiryVerb.CLOSE: S.CLOSED}
OPEN_STATES = (S.NEW, S.ANSWERED, S.AGREED, S.DELIVERED)
#: What a buyer's name becomes once its retention period is over.
FORGOTTEN = "—"
_PHONE = re.compile(r"\+?[0-9][0-9 ()-]{6,24}")
#: An address a reply can go to, and nothing a `mailto:` link would read as more (no `?`, `&`, `%` or comma).
_EMAIL = re.compile(r"[A-Za-z0-9._+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")


class MovedOn(DomainError):
    def __init__(self):
        super().__init__(_l("This inquiry has moved on meanwhile; the page shows where it is now."))


@dataclass
class InquiryFields:
    buyer_name: str
    consent: bool
    buyer_organisation: str = ""
    phone: str = ""
    email: str = ""
    quantity: int | None = None
    message: str = ""


def problems_of(fields: InquiryFields) -> dict[str, object]:
    """What is missing or wrong in a buyer's inquiry, by field (empty: it may be sent)."""
    found: dict[str, object] = {}
    if not fields.buyer_name.strip():
        found["buyer_name"] = _l("Write your name.")
    phone, email = fields.phone.strip(), fields.email.strip()
    if not phone and not email:
        found["phone"] = _l("Give a phone number or an e-mail address, so that the facility can answer you.")
    if phone and not _PHONE.fullmatch(phone):
        found["phone"] = _l("Write the phone number in digits, e.g. 0812 3456 7890.")
    if email and not _EMAIL.fullmatch(email):
        found["email"] = _l("This e-mail address is not complete.")
    if fields.quantity is not None and not 1 <= fields.quantity <= 1_000_000:
        found["quantity"] = _l("The quantity is a whole number from 1.")
    if len(fields.message) > 2000:
        found["message"] = _l("The message is at most 2,000 characters.")
    if not fields.consent:
        found["consent"] = _l("The facility can only answer if you agree to be contacted.")
    return found


def receive(facility_slug: str, product_slug: str, fields: InquiryFields) -> Inquiry | None:
    """A buyer's inquiry from the catalogue, or None when the product is not (or no longer) in it.

    The buyer has no account and acts for nobody: the product is looked up as the public sees it, and the inquiry
    is then written in the facility's name, as a letter arriving at its desk is (that block writes the inquiry and its
    audit entry, nothing else). Its people hear of it through the event (`portal.umkm.notices`)."""
    found = problems_of(fields)
    if found:
        raise FieldErrors(found)
    shown = catalogue.product_page(facility_slug, product_slug)
    if shown is None:
        return None
    facility = shown.product.facility
    with acting_for(facility):
        inquiry = Inquiry(facility_id=facility.id, product_id=shown.product.id, buyer_name=fields.buyer_name.strip(),
                          buyer_organisation=fields.buyer_organisation.strip()[:200], phone=fields.phone.strip(),
                          email=fields.email.strip()[:254], quantity=fields.quantity, message=fields.message.strip())
        db.session.add(inquiry)
        db.session.flush()
        audit.record(InquiryVerb.RECEIVE.action, actor=None, object_type="inquiry", object_id=inquiry.id,
                     organisation=facility, facility=facility, after={"product": shown.product.id,
                                                                      "quantity": fields.quantity})
    return inquiry


def forget_buyers(now=None, *, dry_run: bool = False) -> int:
    """Retention (`portal.privacy.retention`): an inquiry keeps its buyer's name, contact and message (and the words
    it was closed with) only so long after its last move, whatever its state (one left unanswered for a year is not
    being answered); then they are blanked. The inquiry, its moves and its sale stay, saying who bought in kind
    only."""
    old = ((now or utcnow()) - timedelta(days=current_app.config["RETENTION_BUYER_CONTACT_DAYS"]))
    which = (Inquiry.updated_at < old, Inquiry.buyer_name != FORGOTTEN)
    if dry_run:
        return db.session.scalar(select(func.count(Inquiry.id)).where(*which)) or 0
    return db.session.execute(update(Inquiry).where(*which).values(
        buyer_name=FORGOTTEN, buyer_organisation="", phone="", email="", message="", closed_reason="",
        updated_at=Inquiry.updated_at)).rowcount


def inquiries_of(facility: Organisation, *, states=None, limit: int = 200) -> list[Inquiry]:
    """The facility's inquiries, open ones first, newest first."""
    query = select(Inquiry).where(Inquiry.facility_id == facility.id)
    if states:
        query = query.where(Inquiry.state.in_(states))
    return list(db.session.scalars(query.order_by(Inquiry.state.in_(OPEN_STATES).desc(), Inquiry.created_at.desc(),
                                                  Inquiry.id.desc()).limit(limit)))


def waiting_count(facility: Organisation) -> int:
    """New inquiries nobody answered yet (the facility's queue)."""
    return db.session.scalar(select(func.count(Inquiry.id)).where(Inquiry.facility_id == facility.id,
                                                                 Inquiry.state == S.NEW)) or 0


def inquiry_of(facility: Organisation, inquiry_id: int) -> Inquiry | None:
    return db.session.scalar(select(Inquiry).where(Inquiry.id == inquiry_id, Inquiry.facility_id == facility.id))


def answer(inquiry: Inquiry, *, actor: User) -> None:
    """The facility has contacted the buyer (by the phone or e-mail they gave)."""
    _require_move(inquiry, InquiryVerb.ANSWER, actor)
    _move(inquiry, InquiryVerb.ANSWER, actor)


def agree(inquiry: Inquiry, fields: SaleFields, *, actor: User) -> Sale:
    """Quantity and price agreed with the buyer: the sale is recorded."""
    _require_move(inquiry, InquiryVerb.AGREE, actor)
    sale = _record_sale(inquiry.facility, inquiry.product, fields, actor, inquiry=inquiry)
    _move(inquiry, InquiryVerb.AGREE, actor, after={"sale": sale.id})
    return sale


def deliver(inquiry: Inquiry, *, on: date | None = None, actor: User) -> None:
    _require_move(inquiry, InquiryVerb.DELIVER, actor)
    inquiry.sale.delivered_on = _day(on, inquiry.sale)
    _move(inquiry, InquiryVerb.DELIVER, actor)


def pay(inquiry: Inquiry, *, on: date | None = None, actor: User) -> None:
    _require_move(inquiry, InquiryVerb.PAY, actor)
    inquiry.sale.paid_on = _day(on, inquiry.sale)
    inquiry.sale.delivered_on = inquiry.sale.delivered_on or inquiry.sale.paid_on
    _move(inquiry, InquiryVerb.PAY, actor)


def close(inquiry: Inquiry, *, reason: str = "", actor: User) -> None:
    """Ended without a sale; an agreed sale that did not happen is cancelled and counts no more."""
    _require_move(inquiry, InquiryVerb.CLOSE, actor)
    inquiry.closed_reason = reason.strip()[:300]
    if inquiry.sale is not None and not inquiry.sale.cancelled:
        inquiry.sale.cancelled = True
        db.session.flush()
        _record_sale_entry(SaleVerb.CANCEL.action, inquiry.sale, actor)
    _move(inquiry, InquiryVerb.CLOSE, actor)


def record_sale(facility: Organisation, product: Product, fields: SaleFields, *, actor: User) -> Sale:
    """A sale made without an inquiry (a stall, a bazaar, a shop's order): handed over and paid that day."""
    policy.require(policy.can_manage_products(actor, facility))
    sale = _record_sale(facility, product, fields, actor)
    sale.delivered_on = sale.paid_on = sale.sold_on
    db.session.flush()
    return sale


def sales_of(organisation: Organisation, *, facility_id: int | None = None, limit: int = 100) -> list[Sale]:
    """The sales the organisation sees (a facility's own, a partner's helped ones, an office's facilities'), newest
    first; of one facility, if asked."""
    query = select(Sale).order_by(Sale.sold_on.desc(), Sale.id.desc()).limit(limit)
    if facility_id is not None:
        query = query.where(Sale.facility_id == facility_id)
    if organisation.kind == OrgKind.FACILITY:
        query = query.where(Sale.facility_id == organisation.id)
    elif organisation.kind == OrgKind.PARTNER:
        query = query.where(Sale.partner_id == organisation.id)
    return list(db.session.scalars(query))


def sale(sale_id: int) -> Sale | None:
    """A sale the acting organisation sees, or None."""
    return db.session.scalar(select(Sale).where(Sale.id == sale_id))


def sales_of_product(product: Product, *, limit: int = 50) -> list[Sale]:
    """The product's sales the acting organisation sees, newest first."""
    return list(db.session.scalars(select(Sale).where(Sale.product_id == product.id)
                                   .order_by(Sale.sold_on.desc(), Sale.id.desc()).limit(limit)))


def _record_sale(facility: Organisation, product: Product, fields: SaleFields, actor: User, *,
                 inquiry: Inquiry | None = None) -> Sale:
    if product.facility_id != facility.id:
        raise DomainError(_l("Choose one of the facility's products."))
    if fields.quantity is None or fields.quantity < 1:
        raise DomainError(_l("A sale is of at least one unit."))
    if fields.amount is None or fields.amount < 0:
        raise DomainError(_l("Write the amount of the sale in Rupiah."))
    if fields.sold_on > clock.today():
        raise DomainError(_l("A sale is recorded on or after the day it was made, not before."))
    partner = None
    if fields.partner_id:
        partner = next((p for p in products.partners_of(facility) if p.id == fields.partner_id), None)
        if partner is None:
            raise DomainError(_l("Only a partner the facility works with can be named as helping the sale."))
    sale = Sale(facility_id=facility.id, partner_id=partner.id if partner else None, product_id=product.id,
                inquiry=inquiry, product_name=product.name, category=product.category, unit=product.unit,
                sold_on=fields.sold_on,
                quantity=fields.quantity, amount=fields.amount, buyer_kind=fields.buyer_kind,
                recorded_by_id=actor.id)
    db.session.add(sale)
    db.session.flush()
    _record_sale_entry(SaleVerb.RECORD.action, sale, actor)
    return sale


def _record_sale_entry(action: str, sale: Sale, actor: User) -> None:
    audit.record(action, actor=actor, object_type="sale", object_id=sale.id, organisation=sale.facility,
                 facility=sale.facility, partner=sale.partner,
                 after={"quantity": sale.quantity, "amount": str(sale.amount), "buyer_kind": str(sale.buyer_kind)})


def _require_move(inquiry: Inquiry, verb: InquiryVerb, actor: User) -> None:
    """Allowed, and (once any other move of it is done) still where the move starts from."""
    policy.require(policy.can_manage_products(actor, inquiry.facility))
    locking.lock(inquiry, MovedOn)
    if inquiry.state not in MOVES_FROM[verb]:
        raise MovedOn()


def _move(inquiry: Inquiry, verb: InquiryVerb, actor: User, *, after: dict | None = None) -> None:
    before = str(inquiry.state)
    inquiry.state = MOVED_TO[verb]
    db.session.flush()
    audit.record(verb.action, actor=actor, object_type="inquiry", object_id=inquiry.id,
                 organisation=inquiry.facility, facility=inquiry.facility,
                 before={"state": before}, after={"state": str(inquiry.state), **(after or {})})


def _day(on: date | None, sale: Sale) -> date:
    day = on or clock.today()
    if day > clock.today() or day < sale.sold_on:
        raise DomainError(_l("The day is between the sale and today."))
    return day


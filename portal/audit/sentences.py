"""The audit trail in words: each entry as one sentence in the reader's language, what changed as labelled fields,
and the technical rest (digests, the address, the stored code) kept apart for a disclosure.

"Vinny Safari mengunggah materi *foto-kegiatan.jpg* (5 KB) ke kemitraan RSUD Tamiang Layang": the person, the verb
of the action (`SENTENCES`, one per action the services record; an unknown one still reads as a sentence), and the
record named as people know it (a title, a file name, an organisation's or a person's name, never "material 10"),
linked to its page when the reader's organisation may open it. The records an entry names are looked up for a whole
page at once, one question per kind of record, so the page asks as many questions for 50 entries as for 5.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Callable

from flask import url_for
from flask_babel import format_date, lazy_gettext as _l, to_user_timezone
from markupsafe import Markup, escape
from sqlalchemy import select

from portal import policy
from portal.accounts.models import User
from portal.agreements.labels import AGREEMENT_STATUS, AGREEMENT_TYPE
from portal.agreements.models import Agreement, AgreementStatus, AgreementType
from portal.audit.models import AuditEntry
from portal.contributions.labels import CONTRIBUTION_STATUS, CONTRIBUTION_TYPE
from portal.contributions.models import Contribution, ContributionStatus, ContributionType, Programme
from portal.core.columns import as_utc
from portal.core import money
from portal.core.i18n import format_number, long_date
from portal.extensions import db
from portal.integrations.api_tokens import SCOPES
from portal.integrations.token_models import ApiToken
from portal.integrations.webhook_events import EVENTS
from portal.integrations.webhook_models import WebhookEndpoint
from portal.materials.labels import MATERIAL_CATEGORY
from portal.materials.models import Material, MaterialCategory
from portal.notifications.labels import MAIL_STATUS
from portal.notifications.mail_models import MailStatus
from portal.organisations.invitation_models import Invitation
from portal.organisations.labels import ORG_KIND, PARTNER_CATEGORY, ROLE
from portal.organisations.models import Membership, Organisation, OrgKind, PartnerCategory, Role
from portal.organisations.partnership_models import Partnership
from portal.public.labels import NEWS_STATUS
from portal.public.news_models import NewsItem, NewsStatus
from portal.signing.models import SigningCertificate
from portal.umkm.labels import (
    BUYER_KIND, CERTIFICATE_KIND, CERTIFICATE_STATUS, HELP_KIND, INQUIRY_STATE, PRODUCT_CATEGORY,
)
from portal.umkm.models import (
    BuyerKind, CertificateKind, CertificateStatus, HelpKind, Inquiry, InquiryState, Product, ProductCategory, Sale,
)

#: What each action says. %(who)s is the person (or "The system"), %(record)s the record, %(pair)s the partnership
#: (the other party's name, both for oversight), %(file)s a document's file name.
SENTENCES = {
    "session.started": _l("%(who)s signed in"),
    "session.ended": _l("%(who)s signed out"),
    "session.ended_elsewhere": _l("%(who)s ended their session on another device"),
    "user.data_exported": _l("%(who)s downloaded a copy of their own data"),
    "user.left": _l("%(record)s no longer belongs to any organisation and can no longer sign in"),
    "user.returned": _l("%(who)s came back through an invitation"),
    "user.erasure_requested": _l("%(who)s asked for their personal data to be erased"),
    "user.pseudonymised": _l("%(who)s replaced the personal data of %(record)s with a pseudonym"),
    "secrets.rotated": _l("%(who)s sealed the stored secrets with a new key"),
    "user.created": _l("%(who)s created the account of %(record)s"),
    "user.password_changed": _l("%(who)s changed their password"),
    "user.password_reset_requested": _l("%(who)s asked for a link to set a new password"),
    "user.password_reset": _l("%(who)s set a new password through the link sent by e-mail"),
    "mail.requeued": _l("%(who)s had an undelivered e-mail sent again"),
    "user.profile_updated": _l("%(who)s updated their profile"),
    "user.notice_settings_changed": _l("%(who)s changed how their notifications reach them"),
    "phone.code_sent": _l("%(who)s asked for a code to verify their mobile number"),
    "phone.verified": _l("%(who)s verified their mobile number"),
    "phone.removed": _l("%(who)s removed their mobile number"),
    "phone.stopped": _l("%(who)s replied STOP to a message: nothing more goes to them that way"),
    "phone.restarted": _l("%(who)s replied MULAI to a message: messages may go to them that way again"),
    "user.two_factor_enabled": _l("%(who)s turned on two-step sign-in"),
    "user.recovery_code_used": _l("%(who)s signed in with a recovery code"),
    "signing_certificate.issued": _l("%(who)s received an electronic signing certificate for %(record)s"),
    "signing_certificate.revoked": _l("%(who)s revoked the electronic signing certificate of %(record)s"),
    "api_token.created": _l("%(who)s created the API token %(record)s"),
    "api_token.revoked": _l("%(who)s revoked the API token %(record)s"),
    "webhook.registered": _l("%(who)s added a webhook sending to %(record)s"),
    "webhook.disabled": _l("%(who)s switched off the webhook sending to %(record)s"),
    "webhook.enabled": _l("%(who)s switched on the webhook sending to %(record)s"),
    "webhook.removed": _l("%(who)s removed the webhook sending to %(record)s"),
    "webhook.resent": _l("%(who)s sent a webhook delivery again: %(record)s"),
    "webhook.test_sent": _l("%(who)s sent a test event to the webhook at %(record)s"),
    "invitation.sent": _l("%(who)s invited %(record)s"),
    "invitation.resent": _l("%(who)s sent the invitation to %(record)s again"),
    "invitation.revoked": _l("%(who)s revoked the invitation to %(record)s"),
    "invitation.accepted": _l("%(who)s accepted the invitation sent to %(record)s"),
    "user.deactivated": _l("%(who)s deactivated the account of %(record)s"),
    "user.locale_changed": _l("%(who)s changed the portal's language"),
    "organisation.created": _l("%(who)s created the organisation %(record)s"),
    "member.added": _l("%(who)s added %(record)s as a member"),
    "member.role_changed": _l("%(who)s changed the role of %(record)s"),
    "member.removed": _l("%(who)s removed %(record)s from the members"),
    "partnership.created": _l("%(who)s added %(record)s as a partner"),
    "agreement.created": _l("%(who)s drafted the PKS %(record)s for the partnership with %(pair)s"),
    "agreement.updated": _l("%(who)s edited the draft PKS %(record)s"),
    "agreement.document_added": _l("%(who)s uploaded the document %(file)s to the PKS %(record)s"),
    "agreement.submitted": _l("%(who)s submitted the PKS %(record)s for review"),
    "agreement.changes_requested": _l("%(who)s asked for changes to the PKS %(record)s"),
    "agreement.forwarded": _l("%(who)s forwarded the PKS %(record)s to the head"),
    "agreement.step_completed": _l("%(who)s completed an approval step of the PKS %(record)s"),
    "agreement.acknowledged": _l("%(who)s acknowledged the PKS %(record)s for the regional office (Kanwil)"),
    "approval_chain.updated": _l("%(who)s changed the approval steps of the agreements of %(record)s"),
    "agreement.approved": _l("%(who)s approved the PKS %(record)s"),
    "agreement.rejected": _l("%(who)s rejected the PKS %(record)s"),
    "agreement.signed": _l("%(who)s signed the PKS %(record)s"),
    "agreement.scan_uploaded": _l("%(who)s uploaded %(file)s, the paper-signed scan of the PKS %(record)s"),
    "agreement.scan_confirmed": _l("%(who)s confirmed the paper-signed scan of the PKS %(record)s"),
    "agreement.completed": _l("%(who)s completed the signing of the PKS %(record)s: both parties have signed "
                              "and the final PDF was issued"),
    "agreement.activated": _l("The PKS %(record)s came into force"),
    "agreement.expired": _l("The PKS %(record)s expired"),
    "agreement.terminated": _l("%(who)s terminated the PKS %(record)s"),
    "agreement.renewed": _l("%(who)s drafted a renewal of the PKS %(record)s"),
    "agreement.amended": _l("%(who)s drafted an addendum to the PKS %(record)s"),
    "agreement.addendum_applied": _l("An addendum took effect on the PKS %(record)s"),
    "agreement.document_published": _l("%(who)s showed the signed PKS %(record)s on the public page"),
    "agreement.document_unpublished": _l("%(who)s took the signed PKS %(record)s off the public page"),
    "agreement.draft_emptied": _l("The documents and details of the rejected draft %(record)s were removed after "
                                  "their retention period"),
    "contribution.recorded": _l("%(who)s recorded the contribution %(record)s for the partnership with %(pair)s"),
    "contribution.updated": _l("%(who)s corrected the contribution %(record)s"),
    "contribution.resubmitted": _l("%(who)s corrected and resubmitted the contribution %(record)s"),
    "contribution.correction_recorded": _l("%(who)s recorded a correction of the verified contribution %(record)s"),
    "contribution.verified": _l("%(who)s verified the contribution %(record)s"),
    "contribution.rejected": _l("%(who)s sent back the contribution %(record)s"),
    "contribution.superseded": _l("The contribution %(record)s was replaced by its verified correction"),
    "programme.created": _l("%(who)s started the programme %(record)s for the partnership with %(pair)s"),
    "programme.closed": _l("%(who)s closed the programme %(record)s"),
    "material.uploaded": _l("%(who)s uploaded the material %(record)s to the partnership with %(pair)s"),
    "material.version_added": _l("%(who)s uploaded a new version of the material: %(record)s"),
    "material.chosen_as_evidence": _l("%(who)s attached the material %(record)s as evidence of a contribution"),
    "material.deleted": _l("%(who)s deleted the material %(record)s"),
    "material.purged": _l("The deleted material %(record)s was removed for good"),
    "material.retention_expired": _l("The evidence photo %(record)s was removed after its retention period"),
    "material.version_lost": _l("A file of the material %(record)s was found missing from storage"),
    "material.checked": _l("The file of the material %(record)s was checked whole and may now be downloaded"),
    "material.check_refused": _l("The file of the material %(record)s was refused by its check"),
    "organisation.public_page_on": _l("%(who)s turned on the public page of %(record)s"),
    "organisation.public_page_off": _l("%(who)s turned off the public page of %(record)s"),
    "organisation.news_approval_changed": _l("%(who)s changed who approves the news of %(record)s"),
    "news.drafted": _l("%(who)s drafted the news %(record)s"),
    "news.edited": _l("%(who)s edited the news %(record)s"),
    "news.quote_added": _l("%(who)s added a quote to the news %(record)s"),
    "news.quote_removed": _l("%(who)s removed a quote from the news %(record)s"),
    "news.photo_added": _l("%(who)s added a photo in which no WBP can be recognised to the news %(record)s"),
    "news.photo_removed": _l("%(who)s removed a photo from the news %(record)s"),
    "news.submitted": _l("%(who)s sent the news %(record)s to the head for approval"),
    "news.returned": _l("%(who)s returned the news %(record)s to its draft"),
    "news.published": _l("%(who)s published the news %(record)s"),
    "news.withdrawn": _l("%(who)s withdrew the news %(record)s from the public page"),
    "product.created": _l("%(who)s added the product %(record)s"),
    "product.edited": _l("%(who)s changed the product %(record)s"),
    "product.shown": _l("%(who)s showed the product %(record)s in the public catalogue"),
    "product.hidden": _l("%(who)s took the product %(record)s off the public catalogue"),
    "product.archived": _l("%(who)s marked the product %(record)s as no longer made"),
    "product.photo_added": _l("%(who)s added a photo in which no WBP can be recognised to the product %(record)s"),
    "product.photo_removed": _l("%(who)s removed a photo from the product %(record)s"),
    "product.certificate_saved": _l("%(who)s saved a certificate of the product %(record)s"),
    "product.certificate_removed": _l("%(who)s removed a certificate of the product %(record)s"),
    "product.helper_added": _l("%(who)s linked a partner to the product %(record)s"),
    "product.helper_removed": _l("%(who)s unlinked a partner from the product %(record)s"),
    "skills.counted": _l("%(who)s counted the interests and skills of inmates"),
    "inquiry.received": _l("A buyer sent %(record)s from the public catalogue"),
    "inquiry.answered": _l("%(who)s contacted the buyer of %(record)s"),
    "inquiry.agreed": _l("%(who)s agreed a sale with the buyer of %(record)s"),
    "inquiry.delivered": _l("%(who)s delivered the order of %(record)s"),
    "inquiry.paid": _l("%(who)s received the payment for %(record)s"),
    "inquiry.closed": _l("%(who)s closed %(record)s without a sale"),
    "sale.recorded": _l("%(who)s recorded a sale of %(record)s"),
    "sale.cancelled": _l("%(who)s cancelled a sale of %(record)s"),
}
#: An action the list above does not know yet still reads as a sentence.
SOMETHING_CHANGED = _l("%(who)s made a change to %(record)s")

#: What a change's fields are called; a key not here is shown with the technical details.
FIELD_LABELS = {
    "status": _l("Status"), "reason": _l("Reason"), "problem": _l("Why it was refused"), "title": _l("Title"), "type": _l("Type"),
    "category": _l("Category"), "filename": _l("File"), "size": _l("Size"), "version": _l("Version"),
    "role": _l("Role"), "access_until": _l("Access until"), "organisation": _l("Organisation"),
    "focus": _l("Focus of the partnership"), "partner": _l("Partner"), "name": _l("Name"),
    "position": _l("Position"), "party": _l("Signed for"), "signed_on": _l("Date signed on paper"),
    "start_date": _l("Start date"), "end_date": _l("End date"), "started_on": _l("Date"),
    "ended_on": _l("Last day"), "expires_on": _l("Works until"), "participants": _l("Participants"),
    "participants_total": _l("Participants"), "participants_male": _l("Male participants"),
    "participants_female": _l("Female participants"), "hours": _l("Hours"), "certificates": _l("Certificates issued"),
    "speaker": _l("Speaker"), "no_wbp_recognisable": _l("No WBP recognisable"),
    "required": _l("The head approves news before it is published"), "locale": _l("Language"),
    "is_active": _l("Can sign in"), "deleted": _l("Deleted"), "changed": _l("Changed"), "channel": _l("Channel"), "device": _l("Device"),
    "sessions": _l("Sessions ended"), "scopes": _l("Allowed"), "events": _l("Events"), "event": _l("Event"),
    "url": _l("Address"), "location": _l("Place"), "description": _l("Description"),
    "partner_people": _l("Partner's people involved"), "agreement": _l("PKS"), "programme": _l("Programme"),
    "contribution": _l("Contribution"),
    "user": _l("Person"), "correction": _l("Correction"), "by": _l("Replaced by"), "renewal": _l("Renewal"),
    "addendum": _l("Addendum"), "kind": _l("Kind"), "province": _l("Province"),
    "facility_class": _l("Facility class"), "partner_category": _l("Partner category"),
    "is_platform_admin": _l("Platform administrator"), "values": _l("Secrets sealed again"),
    "versions": _l("Versions"), "token": _l("Through the API token"),
    "step": _l("Approval step"), "next_step": _l("Next step"), "steps": _l("Approval steps"),
    "agreement_type": _l("Type of agreement"), "decision_days": _l("Working days for the head's decision"),
    "product_category": _l("Category"), "price_min": _l("Lowest price"), "price_max": _l("Highest price"),
    "certificate": _l("Certificate"), "certificate_status": _l("Status"), "help": _l("What the partner does"),
    "quantity": _l("Quantity"), "amount": _l("Amount"), "buyer_kind": _l("Buyer"), "state": _l("State"),
    "period": _l("Month"), "interested": _l("Interested"), "trained": _l("Trained"), "product": _l("Product"),
    "sale": _l("Sale"),
}
#: Keys that are for checking, not reading: behind the "technical details" disclosure.
TECHNICAL = {"sha256", "pdf_sha256", "final_sha256", "verification_code", "serial", "slug", "source",
             "material_version", "key"}
#: Digests by the name people who check them know.
DIGESTS = {"sha256": "SHA-256", "pdf_sha256": "SHA-256 (PDF)", "final_sha256": "SHA-256 (PDF final)"}
#: For actions whose entry holds a whole summary, the fields worth a line (the sentence says the rest).
SHOWN = {
    "contribution.recorded": ("type", "started_on", "participants_total"),
    "agreement.created": ("type",),
    "programme.created": ("type",),
    "organisation.created": ("kind", "province"),
    "partnership.created": ("focus",),
    "material.uploaded": ("category", "agreement"),
    "material.version_added": ("version",),
    "material.checked": ("version",),
    "material.check_refused": ("version", "problem"),
    "agreement.document_added": ("version",),
    "agreement.scan_uploaded": ("version",),
    "signing_certificate.issued": (),
    "news.photo_added": (),
    "webhook.registered": ("events",),
    "webhook.enabled": (), "webhook.disabled": (), "webhook.test_sent": (),
    "webhook.removed": ("events",),
    "member.added": ("role",),
    "member.removed": ("role",),
    "api_token.created": ("scopes", "expires_on"),
    "api_token.revoked": (),
    "product.created": ("product_category",),
    "product.photo_added": (),
    "product.certificate_saved": ("certificate", "certificate_status", "expires_on"),
    "product.helper_added": ("partner", "help"),
    "inquiry.received": ("quantity",),
    "inquiry.agreed": (),
    "sale.recorded": ("quantity", "amount", "buyer_kind"),
    "sale.cancelled": (),
}
PROFILE_FIELDS = {"name": _l("Name"), "position": _l("Position"), "nip": _l("NIP"), "phone": _l("Phone"),
                  "locale": _l("Language"), "routes": _l("Channels of notices"), "digest": _l("Morning summary"),
                  "time_zone": _l("Time zone"), "quiet_hours": _l("Quiet hours"),
                  "contribution_notices": _l("New contributions to verify")}
LANGUAGES = {"id": "Bahasa Indonesia", "en": "English"}
PARTIES = {"facility": _l("The facility (UPT)"), "partner": _l("The partner")}
#: Each status field's labels, by the kind of record it is a status of.
STATUSES = {"agreement": (AgreementStatus, AGREEMENT_STATUS), "contribution": (ContributionStatus, CONTRIBUTION_STATUS),
            "news": (NewsStatus, NEWS_STATUS), "outbox_message": (MailStatus, MAIL_STATUS)}
DELIVERY_STATUS = {"queued": _l("Waiting to be sent"), "delivered": _l("Delivered"), "failed": _l("Failed")}


@dataclass
class Field:
    label: str
    value: Markup | str
    #: What it was before, for a change.
    before: Markup | str | None = None


@dataclass
class Line:
    """One entry as the page shows it."""

    entry: AuditEntry
    sentence: Markup
    fields: list[Field] = field(default_factory=list)
    technical: list[Field] = field(default_factory=list)
    #: The organisation the person acted for, when it is not the reader's own.
    acting_for: str | None = None
    #: When, in the portal's time zone.
    local: datetime | None = None

    @property
    def time(self) -> str:
        return f"{self.local.hour:02d}:{self.local.minute:02d}"


def lines_of(entries: list[AuditEntry], reader: Organisation | None, viewer: User) -> list[Line]:
    """The entries in words, for `reader`'s trail page (links go where `reader` may open them); without a reader
    (a person's own entries, across their organisations: "Data saya"), unlinked, each saying whom it was for, and
    each record named only as its entry kept it (an organisation the person left may have renamed it since)."""
    known = _Known.load(entries, reader, viewer)
    return [_line(entry, known) for entry in entries]


def by_day(lines: list[Line]) -> list[tuple[date, list[Line]]]:
    """The lines under the day they happened (in the portal's time zone), in their order."""
    days: list[tuple[date, list[Line]]] = []
    for line in lines:
        if not days or days[-1][0] != line.local.date():
            days.append((line.local.date(), []))
        days[-1][1].append(line)
    return days


def _line(entry: AuditEntry, known: "_Known") -> Line:
    changes = entry.changes or {}
    before, after = changes.get("before") or {}, changes.get("after") or {}
    template = SENTENCES.get(entry.action, SOMETHING_CHANGED)
    who = Markup("<strong>%s</strong>") % (entry.actor.name if entry.actor else str(_l("The system")))
    filename = after.get("filename") or before.get("filename")
    params = {"who": who, "record": known.record(entry, after, before), "pair": known.pair(entry),
              "file": Markup("<em>%s</em>") % filename if filename else ""}
    line = Line(entry, escape(str(template)) % params, local=to_user_timezone(as_utc(entry.created_at)))
    shown = SHOWN.get(entry.action)
    for key in [*after, *(k for k in before if k not in after)]:
        old, new = before.get(key), after.get(key)
        if key in TECHNICAL or key not in FIELD_LABELS:
            line.technical.append(Field(DIGESTS.get(key, key), _plain(new if key in after else old)))
        elif shown is not None and key not in shown or _empty(old) and _empty(new):
            continue
        elif key not in after:  # only what it was: a removal says what went
            line.fields.append(Field(str(FIELD_LABELS[key]), known.value(key, old, entry)))
        elif key not in before or _empty(old):
            line.fields.append(Field(str(FIELD_LABELS[key]), known.value(key, new, entry)))
        elif old != new:
            line.fields.append(Field(str(FIELD_LABELS[key]), known.value(key, new, entry),
                                     known.value(key, old, entry)))
    if changes.get("token"):
        line.fields.append(Field(str(FIELD_LABELS["token"]), changes["token"]))
    if entry.ip:
        line.technical.append(Field(str(_l("IP address")), entry.ip))
    line.technical.append(Field(str(_l("Recorded as")), entry.action))
    if entry.organisation_id and entry.organisation_id != known.reader_id:
        line.acting_for = known.org_names.get(entry.organisation_id)
    return line


def _empty(value) -> bool:
    return value is None or value == "" or value == []


def _plain(value) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_plain(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_plain(v) for v in value)
    return "" if value is None else str(value)


def human_size(size) -> str:
    """5 KB, 1,2 MB: as a person reads a file's size."""
    if not isinstance(size, int):
        return ""
    if size < 1024 * 1024:
        return f"{format_number(max(1, round(size / 1024)))} KB"
    return f"{format_number(round(size / (1024 * 1024), 1))} MB"


def _date(value) -> str:
    try:
        return long_date(date.fromisoformat(str(value)[:10]))
    except ValueError:
        return str(value)


def _label(labels: dict, codes, value) -> str:
    try:
        return str(labels[codes(value)])
    except (ValueError, KeyError):
        return str(value)


def _month(value) -> str:
    try:
        return format_date(date.fromisoformat(str(value)[:10]), "MMMM y")
    except ValueError:
        return str(value)


def _yes_no(value) -> str:
    return str(_l("Yes") if value else _l("No"))


#: How each kind of value reads; `_Known.value` adds the ones that name other records.
_FORMATS: dict[str, Callable] = {
    **dict.fromkeys(("signed_on", "start_date", "end_date", "started_on", "ended_on", "expires_on", "access_until"),
                    _date),
    **dict.fromkeys(("participants", "participants_total", "participants_male", "participants_female", "hours",
                     "certificates", "sessions", "values", "versions", "version"), format_number),
    **dict.fromkeys(("no_wbp_recognisable", "required", "is_active", "deleted", "is_platform_admin"), _yes_no),
    "size": human_size,
    **dict.fromkeys(("quantity", "interested", "trained"), format_number),
    **dict.fromkeys(("amount", "price_min", "price_max"), money.rupiah),
    "period": lambda v: _month(v),
    "product_category": lambda v: _label(PRODUCT_CATEGORY, ProductCategory, v),
    "certificate": lambda v: _label(CERTIFICATE_KIND, CertificateKind, v),
    "certificate_status": lambda v: _label(CERTIFICATE_STATUS, CertificateStatus, v),
    "help": lambda v: _label(HELP_KIND, HelpKind, v),
    "buyer_kind": lambda v: _label(BUYER_KIND, BuyerKind, v),
    "state": lambda v: _label(INQUIRY_STATE, InquiryState, v),
    "category": lambda v: _label(MATERIAL_CATEGORY, MaterialCategory, v),
    "role": lambda v: _label(ROLE, Role, v),
    "kind": lambda v: _label(ORG_KIND, OrgKind, v),
    "partner_category": lambda v: _label(PARTNER_CATEGORY, PartnerCategory, v),
    "party": lambda v: str(PARTIES.get(v, v)),
    "channel": lambda v: {"whatsapp": "WhatsApp", "sms": "SMS"}.get(v, v),
    "locale": lambda v: LANGUAGES.get(v, v),
    "changed": lambda v: ", ".join(str(PROFILE_FIELDS.get(k, k)) for k in v or ()),
    "scopes": lambda v: "; ".join(str(SCOPES.get(k, k)) for k in v or ()),
    "events": lambda v: "; ".join(str(EVENTS.get(k, k)) for k in v or ()),
    "event": lambda v: str(EVENTS.get(v, v)),
}
#: Keys that hold the id of another record, and the kind of record it is.
_REFERENCES = {"agreement": "agreement", "renewal": "agreement", "addendum": "agreement", "programme": "programme",
               "correction": "contribution", "by": "contribution", "contribution": "contribution", "user": "user"}
#: Each kind of record: its model, the columns its name and link need, and its page.
_MODELS = {
    "agreement": (Agreement, ("title",), "agreements.show", "agreement_id"),
    "material": (Material, ("title", "deleted_at"), "materials.show", "material_id"),
    "contribution": (Contribution, ("title",), "contributions.show", "contribution_id"),
    "programme": (Programme, ("name",), "contributions.programme", "programme_id"),
    "news": (NewsItem, ("title",), "news.show", "news_id"),
    "partnership": (Partnership, ("partner_id",), "partnerships.show", "partnership_id"),
    "membership": (Membership, ("user_id",), None, None),
    "invitation": (Invitation, ("email",), None, None),
    "user": (User, ("name",), None, None),
    "api_token": (ApiToken, ("name",), None, None),
    "webhook_endpoint": (WebhookEndpoint, ("url",), None, None),
    "signing_certificate": (SigningCertificate, ("name",), None, None),
    "product": (Product, ("name",), "umkm.product", "product_id"),
    "sale": (Sale, ("product_name",), None, None),
    "inquiry": (Inquiry, ("id",), "umkm.inquiry", "inquiry_id"),
}
#: What an entry keeps of its record's name, when the record is gone or out of the reader's sight.
_NAMED_BY = {"agreement": ("title",), "material": ("filename", "title"), "contribution": ("title",),
             "programme": ("name",), "news": ("title",), "partnership": ("partner",), "api_token": ("name",),
             "webhook_endpoint": ("url",), "signing_certificate": ("name",), "organisation": ("name",)}
#: What a record is called when nothing names it any more.
_UNNAMED = {"agreement": _l("(a PKS no longer shown)"), "material": _l("(a material no longer shown)"),
            "contribution": _l("(a contribution no longer shown)"), "programme": _l("(a programme no longer shown)"),
            "news": _l("(a news item no longer shown)"), "user": _l("(an account)"),
            "membership": _l("(a former member)"), "invitation": _l("(an invitation)"),
            "outbox_message": _l("(an e-mail)"), "webhook_delivery": _l("(a delivery)"),
            "product": _l("(a product no longer shown)"), "sale": _l("(a sale no longer shown)"),
            "inquiry": _l("(a buyer's inquiry)")}


def _object_id(entry: AuditEntry) -> int | None:
    return int(entry.object_id) if entry.object_id and entry.object_id.isdigit() else None


class _Known:
    """The records a page of entries names, each kind looked up once."""

    def __init__(self, reader: Organisation | None, viewer: User):
        self.reader, self.viewer = reader, viewer
        self.reader_id = reader.id if reader is not None else None
        self.rows: dict[str, dict[int, object]] = defaultdict(dict)
        self.org_names: dict[int, str] = {}

    @classmethod
    def load(cls, entries: list[AuditEntry], reader: Organisation | None, viewer: User) -> "_Known":
        known, wanted, orgs = cls(reader, viewer), defaultdict(set), set()
        for entry in entries:
            if reader is None:  # a person's own entries: records named as the entry kept them, not as they are now
                orgs.update(i for i in (entry.organisation_id, entry.facility_id, entry.partner_id) if i)
                continue
            if entry.object_type in _MODELS and _object_id(entry):
                wanted[entry.object_type].add(_object_id(entry))
            if entry.object_type == "organisation" and _object_id(entry):
                orgs.add(_object_id(entry))
            orgs.update(i for i in (entry.organisation_id, entry.facility_id, entry.partner_id) if i)
            for part in ("before", "after"):
                for key, value in ((entry.changes or {}).get(part) or {}).items():
                    if key in _REFERENCES and isinstance(value, int):
                        wanted[_REFERENCES[key]].add(value)
        for kind in ("membership", *(k for k in _MODELS if k != "membership")):  # members first: they name users
            if wanted[kind]:
                model, columns = _MODELS[kind][:2]
                found = db.session.execute(select(model.id, *(getattr(model, c) for c in columns))
                                           .where(model.id.in_(wanted[kind])))
                known.rows[kind] = {row.id: row for row in found}
                if kind == "membership":
                    wanted["user"].update(row.user_id for row in known.rows[kind].values())
                if kind == "partnership":
                    orgs.update(row.partner_id for row in known.rows[kind].values())
        if orgs:
            known.org_names = dict(db.session.execute(select(Organisation.id, Organisation.name)
                                                      .where(Organisation.id.in_(orgs))).all())
        return known

    def name_of(self, kind: str, record_id: int | None, kept: str | None = None) -> Markup | str:
        """A record's name, linked to its page when the reader may open it."""
        row = self.rows[kind].get(record_id) if record_id else None
        if kind == "organisation":
            name = self.org_names.get(record_id) or kept
        elif kind == "user":
            name = row.name if row else kept
        elif kind == "membership":
            user = self.rows["user"].get(row.user_id) if row else None
            name = user.name if user else kept
        elif kind == "partnership":
            name = self.org_names.get(row.partner_id) if row else kept
        else:
            name = kept or (row and _MODELS[kind][1] and getattr(row, _MODELS[kind][1][0]))
        if not name:
            return str(_UNNAMED.get(kind, _l("(a record)")))
        name = Markup("<em>%s</em>") % name
        link = self._link(kind, row)
        return Markup('<a href="%s">%s</a>') % (link, name) if link else name

    def _link(self, kind: str, row) -> str | None:
        if self.reader is None or row is None or kind not in _MODELS or _MODELS[kind][2] is None:
            return None
        if kind == "material" and row.deleted_at is not None:
            return None
        if kind == "news" and not policy.can_write_news(self.viewer, self.reader):
            return None
        if kind == "inquiry" and not policy.can_manage_products(self.viewer, self.reader):
            return None
        _model, _columns, endpoint, argument = _MODELS[kind]
        return url_for(endpoint, **{argument: row.id})

    def record(self, entry: AuditEntry, after: dict, before: dict) -> Markup | str:
        """The entry's record; a material by the file the entry is about, with its size when it was uploaded."""
        kind, record_id = entry.object_type, _object_id(entry)
        kept = next((str(part[key]) for key in _NAMED_BY.get(kind, ()) for part in (after, before)
                     if part.get(key)), None)
        if kind == "membership":
            user_id = after.get("user") or before.get("user")
            if user_id in self.rows["user"]:
                return self.name_of("user", user_id)
        if kind == "signing_certificate" and after.get("position"):
            kept = f"{after.get('name') or ''}, {after['position']}".strip(", ")
        if kind == "inquiry" and record_id:  # named by its number: the buyer's name stays on its own page
            kept = str(_l("inquiry no. %(number)s", number=record_id))
        if kind == "webhook_delivery" and after.get("event"):
            return str(EVENTS.get(after["event"], _UNNAMED["webhook_delivery"]))
        name = self.name_of(kind, record_id, kept)
        if kind == "material" and isinstance(after.get("size"), int):
            name = Markup("%s (%s)") % (name, human_size(after["size"]))
        return name

    def pair(self, entry: AuditEntry) -> str:
        """The partnership as the reader calls it: the other party's name (both, for an office overseeing them)."""
        facility, partner = self.org_names.get(entry.facility_id), self.org_names.get(entry.partner_id)
        if self.reader_id == entry.facility_id:
            return partner or ""
        if self.reader_id == entry.partner_id:
            return facility or ""
        return " – ".join(name for name in (facility, partner) if name)

    def value(self, key: str, value, entry: AuditEntry) -> Markup | str:
        if value is None or value == "":
            return "–"
        if key in _REFERENCES and isinstance(value, int):
            return self.name_of(_REFERENCES[key], value)
        if key == "status":
            if entry.object_type == "webhook_delivery":
                return str(DELIVERY_STATUS.get(value, value))
            codes, labels = STATUSES.get(entry.object_type, (None, {}))
            return _label(labels, codes, value) if codes else str(value)
        if key == "type":
            if entry.object_type == "agreement":
                return _label(AGREEMENT_TYPE, AgreementType, value)
            return _label(CONTRIBUTION_TYPE, ContributionType, value)
        if key in _FORMATS:
            return _FORMATS[key](value)
        return str(value)

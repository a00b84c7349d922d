"""What a notice says, in the reader's language: the sentence of each kind, and the names of the records in it.

A notice names a record the way the screens do: an agreement by its PKS number, else by its type and parties; a
contribution by its type and date; a report by what it tells of and its date. Never by a title or a reason someone
typed (it may hold a WBP's name, and a notice travels to mailboxes and lock screens), nor by an internal id the
screens never show. `portal.notifications.operations` keeps the codes and names with each notice; they are put into
words when it is read, so that each reader gets their own language.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date
import re

from flask_babel import lazy_gettext as _l

from portal.agreements.models import AgreementType
from portal.contributions.models import ContributionType
from portal.core.i18n import long_date
from portal.agreements.labels import AGREEMENT_TYPE
from portal.contributions.labels import CONTRIBUTION_TYPE
from portal.materials.labels import MATERIAL_CATEGORY
from portal.public.labels import NEWS_SOURCE
from portal.materials.models import MaterialCategory
from portal.public.news_models import NewsSource
from portal.umkm.labels import CERTIFICATE_KIND, PRODUCT_CATEGORY
from portal.umkm.models import CertificateKind, ProductCategory

#: What each kind of notice says; `notice_text` fills in the names.
NOTIFICATIONS = {
    "agreement.submitted": _l("%(by)s submitted %(agreement)s for review."),
    "agreement.forwarded": _l("%(agreement)s, submitted by %(partner)s, has been reviewed and waits for your "
                              "decision."),
    "agreement.step_turn": _l("%(agreement)s, submitted by %(partner)s, waits for your step of its approval."),
    "agreement.changes_requested": _l("%(facility)s asks for changes to %(agreement)s; the reason is on its page."),
    "agreement.approved": _l("%(facility)s approved %(agreement)s; it now waits for the signature of "
                             "%(signatory)s."),
    "agreement.to_sign_approved": _l("%(facility)s approved %(agreement)s; it now waits for your signature."),
    "agreement.to_sign_partner_signed": _l("%(partner)s signed %(agreement)s; it now waits for your signature."),
    "agreement.rejected": _l("%(facility)s rejected %(agreement)s; the reason is on its page."),
    "agreement.signed_by_both": _l("%(agreement)s is signed by both parties."),
    "agreement.expired": _l("%(agreement)s has expired."),
    "agreement.terminated": _l("%(agreement)s has been terminated."),
    "contribution.verified": _l("%(facility)s verified the contribution %(contribution)s."),
    "contribution.rejected": _l("%(facility)s sent back the contribution %(contribution)s; the reason is on its "
                                "page."),
    "contribution.recorded": _l("%(partner)s recorded the contribution %(contribution)s; it waits for your "
                                "verification."),
    "contribution.recorded_many": _l("%(partner)s recorded %(count)s contributions at once; they wait for your "
                                     "verification."),
    "contribution.digest": _l("Daily summary: %(count)s new contribution(s) recorded at %(facility)s."),
    "invitation.accepted": _l("%(person)s accepted the invitation and joined %(joined)s."),
    "material.added": _l("%(by)s added material (%(category)s) to %(agreement)s."),
    "news.submitted": _l("The report on %(source)s of %(date)s waits for your approval before it is published."),
    "news.published": _l("The report on %(source)s of %(date)s was approved and published."),
    "news.returned": _l("The report on %(source)s of %(date)s was returned to its draft."),
    "reminder.expiring": _l("%(agreement)s ends within %(days)s days (%(end)s)."),
    "reminder.unsigned": _l("%(agreement)s has waited more than %(days)s days for your signature."),
    "reminder.verification": _l("%(count)s contribution(s) have waited more than %(days)s days for verification."),
    "reminder.steps_late": _l("%(count)s agreement(s) have passed the deadline of your approval step; the oldest was "
                              "due %(due)s."),
    "reminder.step_overdue": _l("%(agreement)s has waited at one approval step twice as long as it was given (due "
                                "%(due)s)."),
    "inquiry.received": _l("A buyer asked about a product of %(facility)s (%(product_category)s) in the public "
                           "catalogue: inquiry no. %(number)s waits for your answer."),
    "reminder.certificate_expiring": _l("The %(certificate_kind)s of a product of %(facility)s (%(product_category)s) "
                                        "expires within %(days)s days (%(end)s)."),
}

#: Each kind of notice in a few words: what a phone's lock screen shows first (a WhatsApp or SMS message's
#: headline, `portal.notifications.messages`).
HEADLINES = {
    "agreement.submitted": _l("A PKS was submitted for your review"),
    "agreement.forwarded": _l("A PKS waits for your decision"),
    "agreement.step_turn": _l("A PKS waits for your approval step"),
    "agreement.changes_requested": _l("Changes are asked to a PKS"),
    "agreement.approved": _l("A PKS was approved"),
    "agreement.to_sign_approved": _l("A PKS waits for your signature"),
    "agreement.to_sign_partner_signed": _l("A PKS waits for your signature"),
    "agreement.rejected": _l("A PKS was rejected"),
    "agreement.signed_by_both": _l("A PKS is signed by both parties"),
    "agreement.expired": _l("A PKS has expired"),
    "agreement.terminated": _l("A PKS was terminated"),
    "contribution.verified": _l("A contribution was verified"),
    "contribution.rejected": _l("A contribution was sent back"),
    "contribution.recorded": _l("A contribution waits for your verification"),
    "contribution.recorded_many": _l("Contributions wait for your verification"),
    "contribution.digest": _l("Today's new contributions"),
    "invitation.accepted": _l("An invitation was accepted"),
    "material.added": _l("New material for a PKS"),
    "news.submitted": _l("A report waits for your approval"),
    "news.published": _l("A report was published"),
    "news.returned": _l("A report was returned"),
    "reminder.expiring": _l("A PKS ends soon"),
    "reminder.unsigned": _l("A PKS waits for your signature"),
    "reminder.verification": _l("Contributions wait for verification"),
    "reminder.steps_late": _l("Approval steps are past their deadline"),
    "reminder.step_overdue": _l("An approval step is long overdue"),
    "inquiry.received": _l("A buyer's inquiry waits for your answer"),
    "reminder.certificate_expiring": _l("A product certificate expires soon"),
}
OTHER_HEADLINE = _l("A new notice in MitraPAS")

#: What notices kept from before said (their params hold `ref`, the record's number, instead of its name).
NOTIFICATIONS_BY_NUMBER = {
    "agreement.submitted": _l("%(partner)s submitted agreement %(ref)s for review."),
    "agreement.changes_requested": _l("%(facility)s asks for changes to agreement %(ref)s; the reason is on its page."),
    "agreement.approved": _l("%(facility)s approved agreement %(ref)s."),
    "agreement.rejected": _l("%(facility)s rejected agreement %(ref)s; the reason is on its page."),
    "agreement.to_sign": _l("Agreement %(ref)s between %(facility)s and %(partner)s is waiting for your signature."),
    "agreement.signed_by_both": _l("Agreement %(ref)s between %(facility)s and %(partner)s is signed."),
    "agreement.expired": _l("Agreement %(ref)s between %(facility)s and %(partner)s has expired."),
    "agreement.terminated": _l("Agreement %(ref)s between %(facility)s and %(partner)s has been terminated."),
    "contribution.verified": _l("%(facility)s verified contribution %(ref)s."),
    "contribution.rejected": _l("%(facility)s sent back contribution %(ref)s; the reason is on its page."),
    "material.added": _l("New material %(ref)s for agreement %(agreement)s."),
    "news.submitted": _l("Report %(ref)s waits for your approval before it is published."),
    "news.published": _l("Report %(ref)s was approved and published."),
    "news.returned": _l("Report %(ref)s was returned to its draft."),
    "reminder.expiring": _l("Agreement %(ref)s ends within %(days)s days (%(end)s)."),
    "reminder.unsigned": _l("Agreement %(ref)s has waited more than %(days)s days for your signature."),
}

#: The params that say a notice names its record (one of them is in every notice made since).
_NAMING_PARAMS = ("agreement_type", "contribution_type", "news_source")


def notice_text(notice) -> str:
    """The notice in the reader's language; a missing detail stays blank rather than failing. A notice kept from
    before notices named their records keeps its number (`ref`, or the one in its link) and its words."""
    params = defaultdict(str, notice.params or {})
    if notice.kind in NOTIFICATIONS_BY_NUMBER and not any(name in params for name in _NAMING_PARAMS):
        if "ref" not in params and (number := re.search(r"/(\d+)$", notice.link or "")):
            params["ref"] = f"#{number[1]}"
        template = NOTIFICATIONS_BY_NUMBER[notice.kind]
    else:
        template = NOTIFICATIONS.get(notice.kind, notice.kind)
        params.update(_names(params))
    if params.get("end"):
        params["end"] = _date(params["end"])
    return str(template) % params


def agreement_name(params) -> str:
    """An agreement as the screens name it: "PKS W17.PAS.PAS.10-PK.01.01-123", or by its type and parties, "PKS
    Rujukan kesehatan antara Rutan Kelas IIB Tamiang Layang dan RSUD Tamiang Layang" (an addendum likewise)."""
    parts = dict(number=params.get("agreement_number"), facility=params.get("facility", ""),
                 partner=params.get("partner", ""), type=_label_of(AGREEMENT_TYPE, AgreementType,
                                                                   params.get("agreement_type")))
    if params.get("addendum"):
        return str(_l("Addendum %(number)s", **parts) if parts["number"] else
                   _l("Addendum to the PKS for %(type)s between %(facility)s and %(partner)s", **parts))
    return str(_l("PKS %(number)s", **parts) if parts["number"] else
               _l("PKS for %(type)s between %(facility)s and %(partner)s", **parts))


def _names(params) -> dict:
    names = {}
    if "agreement_type" in params:
        names["agreement"] = agreement_name(params)
    if "contribution_type" in params:
        names["contribution"] = str(_l("%(type)s of %(date)s", date=_date(params.get("contribution_date")),
                                       type=_label_of(CONTRIBUTION_TYPE, ContributionType,
                                                      params["contribution_type"])))
    if "category" in params:
        names["category"] = _label_of(MATERIAL_CATEGORY, MaterialCategory, params["category"])
    if "product_category" in params:
        names["product_category"] = _label_of(PRODUCT_CATEGORY, ProductCategory, params["product_category"])
    if "certificate_kind" in params:
        names["certificate_kind"] = _label_of(CERTIFICATE_KIND, CertificateKind, params["certificate_kind"])
    if "news_source" in params:
        names["source"] = _label_of(NEWS_SOURCE, NewsSource, params["news_source"])
        names["date"] = _date(params.get("news_date"))
    return names


def _label_of(labels: dict, codes, code) -> str:
    try:
        return str(labels[codes(code)])
    except (ValueError, KeyError):
        return str(code or "")


def _date(value) -> str:
    """An ISO date as the screens write it (29 November 2025); anything else as it is."""
    try:
        return long_date(date.fromisoformat(value))
    except (TypeError, ValueError):
        return str(value or "")

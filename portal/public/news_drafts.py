"""The first draft of a news report, written from a verified activity in the shape Humas writes them.

Always in Bahasa Indonesia (the public reads it so), whatever language the officer uses the portal in:
place and date first, who did what with whom, the figures the portal holds, and a closing line. The
officer then adds quotes, photos and the colour only people who were there can give.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import force_locale, gettext as _, lazy_gettext as _l
from sqlalchemy import select

from portal.agreements.models import SIGNED_STATES, Agreement, AgreementStatus
from portal.contributions.models import Contribution, ContributionStatus, Programme, ProgrammeStatus
from portal.core import clock, i18n, vocabulary
from portal.core.errors import DomainError
from portal.extensions import db
from portal.organisations.models import Organisation
from portal.public.news_models import NewsSource

#: Agreements worth a report: signed by both, whether or not their period has begun or ended since.
REPORTABLE_AGREEMENTS = SIGNED_STATES - {AgreementStatus.TERMINATED}


class NotReportable(DomainError):
    def __init__(self):
        super().__init__(_l("Only a signed agreement, a closed programme or a verified activity can become news."))


@dataclass(frozen=True)
class Draft:
    source_kind: NewsSource
    source_id: int
    partner: Organisation
    title: str
    body: str
    place: str | None
    happened_on: date


def draft_of(source: Agreement | Programme | Contribution) -> Draft:
    """The draft report of one verified activity of the acting facility."""
    with force_locale("id"):
        if isinstance(source, Agreement) and source.status in REPORTABLE_AGREEMENTS:
            return _of_agreement(source)
        if isinstance(source, Programme) and source.status == ProgrammeStatus.CLOSED:
            return _of_programme(source)
        if isinstance(source, Contribution) and source.status == ContributionStatus.VERIFIED:
            return _of_contribution(source)
    raise NotReportable()


def _opening(facility: Organisation) -> str:
    return facility.city or facility.province or facility.name


def _closing(facility: Organisation) -> str:
    return _("This activity is part of the commitment of %(facility)s to rehabilitation that prepares WBP to "
             "return to their families and society.", facility=facility.name)


def _of_agreement(agreement: Agreement) -> Draft:
    facility, partner = agreement.facility, agreement.partner
    on_paper = [signature.signed_on for signature in agreement.signatures if signature.signed_on]
    signed_on = max(on_paper) if on_paper else \
        clock.local_date(agreement.signed_at) if agreement.signed_at else agreement.start_date
    paragraphs = [
        _("%(place)s – %(facility)s signed the cooperation agreement (PKS) \"%(title)s\" with %(partner)s on "
          "%(date)s.", place=_opening(facility), facility=facility.name, title=agreement.title,
          partner=partner.name, date=i18n.long_date(signed_on)),
        _("The agreement on %(type)s runs from %(start)s to %(end)s.",
          type=vocabulary.label(agreement.type).lower(), start=i18n.long_date(agreement.start_date),
          end=i18n.long_date(agreement.end_date)),
    ]
    if agreement.scope.strip():
        paragraphs.append(_("Its scope: %(scope)s", scope=agreement.scope.strip()))
    signers = [(user.name, position) for user, position in (
        (agreement.facility_signatory, agreement.facility_signatory_position),
        (agreement.partner_signatory, agreement.partner_signatory_position)) if user is not None]
    if len(signers) == 2:
        paragraphs.append(_("It was signed by %(first)s and %(second)s.",
                            first=_signer(*signers[0]), second=_signer(*signers[1])))
    paragraphs.append(_closing(facility))
    return Draft(NewsSource.AGREEMENT, agreement.id, partner,
                 _("%(facility)s and %(partner)s sign the agreement \"%(title)s\"", facility=facility.name,
                   partner=partner.name, title=agreement.title),
                 "\n\n".join(paragraphs), facility.name, signed_on)


def _signer(name: str, position: str | None) -> str:
    return f"{name}, {position}" if position else name


def _of_programme(programme: Programme) -> Draft:
    facility, partner = programme.facility, programme.partner
    ended = programme.end_date or clock.today()
    paragraphs = [_("%(place)s – %(facility)s closed the programme \"%(programme)s\", run with %(partner)s, on "
                    "%(date)s.", place=_opening(facility), facility=facility.name, programme=programme.name,
                    partner=partner.name, date=i18n.long_date(ended))]
    if programme.actual_participants:
        days = programme.duration_days or ((ended - programme.start_date).days + 1)
        paragraphs.append(_("%(count)s WBP took part over %(days)s days.",
                            count=i18n.format_number(programme.actual_participants), days=i18n.format_number(days)))
    if programme.certificates_issued:
        paragraphs.append(_("At the closing, %(count)s certificates were handed to the participants.",
                            count=i18n.format_number(programme.certificates_issued)))
    paragraphs.append(_closing(facility))
    return Draft(NewsSource.PROGRAMME, programme.id, partner,
                 _("%(facility)s closes \"%(programme)s\" with %(partner)s", facility=facility.name,
                   programme=programme.name, partner=partner.name),
                 "\n\n".join(paragraphs), facility.name, ended)


def _of_contribution(contribution: Contribution) -> Draft:
    facility, partner = contribution.facility, contribution.partner
    paragraphs = [_("%(place)s – %(partner)s and %(facility)s held \"%(title)s\" on %(date)s.",
                    place=_opening(facility), partner=partner.name, facility=facility.name,
                    title=contribution.title, date=i18n.long_date(contribution.started_on))]
    figures = []
    if contribution.participants_total:
        figures.append(_("%(count)s WBP took part.", count=i18n.format_number(contribution.participants_total)))
    if contribution.hours:
        figures.append(_("It lasted %(hours)s hours.", hours=i18n.format_number(contribution.hours)))
    if figures:
        paragraphs.append(" ".join(figures))
    if contribution.description.strip():
        paragraphs.append(contribution.description.strip())
    paragraphs.append(_closing(facility))
    return Draft(NewsSource.CONTRIBUTION, contribution.id, partner,
                 _("%(partner)s holds \"%(title)s\" at %(facility)s", partner=partner.name,
                   title=contribution.title, facility=facility.name),
                 "\n\n".join(paragraphs), contribution.location or facility.name, contribution.started_on)


@dataclass(frozen=True)
class Reportable:
    """The verified activities of a facility a report can be drafted from, newest first."""

    agreements: list[Agreement]
    programmes: list[Programme]
    contributions: list[Contribution]


def reportable(facility: Organisation, limit: int = 10) -> Reportable:
    return Reportable(
        list(db.session.scalars(select(Agreement).where(
            Agreement.facility_id == facility.id, Agreement.status.in_(REPORTABLE_AGREEMENTS))
            .order_by(Agreement.signed_at.desc().nulls_last(), Agreement.id.desc()).limit(limit))),
        list(db.session.scalars(select(Programme).where(
            Programme.facility_id == facility.id, Programme.status == ProgrammeStatus.CLOSED)
            .order_by(Programme.closed_at.desc().nulls_last(), Programme.id.desc()).limit(limit))),
        list(db.session.scalars(select(Contribution).where(
            Contribution.facility_id == facility.id, Contribution.status == ContributionStatus.VERIFIED)
            .order_by(Contribution.verified_at.desc().nulls_last(), Contribution.id.desc()).limit(limit))),
    )

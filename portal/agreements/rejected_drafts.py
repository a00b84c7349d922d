"""Rejected drafts: a PKS the facility turned down never became an agreement, so the archive rule that keeps
agreements and their signatures does not hold it. After RETENTION_REJECTED_DRAFT_DAYS its text, its signatories'
details, the reason given and its draft files go; the row stays as a tombstone (parties, type, period, status)
so that lists, the audit trail and the parties' figures still say that it was proposed and rejected.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from flask_babel import force_locale, gettext as _
from sqlalchemy import or_, select

from portal.agreements.events import AgreementVerb
from portal.agreements.models import Agreement, AgreementStatus
from portal.audit import chain as audit
from portal.core import transactional_files as files
from portal.core.columns import utcnow
from portal.extensions import db

#: What someone typed into the draft: it goes.
TYPED = ("scope", "objectives", "facility_rights", "facility_obligations", "partner_rights", "partner_obligations")
#: Who would have signed, under which numbers: it goes too.
SIGNATORIES = ("facility_number", "partner_number", "facility_signatory_id", "facility_signatory_position",
               "facility_signatory_nip", "partner_signatory_id", "partner_signatory_position", "partner_signatory_nip",
               "status_reason")


def _expired(cutoff: datetime):
    still_holding = or_(*(getattr(Agreement, field) != "" for field in TYPED), Agreement.status_reason.is_not(None),
                        Agreement.documents.any())
    return select(Agreement).where(Agreement.status == AgreementStatus.REJECTED, Agreement.updated_at < cutoff,
                                   still_holding).order_by(Agreement.id)


def purge(now: datetime | None = None, *, dry_run: bool = False) -> int:
    """Empty every rejected draft past its period (or, with dry_run, count them); the caller scopes and commits."""
    cutoff = (now or utcnow()) - timedelta(days=current_app.config["RETENTION_REJECTED_DRAFT_DAYS"])
    drafts = db.session.scalars(_expired(cutoff)).unique().all()
    if dry_run:
        return len(drafts)
    for agreement in drafts:
        for document in list(agreement.documents):
            files.remove_after_commit(document.storage_key, db.session)
            db.session.delete(document)
        with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):  # stored once, in the portal's language
            agreement.title = _("Rejected draft #%(id)d", id=agreement.id)
        for field in TYPED:
            setattr(agreement, field, "")
        for field in SIGNATORIES:
            setattr(agreement, field, None)
        audit.record(AgreementVerb.EMPTY_DRAFT.action, actor=None, object_type="agreement", object_id=agreement.id,
                     facility=agreement.facility, partner=agreement.partner)
    db.session.flush()
    return len(drafts)

"""What contributions and programmes are called on screen: their types and statuses (and badge colours) and their
audit actions. `portal.core.vocabulary` reads these tables; nothing else repeats them."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.contributions.events import ContributionVerb as V
from portal.contributions.models import ContributionStatus, ContributionType, ProgrammeStatus

CONTRIBUTION_TYPE = {
    ContributionType.COUNSELLING: _l("Counselling session"),
    ContributionType.REHABILITATION: _l("Rehabilitation session"),
    ContributionType.TRAINING: _l("Training"),
    ContributionType.HEALTH: _l("Health referral or service"),
    ContributionType.INTERNSHIP_HOURS: _l("Internship hours"),
    ContributionType.PRE_RELEASE: _l("Pre-release consultation"),
    ContributionType.DONATION: _l("Donation in kind"),
    ContributionType.CERTIFICATES: _l("Certificates issued"),
    ContributionType.UMKM: _l("UMKM production or market access"),
    ContributionType.OTHER: _l("Other"),
}

CONTRIBUTION_STATUS = {
    ContributionStatus.SUBMITTED: _l("Waiting for verification"),
    ContributionStatus.VERIFIED: _l("Verified"),
    ContributionStatus.REJECTED: _l("Rejected"),
    ContributionStatus.SUPERSEDED: _l("Replaced by a correction"),
}

#: Bootstrap colour of each contribution status badge.
CONTRIBUTION_STATUS_COLOUR = {
    ContributionStatus.SUBMITTED: "info",
    ContributionStatus.VERIFIED: "success",
    ContributionStatus.REJECTED: "danger",
    ContributionStatus.SUPERSEDED: "secondary",
}

PROGRAMME_STATUS = {
    ProgrammeStatus.RUNNING: _l("Running"),
    ProgrammeStatus.CLOSED: _l("Closed"),
}

AUDIT_ACTIONS = {
    V.RECORD.action: _l("Contribution recorded"),
    "contribution.updated": _l("Contribution edited"),
    "contribution.resubmitted": _l("Contribution corrected and resubmitted"),
    "contribution.correction_recorded": _l("Correction of a verified contribution recorded"),
    V.VERIFY.action: _l("Contribution verified"),
    V.REJECT.action: _l("Contribution rejected"),
    "contribution.superseded": _l("Replaced by its verified correction"),
    "programme.created": _l("Programme started"),
    "programme.closed": _l("Programme closed"),
}

LABELS = {
    ContributionType: CONTRIBUTION_TYPE,
    ContributionStatus: CONTRIBUTION_STATUS,
    ProgrammeStatus: PROGRAMME_STATUS,
}
STATUS_COLOUR = CONTRIBUTION_STATUS_COLOUR

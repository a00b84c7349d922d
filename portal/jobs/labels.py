"""Background jobs by kind (`portal.jobs.tracked.RUNNERS`): the heading of each job's page."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

JOB_KIND = {
    "contribution-import": _l("Import from a spreadsheet"),
    "list-export": _l("Export of a long list"),
    "monthly-report": _l("Monthly activity report (PDF)"),
}

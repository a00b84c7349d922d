"""The platform administrator's export of the audit trail: every entry as stored (JSON Lines: its changes as JSON,
its IP address, its hash and the previous one's), of one organisation's trail or of all, for a period. The trail's
page puts entries into words; this keeps what the words came from, and what `audit-verify` checks."""
from datetime import date
import json

from flask import Blueprint, Response, abort, request, stream_with_context
from flask_login import current_user

from blueprints.query_args import record_id
from portal import policy
from portal.audit import trail as audit_trail
from portal.core.tenancy import enter_platform, stream_in_scope
from portal.extensions import db
from portal.organisations.models import Organisation

bp = Blueprint("audit_export", __name__, url_prefix="/admin/audit")


@bp.before_request
def _platform_admins_only():
    policy.require(policy.can_create_organisation(current_user))
    enter_platform()


@bp.route("/export.jsonl")
def export():
    """`?organisation=<id>` for what that organisation reads, `since` and `until` (YYYY-MM-DD) for a period."""
    organisation = None
    if organisation_id := request.args.get("organisation", type=record_id):
        organisation = db.session.get(Organisation, organisation_id) or abort(404)
    rows = audit_trail.raw_entries(organisation, since=_day("since"), until=_day("until"))
    lines = (json.dumps(row, ensure_ascii=False, sort_keys=True, default=str) + "\n" for row in rows)
    return Response(stream_with_context(stream_in_scope(lines)), mimetype="application/x-ndjson",
                    headers={"Content-Disposition": "attachment; filename=jejak-audit.jsonl"})


def _day(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None

"""The dashboard, one template per kind of organisation."""
from collections import Counter

from flask import render_template, request
from flask_login import current_user

from blueprints.dashboard import bp
from portal import policy
from portal.models import OrgKind
from portal.services import agreement_lists, audit, contributions, organisations, partnerships, reports
from portal.tenancy import current_membership, current_org


@bp.route("/")
def index():
    visible = partnerships.visible_partnerships()
    oversight = current_org.kind == OrgKind.OVERSIGHT
    can_read_audit = policy.can_read_audit(current_user, current_org)
    period = reports.Period.from_args(request.args)
    other_party = "partner" if current_org.kind == OrgKind.FACILITY else "facility"
    by_party = [] if oversight else reports.contributions_by(other_party, period)
    return render_template(
        f"dashboard/{current_org.kind.value}.html",
        partnerships=visible,
        facilities=organisations.facilities_in_scope(current_org) if oversight else [],
        partner_counts=Counter(p.facility_id for p in visible),
        recent=audit.entries_visible_to(current_org, limit=8) if can_read_audit else [],
        can_read_audit=can_read_audit,
        role=current_membership.role,
        queues={} if oversight else agreement_lists.queue_counts(current_org, current_user),
        verified=contributions.totals(), waiting_verification=contributions.waiting_count(),
        period=period, agreements=None if oversight else reports.agreement_counts(),
        by_party=by_party, by_type=[] if oversight else reports.contributions_by("type", period),
        period_total=reports.total_of(by_party),
    )

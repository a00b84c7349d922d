"""The dashboard, one template per kind of organisation."""
from collections import Counter

from flask import abort, render_template, request
from flask_login import current_user

from blueprints.dashboard import bp
from portal import policy
from portal.models import Agreement, Contribution, OrgKind
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
        overview=reports.facilities_overview(organisations.facilities_in_scope(current_org), period,
                                             request.args.get("sort", "name")) if oversight else [],
    )


@bp.route("/facilities/<int:facility_id>")
def facility(facility_id: int):
    """An oversight office drills down into one facility of its scope: read-only numbers."""
    if current_org.kind != OrgKind.OVERSIGHT:
        abort(404)
    chosen = next((f for f in organisations.facilities_in_scope(current_org) if f.id == facility_id), None)
    if chosen is None:
        abort(404)
    period = reports.Period.from_args(request.args)
    in_facility = (Contribution.facility_id == chosen.id,)
    by_party = reports.contributions_by("partner", period, *in_facility)
    return render_template("dashboard/drill_down.html", facility=chosen, period=period,
                           agreements=reports.agreement_counts(Agreement.facility_id == chosen.id),
                           by_party=by_party, by_type=reports.contributions_by("type", period, *in_facility),
                           period_total=reports.total_of(by_party))

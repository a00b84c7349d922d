"""The organisation's audit trail, newest first, as sentences, narrowed by record, person and period."""
from flask import render_template, request
from flask_login import current_user

from blueprints.audit import bp
from blueprints.audit.forms import TrailFilterForm
from blueprints.query_args import filter_args, record_id
from portal import policy
from portal.audit import sentences as audit_sentences, trail as audit_trail
from portal.core.tenancy import current_org


@bp.route("/")
def index():
    policy.require(policy.can_read_audit(current_user, current_org))
    form = TrailFilterForm(request.args, people=audit_trail.people_in(current_org))
    entries, older = audit_trail.page_of(current_org, form.wanted(), request.args.get("after", type=record_id))
    lines = audit_sentences.lines_of(entries, current_org, current_user._get_current_object())
    return render_template("audit/index.html", form=form, days=audit_sentences.by_day(lines), older=older,
                           args={key: value for key, value in filter_args().items() if key != "after"},
                           paged="after" in request.args)

"""The organisation's audit trail, newest first."""
from flask import render_template
from flask_login import current_user

from blueprints.audit import bp
from portal import policy
from portal.services import audit
from portal.tenancy import current_org


@bp.route("/")
def index():
    policy.require(policy.can_read_audit(current_user, current_org))
    return render_template("audit/index.html", entries=audit.entries_visible_to(current_org, limit=200))

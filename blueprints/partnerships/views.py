"""List, add and show partnerships."""
from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.commit_once import committed
from blueprints.members.forms import ConfirmForm
from blueprints.partnerships import bp
from blueprints.partnerships.forms import InvitePartnerForm, LinkPartnerForm
from portal import policy
from portal.core.tenancy import current_org, get_shared_or_404
from portal.organisations import invitations, operations as organisations, partnerships, party_search as parties
from portal.organisations.partnership_models import Partnership


@bp.route("/")
def index():
    can_link = policy.can_link_partner(current_user, current_org)
    sent = [i for i in invitations.pending_for(current_org) if i.sent_for_id == current_org.id] if can_link else []
    return render_template("partnerships/index.html", partnerships=partnerships.visible_partnerships(),
                           can_link=can_link, invitations=sent, confirm_form=ConfirmForm())


@bp.route("/names.json")
def names():
    """What the lists' party filter suggests while one types: names of the parties this organisation sees."""
    return jsonify(names=parties.suggestions(current_org, request.args.get("q", "")[:100]))


@bp.route("/new", methods=["GET", "POST"])
def new():
    policy.require(policy.can_link_partner(current_user, current_org))
    candidates = organisations.partners_available_to(current_org)
    form = LinkPartnerForm(partners=candidates)
    if form.validate_on_submit():
        partner = next(org for org in candidates if org.id == form.partner.data)
        with committed() as outcome:
            partnership = partnerships.link_partner(current_org, partner, actor=current_user._get_current_object(),
                                                    focus=form.focus.data, since=form.since.data)
        if outcome.ok:
            flash(_("%(partner)s is now a partner.", partner=partner.name), "success")
            return redirect(url_for("partnerships.show", partnership_id=partnership.id))
    return render_template("partnerships/new.html", form=form)


@bp.route("/<int:partnership_id>")
def show(partnership_id: int):
    return render_template("partnerships/show.html",
                           partnership=get_shared_or_404(Partnership, partnership_id))


@bp.route("/invite", methods=["GET", "POST"])
def invite():
    """A facility head or officer invites a partner's first admin, registering the partner if it is new."""
    policy.require(policy.can_link_partner(current_user, current_org))
    known = organisations.all_partners()
    form = InvitePartnerForm(partners=known)
    if form.validate_on_submit():
        chosen = next((org for org in known if org.id == form.partner.data), None)
        with committed() as outcome:
            invitations.invite_partner_admin(
                current_org, form.email.data, actor=current_user._get_current_object(), partner=chosen,
                new_partner_name=form.new_partner_name.data, category=form.category.data or None,
                focus=form.focus.data)
        if outcome.ok:
            flash(_("The invitation has been sent to %(email)s.", email=form.email.data), "success")
            return redirect(url_for("partnerships.index"))
    return render_template("partnerships/invite.html", form=form)

"""List, invite, re-role and remove an organisation's members."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.commit_once import committed
from blueprints.members import bp
from blueprints.members.forms import ChangeRoleForm, ConfirmForm, InviteMemberForm
from portal import policy
from portal.core.tenancy import current_org, get_owned_or_404
from portal.organisations import invitations, operations as organisations
from portal.organisations.models import Membership


@bp.route("/")
def index():
    return render_template(
        "members/index.html", memberships=organisations.members_of(current_org),
        invitations=invitations.pending_for(current_org),
        can_manage=policy.can_manage_members(current_user, current_org),
        can_manage_api=policy.can_manage_integrations(current_user, current_org),
        role_form=ChangeRoleForm(kind=current_org.kind), confirm_form=ConfirmForm())


@bp.route("/<int:membership_id>/role", methods=["POST"])
def change_role(membership_id: int):
    membership = get_owned_or_404(Membership, membership_id)
    policy.require(policy.can_manage_members(current_user, current_org))
    form = ChangeRoleForm(kind=current_org.kind)
    if form.validate_on_submit():
        with committed() as outcome:
            organisations.change_role(membership, form.role.data, actor=current_user._get_current_object())
        if outcome.ok:
            flash(_("The role has been changed."), "success")
    return redirect(url_for("members.index"))


@bp.route("/<int:membership_id>/remove", methods=["POST"])
def remove(membership_id: int):
    membership = get_owned_or_404(Membership, membership_id)
    policy.require(policy.can_manage_members(current_user, current_org))
    if ConfirmForm().validate_on_submit():
        with committed() as outcome:
            organisations.remove_member(membership, actor=current_user._get_current_object())
        if outcome.ok:
            flash(_("The member has been removed."), "success")
    return redirect(url_for("members.index"))


@bp.route("/new", methods=["GET", "POST"])  # "add member" was a door of its own: it attached existing accounts
@bp.route("/invite", methods=["GET", "POST"])  # the address links are built with (registered first)
def invite():
    """A facility head invites staff; a partner admin invites members, interns with an end date. Whether the
    address has an account or not, the answer is the same, and they join only by accepting."""
    policy.require(policy.can_manage_members(current_user, current_org))
    form = InviteMemberForm(kind=current_org.kind)
    if form.validate_on_submit():
        with committed() as outcome:
            invitations.invite_member(current_org, form.email.data, form.role.data,
                                      actor=current_user._get_current_object(), access_until=form.access_until.data)
        if outcome.ok:
            flash(_("The invitation has been sent to %(email)s.", email=form.email.data), "success")
            return redirect(url_for("members.index"))
    return render_template("members/invite.html", form=form)


@bp.route("/invitations/<int:invitation_id>/<any(resend, revoke):action>", methods=["POST"])
def invitation_action(invitation_id: int, action: str):
    invitation = invitations.find_for(current_org, invitation_id) or abort(404)
    if ConfirmForm().validate_on_submit():
        with committed() as outcome:
            if action == "resend":
                invitations.resend(invitation, actor=current_user._get_current_object())
            else:
                invitations.revoke(invitation, actor=current_user._get_current_object())
        if outcome.ok:
            flash(_("A new link has been sent to %(email)s.", email=invitation.email) if action == "resend"
                  else _("The invitation for %(email)s has been revoked.", email=invitation.email), "success")
    return redirect(request.referrer if (request.referrer or "").startswith(request.host_url)
                    else url_for("members.index"))

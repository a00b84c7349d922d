"""List, add, re-role and remove an organisation's members."""
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.members import bp
from blueprints.members.forms import AddMemberForm, ChangeRoleForm, ConfirmForm
from blueprints.outcome import committed
from portal import policy
from portal.models import Membership
from portal.services import organisations
from portal.tenancy import current_org, get_owned_or_404


@bp.route("/")
def index():
    return render_template(
        "members/index.html", memberships=organisations.members_of(current_org),
        can_manage=policy.can_manage_members(current_user, current_org),
        role_form=ChangeRoleForm(kind=current_org.kind), confirm_form=ConfirmForm())


@bp.route("/new", methods=["GET", "POST"])
def new():
    policy.require(policy.can_manage_members(current_user, current_org))
    form = AddMemberForm(kind=current_org.kind)
    if form.validate_on_submit():
        with committed() as outcome:
            membership = organisations.add_member(current_org, form.person(), form.role.data,
                                                  actor=current_user._get_current_object())
        if outcome.ok:
            flash(_("%(name)s has been added.", name=membership.user.name), "success")
            return redirect(url_for("members.index"))
    return render_template("members/new.html", form=form)


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

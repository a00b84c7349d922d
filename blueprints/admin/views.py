"""Platform admin pages: organisations, their first people, deactivating accounts, undelivered mail, retention."""
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.admin import bp
from blueprints.admin.forms import NewOrganisationForm
from blueprints.commit_once import committed
from blueprints.members.forms import AddMemberForm, ConfirmForm
from portal import policy
from portal.accounts import operations as accounts
from portal.accounts.models import User
from portal.core.tenancy import enter_platform
from portal.extensions import db
from portal.notifications import channel_outbox, outbox
from portal.notifications.mail_models import OutboxMessage
from portal.organisations import operations as organisations
from portal.organisations.invitation_models import Invitation
from portal.organisations.models import Organisation
from portal.privacy import pseudonyms, retention


@bp.before_request
def _platform_admins_only():
    policy.require(policy.can_create_organisation(current_user))
    enter_platform()


@bp.route("/organisations")
def organisations_index():
    return render_template("admin/organisations.html", organisations=organisations.all_organisations())


@bp.route("/organisations/new", methods=["GET", "POST"])
def new_organisation():
    form = NewOrganisationForm()
    if form.validate_on_submit():
        with committed() as outcome:
            organisation = organisations.create_organisation(
                actor=current_user._get_current_object(), kind=form.kind.data, name=form.org_name.data,
                province=form.province.data, city=form.city.data, facility_class=form.facility_class.data,
                partner_category=form.partner_category.data or None, first_person=form.person())
        if outcome.ok:
            flash(_("%(name)s has been created.", name=organisation.name), "success")
            return redirect(url_for("admin.show_organisation", organisation_id=organisation.id))
    return render_template("admin/new_organisation.html", form=form)


@bp.route("/organisations/<int:organisation_id>", methods=["GET", "POST"])
def show_organisation(organisation_id: int):
    organisation = db.session.get(Organisation, organisation_id) or abort(404)
    form = AddMemberForm(kind=organisation.kind)
    if form.validate_on_submit():
        with committed() as outcome:
            added = organisations.add_member(organisation, form.person(), form.role.data,
                                             actor=current_user._get_current_object())
        if outcome.ok:
            flash(_("The invitation has been sent to %(email)s.", email=added.email) if isinstance(added, Invitation)
                  else _("The member has been added."), "success")
            return redirect(url_for("admin.show_organisation", organisation_id=organisation.id))
    return render_template("admin/organisation.html", organisation=organisation, form=form,
                           confirm_form=ConfirmForm())


@bp.route("/users/<int:user_id>/deactivate", methods=["POST"])
def deactivate_user(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    if ConfirmForm().validate_on_submit():
        with committed() as outcome:
            accounts.deactivate_user(user, actor=current_user._get_current_object())
        if outcome.ok:
            flash(_("%(name)s can no longer log in.", name=user.name), "success")
    return redirect(url_for("admin.organisations_index"))


@bp.route("/outbox")
def outbox_index():
    """Mail that has not gone out (waiting for a retry, or dead after MAIL_MAX_ATTEMPTS), and WhatsApp and SMS
    messages that failed or wait for a retry (what became of their notice: the next channel it went by)."""
    return render_template("admin/outbox.html", messages=outbox.undelivered(), confirm_form=ConfirmForm(),
                           phone_messages=channel_outbox.undelivered())


@bp.route("/outbox/<int:message_id>/requeue", methods=["POST"])
def requeue_message(message_id: int):
    message = db.session.get(OutboxMessage, message_id) or abort(404)
    if ConfirmForm().validate_on_submit():
        with committed() as outcome:
            outbox.requeue(message, actor=current_user._get_current_object())
        if outcome.ok:
            flash(_("The message will be sent again."), "success")
    return redirect(url_for("admin.outbox_index"))


@bp.route("/retention")
def retention_index():
    """What the next `purge-expired` will remove, per kind of record, before it does."""
    return render_template("admin/retention.html", outcomes=retention.preview())


@bp.route("/erasure")
def erasure_index():
    """People who asked for their personal data to be erased, oldest request first."""
    return render_template("admin/erasure.html", people=pseudonyms.pending_requests(), confirm_form=ConfirmForm())


@bp.route("/erasure/<int:user_id>", methods=["POST"])
def grant_erasure(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    if ConfirmForm().validate_on_submit():
        with committed() as outcome:
            pseudonyms.grant_erasure(user, actor=current_user._get_current_object())
        if outcome.ok:
            flash(_("The personal data has been replaced by a pseudonym."), "success")
    return redirect(url_for("admin.erasure_index"))

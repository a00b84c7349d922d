"""A person's notification settings: their WhatsApp and SMS numbers (verified by a code), the channel and the
morning summary of each group of notices, their quiet hours, and what became of their latest messages."""
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.members.forms import ConfirmForm
from blueprints.notifications import bp
from blueprints.notifications.forms import CodeForm, PhoneForm, settings_form
from portal.contributions import notices as contribution_notices
from portal.core.errors import DomainError
from portal.extensions import db, limiter
from portal.notifications import channel_outbox, delivery, messages, phones, preferences


def _me():
    return current_user._get_current_object()


def _code_limit() -> str:
    return current_app.config["PHONE_CODE_LIMIT"]


def _check_limit() -> str:
    return current_app.config["PHONE_CODE_CHECK_LIMIT"]


@bp.route("/settings", methods=["GET", "POST"])
def settings():
    user = _me()
    form, groups, verifies = _settings_form(user, submitted=request.method == "POST")
    if form.validate_on_submit():
        chosen = preferences.Settings(
            routes={group: form[f"route_{group}"].data for group in groups},
            digest=[group for group in groups if form[f"digest_{group}"].data],
            time_zone=form.time_zone.data,
            quiet=(int(form.quiet_from.data), int(form.quiet_until.data)) if form.quiet.data else None,
            new_contributions=form.contribution_notices.data if verifies else None)
        try:
            preferences.save(user, chosen, offered=groups, channels=phones.usable_channels(user))
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "danger")
        else:
            db.session.commit()
            flash(_("Your notification settings have been saved."), "success")
            return redirect(url_for("notifications.settings"))
    return _page(user, form)


def _settings_form(user, *, submitted: bool):
    """The settings form for the groups the person is offered (new contributions only to a verifier), filled from
    their choices unless it was sent."""
    verifies = contribution_notices.hears_of_new_contributions(user)
    groups = [*delivery.GROUPS, *(["new_contributions"] if verifies else [])]
    form = settings_form(groups, channel_outbox.offered(), verifies=verifies, obj=user,
                         **({} if submitted else {"formdata": None}))
    if not submitted:
        for group in groups:
            form[f"route_{group}"].data = preferences.route_of(user, group)
            form[f"digest_{group}"].data = group in (user.digest_groups or [])
        form.quiet.data = user.quiet_from is not None
        form.quiet_from.data, form.quiet_until.data = (str(hour) for hour in (
            (user.quiet_from, user.quiet_until) if user.quiet_from is not None else preferences.DEFAULT_QUIET))
    return form, groups, verifies


def _page(user, form, *, phone_forms=None, code_forms=None):
    numbers = phones.numbers_of(user)
    offered = channel_outbox.offered()
    held = channel_outbox.held_of(user)
    return render_template(
        "notifications/settings.html", form=form, offered=offered, numbers=numbers, user=user,
        phone_forms={channel: PhoneForm(prefix=channel, formdata=None, data=_number_typed(numbers.get(channel)))
                     for channel in offered} | (phone_forms or {}),
        code_forms={channel: CodeForm(prefix=f"{channel}-code", formdata=None) for channel in offered}
        | (code_forms or {}),
        confirm_form=ConfirmForm(), recent=channel_outbox.recent_of(user), held=held, held_ids={m.id for m in held},
        zone=preferences.zone_name(user), shown_phone=phones.shown, local_time=preferences.local_time,
        message_headline=messages.headline_of, channel_names=preferences.CHANNEL_NAMES,
        digest_hour=f"{current_app.config['DIGEST_HOUR']:02d}.00")


def _number_typed(number) -> dict:
    """The number being verified, ready to be sent a new code (not a verified one: that form is to change it)."""
    return {"phone": phones.shown(number.phone)} if number is not None and number.verified_at is None else {}


@bp.route("/settings/<channel>/code", methods=["POST"])
@limiter.limit(_code_limit, key_func=lambda: f"phone-code:{current_user.get_id()}",
               deduct_when=lambda response: response.status_code == 302)  # a code sent; not a number refused
def send_code(channel: str):
    if channel not in channel_outbox.offered():
        abort(404)
    user, form = _me(), PhoneForm(prefix=channel)
    if form.validate_on_submit():
        try:
            phones.send_code(user, channel, form.phone.data)
        except DomainError as error:
            db.session.rollback()
            form.phone.errors.append(error.message)
        else:
            db.session.commit()
            flash(_("A code is on its way to %(phone)s by %(channel)s. Type it below.",
                    phone=phones.shown(phones.normalised(form.phone.data)),
                    channel=preferences.CHANNEL_NAMES[channel]), "success")
            return redirect(url_for("notifications.settings", _anchor=f"channel-{channel}"))
    return _rerender(user, phone_forms={channel: form})


@bp.route("/settings/<channel>/verify", methods=["POST"])
@limiter.limit(_check_limit, key_func=lambda: f"phone-code-check:{current_user.get_id()}")
def verify_code(channel: str):
    if channel not in channel_outbox.offered():
        abort(404)
    user, form = _me(), CodeForm(prefix=f"{channel}-code")
    if form.validate_on_submit():
        try:
            phones.confirm(user, channel, form.code.data)
        except DomainError as error:
            db.session.commit()  # the wrong try counts
            form.code.errors.append(error.message)
        else:
            db.session.commit()
            flash(_("Your number is verified: you can now choose %(channel)s for your notices below.",
                    channel=preferences.CHANNEL_NAMES[channel]), "success")
            return redirect(url_for("notifications.settings", _anchor="groups"))
    return _rerender(user, code_forms={channel: form})


@bp.route("/settings/<channel>/remove", methods=["POST"])
def remove_number(channel: str):
    if channel not in preferences.CHANNEL_NAMES or channel == preferences.EMAIL:
        abort(404)
    if ConfirmForm().validate_on_submit():
        phones.remove(_me(), channel)
        db.session.commit()
        flash(_("The number is removed; those notices now come by e-mail."), "success")
    return redirect(url_for("notifications.settings"))


def _rerender(user, **forms):
    """The page again with a number's refused form, the settings as saved."""
    return _page(user, _settings_form(user, submitted=False)[0], **forms)

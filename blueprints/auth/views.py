"""Login, logout, password change and reset, one's sessions and one's own data."""
import json
import time
from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from markupsafe import Markup

from blueprints.auth import bp
from blueprints.auth.forms import (
    AcceptInvitationForm, ChangePasswordForm, ConfirmInvitationForm, ForgotPasswordForm, LoginForm, ProfileForm,
    ResetPasswordForm, TwoFactorForm,
)
from blueprints.members.forms import ConfirmForm
from portal.accounts import login_sessions, operations as accounts, password_hashes, password_reset, two_factor
from portal.accounts.models import User
from portal.audit import sentences as audit_sentences
from portal.core import i18n, security, tenancy
from portal.core.errors import DomainError
from portal.extensions import db, limiter
from portal.organisations import invitations
from portal.privacy import personal_data, pseudonyms


def _safe_next(target: str | None) -> str:
    """Only same-site paths; anything else goes home. Browsers read a backslash as a slash (`/\\evil.example` is
    `//evil.example`, another site) and drop tabs and newlines, so neither may appear at all."""
    if (target and target.startswith("/") and not target.startswith("//") and "\\" not in target
            and not any(ord(c) < 32 or ord(c) == 127 for c in target)
            and not urlsplit(target).netloc and not urlsplit(target).scheme):
        return target
    return url_for("home.index")


def _begin_session(user) -> None:
    tenancy.enter_person(user.id)
    login = login_sessions.start(user, ip=request.remote_addr, user_agent=request.user_agent.string)
    session.clear()
    session[security.SESSION_KEY] = login.id
    login_user(user)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(security.login_limit_per_ip, methods=["POST"], deduct_when=security.failed_login)
@limiter.limit(security.login_limit_per_account, key_func=security.account_key, methods=["POST"],
               deduct_when=security.failed_login)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(form.email.data, form.password.data)
        except password_hashes.Busy as busy:  # nothing was checked or written; the form again, as it was sent
            db.session.rollback()
            form.password.errors.append(busy.message)
            return render_template("auth/login.html", form=form), 429, {"Retry-After": "5"}
        if user is not None and two_factor.is_enabled(user):
            pending = {"user": user.id, "next": _safe_next(request.args.get("next")), "since": int(time.time())}
            db.session.commit()  # a rehashed password is kept
            session.clear()
            session[PENDING_KEY] = pending
            return redirect(url_for("auth.two_factor_login"))
        if user is not None:
            _begin_session(user)
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")))
        db.session.rollback()
        form.password.errors.append(_("The e-mail address or password is wrong."))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    login_sessions.end(session.get(security.SESSION_KEY), current_user._get_current_object())
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            accounts.change_password(user, current_password=form.current_password.data,
                                     new_password=form.new_password.data)
            _begin_session(user)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            form.current_password.errors.append(error.message)
        else:
            flash(_("Your password has been changed. Other devices have been logged out."), "success")
            return redirect(url_for("home.index"))
    return render_template("auth/change_password.html", form=form)


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["PASSWORD_RESET_LIMIT"], methods=["POST"])
def forgot_password():
    """One answer whatever the address: the page never tells who has an account."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        password_reset.request_reset(form.email.data)
        db.session.commit()
        flash(_("If this address belongs to an account, an e-mail with a link to choose a new password is on "
                "its way. The link works once, for %(hours)d hour(s).",
                hours=current_app.config["PASSWORD_RESET_HOURS"]), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot_password.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    if password_reset.valid_token(token) is None:
        return render_template("auth/reset_invalid.html"), 410
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            password_reset.reset_password(token, form.new_password.data)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            form.new_password.errors.append(error.message)
        else:
            flash(_("Your password has been changed. Log in with it now."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form)


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@limiter.limit(security.login_limit_per_ip, methods=["POST"], deduct_when=security.failed_login)
def accept_invitation(token: str):
    """The link in an invitation: a new person sets name and password; someone with an account logs in first
    (both steps) and confirms; then they land in the organisation."""
    invitation = invitations.open_invitation(token)
    if invitation is None:
        return render_template("auth/invitation_invalid.html"), 410
    viewer = current_user._get_current_object() if current_user.is_authenticated else None
    step = invitations.step_for(invitation, viewer)
    if step is invitations.Step.LOG_IN:
        flash(_("Log in as %(email)s to accept the invitation.", email=invitation.email), "info")
        return redirect(url_for("auth.login", next=url_for("auth.accept_invitation", token=token)))
    if step is invitations.Step.OTHER_PERSON:
        return render_template("auth/accept_invitation.html", invitation=invitation, step=step, form=None), 403
    form = ConfirmInvitationForm() if step is invitations.Step.CONFIRM else AcceptInvitationForm()
    form.needs_account = step is invitations.Step.NEW_PERSON
    asks_code = step is invitations.Step.RETURNING and invitations.asks_code(invitation)
    if form.validate_on_submit():
        try:
            membership = invitations.accept(token, _acceptance(form), viewer=viewer)
            if step is not invitations.Step.CONFIRM:
                if current_user.is_authenticated:
                    logout_user()
                _begin_session(membership.user)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            invitation = invitations.open_invitation(token)  # read again: the rollback forgot it
            if step is invitations.Step.CONFIRM:
                flash(error.message, "danger")
            else:
                form.password.errors.append(error.message)
        else:
            flash(_("Welcome to %(org)s.", org=membership.organisation.name), "success")
            return redirect(url_for("dashboard.index", org_slug=membership.organisation.slug))
    return render_template("auth/accept_invitation.html", form=form, invitation=invitation, step=step,
                           asks_code=asks_code)


def _acceptance(form) -> invitations.Acceptance:
    if isinstance(form, ConfirmInvitationForm):
        return invitations.Acceptance()
    return invitations.Acceptance(name=form.name.data, password=form.password.data, position=form.position.data,
                                  code=form.code.data)


@bp.route("/account/profile", methods=["GET", "POST"])
@login_required
def profile():
    """Name, jabatan, NIP, phone and language (how notices reach the person: `notifications.settings`)."""
    user = current_user._get_current_object()
    form = ProfileForm(obj=user)
    if form.validate_on_submit():
        accounts.update_profile(user, accounts.Profile(
            name=form.name.data, position=form.position.data, nip=form.nip.data, phone=form.phone.data,
            locale=form.locale.data))
        session[i18n.LANGUAGE_KEY] = user.locale
        db.session.commit()
        flash(_("Your profile has been saved."), "success")
        return redirect(url_for("auth.profile"))
    return render_template("auth/profile.html", form=form)


# --- two-factor sign-in --------------------------------------------------------------------------

#: Between the password and the code: who, where to go after, since when (the step expires).
PENDING_KEY = "two_factor_pending"
PENDING_SECONDS = 300


@bp.route("/login/two-factor", methods=["GET", "POST"])
@limiter.limit(security.login_limit_per_ip, methods=["POST"], deduct_when=security.failed_login)
def two_factor_login():
    """The second step of logging in: a code from the authenticator app, or a recovery code."""
    pending = session.get(PENDING_KEY) or {}
    if pending:  # the signed cookie says who passed the password step: the database shows their row
        tenancy.enter_person(pending.get("user"))
    user = db.session.get(User, pending.get("user", 0)) if pending else None
    if user is None or not user.is_active or time.time() - pending.get("since", 0) > PENDING_SECONDS:
        session.pop(PENDING_KEY, None)
        return redirect(url_for("auth.login"))
    form = TwoFactorForm()
    if form.validate_on_submit():
        try:
            with tenancy.as_person(user):  # their recovery codes, before the session exists
                verified = two_factor.verify(user, form.code.data)
        except two_factor.TooManyCodes as error:
            form.code.errors.append(error.message)
            return render_template("auth/two_factor_login.html", form=form), 429
        except two_factor.CodeAlreadyUsed as error:
            form.code.errors.append(error.message)
            return render_template("auth/two_factor_login.html", form=form), 401
        if verified:
            _begin_session(user)
            db.session.commit()
            return redirect(pending["next"])
        form.code.errors.append(_("The code is not right. Try the newest code, or one of your recovery codes."))
    return render_template("auth/two_factor_login.html", form=form), (200 if not form.errors else 401)


@bp.route("/account/two-factor", methods=["GET", "POST"])
@login_required
def two_factor_settings():
    """Turn on two-factor sign-in: scan the QR code, confirm with a code, keep the recovery codes."""
    user = current_user._get_current_object()
    back = _safe_next(request.args.get("next"))  # where the person was going: an agreement they are to sign
    if two_factor.is_enabled(user):
        return render_template("auth/two_factor.html", enabled=True, back=back)
    secret = session.get("two_factor_enrolment") or two_factor.new_secret()
    session["two_factor_enrolment"] = secret
    form = TwoFactorForm()
    if form.validate_on_submit():
        try:
            codes = two_factor.enable(user, secret, form.code.data)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            form.code.errors.append(error.message)
        else:
            session.pop("two_factor_enrolment", None)
            return render_template("auth/recovery_codes.html", codes=codes, back=back)
    return render_template("auth/two_factor.html", enabled=False, form=form, secret=secret, back=back,
                           qr=Markup(two_factor.qr_svg(user, secret)),
                           app_link=two_factor.provisioning_uri(user, secret))


# --- one's login sessions ----------------------------------------------------------------------

@bp.route("/account/sessions")
@login_required
def sessions():
    """Where one is signed in: device, address, since when, last seen; end any but this one."""
    listed = login_sessions.active(current_user._get_current_object(), session.get(security.SESSION_KEY))
    return render_template("auth/sessions.html", sessions=listed)


@bp.route("/account/sessions/end", methods=["POST"])
@login_required
def end_session_elsewhere():
    try:
        login_sessions.end_by_handle(current_user._get_current_object(), request.form.get("session", ""),
                                     session.get(security.SESSION_KEY))
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "warning")
    else:
        flash(_("The session has ended: that device must log in again."), "success")
    return redirect(url_for("auth.sessions"))


@bp.route("/account/sessions/end-others", methods=["POST"])
@login_required
def end_other_sessions():
    ended = login_sessions.end_others(current_user._get_current_object(), session.get(security.SESSION_KEY))
    db.session.commit()
    flash(_("%(n)d other session(s) ended.", n=ended), "success")
    return redirect(url_for("auth.sessions"))


# --- one's own data --------------------------------------------------------------------------

@bp.route("/account/data")
@login_required
def my_data():
    """Everything the portal holds about the person, to read, with the JSON copy one click away."""
    person = current_user._get_current_object()
    return render_template("auth/my_data.html", copy=personal_data.readable(personal_data.gather(person)),
                           days=audit_sentences.by_day(personal_data.activity_of(person)), confirm_form=ConfirmForm())


@bp.route("/account/data/erase", methods=["POST"])
@login_required
def request_erasure():
    """Ask for one's data to be erased; a platform admin decides (records one made stay, under a pseudonym)."""
    if ConfirmForm().validate_on_submit():
        pseudonyms.request_erasure(current_user._get_current_object())
        db.session.commit()
        flash(_("Your request has been sent to the administrators of the portal."), "success")
    return redirect(url_for("auth.my_data"))


@bp.route("/account/data.json")
@login_required
def my_data_download():
    user = current_user._get_current_object()
    copy = personal_data.gather(user)
    personal_data.record_export(user)
    db.session.commit()
    response = current_app.response_class(json.dumps(copy, ensure_ascii=False, indent=2),
                                          mimetype="application/json")
    response.headers["Content-Disposition"] = 'attachment; filename="data-pribadi-mitrapas.json"'
    return response

"""Organisation picker, language switch, health check, privacy notice."""
from flask import current_app, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy import text

from portal import i18n, storage
from portal.extensions import db
from portal.services import accounts, organisations, retention

from blueprints.home import bp
from portal.version import __version__


@bp.route("/")
def index():
    choices = organisations.organisations_of(current_user)
    if len(choices) == 1 and not current_user.is_platform_admin:
        return redirect(url_for("dashboard.index", org_slug=choices[0].slug))
    return render_template("home/index.html", choices=choices)


@bp.route("/language", methods=["POST"])
def set_language():
    locale = request.form.get("locale", "")
    if locale in current_app.config["LANGUAGES"]:
        session[i18n.LANGUAGE_KEY] = locale
        if current_user.is_authenticated:
            accounts.set_locale(current_user._get_current_object(), locale)
            db.session.commit()
    target = request.referrer or url_for("home.index")
    if not target.startswith(request.host_url):
        target = url_for("home.index")
    return redirect(target)


@bp.route("/healthz")
def healthz():
    """For the load balancer: the database answers and the bucket is reachable."""
    checks = {"database": True, "storage": storage.is_healthy()}
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any failure means unhealthy
        checks["database"] = False
    healthy = all(checks.values())
    return jsonify(status="ok" if healthy else "unhealthy", version=__version__, **checks), 200 if healthy else 503


@bp.route("/privasi")
def privacy():
    """The privacy notice, open to everyone; its periods come from the settings `purge-expired` obeys."""
    return render_template("home/privacy.html", rules=retention.RULES)

"""The front door (a visitor's landing page, a member's organisation picker), language switch, health check,
privacy notice."""
from flask import current_app, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy import text

from blueprints.home import bp
from portal.accounts import operations as accounts
from portal.core import i18n, storage
from portal.extensions import db
from portal.organisations import operations as organisations
from portal.privacy import retention
from portal.public import pages as public_pages
from portal.version import __version__

#: The reports a visitor sees on the landing page; the rest are a click away on the public index.
LANDING_NEWS = 6


@bp.route("/")
def index():
    """Signed in: the organisation's dashboard, or the choice of one. Signed out: the way in (`landing`)."""
    if not current_user.is_authenticated:
        return landing()
    choices = organisations.organisations_of(current_user)
    if len(choices) == 1 and not current_user.is_platform_admin:
        return redirect(url_for("dashboard.index", org_slug=choices[0].slug))
    return render_template("home/index.html", choices=choices)


def landing():
    """What MitraPAS is, the facilities that publish and their latest news, and the way to sign in: the login
    page alone left a visitor no way to the public pages. Drawn for each visitor (it holds the language form's
    token), from the same reads as the public index."""
    return render_template("home/landing.html", directory=public_pages.directory(),
                           news=public_pages.latest_news(limit=LANDING_NEWS),
                           lang="en" if i18n.select_locale() == "en" else None,
                           province_slug=public_pages.province_slug)


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

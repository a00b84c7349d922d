"""The front door: choosing an organisation, the language, and the health check."""
from flask import Blueprint

bp = Blueprint("home", __name__)



@bp.app_context_processor
def _navigation():
    """The organisation switcher is on every page, so every template gets its choices."""
    from flask_login import current_user

    from portal import policy
    from portal.services.organisations import organisations_of
    from portal.tenancy import current_org

    if not current_user or not current_user.is_authenticated:
        return {"switch_choices": [], "current_org": None, "nav_audit": False, "nav_news": False}
    org = current_org._get_current_object()
    return {"switch_choices": organisations_of(current_user), "current_org": org,
            "nav_audit": bool(org) and policy.can_read_audit(current_user, org),
            "nav_news": bool(org) and policy.can_write_news(current_user, org)}


from blueprints.home import views  # noqa: E402,F401

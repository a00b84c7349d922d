"""The front door: choosing an organisation, the language, and the health check."""
from flask import Blueprint

bp = Blueprint("home", __name__)



#: The organisation a person last worked in, for the menu of pages that belong to none (notifications, account).
LAST_ORGANISATION = "last_org"


@bp.app_context_processor
def _navigation():
    """The organisation switcher and menu are on every page, so every template gets them: on a page of no
    organisation (the bell, the account pages), the menu stays that of the organisation last worked in."""
    from flask import session
    from flask_login import current_user

    from portal import policy
    from portal.core.tenancy import current_org
    from portal.organisations.operations import organisations_of

    if not current_user or not current_user.is_authenticated:
        return {"switch_choices": [], "current_org": None, "nav_org": None, "nav_audit": False, "nav_news": False}
    org, choices = current_org._get_current_object(), organisations_of(current_user)
    if org is not None and session.get(LAST_ORGANISATION) != org.slug:
        session[LAST_ORGANISATION] = org.slug
    nav_org = org or next((choice for choice in choices if choice.slug == session.get(LAST_ORGANISATION)),
                          choices[0] if len(choices) == 1 else None)
    return {"switch_choices": choices, "current_org": org, "nav_org": nav_org,
            "nav_audit": bool(nav_org) and policy.can_read_audit(current_user, nav_org),
            "nav_news": bool(nav_org) and policy.can_write_news(current_user, nav_org)}


from blueprints.home import views  # noqa: E402,F401

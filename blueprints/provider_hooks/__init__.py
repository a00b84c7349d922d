"""What the WhatsApp and SMS providers call back: delivery statuses and people's replies (issue 39). No session and
no CSRF token: each call is signed by its provider, and an unsigned one is refused."""
from flask import Blueprint

from portal.extensions import csrf

bp = Blueprint("provider_hooks", __name__, url_prefix="/hooks")
csrf.exempt(bp)

from blueprints.provider_hooks import views  # noqa: E402,F401

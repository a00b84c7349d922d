"""The public verification page of signed agreements: no login, rate-limited, says little."""
from flask import Blueprint

bp = Blueprint("verify", __name__, url_prefix="/verify")

from blueprints.verify import views  # noqa: E402,F401

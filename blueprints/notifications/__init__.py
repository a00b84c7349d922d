"""The bell: a person's notices, each opening the record it is about."""
from flask import Blueprint

bp = Blueprint("notifications", __name__, url_prefix="/notifications")

from blueprints.notifications import views  # noqa: E402,F401
from blueprints.notifications import settings  # noqa: E402,F401

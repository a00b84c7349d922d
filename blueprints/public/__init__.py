"""The public pages of facilities that publish, their provinces, feeds and sitemap: no sign-in, cached,
rate-limited per visitor."""
from flask import Blueprint, current_app

from portal.extensions import limiter

bp = Blueprint("public", __name__)


def _limit() -> str:
    return current_app.config["PUBLIC_LIMIT"]


limiter.limit(_limit)(bp)

from blueprints.public import views  # noqa: E402,F401

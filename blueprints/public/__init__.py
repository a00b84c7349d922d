"""The public pages of facilities that publish, their provinces, feeds and sitemap: no sign-in, kept and
answered by `portal.public.kept_pages.KeptPages`, which also limits each visitor to PUBLIC_LIMIT."""
from flask import Blueprint, abort, request

from portal.public.kept_pages import REFUSED

bp = Blueprint("public", __name__)


@bp.before_request
def _slow_down():
    """A visitor over the limit gets the 429 page in their language (drawn by the error handlers)."""
    if request.environ.get(REFUSED):
        abort(429)


from blueprints.public import catalogue, views  # noqa: E402,F401

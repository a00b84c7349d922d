"""A facility's news and public page, as its Humas officer and head work on them."""
from portal.core.tenancy import tenant_blueprint

bp = tenant_blueprint("news", __name__, url_prefix="/news")

from blueprints.news import views  # noqa: E402,F401

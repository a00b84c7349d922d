"""PKS agreements: lists, drafting, review, decision, signing, and what follows."""
from portal.core.tenancy import tenant_blueprint

bp = tenant_blueprint("agreements", __name__, url_prefix="/agreements")

from blueprints.agreements import views  # noqa: E402,F401

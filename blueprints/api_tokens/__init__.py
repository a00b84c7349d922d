"""An organisation's API tokens: the keys its other systems use for /api/v1."""
from portal.core.tenancy import tenant_blueprint

bp = tenant_blueprint("api_tokens", __name__, url_prefix="/api-tokens")

from blueprints.api_tokens import views  # noqa: E402,F401

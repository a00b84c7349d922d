"""The partners a facility works with (and, for a partner, its facilities)."""
from portal.core.tenancy import tenant_blueprint

bp = tenant_blueprint("partnerships", __name__, url_prefix="/partners")

from blueprints.partnerships import views  # noqa: E402,F401

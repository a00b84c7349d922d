"""Contributions and programmes: record, verify, correct; sessions of a programme at once."""
from portal.core.tenancy import tenant_blueprint

bp = tenant_blueprint("contributions", __name__, url_prefix="/contributions")

from blueprints.contributions import views  # noqa: E402,F401

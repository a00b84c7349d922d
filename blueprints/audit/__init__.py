"""Reading the audit trail."""
from portal.tenancy import tenant_blueprint

bp = tenant_blueprint("audit", __name__, url_prefix="/audit")

from blueprints.audit import views  # noqa: E402,F401

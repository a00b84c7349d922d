"""Reading the audit trail: an organisation's page in sentences, and the platform administrator's raw export."""
from portal.core.tenancy import tenant_blueprint

bp = tenant_blueprint("audit", __name__, url_prefix="/audit")

from blueprints.audit import views  # noqa: E402,F401
from blueprints.audit.export import bp as export_bp  # noqa: E402,F401

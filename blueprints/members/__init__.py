"""An organisation's people and their roles."""
from portal.core.tenancy import tenant_blueprint

bp = tenant_blueprint("members", __name__, url_prefix="/members")

from blueprints.members import views  # noqa: E402,F401

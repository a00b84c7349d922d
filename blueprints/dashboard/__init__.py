"""An organisation's home page: what it is, who it works with, what happened lately."""
from portal.core.tenancy import tenant_blueprint

bp = tenant_blueprint("dashboard", __name__)

from blueprints.dashboard import views  # noqa: E402,F401

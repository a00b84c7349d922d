"""Materials shared between a facility and a partner: upload, versions, preview, download."""
from portal.core.tenancy import tenant_blueprint

bp = tenant_blueprint("materials", __name__, url_prefix="/materials")

from blueprints.materials import views  # noqa: E402,F401

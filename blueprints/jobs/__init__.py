"""The page that follows a long piece of work (an import) while it runs, and tells how it ended."""
from portal.core.tenancy import tenant_blueprint

bp = tenant_blueprint("jobs", __name__, url_prefix="/jobs")

from blueprints.jobs import views  # noqa: E402,F401

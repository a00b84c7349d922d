"""The browser's side of resumable uploads: open one, ask for part links, resume, finish (JSON for upload.js)."""
from portal.core.tenancy import tenant_blueprint

bp = tenant_blueprint("uploads", __name__, url_prefix="/uploads")

from blueprints.uploads import views  # noqa: E402,F401

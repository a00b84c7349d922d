"""An organisation's webhooks: where its systems listen, what they are sent, and the delivery log."""
from portal.core.tenancy import tenant_blueprint

bp = tenant_blueprint("webhooks", __name__, url_prefix="/webhooks")

from blueprints.webhooks import views  # noqa: E402,F401

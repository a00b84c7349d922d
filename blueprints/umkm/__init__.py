"""UMKM: a facility's products, the counts of its inmates' interests, buyers' inquiries and sales, as its staff keep
them and its partners and overseers read them."""
from portal.core.tenancy import tenant_blueprint

bp = tenant_blueprint("umkm", __name__, url_prefix="/umkm")

from blueprints.umkm import views  # noqa: E402,F401

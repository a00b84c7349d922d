"""The portal CA's public face: its root certificate, its revocation list and its OCSP responder.

PDF readers and courts ask here whether a signatory's certificate was good when it signed. No login; OCSP
requests are POSTed by software, so CSRF protection (for forms in browsers) does not apply.
"""
from flask import Blueprint

from portal.extensions import csrf

bp = Blueprint("pki", __name__, url_prefix="/pki")
csrf.exempt(bp)

from blueprints.pki import views  # noqa: E402,F401

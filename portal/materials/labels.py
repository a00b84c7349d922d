"""What materials are called on screen: their categories and audit actions (`portal.core.vocabulary` reads them)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.materials.events import MaterialVerb as V
from portal.materials.models import MaterialCategory

MATERIAL_CATEGORY = {
    MaterialCategory.MODULE: _l("Module or teaching material"),
    MaterialCategory.ATTENDANCE: _l("Attendance list"),
    MaterialCategory.PHOTO: _l("Photo"),
    MaterialCategory.CERTIFICATE: _l("Certificate"),
    MaterialCategory.REPORT: _l("Report"),
    MaterialCategory.PKS_SCAN: _l("PKS scan"),
    MaterialCategory.OTHER: _l("Other"),
}

AUDIT_ACTIONS = {
    V.UPLOAD.action: _l("Material uploaded"),
    "material.version_added": _l("New version of a material"),
    "material.deleted": _l("Material deleted"),
    "material.purged": _l("Deleted material purged"),
    "material.retention_expired": _l("Evidence photo removed after its retention period"),
    "material.version_lost": _l("Material file found missing"),
    "material.checked": _l("Material file checked whole"),
    "material.check_refused": _l("Material file refused by its check"),
}

LABELS = {MaterialCategory: MATERIAL_CATEGORY}

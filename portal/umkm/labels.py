"""What UMKM records are called on screen: categories, certificates, help, skills, inquiry states and buyers, and
their audit actions (`portal.core.vocabulary` reads them)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.umkm.events import InquiryVerb as I, SaleVerb as S
from portal.umkm.models import (
    BuyerKind, CertificateKind, CertificateStatus, HelpKind, InquiryState, ProductCategory, SkillArea,
)

PRODUCT_CATEGORY = {
    ProductCategory.HANDICRAFT: _l("Handicraft"),
    ProductCategory.PROCESSED_FOOD: _l("Processed food"),
    ProductCategory.WORKSHOP: _l("Workshop product"),
    ProductCategory.AGRICULTURE: _l("Agriculture"),
    ProductCategory.GARMENT: _l("Garments"),
    ProductCategory.OTHER: _l("Other product"),
}

CERTIFICATE_KIND = {
    CertificateKind.PIRT: _l("PIRT (home-industry food licence)"),
    CertificateKind.HALAL: _l("Halal certificate"),
    CertificateKind.SNI: _l("SNI (Indonesian National Standard)"),
    CertificateKind.TRADEMARK: _l("Registered trademark"),
}

CERTIFICATE_STATUS = {
    CertificateStatus.IN_PROGRESS: _l("Being applied for"),
    CertificateStatus.ISSUED: _l("Issued"),
}

HELP_KIND = {
    HelpKind.TRAINED_MAKERS: _l("Trained the makers"),
    HelpKind.CERTIFICATION: _l("Arranges certification"),
    HelpKind.TAKES_OUTPUT: _l("Takes part of the output"),
    HelpKind.MARKETING: _l("Helps with marketing"),
    HelpKind.OTHER: _l("Other help"),
}

SKILL_AREA = {
    SkillArea.HANDICRAFT: _l("Handicraft"),
    SkillArea.BATIK_WEAVING: _l("Batik and weaving"),
    SkillArea.FOOD_PROCESSING: _l("Food processing"),
    SkillArea.SEWING: _l("Sewing and garments"),
    SkillArea.WELDING_WORKSHOP: _l("Welding and workshop"),
    SkillArea.CARPENTRY: _l("Carpentry and furniture"),
    SkillArea.AGRICULTURE: _l("Farming and gardening"),
    SkillArea.LIVESTOCK_FISHERY: _l("Livestock and fishery"),
    SkillArea.BARBERING: _l("Barbering"),
    SkillArea.OTHER: _l("Other skills"),
}

INQUIRY_STATE = {
    InquiryState.NEW: _l("New"),
    InquiryState.ANSWERED: _l("Answered"),
    InquiryState.AGREED: _l("Sale agreed"),
    InquiryState.DELIVERED: _l("Delivered"),
    InquiryState.PAID: _l("Paid"),
    InquiryState.CLOSED: _l("Closed"),
}

BUYER_KIND = {
    BuyerKind.PERSON: _l("Individual buyer"),
    BuyerKind.SHOP: _l("Shop or business"),
    BuyerKind.COOPERATIVE: _l("Cooperative"),
    BuyerKind.GOVERNMENT: _l("Government office"),
    BuyerKind.OTHER: _l("Other buyer"),
}

STATUS_COLOUR = {
    InquiryState.NEW: "warning", InquiryState.ANSWERED: "info", InquiryState.AGREED: "primary",
    InquiryState.DELIVERED: "primary", InquiryState.PAID: "success", InquiryState.CLOSED: "secondary",
    CertificateStatus.IN_PROGRESS: "warning", CertificateStatus.ISSUED: "success",
}

AUDIT_ACTIONS = {
    "product.created": _l("Product added"),
    "product.edited": _l("Product changed"),
    "product.shown": _l("Product shown in the public catalogue"),
    "product.hidden": _l("Product taken off the public catalogue"),
    "product.archived": _l("Product no longer made"),
    "product.photo_added": _l("Photo added to a product (no WBP recognisable)"),
    "product.photo_removed": _l("Photo removed from a product"),
    "product.certificate_saved": _l("Product certificate saved"),
    "product.certificate_removed": _l("Product certificate removed"),
    "product.helper_added": _l("Partner linked to a product"),
    "product.helper_removed": _l("Partner no longer linked to a product"),
    "skills.counted": _l("Interests and skills of inmates counted"),
    I.RECEIVE.action: _l("Buyer's inquiry received"),
    I.ANSWER.action: _l("Buyer's inquiry answered"),
    I.AGREE.action: _l("Sale agreed with the buyer"),
    I.DELIVER.action: _l("Order delivered to the buyer"),
    I.PAY.action: _l("Buyer's payment received"),
    I.CLOSE.action: _l("Buyer's inquiry closed"),
    S.RECORD.action: _l("Sale recorded"),
    S.CANCEL.action: _l("Sale cancelled"),
}

LABELS = {ProductCategory: PRODUCT_CATEGORY, CertificateKind: CERTIFICATE_KIND, CertificateStatus: CERTIFICATE_STATUS,
          HelpKind: HELP_KIND, SkillArea: SKILL_AREA, InquiryState: INQUIRY_STATE, BuyerKind: BUYER_KIND}

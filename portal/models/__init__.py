"""The data: one module per aggregate, all imported here so metadata is complete."""
from portal.models.agreements import (
    Agreement, AgreementDocument, AgreementKind, AgreementStatus, AgreementType, DocumentKind, Party,
    Signature, SignatureMethod,
)
from portal.models.api_tokens import ApiToken, IdempotentRequest
from portal.models.audit import AuditEntry
from portal.models.document_access import AccessedFile, AccessHow, DocumentAccess
from portal.models.base import FacilityOwned, PairScoped
from portal.models.contributions import (
    Contribution, ContributionStatus, ContributionTally, ContributionType, Programme, ProgrammeStatus,
)
from portal.models.mail import MailStatus, OutboxMessage
from portal.models.materials import Material, MaterialCategory, MaterialVersion
from portal.models.organisations import (
    FACILITY_CLASSES, FIRST_ROLE, PROVINCES, ROLES_BY_KIND, Membership, Organisation, OrgKind,
    PartnerCategory, Role,
)
from portal.models.news import NewsItem, NewsPhoto, NewsQuote, NewsSource, NewsStatus
from portal.models.partnerships import Partnership
from portal.models.invitations import Invitation
from portal.models.jobs import BackgroundJob, JobStatus
from portal.models.notifications import Notification
from portal.models.operations import CommandRun
from portal.models.signing import SigningCertificate
from portal.models.tokens import AccountToken, TokenPurpose
from portal.models.uploads import ResumableUpload, UploadStatus
from portal.models.users import LoginSession, RecoveryCode, User
from portal.models.webhooks import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint

__all__ = [
    "Agreement", "AgreementDocument", "AgreementKind", "AgreementStatus", "AgreementType",
    "DocumentKind", "Party", "Signature", "SignatureMethod", "Material", "MaterialCategory", "MaterialVersion",
    "Contribution", "ContributionStatus", "ContributionTally", "ContributionType", "Programme", "ProgrammeStatus",
    "AuditEntry", "FACILITY_CLASSES", "FIRST_ROLE", "LoginSession", "Membership", "Organisation",
    "OrgKind", "PROVINCES", "FacilityOwned", "PairScoped", "PartnerCategory", "Partnership", "ROLES_BY_KIND",
    "Role", "User", "MailStatus", "OutboxMessage", "AccountToken", "TokenPurpose", "Invitation", "Notification", "RecoveryCode",
    "BackgroundJob", "JobStatus", "ResumableUpload", "UploadStatus", "CommandRun", "AccessedFile", "AccessHow", "DocumentAccess",
    "NewsItem", "NewsPhoto", "NewsQuote", "NewsSource", "NewsStatus", "ApiToken", "IdempotentRequest",
    "DeliveryStatus", "SigningCertificate", "WebhookAttempt", "WebhookDelivery", "WebhookEndpoint",
]

"""The data: one module per aggregate, all imported here so metadata is complete."""
from portal.accounts.models import LoginSession, RecoveryCode, User
from portal.accounts.token_models import AccountToken, TokenPurpose
from portal.agreements.models import (
    Agreement, AgreementDocument, AgreementKind, AgreementStatus, AgreementType, DocumentKind, Party, Signature,
    SignatureMethod,
)
from portal.agreements.chain_models import AgreementStep, ApprovalChain, StepActor, StepState
from portal.audit.models import AuditEntry
from portal.contributions.models import (
    Contribution, ContributionStatus, ContributionTally, ContributionType, Programme, ProgrammeStatus,
)
from portal.core.columns import FacilityOwned, PairScoped
from portal.integrations.token_models import ApiToken, IdempotentRequest
from portal.integrations.webhook_models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from portal.jobs.models import BackgroundJob, JobStatus
from portal.materials.models import Material, MaterialCategory, MaterialVersion
from portal.materials.upload_models import ResumableUpload, UploadStatus
from portal.notifications.channel_models import ChannelMessage, MessageStatus, PhoneChannel
from portal.notifications.mail_models import MailStatus, OutboxMessage
from portal.notifications.models import Notification
from portal.ops.models import CommandRun
from portal.organisations.invitation_models import Invitation
from portal.organisations.models import (
    FACILITY_CLASSES, FIRST_ROLE, PROVINCES, ROLES_BY_KIND, Membership, Organisation, OrgKind, PartnerCategory,
    Role,
)
from portal.organisations.partnership_models import Partnership
from portal.privacy.access_models import AccessedFile, AccessHow, DocumentAccess
from portal.public.news_models import NewsItem, NewsPhoto, NewsQuote, NewsSource, NewsStatus
from portal.signing.models import SigningCertificate
from portal.umkm.models import (
    Inquiry, Product, ProductCertificate, ProductHelper, ProductPhoto, Sale, SkillInterest,
)

__all__ = [
    "Agreement", "AgreementDocument", "AgreementStep", "ApprovalChain", "StepActor", "StepState", "AgreementKind", "AgreementStatus", "AgreementType",
    "DocumentKind", "Party", "Signature", "SignatureMethod", "Material", "MaterialCategory", "MaterialVersion",
    "Contribution", "ContributionStatus", "ContributionTally", "ContributionType", "Programme", "ProgrammeStatus",
    "AuditEntry", "FACILITY_CLASSES", "FIRST_ROLE", "LoginSession", "Membership", "Organisation",
    "OrgKind", "PROVINCES", "FacilityOwned", "PairScoped", "PartnerCategory", "Partnership", "ROLES_BY_KIND",
    "Role", "User", "MailStatus", "OutboxMessage", "AccountToken", "TokenPurpose", "Invitation", "Notification", "RecoveryCode",
    "BackgroundJob", "JobStatus", "ResumableUpload", "UploadStatus", "CommandRun", "AccessedFile", "AccessHow", "DocumentAccess",
    "NewsItem", "NewsPhoto", "NewsQuote", "NewsSource", "NewsStatus", "ApiToken", "IdempotentRequest",
    "DeliveryStatus", "SigningCertificate", "WebhookAttempt", "WebhookDelivery", "WebhookEndpoint",
    "Inquiry", "Product", "ProductCertificate", "ProductHelper", "ProductPhoto", "Sale", "SkillInterest",
]

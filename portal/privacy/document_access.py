"""Who opened which document, and which openings concern a person (UU PDP: a person may know who saw their data).

Every download or preview of an agreement document or a material's file is recorded in the name of the
organisation that opened it. The records are read back only for the copy of a person's own data: the
openings of documents that carry their name (agreements they drafted or signed, files they uploaded).
"""
from __future__ import annotations

from sqlalchemy import and_, or_, select

from portal.accounts.models import User
from portal.agreements.models import Agreement, AgreementDocument, Signature
from portal.core import whose_pages
from portal.core.columns import utcnow
from portal.extensions import db
from portal.materials.models import MaterialVersion
from portal.organisations.models import Organisation
from portal.privacy.access_models import AccessedFile, AccessHow, DocumentAccess


def record(file: AgreementDocument | MaterialVersion, *, actor: User, organisation: Organisation,
           how: AccessHow = AccessHow.DOWNLOAD) -> None:
    """Note an opening; a plain INSERT (no RETURNING), as nobody may read the row back while acting."""
    kind = AccessedFile.AGREEMENT_DOCUMENT if isinstance(file, AgreementDocument) else AccessedFile.MATERIAL_VERSION
    db.session.execute(DocumentAccess.__table__.insert().values(
        at=utcnow(), user_id=actor.id, organisation_id=organisation.id, file_kind=kind, file_id=file.id,
        filename=file.filename, how=how, facility_id=file.facility_id, partner_id=file.partner_id)
        .execution_options(**whose_pages.reaching(facility_id=file.facility_id, partner_id=file.partner_id,
                                                  user_id=actor.id)))


def of_files_naming(user: User) -> list[DocumentAccess]:
    """Openings of documents that carry `user`'s name, newest first. The caller reads across tenants."""
    agreements = select(Agreement.id).where(or_(
        Agreement.created_by_id == user.id,
        Agreement.id.in_(select(Signature.agreement_id).where(Signature.user_id == user.id))))
    documents = select(AgreementDocument.id).where(or_(AgreementDocument.agreement_id.in_(agreements),
                                                       AgreementDocument.uploaded_by_id == user.id))
    versions = select(MaterialVersion.id).where(MaterialVersion.uploaded_by_id == user.id)
    return list(db.session.scalars(select(DocumentAccess).where(or_(
        and_(DocumentAccess.file_kind == AccessedFile.AGREEMENT_DOCUMENT, DocumentAccess.file_id.in_(documents)),
        and_(DocumentAccess.file_kind == AccessedFile.MATERIAL_VERSION, DocumentAccess.file_id.in_(versions)),
    )).order_by(DocumentAccess.at.desc())))


"""A contribution's evidence: files uploaded with it, or materials of the partnership already in the portal.

A material is the evidence of one contribution at most. The same content is never stored twice for a pair
(`materials` refuses it), so a photo already shared is chosen from the pair's materials, not sent again.
"""
from __future__ import annotations

from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal import policy
from portal.accounts.models import User
from portal.audit import chain as audit
from portal.contributions.models import Contribution
from portal.core.columns import utcnow
from portal.core.errors import FieldErrors
from portal.extensions import db
from portal.materials import operations as materials
from portal.materials.models import Material, MaterialCategory
from portal.materials.operations import Upload
from portal.organisations.models import Membership, Organisation

#: The most materials a contribution's form offers to choose from (the newest first).
OFFERED = 50
#: The name the rules give the choice of existing materials (the form's field has it too).
CHOSEN = "existing_evidence"


def _choosable(facility: Organisation, partner: Organisation) -> list:
    """Which of the pair's materials a contribution may take as evidence: present, put in by the partner's own
    people (the side that records contributions: never the facility's photos), and younger than the evidence
    photos' retention, so choosing one never has it retired at the next run. The tenancy filter keeps out every
    other pair's."""
    cutoff = utcnow() - timedelta(days=current_app.config["RETENTION_EVIDENCE_PHOTO_DAYS"])
    return [Material.facility_id == facility.id, Material.partner_id == partner.id, Material.deleted_at.is_(None),
            Material.created_at >= cutoff,
            Material.created_by_id.in_(select(Membership.user_id).where(Membership.organisation_id == partner.id))]


def offered(facility: Organisation, partner: Organisation, *, limit: int = OFFERED) -> list[Material]:
    """The materials a contribution may take as evidence and no other has taken yet, newest first."""
    return list(db.session.scalars(select(Material).where(
        *_choosable(facility, partner), Material.contribution_id.is_(None))
        .order_by(Material.created_at.desc(), Material.id.desc()).limit(limit)).unique())


def may_choose(contribution: Contribution, material_id: int) -> bool:
    """Whether the contribution may take this material as its evidence (the file it sent is there already)."""
    return db.session.scalar(select(Material.id).where(
        Material.id == material_id, *_choosable(contribution.facility, contribution.partner),
        Material.contribution_id.is_(None))) is not None


def attach(contribution: Contribution, uploads: list[Upload], chosen_ids: list[int], *, actor: User) -> None:
    """New files become the contribution's evidence (as photos, titled by it); chosen materials of the pair too.

    A chosen id that is not a free material of this pair (another pair's, deleted, or already another
    contribution's evidence) is refused by name of the field, and nothing is kept.
    """
    facility, partner = contribution.facility, contribution.partner
    if uploads:
        materials.upload_materials(facility, partner, uploads, category=MaterialCategory.PHOTO,
                                   contribution=contribution, actor=actor, description=contribution.title)
    wanted = list(dict.fromkeys(chosen_ids or []))
    if not wanted:
        return
    policy.require(policy.can_upload_material(actor, facility, partner))
    found = {material.id: material for material in db.session.scalars(select(Material).where(
        Material.id.in_(wanted), *_choosable(facility, partner))).unique()}
    if any(found.get(material_id) is None or found[material_id].contribution_id not in (None, contribution.id)
           for material_id in wanted):
        raise FieldErrors({CHOSEN: _l("A chosen material is not one of this partnership's materials free to be "
                                      "evidence (it may be another contribution's). Choose again from the list.")})
    for material in found.values():
        if material.contribution_id == contribution.id:
            continue
        material.contribution = contribution
        audit.record("material.chosen_as_evidence", actor=actor, object_type="material", object_id=material.id,
                     organisation=audit.party_of(actor, facility, partner), facility=facility, partner=partner,
                     before={"contribution": None}, after={"contribution": contribution.id})
    db.session.flush()

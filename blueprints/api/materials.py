"""The materials a token's organisation shares with its pairs: listed, downloaded, uploaded."""
from __future__ import annotations

import hashlib
import json

from flask import abort, g, redirect, request
from flask_babel import gettext as _
from spectree import Response as Answers

from blueprints.api import bp, spec
from blueprints.api.access import REFUSALS, answered_once, pair_with, ref, require
from blueprints.api.problems import problem
from blueprints.api.schemas import MaterialIn, MaterialOut, MaterialPage, MaterialQuery, Problem, VersionOut
from portal.agreements.models import Agreement
from portal.core.tenancy import get_shared_or_404
from portal.extensions import db
from portal.materials import operations as materials
from portal.materials.models import Material, MaterialVersion
from portal.materials.operations import MaterialFilter, Upload
from portal.privacy import document_access


@bp.get("/materials")
@spec.validate(query=MaterialQuery, resp=Answers(HTTP_200=MaterialPage, HTTP_400=Problem, **REFUSALS),
               tags=["materials"])
def material_list():
    """The materials the organisation sees (not deleted), newest first, each with its newest version. Scope
    `materials:read`."""
    require("materials:read")
    query: MaterialQuery = request.context.query
    wanted = MaterialFilter(category=query.category, agreement_id=query.agreement_id, search=query.search)
    found, last = materials.keyset_page(g.org, wanted, query.after, query.limit)
    newest = materials.latest_versions(found)
    return MaterialPage(items=[_material(material, newest.get(material.id)) for material in found], next=last)


@bp.get("/materials/<int:material_id>/versions/<int:version_id>/file")
@spec.validate(resp=Answers(HTTP_303=None, HTTP_400=Problem, HTTP_404=Problem, HTTP_503=Problem, **REFUSALS),
               tags=["materials"])
def material_file(material_id: int, version_id: int):
    """A version's file: a redirect (303) to a link of the document store that works for a few minutes. Each
    download is recorded, as on the page. Scope `materials:read`."""
    require("materials:read")
    material = get_shared_or_404(Material, material_id)
    version = get_shared_or_404(MaterialVersion, version_id)
    if material.deleted_at is not None or version.material_id != material.id:
        abort(404)
    url = materials.download_url(version)
    document_access.record(version, actor=g.api_actor, organisation=g.org)
    db.session.commit()
    return redirect(url, code=303)


def _material(material: Material, newest: MaterialVersion | None) -> MaterialOut:
    latest = None if newest is None or newest.quarantined else VersionOut(
        id=newest.id, number=newest.number, filename=newest.filename, content_type=newest.content_type,
        size=newest.size, sha256=newest.sha256, uploaded_at=newest.uploaded_at)
    return MaterialOut(id=material.id, category=material.category, title=material.title,
                       description=material.description, facility=ref(material.facility),
                       partner=ref(material.partner), agreement_id=material.agreement_id,
                       created_at=material.created_at, latest_version=latest)


@bp.post("/materials")
@spec.validate(form=MaterialIn, resp=Answers(HTTP_201=MaterialOut, HTTP_400=Problem, HTTP_404=Problem,
                                              HTTP_422=Problem, HTTP_413=Problem, **REFUSALS), tags=["materials"])
def upload_material():
    """Share a file with the pair (multipart/form-data): its type is checked by its content and its size by
    the portal's limit, as on the page; the same file twice is refused. Scope `materials:write`."""
    require("materials:write")
    given: MaterialIn = request.context.form
    posted = request.files.get("file")
    if posted is None or not posted.filename:
        abort(problem(400, errors=[{"field": "file", "message": _("Choose at least one file.")}]))

    def upload():
        pair = pair_with(given)
        agreement = get_shared_or_404(Agreement, given.agreement_id) if given.agreement_id else None
        shared, = materials.upload_materials(
            pair.facility, pair.partner, [Upload(posted.stream, posted.filename)], category=given.category,
            description=given.description, agreement=agreement, actor=g.api_actor)
        return 201, _material(shared, shared.latest)
    return answered_once(upload, body=lambda: _fingerprint_of(given, posted.stream))


def _fingerprint_of(given: MaterialIn, stream) -> bytes:
    """What makes an upload the same request again: its fields and its file's digest, read in chunks."""
    digest = hashlib.sha256()
    for chunk in iter(lambda: stream.read(1024 * 1024), b""):
        digest.update(chunk)
    stream.seek(0)
    fields = given.model_dump(mode="json", exclude={"file"})
    return json.dumps([fields, digest.hexdigest()], sort_keys=True).encode()

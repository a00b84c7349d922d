"""JSON in, JSON out: each call is one service call; a broken rule answers 4xx with the message to show."""
from flask import abort, current_app, jsonify, request, url_for
from flask_login import current_user

from blueprints.commit_once import committed_or_refused
from blueprints.uploads import bp
from portal.core.tenancy import get_shared_or_404
from portal.materials import uploads
from portal.materials.models import Material
from portal.materials.upload_models import ResumableUpload, UploadStatus
from portal.organisations.partnership_models import Partnership


def _body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(400)
    return body


def _own_or_404(upload_id: str) -> ResumableUpload:
    return uploads.own_upload(upload_id, current_user._get_current_object()) or abort(404)


def _state(upload: ResumableUpload) -> dict:
    return {"id": upload.id, "filename": upload.filename, "size": upload.size, "part_size": upload.part_size,
            "parts": upload.part_count, "status": upload.status.value, "problem": upload.problem or None,
            "sha256": upload.sha256, "links_url": url_for("uploads.links", upload_id=upload.id),
            "complete_url": url_for("uploads.complete", upload_id=upload.id),
            "state_url": url_for("uploads.state", upload_id=upload.id),
            "link_seconds": current_app.config["UPLOAD_PART_URL_SECONDS"]}


@bp.route("", methods=["POST"])
def begin():
    """For a new material of a pair (`pair`) or a new version of a material (`material`)."""
    body = _body()
    size, owner_id = body.get("size"), body.get("pair", body.get("material"))
    if not isinstance(owner_id, int) or not isinstance(size, int) or not isinstance(body.get("filename"), str):
        abort(400)
    owner = get_shared_or_404(Partnership if "pair" in body else Material, owner_id)
    with committed_or_refused():
        upload = uploads.begin(owner.facility, owner.partner, filename=body["filename"], size=size,
                               actor=current_user._get_current_object())
        first = uploads.part_links(upload, list(range(1, min(uploads.FIRST_LINKS, upload.part_count) + 1)))
    # The first parts' links come with it, so the first bytes leave without another round trip.
    return jsonify(_state(upload) | {"links": {str(number): link for number, link in first.items()}}), 201


@bp.route("/<string(length=32):upload_id>")
def state(upload_id: str):
    """Where the upload stands, with the parts the store already holds (to resume after a cut or a reload)."""
    upload = _own_or_404(upload_id)
    with committed_or_refused():
        finished = uploads.finished_parts(upload)
    return jsonify(_state(upload) | {"finished": finished})


@bp.route("/<string(length=32):upload_id>/links", methods=["POST"])
def links(upload_id: str):
    upload = _own_or_404(upload_id)
    numbers = _body().get("parts")
    if not isinstance(numbers, list) or not all(isinstance(number, int) for number in numbers):
        abort(400)
    with committed_or_refused():
        found = uploads.part_links(upload, numbers)
    return jsonify(links={str(number): link for number, link in found.items()})


@bp.route("/<string(length=32):upload_id>/complete", methods=["POST"])
def complete(upload_id: str):
    upload = _own_or_404(upload_id)
    with committed_or_refused():
        uploads.complete(upload)
    uploads.check_later(upload)
    return jsonify(_state(upload)), 422 if upload.status == UploadStatus.REJECTED else 200

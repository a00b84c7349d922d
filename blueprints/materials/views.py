"""Material pages: list, share, new version, delete, and links that never expose the bucket."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from blueprints.chosen_pair import chosen_pair
from blueprints.commit_once import committed
from blueprints.forms import ConfirmForm
from blueprints.materials import bp
from blueprints.materials.forms import FilterForm, UploadForm, VersionForm
from blueprints.query_args import filter_args, page_number, record_id
from blueprints.stored_files import stored_file
from portal import policy
from portal.agreements import lists as agreement_lists
from portal.agreements.models import Agreement
from portal.core.session_pages import kept_for_session
from portal.core.tenancy import current_org, get_shared_or_404
from portal.extensions import db
from portal.materials import operations as materials, uploads
from portal.materials.models import Material, MaterialCategory, MaterialVersion
from portal.materials.operations import Upload
from portal.privacy import document_access
from portal.privacy.access_models import AccessHow


def _actor():
    return current_user._get_current_object()


@bp.route("/")
@kept_for_session
def index():
    form = FilterForm(request.args)
    form.validate()
    agreement_id = request.args.get("agreement", type=record_id)
    page = materials.page_of(current_org, form.wanted(agreement_id), page_number())
    return render_template(
        "materials/index.html", form=form, page=page, latest=materials.latest_versions(page.items),
        filter_args=filter_args(),
        can_upload=agreement_lists.may_draft_any(current_org))


@bp.route("/new", methods=["GET", "POST"])
def new():
    pairs, pair = chosen_pair()
    if pair is None:
        return render_template("_choose_pair.html", pairs=pairs, target="materials.new", heading=_("Upload materials"),
                               question=_("Which facility and partner are these materials for?"))
    policy.require(policy.can_upload_material(_actor(), pair.facility, pair.partner))
    agreements = db.session.scalars(select(Agreement).where(
        Agreement.facility_id == pair.facility_id, Agreement.partner_id == pair.partner_id)
        .order_by(Agreement.title)).unique().all()
    form = UploadForm(agreements=agreements)
    if form.validate_on_submit():
        chosen = next((a for a in agreements if a.id == form.agreement.data), None)
        with committed(form, file_field="files") as outcome:
            chosen_files = _uploads_of(form, form.files, pair.facility, pair.partner)
            shared = materials.upload_materials(
                pair.facility, pair.partner, chosen_files, category=MaterialCategory(form.category.data),
                description=form.description.data, agreement=chosen, actor=_actor())
        if outcome.ok:
            flash(_("%(n)d file(s) uploaded.", n=len(shared)), "success")
            return redirect(url_for("materials.index"))
    return render_template("materials/new.html", form=form, pair=pair)


def _uploads_of(form, file_field, facility, partner) -> list[Upload]:
    """The files of a form: posted with it, or sent ahead to storage by resumable-upload.js and checked there."""
    checked = uploads.attach(form.uploaded_ids(), facility, partner, _actor())
    return [Upload(None, stored.filename, stored) for stored in checked] + [
        Upload(file.stream, file.filename) for file in form.posted_files(file_field)]


@bp.route("/<int:material_id>")
def show(material_id: int):
    material = _present_or_404(material_id)
    return render_template("materials/show.html", material=material, version_form=VersionForm(),
                           confirm_form=ConfirmForm(),
                           can_upload=policy.can_upload_material(_actor(), material.facility, material.partner),
                           can_delete=policy.can_delete_material(_actor(), material))


@bp.route("/<int:material_id>/versions", methods=["POST"])
def add_version(material_id: int):
    material = _present_or_404(material_id)
    form = VersionForm()
    if form.validate_on_submit():
        with committed() as outcome:
            chosen_file = _uploads_of(form, form.file, material.facility, material.partner)[0]
            materials.add_version(material, chosen_file, actor=_actor())
        if outcome.ok:
            flash(_("The new version has been uploaded."), "success")
    else:
        flash(_("Choose the file to upload."), "danger")
    return redirect(url_for("materials.show", material_id=material.id))


@bp.route("/<int:material_id>/delete", methods=["POST"])
def delete(material_id: int):
    material = _present_or_404(material_id)
    if ConfirmForm().validate_on_submit():
        with committed() as outcome:
            materials.delete_material(material, actor=_actor())
        if outcome.ok:
            flash(_("The material has been deleted."), "success")
            return redirect(url_for("materials.index"))
    return redirect(url_for("materials.show", material_id=material.id))


@bp.route("/<int:material_id>/versions/<int:version_id>/<any(download, preview):how>")
def file(material_id: int, version_id: int, how: str):
    """After the policy check, a short-lived presigned link: never a public bucket URL."""
    version = _version_or_404(material_id, version_id)
    with committed() as outcome:
        url = materials.download_url(version, preview=how == "preview")
        document_access.record(version, actor=_actor(), organisation=current_org, how=AccessHow(how))
    if not outcome.ok:
        return redirect(url_for("materials.show", material_id=material_id))
    return redirect(url, code=303)


@bp.route("/<int:material_id>/versions/<int:version_id>/thumbnail")
def thumbnail(material_id: int, version_id: int):
    """Thumbnails come through the portal, so pages keep their own-origin-only image policy."""
    version = _version_or_404(material_id, version_id)
    if version.thumbnail_key is None:
        abort(404)
    return stored_file(version.thumbnail_key, "image/jpeg", headers={"Cache-Control": "private, max-age=3600"})


def _present_or_404(material_id: int) -> Material:
    material = get_shared_or_404(Material, material_id)
    if material.deleted_at is not None:
        abort(404)
    return material


def _version_or_404(material_id: int, version_id: int) -> MaterialVersion:
    material = _present_or_404(material_id)
    version = get_shared_or_404(MaterialVersion, version_id)
    if version.material_id != material.id:
        abort(404)
    return version

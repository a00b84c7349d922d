"""Contribution and programme pages: each view loads, calls one service, commits, redirects."""
import io
import uuid

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from blueprints.chosen_pair import chosen_pair
from blueprints.commit_once import committed
from blueprints.contributions import bp
from blueprints.contributions.forms import (
    CloseProgrammeForm, ContributionForm, ImportForm, ProgrammeForm, ReasonForm, SessionsForm,
)
from blueprints.forms import ConfirmForm
from blueprints.in_background import in_background
from blueprints.query_args import filter_args, page_number, record_id
from blueprints.table_files import table_file
from portal import policy
from portal.agreements import lists as agreement_lists
from portal.contributions import (
    evidence, fields as contribution_fields, importer as contribution_import, operations as contributions,
)
from portal.contributions.models import Contribution, ContributionStatus, Programme, ProgrammeStatus
from portal.contributions.operations import ContributionFields
from portal.contributions.programmes import close_programme, create_programme
from portal.core import transactional_files as files
from portal.core.session_pages import kept_for_session
from portal.core.tenancy import current_org, get_shared_or_404
from portal.extensions import db
from portal.jobs import made_files as file_jobs
from portal.materials import operations as materials
from portal.materials.models import Material
from portal.materials.operations import Upload

PER_PAGE = 25


def _actor():
    return current_user._get_current_object()


def _filtered():
    """The contributions the organisation sees, narrowed by the filters in the URL."""
    status, kind = request.args.get("status", ""), request.args.get("type", "")
    return contributions.listed(status, kind), status, kind


@bp.route("/")
@kept_for_session
def index():
    query, status, kind = _filtered()
    page = db.paginate(query, page=page_number(), per_page=PER_PAGE, error_out=False)
    return render_template("contributions/index.html", page=page, status=status, kind=kind, filter_args=filter_args(),
                           waiting=contributions.waiting_count(), totals=contributions.totals(),
                           can_record=current_org.kind == "partner"
                           and agreement_lists.may_draft_any(current_org))


@bp.route("/export.<file_format>", methods=["GET", "POST"])
def export(file_format: str):
    """The filtered list as CSV or XLSX, streamed row by row; text never turns into a formula.

    POST makes the same file in the background (a long list), and sends to the job's page."""
    query, status, kind = _filtered()
    if request.method == "POST":
        return in_background(file_jobs.EXPORT, lambda: file_jobs.export_params(
            "contributions", file_format, {"status": status, "type": kind})) or redirect(
            url_for("contributions.index", **request.args))
    return table_file(contributions.as_table(query), file_format, "kontribusi")


def _pair_from_request():
    """The pair being recorded for: implied by a programme (`?programme=`), or as `chosen_pair` finds it."""
    if programme_id := request.args.get("programme", type=record_id):
        programme = get_shared_or_404(Programme, programme_id)
        pairs = agreement_lists.drafting_pairs(current_org)
        return pairs, next((p for p in pairs if (p.facility_id, p.partner_id)
                            == (programme.facility_id, programme.partner_id)), None) or abort(404)
    return chosen_pair()


def _choices(facility, partner):
    agreements = contributions.signed_agreements_of(facility, partner)
    programmes = db.session.scalars(select(Programme).where(  # closed ones too: sessions are recorded late
        Programme.facility_id == facility.id, Programme.partner_id == partner.id)
        .order_by(Programme.name)).unique().all()
    return {"facility": facility, "partner": partner, "agreements": agreements, "programmes": programmes,
            "materials": evidence.offered(facility, partner)}


@bp.route("/new", methods=["GET", "POST"])
def new():
    pairs, pair = _pair_from_request()
    if pair is None:
        return render_template("_choose_pair.html", pairs=pairs, target="contributions.new",
                               heading=_("Record a contribution"), question=_("Choose the facility"))
    policy.require(policy.can_record_contribution(_actor(), pair.facility, pair.partner))
    form = ContributionForm(**_choices(pair.facility, pair.partner))
    if request.method == "GET" and request.args.get("programme", type=record_id):
        form.programme.data = request.args.get("programme", type=record_id)
    if form.validate_on_submit():
        with committed(form, file_field="evidence") as outcome:
            contribution, recorded = contributions.record_contribution_once(
                pair.facility, pair.partner, form.fields(), actor=_actor(),
                submission_key=form.submission_key.data or uuid.uuid4().hex)
            if recorded:
                _attach_evidence(contribution, form)
        if outcome.ok:
            flash(_("The contribution has been recorded; a facility officer will verify it.") if recorded else
                  _("This form had already been sent, and its contribution recorded once: here it is."), "success")
            return redirect(url_for("contributions.show", contribution_id=contribution.id))
    return render_template("contributions/form.html", form=form, pair=pair, contribution=None)


def _attach_evidence(contribution, form: ContributionForm) -> None:
    """The files chosen, and the materials ticked; a file already in the portal gets its material ticked."""
    chosen = [Upload(upload.stream, upload.filename) for upload in form.evidence.data or []
              if upload and upload.filename]
    try:
        evidence.attach(contribution, chosen, form.existing_evidence.data, actor=_actor())
    except materials.DuplicateFile as duplicate:
        if duplicate.choosable and evidence.may_choose(contribution, duplicate.twin_id):
            form.choose_existing(duplicate.twin_id, duplicate.twin_title)
        raise


@bp.route("/<int:contribution_id>")
def show(contribution_id: int):
    contribution = get_shared_or_404(Contribution, contribution_id)
    evidence = db.session.scalars(select(Material).where(
        Material.contribution_id == contribution.id, Material.deleted_at.is_(None))).unique().all()
    actor = _actor()
    return render_template(
        "contributions/show.html", contribution=contribution, evidence=evidence, details=contribution_fields.DETAILS,
        latest=materials.latest_versions(evidence), reason_form=ReasonForm(), confirm_form=ConfirmForm(),
        can_verify=policy.can_verify_contribution(actor, contribution)
        and contribution.status == ContributionStatus.SUBMITTED,
        can_edit=policy.can_edit_contribution(actor, contribution)
        and contribution.status != ContributionStatus.SUPERSEDED)


@bp.route("/<int:contribution_id>/edit", methods=["GET", "POST"])
def edit(contribution_id: int):
    """Correct before verification, resubmit after a rejection, or record a correction of a verified one."""
    contribution = get_shared_or_404(Contribution, contribution_id)
    policy.require(policy.can_edit_contribution(_actor(), contribution))
    if contribution.status == ContributionStatus.SUPERSEDED:
        abort(404)
    form = ContributionForm(**_choices(contribution.facility, contribution.partner))
    if request.method == "GET":
        form.fill_from(ContributionFields.of(contribution))
        form.version.data = str(contribution.version)
    if form.validate_on_submit():
        with committed(form, file_field="evidence") as outcome:
            if contribution.status == ContributionStatus.VERIFIED:
                target = contributions.correct_verified(contribution, form.fields(), actor=_actor())
            else:
                target = contribution
                contributions.update_contribution(contribution, form.fields(), actor=_actor(),
                                                  expected_version=int(form.version.data or 0) or None)
            _attach_evidence(target, form)
        if outcome.ok:
            flash(_("Sent for verification again."), "success")
            return redirect(url_for("contributions.show", contribution_id=target.id))
    return render_template("contributions/form.html", form=form, pair=contribution, contribution=contribution)


@bp.route("/<int:contribution_id>/<any(verify, reject):decision>", methods=["POST"])
def decide(contribution_id: int, decision: str):
    contribution = get_shared_or_404(Contribution, contribution_id)
    form = ReasonForm() if decision == "reject" else ConfirmForm()
    if not form.validate_on_submit():
        flash(_("Please give a reason."), "danger")
        return redirect(url_for("contributions.show", contribution_id=contribution.id))
    with committed() as outcome:
        if decision == "verify":
            contributions.verify_contribution(contribution, actor=_actor())
        else:
            contributions.reject_contribution(contribution, form.reason.data, actor=_actor())
    if outcome.ok:
        flash(_("Verified: it now counts in the totals.") if decision == "verify"
              else _("Rejected; the partner sees your reason."), "success")
    return redirect(url_for("contributions.index", status="submitted"))


# --- programmes ---------------------------------------------------------------------------

@bp.route("/programmes/")
def programmes():
    rows = db.session.scalars(select(Programme).order_by(Programme.start_date.desc())).unique().all()
    return render_template("contributions/programmes.html", programmes=rows,
                           can_start=agreement_lists.may_draft_any(current_org))


@bp.route("/programmes/new", methods=["GET", "POST"])
def new_programme():
    pairs, pair = _pair_from_request()
    if pair is None:
        return render_template("_choose_pair.html", pairs=pairs, target="contributions.new_programme",
                               heading=_("Start a programme"), question=_("Choose the facility"))
    form = ProgrammeForm(agreements=contributions.signed_agreements_of(pair.facility, pair.partner))
    if form.validate_on_submit():
        with committed() as outcome:
            programme = create_programme(pair.facility, pair.partner, form.fields(), actor=_actor())
        if outcome.ok:
            flash(_("The programme has started."), "success")
            return redirect(url_for("contributions.programme", programme_id=programme.id))
    return render_template("contributions/programme_form.html", form=form, pair=pair)


@bp.route("/programmes/<int:programme_id>", methods=["GET", "POST"])
def programme(programme_id: int):
    """The programme's sessions and verified totals; its closing form for the people who may close it."""
    programme = get_shared_or_404(Programme, programme_id)
    form = CloseProgrammeForm()
    if form.validate_on_submit():
        with committed() as outcome:
            close_programme(programme, actual_participants=form.actual_participants.data,
                                          certificates_issued=form.certificates_issued.data or 0,
                                          end_date=form.end_date.data, actor=_actor())
        if outcome.ok:
            flash(_("The programme is closed."), "success")
            return redirect(url_for("contributions.programme", programme_id=programme.id))
    evidence = db.session.scalars(select(Material).join(Contribution, Material.contribution_id == Contribution.id)
                                  .where(Contribution.programme_id == programme.id, Material.deleted_at.is_(None))
                                  .order_by(Material.created_at)).unique().all()
    return render_template("contributions/programme.html", programme=programme, close_form=form, evidence=evidence,
                           totals=contributions.totals(Contribution.programme_id == programme.id),
                           can_record=policy.can_record_contribution(_actor(), programme.facility, programme.partner),
                           can_close=programme.status == ProgrammeStatus.RUNNING and (
                               policy.can_verify_contribution_for(_actor(), programme.facility)
                               or policy.can_record_contribution(_actor(), programme.facility, programme.partner)))


@bp.route("/programmes/<int:programme_id>/sessions", methods=["GET", "POST"])
def sessions(programme_id: int):
    """The common case: several sessions of a programme at once, all recorded or none."""
    programme = get_shared_or_404(Programme, programme_id)
    policy.require(policy.can_record_contribution(_actor(), programme.facility, programme.partner))
    form = SessionsForm()
    if form.validate_on_submit():
        with committed() as outcome:
            recorded = contributions.record_sessions(programme, form.fields(programme), actor=_actor())
        if outcome.ok:
            flash(_("%(n)d sessions recorded; a facility officer will verify them.", n=len(recorded)), "success")
            return redirect(url_for("contributions.programme", programme_id=programme.id))
    return render_template("contributions/sessions.html", form=form, programme=programme)


# --- import from a spreadsheet --------------------------------------------------------------

@bp.route("/import/template")
def import_template():
    kind = "csv" if request.args.get("format") == "csv" else "xlsx"
    body = contribution_import.template_csv() if kind == "csv" else contribution_import.template_xlsx()
    mimetype = "text/csv" if kind == "csv" else files.XLSX
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="templat-kontribusi.{kind}"'})


@bp.route("/import", methods=["GET", "POST"])
def import_file():
    """Upload: preview every row (nothing kept); then import them all, from the copy kept for the preview."""
    pairs, pair = _pair_from_request()
    if pair is None:
        return render_template("_choose_pair.html", pairs=pairs, target="contributions.import_file",
                               heading=_("Import from a spreadsheet"), question=_("Choose the facility"))
    policy.require(policy.can_record_contribution(_actor(), pair.facility, pair.partner))
    form, result, stash = ImportForm(), None, None
    prefix = f"f/{pair.facility_id}/p/{pair.partner_id}/imports/"
    if form.validate_on_submit():
        if form.stash.data:  # the confirmation: import what was previewed
            if not form.stash.data.startswith(prefix):
                abort(404)
            # Thousands of rows take a while: a job does it, its page follows it.
            following = in_background("contribution-import", lambda: {
                "facility_id": pair.facility_id, "partner_id": pair.partner_id, "stash": form.stash.data,
                "filename": form.stash_name.data, "pair_id": pair.id})
            if following:
                return following
        elif form.file.data:
            data, filename = form.file.data.read(), form.file.data.filename
            with committed() as outcome:
                result = contribution_import.import_contributions(
                    pair.facility, pair.partner, io.BytesIO(data), filename, actor=_actor(), dry_run=True)
                if result.ok:
                    stash = files.store_bytes(data, filename=filename, prefix=prefix,
                                              content_type="application/octet-stream", session=db.session)
    return render_template("contributions/import.html", form=form, pair=pair, result=result, stash=stash)

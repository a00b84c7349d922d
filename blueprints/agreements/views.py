"""Agreement pages: each view loads (tenant-scoped), calls one service, commits, redirects."""
from dataclasses import dataclass

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user

from blueprints.agreements import bp
from blueprints.agreements.forms import (
    AgreementForm, ApprovalChainForm, ConfirmScanForm, FilterForm, FinalReasonForm, ReasonForm, ScanForm, SignForm,
)
from blueprints.chosen_pair import chosen_pair
from blueprints.commit_once import committed
from blueprints.forms import ConfirmForm
from blueprints.in_background import in_background
from blueprints.query_args import filter_args, page_number
from blueprints.stored_files import stored_file
from blueprints.table_files import table_file
from portal import policy
from portal.agreements import (
    chains, lists as agreement_lists, operations as agreements, signing as agreement_signing,
    standing as agreement_standing,
)
from portal.agreements.events import AgreementVerb
from portal.agreements.models import Agreement, AgreementDocument, AgreementStatus, AgreementType, Party
from portal.agreements.operations import AgreementFields
from portal.core.session_pages import kept_for_session
from portal.core.tenancy import current_org, get_shared_or_404
from portal.extensions import db, limiter
from portal.jobs import made_files as file_jobs
from portal.privacy import document_access
from portal.public import publication


def _actor():
    return current_user._get_current_object()


@bp.route("/")
@kept_for_session
def index():
    form = FilterForm(request.args)
    form.validate()
    page = agreement_lists.page_of(current_org, _actor(), form.wanted(), page_number())
    return render_template("agreements/index.html", form=form, page=page,
                           filter_args=filter_args(),
                           queues=agreement_lists.queue_counts(current_org, _actor()),
                           can_draft=policy.can_draft_agreements(_actor(), current_org)
                           and agreement_lists.may_draft_any(current_org),
                           can_set_chain=policy.can_set_approval_chain(_actor(), current_org))


@bp.route("/approval-steps", methods=["GET", "POST"])
def approval_chain():
    """The head sets the steps the facility's agreements take before the head's decision (for every type, or for
    one type: `?type=`)."""
    if not policy.can_set_approval_chain(_actor(), current_org):
        abort(403)
    try:
        agreement_type = AgreementType(request.args["type"]) if request.args.get("type") else None
    except ValueError:
        abort(404)
    here = url_for("agreements.approval_chain", type=agreement_type.value if agreement_type else None)
    chain = chains.chain_for(current_org, agreement_type)
    form = ApprovalChainForm.of(chain, request.form if request.method == "POST" else None)
    if request.method == "POST" and "reset" in request.form:
        if not ConfirmForm().validate_on_submit():
            flash(_("The form has expired; please try again."), "danger")
            return redirect(here)
        with committed() as outcome:
            chains.reset_chain(current_org, agreement_type, actor=_actor())
        if outcome.ok:
            flash(_("The steps of this type now follow the facility's steps for every type.")
                  if agreement_type else _("The facility's agreements now take the default steps."), "success")
        return redirect(here)
    if form.validate_on_submit():
        with committed(form) as outcome:
            chains.set_chain(current_org, agreement_type, form.chain_steps(), form.decision_days.data,
                             actor=_actor())
        if outcome.ok:
            flash(_("The approval steps have been saved. Agreements already submitted keep the steps they started "
                    "with."), "success")
            return redirect(here)
    elif request.method == "POST":
        flash(_("Some fields need attention; nothing was saved."), "danger")
    return render_template("agreements/approval_chain.html", form=form, chain=chain, agreement_type=agreement_type,
                           chains={kind: chains.summary(found) for kind, found in chains.chains_of(current_org).items()},
                           default=chains.summary(chains.DEFAULT), types=AgreementType, here=here,
                           has_kanwil=chains.has_kanwil(current_org), confirm_form=ConfirmForm())


@bp.route("/export.<file_format>", methods=["GET", "POST"])
def export(file_format: str):
    """Every agreement matching the filters (not just one page), as CSV or XLSX; POST makes it in the background."""
    form = FilterForm(request.args)
    form.validate()
    if request.method == "POST":
        return in_background(file_jobs.EXPORT, lambda: file_jobs.export_params(
            "agreements", file_format, form.wanted().as_params())) or redirect(
            url_for("agreements.index", **request.args))
    return table_file(agreement_lists.as_table(current_org, _actor(), form.wanted()), file_format, "perjanjian")


@bp.route("/new", methods=["GET", "POST"])
def new():
    pairs, pair = chosen_pair()
    if pair is None:
        return render_template("_choose_pair.html", pairs=pairs, target="agreements.new",
                               heading=_("Draft an agreement"), question=_("Who is the agreement between?"))
    policy.require(policy.can_draft_agreement(_actor(), pair.facility, pair.partner))
    form = _agreement_form(pair.facility, pair.partner)
    if request.method == "GET":
        form.name_the_only_signatories()
    if form.validate_on_submit():
        with committed(form, file_field="document") as outcome:
            agreement = agreements.create_agreement(
                pair.facility, pair.partner, form.fields(), actor=_actor(), **_upload(form.document.data))
            _submit_if_asked(form, agreement)
        if outcome.ok:
            flash(_saved(form), "success")
            return redirect(url_for("agreements.show", agreement_id=agreement.id))
    return render_template("agreements/form.html", form=form, pair=pair, agreement=None)


def _submit_if_asked(form: AgreementForm, agreement: Agreement) -> None:
    """"Save and submit": the same transaction, so a draft that cannot be submitted is not half-saved either."""
    if form.save_and_submit.data:
        agreements.submit_agreement(agreement, actor=_actor())


def _saved(form: AgreementForm) -> str:
    return _("The draft has been saved and submitted for review.") if form.save_and_submit.data else _(
        "The draft has been saved.")


@bp.route("/<int:agreement_id>/edit", methods=["GET", "POST"])
def edit(agreement_id: int):
    agreement = get_shared_or_404(Agreement, agreement_id)
    policy.require(policy.can_edit_agreement(_actor(), agreement))
    form = _agreement_form(agreement.facility, agreement.partner)
    if request.method == "GET":
        form.fill_from(AgreementFields.of(agreement))
        form.version.data = agreement.version
    if form.validate_on_submit():
        with committed(form, file_field="document") as outcome:
            agreements.update_agreement(agreement, form.fields(), actor=_actor(),
                                        expected_version=_int(form.version.data))
            if form.document.data:
                agreements.add_draft_document(agreement, actor=_actor(), **_upload(form.document.data, "stream"))
            _submit_if_asked(form, agreement)
        if outcome.ok:
            flash(_saved(form), "success")
            return redirect(url_for("agreements.show", agreement_id=agreement.id))
    return render_template("agreements/form.html", form=form, pair=agreement, agreement=agreement)


def _agreement_form(facility, partner) -> AgreementForm:
    return AgreementForm(heads=agreement_lists.signatory_choices(facility, Party.FACILITY),
                         admins=agreement_lists.signatory_choices(partner, Party.PARTNER))


def _upload(file, stream_name: str = "document") -> dict:
    if not file:
        return {}
    return {stream_name: file.stream, "filename": file.filename}


def _int(value) -> int | None:
    return int(value) if str(value or "").isdigit() else None


@bp.route("/<int:agreement_id>")
@kept_for_session
def show(agreement_id: int):
    agreement = get_shared_or_404(Agreement, agreement_id)
    return render_template(
        "agreements/show.html", agreement=agreement, actions=agreements.available_actions(agreement, _actor()),
        verb=AgreementVerb,
        timeline=agreement_lists.timeline(agreement), confirm_form=ConfirmForm(), reason_form=ReasonForm(),
        sign_form=SignForm(), asks_passphrase=agreement_signing.asks_passphrase(agreement, _actor()),
        scan_form=ScanForm(), confirm_scan_form=ConfirmScanForm(),
        may_publish_document=publication.may_show_document(_actor(), agreement),
        standing=agreement_standing.of(agreement, _actor()), steps=chains.steps_of(agreement))


@dataclass(frozen=True)
class Step:
    """A button on the agreement page: the service it calls and what the user is told."""

    run: object
    done: str
    needs_reason: bool = False
    opens_new: bool = False
    #: Nothing undoes it: the reason and a tick saying so.
    final: bool = False
    #: What the person is told instead when the agreement is still in review after it (a step of a longer chain).
    done_mid_chain: str | None = None


#: The moves a button posts, keyed by their verb's segment of the address.
STEPS = {
    AgreementVerb.SUBMIT.segment: Step(
        agreements.submit_agreement, _l("The agreement has been submitted for review.")),
    AgreementVerb.FORWARD.segment: Step(
        agreements.forward_agreement, _l("The agreement has been forwarded to the head."),
        done_mid_chain=_l("The approval step is done; the agreement has moved on.")),
    AgreementVerb.ACKNOWLEDGE.segment: Step(
        agreements.acknowledge_agreement, _l("The agreement has been acknowledged for the regional office.")),
    AgreementVerb.APPROVE.segment: Step(
        agreements.approve_agreement, _l("The agreement has been approved. The partner signs first, then the head.")),
    AgreementVerb.REQUEST_CHANGES.segment: Step(
        agreements.request_changes, _l("Changes have been requested."), needs_reason=True),
    AgreementVerb.REJECT.segment: Step(
        agreements.reject_agreement, _l("The agreement has been rejected."), needs_reason=True, final=True),
    AgreementVerb.TERMINATE.segment: Step(
        agreements.terminate_agreement, _l("The agreement has been terminated."), needs_reason=True, final=True),
    AgreementVerb.RENEW.segment: Step(
        agreements.renew_agreement, _l("A renewal has been drafted."), opens_new=True),
    AgreementVerb.AMEND.segment: Step(
        agreements.start_addendum, _l("An addendum has been drafted."), opens_new=True),
}


@bp.route("/<int:agreement_id>/<any(" + ", ".join(f'"{name}"' for name in STEPS) + "):step>", methods=["POST"])
def act(agreement_id: int, step: str):
    agreement = get_shared_or_404(Agreement, agreement_id)
    chosen = STEPS[step]
    form = (FinalReasonForm() if chosen.final else ReasonForm()) if chosen.needs_reason else ConfirmForm()
    if not form.validate_on_submit():
        flash(_("Give the reason, and tick that you understand this cannot be undone; nothing was changed.")
              if chosen.final else _("Please give a reason.") if chosen.needs_reason
              else _("The form has expired; please try again."), "danger")
        return redirect(url_for("agreements.show", agreement_id=agreement.id))
    reason = (form.reason.data,) if chosen.needs_reason else ()
    with committed() as outcome:
        result = chosen.run(agreement, *reason, actor=_actor())
    if outcome.ok:
        mid_chain = chosen.done_mid_chain and agreement.status == AgreementStatus.SUBMITTED
        flash(str(chosen.done_mid_chain if mid_chain else chosen.done), "success")
        if chosen.opens_new:
            return redirect(url_for("agreements.edit", agreement_id=result.id))
    return redirect(url_for("agreements.show", agreement_id=agreement.id))


def _sign_limit() -> str:
    return current_app.config["SIGN_LIMIT"]


@bp.route("/<int:agreement_id>/sign", methods=["POST"])
@limiter.limit(_sign_limit, key_func=lambda: f"sign:{current_user.get_id()}")
def sign(agreement_id: int):
    agreement = get_shared_or_404(Agreement, agreement_id)
    form = SignForm()
    if form.validate_on_submit():
        with committed() as outcome:
            agreement_signing.sign_agreement(agreement, form.password.data, form.code.data, actor=_actor(),
                                             passphrase=form.passphrase.data or None)
        if outcome.ok:
            flash(_("You have signed the agreement."), "success")
    else:
        flash(_("Enter your password and the code from your app, and confirm that you have read the document."),
              "danger")
    return redirect(url_for("agreements.show", agreement_id=agreement.id))


@bp.route("/<int:agreement_id>/scan", methods=["POST"])
def upload_scan(agreement_id: int):
    agreement = get_shared_or_404(Agreement, agreement_id)
    form = ScanForm()
    if form.validate_on_submit():
        with committed() as outcome:
            agreement_signing.upload_signed_scan(agreement, form.scan.data.stream, form.scan.data.filename,
                                                 actor=_actor())
        if outcome.ok:
            flash(_("The scan has been uploaded; a facility officer will confirm it."), "success")
    else:
        flash(_("Choose the PDF scan to upload."), "danger")
    return redirect(url_for("agreements.show", agreement_id=agreement.id))


@bp.route("/<int:agreement_id>/confirm-scan", methods=["POST"])
def confirm_scan(agreement_id: int):
    agreement = get_shared_or_404(Agreement, agreement_id)
    form = ConfirmScanForm()
    if form.validate_on_submit():
        with committed() as outcome:
            agreement_signing.confirm_signed_scan(agreement, signed_on=form.signed_on.data, actor=_actor())
        if outcome.ok:
            flash(_("The paper signatures have been confirmed."), "success")
    else:
        flash(_("Give the date the agreement was signed on paper."), "danger")
    return redirect(url_for("agreements.show", agreement_id=agreement.id))


@bp.route("/<int:agreement_id>/documents/<int:document_id>")
def download(agreement_id: int, document_id: int):
    """Stream a document through the portal: a policy check, never a bucket URL."""
    agreement = get_shared_or_404(Agreement, agreement_id)
    document = get_shared_or_404(AgreementDocument, document_id)
    if document.agreement_id != agreement.id:
        abort(404)
    document_access.record(document, actor=_actor(), organisation=current_org)
    db.session.commit()
    return stored_file(document.storage_key, document.content_type, download_name=document.filename,
                       headers={"Content-Length": str(document.size)})

"""Translate the UMKM pages into calls of `portal.umkm` and back: products, their photos, certificates and helpers,
the interest counts, buyers' inquiries and sales."""
from datetime import date

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.commit_once import committed
from blueprints.forms import ConfirmForm
from blueprints.stored_files import stored_file
from blueprints.umkm import bp
from blueprints.umkm.forms import (
    CertificateForm, CloseForm, DeliveredForm, HelperForm, InterestForm, PaidForm, PhotoForm, ProductForm, SaleForm,
)
from portal import policy
from portal.core.errors import DomainError
from portal.core.tenancy import current_org
from portal.core.vocabulary import label
from portal.organisations.models import OrgKind
from portal.umkm import interests, products, sales
from portal.umkm.events import InquiryVerb
from portal.umkm.models import CertificateKind, CertificateStatus, HelpKind, InquiryState, SkillArea
from portal.umkm.products import CertificateFields


#: The day a move happened, each with its own label ("Tanggal dikirim", "Tanggal dibayar").
DAY_FORMS = {InquiryVerb.DELIVER: DeliveredForm, InquiryVerb.PAY: PaidForm}


@bp.context_processor
def _umkm_context() -> dict:
    return {"can_manage_products": _managing()}


def _actor():
    return current_user._get_current_object()


def _managing() -> bool:
    return g.get("org") is not None and policy.can_manage_products(current_user, current_org)


def _require_managing() -> None:
    if current_org.kind != OrgKind.FACILITY:
        abort(404)
    policy.require(_managing())


def _product_or_404(product_id: int):
    found = products.product(product_id)
    if found is None:
        abort(404)
    return found


def _own_product_or_404(product_id: int):
    """A product of the acting facility, for a change (a partner reading its facility's product may not)."""
    found = _product_or_404(product_id)
    if found.facility_id != current_org.id:
        abort(404)
    return found


@bp.route("/")
def index():
    """The products the organisation sees: a facility's own, a partner's facilities', an office's facilities'."""
    if current_org.kind == OrgKind.FACILITY:
        shown = products.products_of(current_org, archived=request.args.get("archived") == "1")
    else:
        shown = products.products_seen()
    return render_template("umkm/index.html", products=shown, managing=_managing(),
                           waiting=sales.waiting_count(current_org) if current_org.kind == OrgKind.FACILITY else 0,
                           archived=request.args.get("archived") == "1")


@bp.route("/products/new", methods=["GET", "POST"])
def new_product():
    _require_managing()
    form = ProductForm()
    if form.validate_on_submit():
        with committed() as outcome:
            made = products.create(current_org, form.fields(), actor=_actor())
        if outcome.ok:
            flash(_("The product was added. Add photos and certificates, then show it in the catalogue."), "success")
            return redirect(url_for("umkm.product", product_id=made.id))
    return render_template("umkm/product_form.html", form=form, product=None)


@bp.route("/products/<int:product_id>")
def product(product_id: int):
    return _product_page(_product_or_404(product_id))


def _product_page(shown, *, status: int = 200, opened: str | None = None, **forms):
    """The product's page; a form that was refused comes back as it was filled in (`forms`), its disclosure
    (`opened`) open, its errors beside its fields."""
    own = shown.facility_id == current_org.id and _managing()
    partners = products.partners_of(shown.facility) if own else []
    page_forms = dict(
        photo_form=PhotoForm(formdata=None), certificate_form=CertificateForm(formdata=None),
        helper_form=HelperForm(formdata=None, partners=partners, contributions=products.contributions_to_name(shown) if own else []),
        sale_form=SaleForm(formdata=None, partners=partners, data={"sold_on": date.today()}) if own else None)
    page_forms.update(forms)
    return render_template(
        "umkm/product.html", product=shown, helpers=products.helpers_of(shown), managing=own,
        confirm_form=ConfirmForm(), opened=opened, sales=sales.sales_of_product(shown),
        catalogue_on=bool(shown.facility.public_page),
        public_url=url_for("public.product", slug=shown.facility.slug, product_slug=shown.slug)
        if shown.public and shown.facility.public_page else None, **page_forms), status


@bp.route("/products/<int:product_id>/edit", methods=["GET", "POST"])
def edit_product(product_id: int):
    _require_managing()
    shown = _own_product_or_404(product_id)
    form = ProductForm()
    if request.method == "GET":
        form.fill_from(shown)
    if form.validate_on_submit():
        with committed() as outcome:
            products.edit(shown, form.fields(), actor=_actor())
        if outcome.ok:
            flash(_("The product was saved."), "success")
            return redirect(url_for("umkm.product", product_id=shown.id))
    return render_template("umkm/product_form.html", form=form, product=shown)


@bp.route("/products/<int:product_id>/catalogue/<any(show, hide):choice>", methods=["POST"])
def catalogue_choice(product_id: int, choice: str):
    shown = _own_product_or_404(product_id)
    if ConfirmForm().validate_on_submit():
        with committed() as outcome:
            products.show_in_catalogue(shown, choice == "show", actor=_actor())
        if outcome.ok:
            flash(_("The product is shown in the public catalogue.") if choice == "show"
                  else _("The product is no longer in the public catalogue."), "success")
    return redirect(url_for("umkm.product", product_id=shown.id))


@bp.route("/products/<int:product_id>/archive", methods=["POST"])
def archive(product_id: int):
    shown = _own_product_or_404(product_id)
    if ConfirmForm().validate_on_submit():
        with committed() as outcome:
            products.archive(shown, actor=_actor())
        if outcome.ok:
            flash(_("The product is marked as no longer made. Its sales are kept."), "success")
    return redirect(url_for("umkm.product", product_id=shown.id))


@bp.route("/products/<int:product_id>/photos", methods=["POST"])
def add_photo(product_id: int):
    shown = _own_product_or_404(product_id)
    form = PhotoForm()
    if form.validate_on_submit():
        upload = form.photo.data
        with committed(form, file_field="photo") as outcome:
            products.add_photo(shown, upload.stream, filename=upload.filename, caption=form.caption.data or "",
                               no_wbp_recognisable=form.no_wbp_recognisable.data, actor=_actor())
        if outcome.ok:
            flash(_("The photo was added, without its EXIF and location data."), "success")
            return redirect(url_for("umkm.product", product_id=shown.id, _anchor="foto"))
    return _product_page(shown, status=422, photo_form=form)


@bp.route("/products/<int:product_id>/photos/<int:photo_id>/remove", methods=["POST"])
def remove_photo(product_id: int, photo_id: int):
    shown = _own_product_or_404(product_id)
    if ConfirmForm().validate_on_submit():
        with committed():
            products.remove_photo(shown, photo_id, actor=_actor())
    return redirect(url_for("umkm.product", product_id=shown.id, _anchor="foto"))


@bp.route("/products/<int:product_id>/photos/<int:photo_id>-<any(besar, kecil):size>.jpg")
def photo(product_id: int, photo_id: int, size: str):
    """A product's published copy, for whoever sees the product (the catalogue serves its own)."""
    shown = _product_or_404(product_id)
    found = next((p for p in shown.photos if p.id == photo_id), None)
    if found is None:
        abort(404)
    return stored_file(found.small_key if size == "kecil" else found.large_key, "image/jpeg")


@bp.route("/products/<int:product_id>/certificates", methods=["POST"])
@bp.route("/products/<int:product_id>/certificates/<int:certificate_id>", methods=["POST"])
def save_certificate(product_id: int, certificate_id: int | None = None):
    shown = _own_product_or_404(product_id)
    certificate = None
    if certificate_id is not None:
        certificate = next((c for c in shown.certificates if c.id == certificate_id), None) or abort(404)
    form = CertificateForm()
    if form.validate_on_submit():
        upload = form.document.data
        fields = CertificateFields(CertificateKind(form.kind.data), CertificateStatus(form.status.data),
                                   form.issuer.data or "", form.number.data or "", form.issued_on.data,
                                   form.expires_on.data)
        with committed(form, file_field="document") as outcome:
            products.save_certificate(shown, fields, document=upload.stream if upload else None,
                                      filename=upload.filename if upload else None, actor=_actor(),
                                      certificate=certificate)
        if outcome.ok:
            flash(_("The certificate was saved."), "success")
            return redirect(url_for("umkm.product", product_id=shown.id, _anchor="sertifikat"))
    return _product_page(shown, status=422, opened="certificate", certificate_form=form)


@bp.route("/products/<int:product_id>/certificates/<int:certificate_id>/remove", methods=["POST"])
def remove_certificate(product_id: int, certificate_id: int):
    shown = _own_product_or_404(product_id)
    if ConfirmForm().validate_on_submit():
        with committed():
            products.remove_certificate(shown, certificate_id, actor=_actor())
    return redirect(url_for("umkm.product", product_id=shown.id, _anchor="sertifikat"))


@bp.route("/products/<int:product_id>/certificates/<int:certificate_id>/document")
def certificate_document(product_id: int, certificate_id: int):
    found = products.certificate_of(_product_or_404(product_id), certificate_id)
    if found is None or not found.document_key:
        abort(404)
    return stored_file(found.document_key, found.document_type, download_name=found.document_name)


@bp.route("/products/<int:product_id>/helpers", methods=["POST"])
def add_helper(product_id: int):
    shown = _own_product_or_404(product_id)
    partners = products.partners_of(shown.facility)
    form = HelperForm(partners=partners, contributions=products.contributions_to_name(shown))
    if form.validate_on_submit():
        partner = next((p for p in partners if p.id == form.partner.data), None)
        with committed() as outcome:
            if partner is None:
                raise DomainError(_("Only a partner the facility works with can be linked to its product."))
            products.add_helper(shown, partner, HelpKind(form.help.data), note=form.note.data or "",
                                contribution=products.contribution_named(shown, form.contribution.data),
                                actor=_actor())
        if outcome.ok:
            flash(_("The partner is linked to the product."), "success")
            return redirect(url_for("umkm.product", product_id=shown.id, _anchor="mitra"))
    return _product_page(shown, status=422, opened="helper", helper_form=form)


@bp.route("/products/<int:product_id>/helpers/<int:helper_id>/remove", methods=["POST"])
def remove_helper(product_id: int, helper_id: int):
    shown = _own_product_or_404(product_id)
    if ConfirmForm().validate_on_submit():
        with committed():
            products.remove_helper(shown, helper_id, actor=_actor())
    return redirect(url_for("umkm.product", product_id=shown.id, _anchor="mitra"))


@bp.route("/products/<int:product_id>/sales", methods=["POST"])
def record_sale(product_id: int):
    """A sale made without an inquiry (a stall, a bazaar, a shop's order)."""
    shown = _own_product_or_404(product_id)
    form = SaleForm(partners=products.partners_of(shown.facility))
    if form.validate_on_submit():
        with committed() as outcome:
            sales.record_sale(current_org, shown, form.fields(), actor=_actor())
        if outcome.ok:
            flash(_("The sale was recorded."), "success")
            return redirect(url_for("umkm.product", product_id=shown.id, _anchor="penjualan"))
    return _product_page(shown, status=422, opened="sale", sale_form=form)


# --- buyers' inquiries --------------------------------------------------------------------------------

@bp.route("/inquiries")
def inquiries():
    _require_managing()
    state = request.args.get("state", "")
    states = [InquiryState(state)] if state in InquiryState._value2member_map_ else None
    return render_template("umkm/inquiries.html", inquiries=sales.inquiries_of(current_org, states=states),
                           state=state, states=list(InquiryState))


@bp.route("/inquiries/<int:inquiry_id>")
def inquiry(inquiry_id: int):
    _require_managing()
    return _inquiry_page(sales.inquiry_of(current_org, inquiry_id) or abort(404))


def _inquiry_page(found, *, status: int = 200, **forms):
    """The inquiry's page; a refused form comes back as it was filled in, its errors beside its fields."""
    page_forms = dict(
        close_form=CloseForm(formdata=None),
        day_forms={verb: DAY_FORMS[verb](formdata=None, prefix=verb.value, data={"on": date.today()})
                   for verb in DAY_FORMS},
        sale_form=SaleForm(formdata=None, partners=products.partners_of(current_org),
                           data={"sold_on": date.today(), "quantity": found.quantity}))
    page_forms.update(forms)
    return render_template("umkm/inquiry.html", inquiry=found, confirm_form=ConfirmForm(), moves=sales.MOVES_FROM,
                           verbs=InquiryVerb, **page_forms), status


@bp.route("/inquiries/<int:inquiry_id>/<any(answer, agree, deliver, pay, close):inquiry_move>", methods=["POST"])
def move(inquiry_id: int, inquiry_move: str):
    _require_managing()
    found = sales.inquiry_of(current_org, inquiry_id) or abort(404)
    move = inquiry_move
    if move == "agree":
        form = SaleForm(partners=products.partners_of(current_org))
        if not form.validate_on_submit():
            return _inquiry_page(found, status=422, sale_form=form)
        call = lambda: sales.agree(found, form.fields(), actor=_actor())  # noqa: E731
    elif move == "close":
        form = CloseForm()
        if not form.validate_on_submit():
            return redirect(url_for("umkm.inquiry", inquiry_id=found.id))
        call = lambda: sales.close(found, reason=form.reason.data or "", actor=_actor())  # noqa: E731
    elif move in ("deliver", "pay"):
        verb = InquiryVerb(move)
        form = DAY_FORMS[verb](prefix=move)
        if not form.validate_on_submit():
            return _inquiry_page(found, status=422, day_forms={
                other: form if other is verb else DAY_FORMS[other](formdata=None, prefix=other.value,
                                                                   data={"on": date.today()})
                for other in DAY_FORMS})
        call = lambda: getattr(sales, move)(found, on=form.on.data, actor=_actor())  # noqa: E731
    else:
        if not ConfirmForm().validate_on_submit():
            return redirect(url_for("umkm.inquiry", inquiry_id=found.id))
        call = lambda: sales.answer(found, actor=_actor())  # noqa: E731
    with committed() as outcome:
        call()
    if outcome.ok:
        flash(_("The inquiry is now: %(state)s.", state=label(found.state)), "success")
    return redirect(url_for("umkm.inquiry", inquiry_id=found.id))


# --- sales and the interest mapping ---------------------------------------------------------------------

@bp.route("/sales")
def sales_list():
    """The sales the organisation sees; `?facility=` one facility's (an office's drill-down links here)."""
    facility_id = request.args.get("facility", "")
    facility_id = int(facility_id) if facility_id.isdigit() and len(facility_id) < 10 else None
    return render_template("umkm/sales.html", sales=sales.sales_of(current_org, facility_id=facility_id, limit=200))


@bp.route("/interests", methods=["GET", "POST"])
def interest_counts():
    """The counts of inmates' interests and skills: the facility records them; its partners and overseers read."""
    facility_page = current_org.kind == OrgKind.FACILITY
    form = InterestForm()
    if facility_page and _managing() and form.validate_on_submit():
        try:
            period = date.fromisoformat(f"{form.period.data}-01")
        except ValueError:
            period = None
        counts = {SkillArea(row.skill.data): interests.Count(row.interested.data or 0, row.trained.data or 0)
                  for row in form.rows if row.skill.data in SkillArea._value2member_map_}
        with committed() as outcome:
            if period is None:
                raise DomainError(_("Choose the month of the mapping."))
            interests.count(current_org, period, counts, actor=_actor())
        if outcome.ok:
            flash(_("The counts were saved."), "success")
            return redirect(url_for("umkm.interest_counts"))
    elif request.method == "POST":
        _flash_errors(form)
    mappings = interests.seen_mappings(current_org)
    if facility_page and request.method == "GET":  # this month as counted so far (nothing: zeros), never a copy
        form.period.data = date.today().strftime("%Y-%m")
        form.fill(interests.mapping_of(current_org, date.today()))
    return render_template("umkm/interests.html", form=form, mappings=mappings,
                           managing=facility_page and _managing(), skills=list(SkillArea))


def _flash_errors(form) -> None:
    """For a form whose page is not drawn again (the interest counts' rows): each error at the top."""
    for name, errors in form.errors.items():
        if name == "csrf_token":
            flash(_("The form had expired. Please try again."), "danger")
            continue
        flash(f"{form[name].label.text}: {errors[0]}" if name in form else str(errors[0]), "danger")

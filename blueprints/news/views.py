"""List, draft, edit and publish a facility's news; its head's choices about the public page."""
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.commit_once import committed
from blueprints.members.forms import ConfirmForm
from blueprints.news import bp
from blueprints.news.forms import DraftFromForm, NewsForm, PhotoForm, PublicPageForm, QuoteForm
from portal import policy
from portal.agreements.models import Agreement
from portal.core.tenancy import current_org, get_shared_or_404
from portal.materials.models import MaterialVersion
from portal.public import news, news_drafts, news_photos, publication
from portal.public.news_models import NewsStatus


def _actor():
    return current_user._get_current_object()


def _news_or_404(news_id: int):
    item = news.news_of(current_org, news_id)
    if item is None:
        abort(404)
    return item


@bp.route("/")
def index():
    policy.require(policy.can_write_news(current_user, current_org))
    return render_template("news/index.html", items=news.newest_of(current_org),
                           reportable=news_drafts.reportable(current_org), draft_form=DraftFromForm(),
                           page_form=PublicPageForm(obj=current_org),
                           can_manage_page=policy.can_manage_public_page(current_user, current_org))


@bp.route("/public-page", methods=["POST"])
def public_page():
    form = PublicPageForm()
    if form.validate_on_submit():
        with committed() as outcome:
            publication.set_public_page(current_org, form.public_page.data, actor=_actor())
            publication.set_news_approval(current_org, form.news_needs_approval.data, actor=_actor())
        if outcome.ok:
            flash(_("The public page settings were saved."), "success")
    return redirect(url_for("news.index"))


@bp.route("/agreements/<int:agreement_id>/public-document/<any(show, hide):choice>", methods=["POST"])
def agreement_document(agreement_id: int, choice: str):
    """The head shows a signed agreement's document on the public page, or takes it off."""
    agreement = get_shared_or_404(Agreement, agreement_id)
    if ConfirmForm().validate_on_submit():
        with committed() as outcome:
            publication.set_document_public(agreement, choice == "show", actor=_actor())
        if outcome.ok:
            flash(_("The signed document is shown on the public page.") if choice == "show"
                  else _("The signed document is no longer on the public page."), "success")
    return redirect(url_for("agreements.show", agreement_id=agreement.id))


@bp.route("/draft", methods=["POST"])
def draft():
    form = DraftFromForm()
    if not form.validate_on_submit() or form.source_kind.data not in news.SOURCES or not form.source_id.data.isdigit():
        abort(400)
    source = get_shared_or_404(news.SOURCES[form.source_kind.data], int(form.source_id.data))
    with committed() as outcome:
        item = news.draft(current_org, source, actor=_actor())
    if not outcome.ok:
        return redirect(url_for("news.index"))
    flash(_("A draft was written from the activity. Check it, add quotes and photos, then publish."), "success")
    return redirect(url_for("news.show", news_id=item.id))


@bp.route("/<int:news_id>", methods=["GET", "POST"])
def show(news_id: int):
    item = _news_or_404(news_id)
    policy.require(policy.can_write_news(current_user, current_org))
    form = NewsForm(obj=item)
    if form.validate_on_submit():
        with committed() as outcome:
            news.edit(item, news.NewsFields(form.title.data, form.body.data, form.place.data, form.happened_on.data),
                      actor=_actor())
        if outcome.ok:
            flash(_("The draft was saved."), "success")
            return redirect(url_for("news.show", news_id=item.id))
    return render_template("news/show.html", item=item, form=form, quote_form=QuoteForm(),
                           photo_form=PhotoForm(versions=news_photos.candidates(item)), confirm_form=ConfirmForm(),
                           can_approve=policy.can_approve_news(current_user, current_org))


@bp.route("/<int:news_id>/quotes", methods=["POST"])
def add_quote(news_id: int):
    item, form = _news_or_404(news_id), QuoteForm()
    if form.validate_on_submit():
        with committed():
            news.add_quote(item, speaker=form.speaker.data, office=form.office.data, text=form.text.data,
                           actor=_actor())
    else:
        flash(_("A quote needs the words, the speaker's name and their office."), "danger")
    return redirect(url_for("news.show", news_id=item.id, _anchor="kutipan"))


@bp.route("/<int:news_id>/quotes/<int:quote_id>/remove", methods=["POST"])
def remove_quote(news_id: int, quote_id: int):
    item = _news_or_404(news_id)
    if ConfirmForm().validate_on_submit():
        with committed():
            news.remove_quote(item, quote_id, actor=_actor())
    return redirect(url_for("news.show", news_id=item.id, _anchor="kutipan"))


@bp.route("/<int:news_id>/photos", methods=["POST"])
def add_photo(news_id: int):
    item = _news_or_404(news_id)
    candidates = news_photos.candidates(item)
    form = PhotoForm(versions=candidates)
    if form.validate_on_submit():
        version = get_shared_or_404(MaterialVersion, form.version.data)
        with committed() as outcome:
            news_photos.add_photo(item, version, caption=form.caption.data or "",
                                  no_wbp_recognisable=form.no_wbp_recognisable.data, actor=_actor())
        if outcome.ok:
            flash(_("The photo was added, without its EXIF and location data."), "success")
    else:
        for errors in form.errors.values():
            flash(errors[0], "danger")
    return redirect(url_for("news.show", news_id=item.id, _anchor="foto"))


@bp.route("/<int:news_id>/photos/<int:photo_id>/remove", methods=["POST"])
def remove_photo(news_id: int, photo_id: int):
    item = _news_or_404(news_id)
    if ConfirmForm().validate_on_submit():
        with committed():
            news_photos.remove_photo(item, photo_id, actor=_actor())
    return redirect(url_for("news.show", news_id=item.id, _anchor="foto"))


#: The moves after drafting, each one service function.
MOVES = {"publish": news.publish, "approve": news.approve, "return": news.return_to_draft, "withdraw": news.withdraw}


@bp.route("/<int:news_id>/<any(publish, approve, return, withdraw):move>", methods=["POST"])
def move(news_id: int, move: str):
    item = _news_or_404(news_id)
    if ConfirmForm().validate_on_submit():
        with committed() as outcome:
            MOVES[move](item, actor=_actor())
        if outcome.ok:
            flash(_status_message(item), "success")
    return redirect(url_for("news.show", news_id=item.id))


def _status_message(item) -> str:
    return {
        NewsStatus.PUBLISHED: _("The report is published on the facility's public page."),
        NewsStatus.AWAITING_APPROVAL: _("The report was sent to the head for approval."),
        NewsStatus.DRAFT: _("The report is a draft again."),
        NewsStatus.WITHDRAWN: _("The report was withdrawn from the public page."),
    }[item.status]

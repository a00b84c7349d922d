"""List one's notices, open one (marking it read), mark them all read."""
from flask import abort, has_request_context, redirect, render_template, url_for
from flask_login import current_user

from blueprints.members.forms import ConfirmForm
from blueprints.notifications import bp
from portal.extensions import db
from portal.notifications import operations as notifications


def _me():
    return current_user._get_current_object()


@bp.route("/")
def index():
    return render_template("notifications/index.html", notices=notifications.latest(_me()),
                           confirm_form=ConfirmForm())


@bp.route("/<int:notice_id>")
def open_one(notice_id: int):
    notice = notifications.open_notice(_me(), notice_id) or abort(404)
    db.session.commit()
    return redirect(notice.link)


@bp.route("/read", methods=["POST"])
def mark_all_read():
    if ConfirmForm().validate_on_submit():
        notifications.mark_all_read(_me())
        db.session.commit()
    return redirect(url_for("notifications.index"))


@bp.app_context_processor
def _bell():
    """The unread count in the navigation bar: one query per page for a logged-in person."""
    if not has_request_context() or current_user is None or not current_user.is_authenticated:
        return {}  # e-mail rendered by a worker, or nobody logged in
    return {"unread_notices": notifications.unread_count(_me())}

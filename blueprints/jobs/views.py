"""A job's page (a plain page that refreshes itself) and its progress as JSON (for job-progress.js)."""
from flask import abort, jsonify, render_template

from blueprints.jobs import bp
from portal.services import background
from portal.tenancy import current_org

#: The imported rows listed on the page; the contribution list holds them all.
ROWS_SHOWN = 50


def _job_or_404(job_id: str):
    return background.job_of(current_org, job_id) or abort(404)


@bp.route("/<string(length=32):job_id>")
def show(job_id: str):
    job = _job_or_404(job_id)
    return render_template("jobs/show.html", job=job, progress=background.progress(job), rows_shown=ROWS_SHOWN)


@bp.route("/<string(length=32):job_id>.json")
def status(job_id: str):
    job = _job_or_404(job_id)
    progress = background.progress(job)
    return jsonify(status=job.status.value, finished=job.finished, done=progress.done, total=progress.total,
                   percent=progress.percent, seconds_left=progress.seconds_left)

"""A job's page (a plain page that refreshes itself) and its progress as JSON (for job-progress.js)."""
from flask import abort, jsonify, redirect, render_template, url_for

from blueprints.commit_once import committed
from blueprints.jobs import bp
from portal.core.tenancy import current_org
from portal.jobs import made_files as file_jobs, tracked as background
from portal.jobs.labels import JOB_KIND

#: The imported rows listed on the page; the contribution list holds them all.
ROWS_SHOWN = 50


def _job_or_404(job_id: str):
    return background.job_of(current_org, job_id) or abort(404)


@bp.route("/<string(length=32):job_id>")
def show(job_id: str):
    job = _job_or_404(job_id)
    return render_template("jobs/show.html", job=job, progress=background.progress(job), rows_shown=ROWS_SHOWN,
                           kept_file=file_jobs.kept_file(job), heading=JOB_KIND.get(job.kind, job.kind))


@bp.route("/<string(length=32):job_id>.json")
def status(job_id: str):
    job = _job_or_404(job_id)
    progress = background.progress(job)
    return jsonify(status=job.status.value, finished=job.finished, done=progress.done, total=progress.total,
                   percent=progress.percent, seconds_left=progress.seconds_left)


@bp.route("/<string(length=32):job_id>/file")
def download(job_id: str):
    """The file a job made, by a short-lived link; once removed, its page says so."""
    job = _job_or_404(job_id)
    with committed() as outcome:
        link = file_jobs.download_link(job)
    if not outcome.ok:
        return redirect(url_for("jobs.show", job_id=job.id))
    return redirect(link, code=303)

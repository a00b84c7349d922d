"""Work a page hands to a background job: queued in the request's transaction, then the person follows it."""
from typing import Callable

from flask import redirect, url_for
from flask_login import current_user

from blueprints.commit_once import committed
from portal.core.tenancy import current_org
from portal.jobs import tracked as background


def in_background(kind: str, params: Callable[[], dict]):
    """Queue `kind` with the params the service checked and send the person to the job's page; None if refused
    (the reason is flashed)."""
    with committed() as outcome:
        job = background.queue_job(kind, current_org, current_user._get_current_object(), params())
    if not outcome.ok:
        return None
    background.launch(job.id)
    return redirect(url_for("jobs.show", job_id=job.id))

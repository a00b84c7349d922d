"""The dashboard, one template per kind of organisation; its tables as CSV/XLSX; the monthly PDF report."""
from dataclasses import replace
from datetime import date

from flask import Response, abort, redirect, render_template, request, url_for
from flask_login import current_user

from blueprints.dashboard import bp
from blueprints.in_background import in_background
from blueprints.query_args import page_number
from blueprints.table_files import table_file
from portal import policy
from portal.audit import chain as audit, sentences as audit_sentences
from portal.contributions import operations as contributions
from portal.core import clock
from portal.core.session_pages import kept_for_session
from portal.core.tenancy import current_membership, current_org
from portal.jobs import made_files as file_jobs
from portal.organisations import operations as organisations, partnerships
from portal.organisations.models import OrgKind
from portal.reporting import activity_report, figures as reports, filters as report_filters, queues

#: What a dashboard draws of a long table (largest first), and the newest partnerships it lists; the rest is a
#: click (or a download) away. Drawing every row of a facility with 200 partners was most of its page.
DASHBOARD_ROWS = 15
#: Facilities per page of an oversight office's table (Ditjen PAS oversees 550).
OVERSIGHT_ROWS = 50


def _board() -> reports.Dashboard:
    """The acting organisation's dashboard for the filters in the URL."""
    return reports.dashboard_of(current_org, report_filters.Filters.from_args(request.args),
                                request.args.get("sort", "name"))


@bp.route("/")
@kept_for_session
def index():
    oversight = current_org.kind == OrgKind.OVERSIGHT
    can_read_audit = policy.can_read_audit(current_user, current_org)
    board, sort = _board(), request.args.get("sort", "name")
    args = board.filters.url_args() | ({"sort": sort} if oversight else {})
    page = dict(
        board=board, choices=report_filters.filter_choices(current_org), sort=sort, dashboard_rows=DASHBOARD_ROWS,
        export_url=lambda name, fmt: url_for("dashboard.export", table=name, file_format=fmt, **args),
        recent=audit_sentences.lines_of(audit.entries_visible_to(current_org, limit=8), current_org,
                                        current_user._get_current_object()) if can_read_audit else [],
        can_read_audit=can_read_audit, role=current_membership.role)
    if oversight:  # one row per facility in scope; nothing here grows with its partnerships or contributions
        # One address built, the others by changing its id: url_for for each of 550 rows was a tenth of the page.
        any_facility = url_for("dashboard.facility", facility_id=0, **board.filters.url_args())
        page.update(sort_url=lambda key: url_for("dashboard.index", **(args | {"sort": key})), sort_keys=reports.SORTS,
                    rows_offset=(page_number("rows") - 1) * OVERSIGHT_ROWS, rows_limit=OVERSIGHT_ROWS,
                    rows_url=lambda n: url_for("dashboard.index", **(args | {"rows": n})),
                    link=lambda facility_id: any_facility.replace("/facilities/0", f"/facilities/{facility_id}", 1),
                    queues=queues.of_oversight(current_org, current_user._get_current_object()))
    else:
        page.update(
            partnerships=partnerships.newest_partnerships(DASHBOARD_ROWS), partner_count=partnerships.count_visible(),
            report_url=url_for("dashboard.monthly_report") if current_org.kind == OrgKind.FACILITY else None,
            queues=queues.of(current_org, current_user._get_current_object()), verified=contributions.totals())
    return render_template(f"dashboard/{current_org.kind.value}.html", **page)


@bp.route("/export/<table>.<file_format>")
def export(table: str, file_format: str):
    """One table of the dashboard, with the same filters, as CSV or XLSX."""
    chosen = _board().tables.get(table) or abort(404)
    return table_file(chosen, file_format, f"{chosen.name}-{current_org.slug}")


@bp.route("/report.pdf", methods=["GET", "POST"])
def monthly_report():
    """The facility's laporan kegiatan kemitraan for `?month=YYYY-MM` (this month by default); POST: as a job."""
    if current_org.kind != OrgKind.FACILITY:
        abort(404)
    return _report_pdf(current_org)


# --- an oversight office looking into one facility ----------------------------------------------

def _facility_in_scope(facility_id: int):
    return organisations.overseen_facility(current_org, facility_id) or abort(404)


def _drill_down_board(facility) -> reports.Dashboard:
    filters = replace(report_filters.Filters.from_args(request.args), facility_id=facility.id)
    return reports.party_dashboard("partner", filters)


@bp.route("/facilities/<int:facility_id>")
def facility(facility_id: int):
    """Read-only numbers of one facility in the oversight office's scope."""
    chosen = _facility_in_scope(facility_id)
    board = _drill_down_board(chosen)
    args = replace(board.filters, facility_id=None).url_args()
    return render_template(
        "dashboard/drill_down.html", facility=chosen, board=board, choices=report_filters.filter_choices(chosen),
        dashboard_rows=DASHBOARD_ROWS,
        export_url=lambda name, fmt: url_for("dashboard.facility_export", facility_id=chosen.id, table=name,
                                             file_format=fmt, **args),
        report_url=url_for("dashboard.facility_report", facility_id=chosen.id))


@bp.route("/facilities/<int:facility_id>/export/<table>.<file_format>")
def facility_export(facility_id: int, table: str, file_format: str):
    chosen = _facility_in_scope(facility_id)
    found = _drill_down_board(chosen).tables.get(table) or abort(404)
    return table_file(found, file_format, f"{found.name}-{chosen.slug}")


@bp.route("/facilities/<int:facility_id>/report.pdf", methods=["GET", "POST"])
def facility_report(facility_id: int):
    return _report_pdf(_facility_in_scope(facility_id))


def _report_pdf(facility) -> Response:
    month = _month(request.values.get("month")) or clock.today().replace(day=1)
    if request.method == "POST":
        return in_background(file_jobs.REPORT, lambda: file_jobs.report_params(current_org, facility.id, month)) \
            or redirect(url_for("dashboard.index"))
    pdf = activity_report.render(facility, month)
    name = f"laporan-kemitraan-{facility.slug}-{month:%Y-%m}.pdf"
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _month(text: str | None) -> date | None:
    try:
        return date.fromisoformat(f"{text}-01") if text else None
    except ValueError:
        return None

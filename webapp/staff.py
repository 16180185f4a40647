"""The programme staff's pages: screening queue, dashboard, lists with exports, imports, company review queue
and the rematch button. Every view is staff-only; the services check the role again.
"""

from __future__ import annotations

import logging
import re
import threading
from datetime import datetime

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SelectField
from wtforms.fields.choices import SelectChoice

from ingest.export import csv_bytes, xlsx_bytes
from ingest.resolve import regions
from ingest.templates import template_bytes
from models import User
from models.base import utcnow
from models.errors import DomainError
from qianfan import localtime, merging, reports, screening
from qianfan.reading import names
from qianfan.stats import FINANCING_COUNTERS
from webapp.access import staff_required
from webapp.background import get_jobs
from webapp.converters import parse_id
from webapp.database import commit, get_session
from webapp.errors import translate
from webapp.formatting import label
from webapp.i18n import current_locale
from webapp.pagination import page_request
from webapp.staff_jobs import import_work, rematch_work

bp = Blueprint("staff", __name__, url_prefix="/staff")
log = logging.getLogger(__name__)

KIND_TITLES = {
    "order": _l("Orders"),
    "listing": _l("Supply listings"),
    "package": _l("Service packages"),
    "demand": _l("Service demands"),
}
LIST_TITLES = {
    "orders": _l("Orders"),
    "listings": _l("Supply listings"),
    "companies": _l("Companies"),
    "contracts": _l("Contracts"),
}
IMPORT_KINDS = {
    "companies": _l("Companies"),
    "orders": _l("Orders"),
    "listings": _l("Supply listings"),
    "packages": _l("Service packages"),
    "demands": _l("Service demands"),
    "mentors": _l("Start-up mentors"),
    "notices": _l("Large-firm notices (JSON)"),
}
EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@bp.before_request
@staff_required
def _staff_only() -> None:
    """Every page here is for programme staff (the decorator answers 302 to log in, or 403)."""


@bp.get("/")
def index():
    return redirect(url_for("staff.dashboard"))


# ---------------------------------------------------------------- dashboard


FUNNEL_NAMES = {
    "posted": _l("Orders posted"),
    "matched": _l("Matched"),
    "interested": _l("Interest expressed"),
    "invited": _l("Invited"),
    "negotiating": _l("Negotiating"),
    "intention_signed": _l("Intention signed"),
    "contract_signed": _l("Contract signed"),
}
WEEK_SERIES = {
    "orders": _l("Orders published"),
    "listings": _l("Listings published"),
    "interested": _l("Interest expressed"),
    "intentions": _l("Intentions signed"),
    "contracts": _l("Contracts signed"),
}


_dashboard_lock = threading.Lock()


def _recent_dashboard() -> reports.Dashboard:
    """The dashboard, recomputed off the request path once it is DASHBOARD_CACHE_SECONDS old (0: always now).

    Its figures scan every posting and deal (a second or two at programme scale); twenty staff
    reloading it must not each wait for that. The first request computes it; after that a request
    gets the last figures at once, and a stale one starts one background recomputation for the next.
    The page says when its figures were computed.
    """
    ttl = current_app.config.get("DASHBOARD_CACHE_SECONDS", 30)
    if ttl <= 0:
        return reports.dashboard(get_session(), current_user)
    cache = current_app.extensions.setdefault(
        "qianfan_dashboard", {"board": None, "refreshing": False}
    )
    with _dashboard_lock:
        if cache["board"] is None:
            cache["board"] = reports.dashboard(get_session(), current_user)
        board = cache["board"]
        stale = (utcnow() - board.computed_at).total_seconds() > ttl
        if stale and not cache["refreshing"]:
            cache["refreshing"] = True
            # The thread gets ids, never this request's ORM objects: those belong to the request's session.
            args = (current_app.extensions["qianfan_db"], current_user.id, cache)
            threading.Thread(target=_refresh_dashboard, args=args, daemon=True).start()
    return board


def _refresh_dashboard(db, actor_id: int, cache: dict) -> None:
    try:
        with db.session_scope() as session:
            cache["board"] = reports.dashboard(session, session.get(User, actor_id))
    except Exception:  # noqa: BLE001 - the last figures stay; the next stale request tries again
        log.exception("recomputing the staff dashboard failed")
    finally:
        cache["refreshing"] = False


@bp.get("/dashboard")
def dashboard():
    board = _recent_dashboard()
    return render_template(
        "staff/dashboard.html",
        board=board,
        counters=board.counters,
        funnel_names=FUNNEL_NAMES,
        week_series=WEEK_SERIES,
        chart_data=_chart_data(board),
        financing_specs=FINANCING_COUNTERS,
    )


def _chart_data(board: reports.Dashboard) -> dict:
    """What staff.js draws, with every name already in the user's language."""
    not_stated = gettext("Not stated")

    locale = current_locale()

    def breakdown(rows, name_of) -> dict:
        return {"names": [name_of(r.code, locale) if r.code else not_stated for r in rows],
                "orders": [r.orders for r in rows], "listings": [r.listings for r in rows]}  # fmt: skip

    return {
        "funnel": {
            "names": [str(FUNNEL_NAMES[s.key]) for s in board.funnel],
            "orders": [s.orders for s in board.funnel],
        },
        "weeks": {
            "labels": [w.week.isoformat() for w in board.weeks],
            "series": [
                {"name": str(title), "values": [getattr(w, key) for w in board.weeks]}
                for key, title in WEEK_SERIES.items()
            ],  # fmt: skip
        },
        "industry": breakdown(board.by_industry, names.section_name),
        "district": breakdown(board.by_district, names.region_name),
        "labels": {"orders": gettext("Orders"), "listings": gettext("Listings")},
    }


# ---------------------------------------------------------------- screening


def _kind_arg(kind: str) -> str:
    if kind not in KIND_TITLES:
        abort(404)
    return kind


@bp.get("/screening")
def screening_queue():
    kind = _kind_arg(request.args.get("kind", "order"))
    session = get_session()
    search = request.args.get("q", "").strip()[:100]
    page = screening.queue_page(
        session, current_user, kind, page_request("updated_at"), search=search
    )
    return render_template(
        "staff/screening.html",
        kind=kind,
        page=page,
        search=search,
        counts=screening.queue_counts(session),
        kind_titles=KIND_TITLES,
    )


def _back_to_queue(kind: str):
    target = request.form.get("next", "")
    if target.startswith("/staff/screening"):
        return redirect(target)
    return redirect(url_for("staff.screening_queue", kind=kind))


@bp.post("/screening/<kind>/<int:posting_id>/publish")
def publish(kind: str, posting_id: int):
    posting = screening.publish(get_session(), current_user, _kind_arg(kind), posting_id)
    commit()
    flash(
        gettext("Published “%(title)s”; it is being matched in the background.", title=posting.title), "success"
    )
    return _back_to_queue(kind)


@bp.post("/screening/<kind>/<int:posting_id>/reject")
def reject(kind: str, posting_id: int):
    try:
        posting = screening.reject(
            get_session(), current_user, _kind_arg(kind), posting_id, request.form.get("reason", "")
        )
    except DomainError as err:
        flash(translate(err), "error")
        return _back_to_queue(kind)
    commit()
    flash(
        gettext("Rejected “%(title)s”; the firm sees your reason.", title=posting.title), "success"
    )
    return _back_to_queue(kind)


@bp.post("/screening/<kind>/bulk")
def screen_many(kind: str):
    kind = _kind_arg(kind)
    ids = [i for i in map(parse_id, request.form.getlist("ids")) if i is not None]
    session = get_session()
    try:
        if request.form.get("action") == "reject":
            result = screening.reject_many(
                session, current_user, kind, ids, request.form.get("reason", "")
            )
            done = gettext("%(n)s rejected.", n=len(result.done))
        else:
            result = screening.publish_many(session, current_user, kind, ids)
            done = gettext("%(n)s published; they are being matched in the background.", n=len(result.done))
    except DomainError as err:
        flash(translate(err), "error")
        return _back_to_queue(kind)
    commit()
    flash(done, "success")
    for posting_id, err in result.refused:
        flash(
            gettext("#%(id)s was not changed: %(why)s", id=posting_id, why=translate(err)), "error"
        )
    return _back_to_queue(kind)


# ---------------------------------------------------------------- lists and exports


def _list_name(name: str) -> str:
    if name not in LIST_TITLES:
        abort(404)
    return name


def _filters() -> reports.ListFilters:
    def arg(key: str) -> str | None:
        return request.args.get(key, "").strip()[:100] or None

    return reports.ListFilters(
        q=arg("q"),
        status=arg("status"),
        kind=arg("kind"),
        section=arg("section"),
        region=_region_code(arg("region")),
    )


def _region_code(typed: str | None) -> str | None:
    """The district filter as typed: a code, a name ("海淀区", "北京市海淀区"), or a name shown with its code
    ("北京市海淀区 (110108)"); a name that fits no district or several is said in a message."""
    if not typed:
        return None
    shown = re.fullmatch(r".*\((\d{2,6})\)\s*", typed)
    if shown:
        return shown.group(1)
    if typed.isdigit():
        return typed
    try:
        return regions().resolve(typed, field="region")
    except DomainError as err:
        flash(translate(err), "error")
        return None


@bp.get("/lists/<name>")
def list_view(name: str):
    name = _list_name(name)
    session = get_session()
    filters = _filters()
    spec = reports.report_spec(name)
    try:
        page = reports.report_page(
            session, current_user, name, filters, page_request(next(iter(spec.sort_columns)))
        )
        error = None
    except DomainError as err:  # a hand-edited URL: show the list unfiltered and say why
        page, error = (
            reports.report_page(session, current_user, name, reports.ListFilters(), page_request()),
            err,
        )
        flash(translate(error), "error")
    return render_template(
        "staff/list.html",
        name=name,
        page=page,
        filters=filters,
        spec=spec,
        title=LIST_TITLES[name],
        list_titles=LIST_TITLES,
        choices=reports.filter_choices(session),
        export_args={
            k: v
            for k, v in request.args.items()
            if k in ("q", "status", "kind", "section", "region", "sort")
        },
    )


@bp.get("/lists/<name>/export.<fmt>")
def export_list(name: str, fmt: str):
    name = _list_name(name)
    if fmt not in EXPORT_TYPES:
        abort(404)
    table = reports.report_table(
        get_session(), current_user, name, _filters(), request.args.get("sort", "")
    )
    return _download(table, f"qianfan-{name}.{fmt}", fmt, title=name)


def _download(table: reports.Table, filename: str, fmt: str, title: str) -> Response:
    """The table as CSV or XLSX in the user's language (titles and labels), cells escaped by ingest.export."""
    table = _with_names(table)
    titles = [gettext(t) for t in table.titles]
    cell = _xlsx_cell if fmt == "xlsx" else _cell
    rows = (
        [label(v) if i in table.label_columns else cell(v) for i, v in enumerate(row)]
        for row in table.rows
    )
    body = xlsx_bytes(titles, rows, title=title) if fmt == "xlsx" else csv_bytes(titles, rows)
    return Response(
        body,
        mimetype=EXPORT_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


N_ = reports.N_
# Code columns of the exports and the name column written beside each (in the reader's language).
NAMED_COLUMNS = {"Industry": (N_("Industry name"), names.industry_name),
                 "District": (N_("District name"), names.region_name)}  # fmt: skip


def _with_names(table: reports.Table) -> reports.Table:
    """The table with a name column right after each industry or district code column, sizes by name."""
    locale = current_locale()
    titles, plan = [], []
    for i, title in enumerate(table.titles):
        titles.append(title)
        plan.append((i, names.size_name if title == "Size" else None))  # small → 小型, in place
        if title in NAMED_COLUMNS:
            titles.append(NAMED_COLUMNS[title][0])
            plan.append((i, NAMED_COLUMNS[title][1]))
    rows = [[row[i] if name_of is None else name_of(row[i], locale) for i, name_of in plan] for row in table.rows]
    labels = frozenset(j for j, (i, name_of) in enumerate(plan) if name_of is None and i in table.label_columns)
    return reports.Table(titles, rows, labels)


def _xlsx_cell(value) -> object:
    """A workbook cell: numbers as numbers, dates as dates, times as the local time every page shows."""
    if isinstance(value, datetime):
        return localtime.to_local(value).replace(tzinfo=None)
    return value


def _cell(value) -> object:
    if isinstance(value, datetime):
        value = localtime.to_local(value).replace(tzinfo=None)  # local time, as every page shows it
    if hasattr(value, "isoformat"):
        return (
            value.isoformat(sep=" ", timespec="minutes")
            if hasattr(value, "hour")
            else value.isoformat()
        )
    return value


# ---------------------------------------------------------------- imports


class ImportForm(FlaskForm):
    kind = SelectField(
        _l("What the file holds"), choices=[SelectChoice(k, v) for k, v in IMPORT_KINDS.items()]
    )
    file = FileField(
        _l("File (XLSX, CSV, JSON)"), validators=[FileRequired(_l("Choose a file to import."))]
    )
    skip_invalid = BooleanField(
        _l(
            "Import the valid rows and list the others (otherwise nothing is imported if any row is wrong)"
        )
    )
    dry_run = BooleanField(_l("Only check the file; import nothing"))


@bp.route("/imports", methods=["GET", "POST"])
def imports():
    form = ImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read(current_app.config["IMPORT_MAX_BYTES"] + 1)
        if len(data) > current_app.config["IMPORT_MAX_BYTES"]:
            form.file.errors.append(
                gettext(
                    "The file is larger than %(mb)s MB.",
                    mb=current_app.config["IMPORT_MAX_BYTES"] // 2**20,
                )
            )
        else:
            job = get_jobs().start(
                "import",
                current_user.id,
                import_work(
                    kind=form.kind.data,
                    data=data,
                    filename=upload.filename or "upload",
                    skip_invalid=form.skip_invalid.data,
                    dry_run=form.dry_run.data,
                    settings=dict(current_app.config),
                    actor_id=current_user.id,
                ),
            )
            return redirect(url_for("staff.job", job_id=job.id))
    return render_template(
        "staff/imports.html", form=form, kinds=IMPORT_KINDS, jobs=get_jobs().recent("import")
    )


@bp.get("/imports/templates/<kind>.xlsx")
def import_template(kind: str):
    if kind not in IMPORT_KINDS or kind == "notices":
        abort(404)
    return Response(
        template_bytes(kind),
        mimetype=EXPORT_TYPES["xlsx"],
        headers={"Content-Disposition": f'attachment; filename="qianfan-template-{kind}.xlsx"'},
    )


def _job_or_404(job_id: str):
    job = get_jobs().get(job_id)
    if job is None:
        abort(404)
    return job


# The screening queue that an import of each kind fills.
SCREENED_KIND = {
    "orders": "order",
    "listings": "listing",
    "packages": "package",
    "demands": "demand",
    "notices": "order",
}


# What a rematch's summary counts (qianfan.matching), as the job's page names them; other keys (memory
# figures) are for the logs, not for staff.
REMATCH_COUNTS = {
    "queries": _l("postings ranked"),
    "candidates": _l("candidates"),
    "matches": _l("matches"),
    "near_misses": _l("near misses"),
    "orders_with_match": _l("orders with a match"),
    "listings_with_match": _l("listings with an order"),
    "demands_with_match": _l("demands with a package"),
    "packages_with_match": _l("packages with a demand"),
}


@bp.get("/jobs/<job_id>")
def job(job_id: str):
    job = _job_or_404(job_id)
    error = job.result.get("error")
    message = (
        translate(error)
        if isinstance(error, DomainError)
        else gettext("Something went wrong on our side. The error has been logged.")
    )
    return render_template(
        "staff/job.html",
        job=job,
        kinds=IMPORT_KINDS,
        error_message=message if error else None,
        screen_kind=SCREENED_KIND.get(job.result.get("kind")),
        rematch_counts=REMATCH_COUNTS,
    )


@bp.get("/jobs/<job_id>/status")
def job_status(job_id: str):
    return jsonify(_job_or_404(job_id).as_json())


@bp.get("/jobs/<job_id>/rejected.<fmt>")
def job_rejected_rows(job_id: str, fmt: str):
    from qianfan.importing import rejected_rows_file

    report = _job_or_404(job_id).result.get("report")
    if report is None or not report.rejected or fmt not in EXPORT_TYPES:
        abort(404)
    return Response(
        rejected_rows_file(report, fmt),
        mimetype=EXPORT_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="rejected-rows.{fmt}"'},
    )


@bp.post("/rematch")
def rematch():
    job = get_jobs().start(
        "rematch", current_user.id, rematch_work(settings=dict(current_app.config))
    )
    return redirect(url_for("staff.job", job_id=job.id))


# ---------------------------------------------------------------- company review queue


@bp.get("/duplicates")
def duplicates():
    page = merging.pending_page(get_session(), current_user, page_request("-score"))
    return render_template("staff/duplicates.html", page=page)


@bp.post("/duplicates/<int:pair_id>/merge")
def merge_pair(pair_id: int):
    stays = merging.merge(get_session(), current_user, pair_id)
    commit()
    flash(gettext("Merged into “%(name)s”.", name=stays.name), "success")
    return redirect(url_for("staff.duplicates"))


@bp.post("/duplicates/<int:pair_id>/keep-apart")
def keep_pair_apart(pair_id: int):
    merging.keep_apart(get_session(), current_user, pair_id)
    commit()
    flash(gettext("Kept apart; this pair will not be proposed again."), "success")
    return redirect(url_for("staff.duplicates"))

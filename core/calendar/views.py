"""The administrator's pages for the working-day calendar (/admin/calendar)."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from core import clock
from core.calendar import services
from core.calendar.forms import ScheduleUploadForm
from core.errors import AnqiError, ValidationError
from core.extensions import db
from core.org.models import User
from core.tickets.deadlines import local_date
from core.web import current_actor, permission_required

bp = Blueprint("calendar", __name__, url_prefix="/admin/calendar")

MAX_MESSAGES = 20  # errors of a rejected file shown at once


def _names(user_ids) -> dict:
    ids = sorted({i for i in user_ids if i})
    if not ids:
        return {}
    return {user_id: name for user_id, name in db.session.execute(select(User.id, User.name).where(User.id.in_(ids)))}


@bp.route("")
@permission_required("system.manage")
def index():
    years = services.years()
    this_year = local_date(clock.now()).year
    loaded = {y.year for y in years}
    return render_template("calendar/index.html", years=years, sources=services.SOURCES,
                           changed_by=_names(y.changed_by_id for y in years),
                           not_loaded=[y for y in (this_year, this_year + 1) if y not in loaded],
                           form=ScheduleUploadForm())


@bp.route("/<int:year>")
@permission_required("system.manage")
def year_view(year):
    if not services.MIN_YEAR <= year <= services.MAX_YEAR:
        abort(404)
    # Looking at a year not yet in the database loads it for this page only: a
    # GET writes nothing (the session is rolled back at the end of the request).
    record = services.ensure_year(year)
    days = services.special_days(year)
    holidays = sum(1 for d in days if not d.workday)
    return render_template("calendar/year.html", record=record, days=days, holidays=holidays,
                           working_weekends=len(days) - holidays, sources=services.SOURCES,
                           changed_by=_names([record.changed_by_id]).get(record.changed_by_id))


@bp.route("/import", methods=["POST"])
@permission_required("system.manage")
def import_schedule():
    form = ScheduleUploadForm()
    if not form.validate_on_submit():
        for message in form.file.errors:
            flash(str(message), "error")
        return redirect(url_for(".index"))
    try:
        loaded = services.import_schedule(current_actor(), form.file.data.stream)
    except ValidationError as exc:
        messages = (exc.errors or {}).get("file") or [exc.message]
        flash(_("Nothing was imported: the file has %(n)d error(s).", n=len(messages)), "error")
        for message in messages[:MAX_MESSAGES]:
            flash(str(message), "error")
        return redirect(url_for(".index"))
    flash(_("The official schedule of %(years)s is loaded; the deadlines of open tickets were counted again.",
            years=", ".join(map(str, loaded))), "success")
    return redirect(url_for(".year_view", year=loaded[0]) if len(loaded) == 1 else url_for(".index"))


@bp.route("/<int:year>/confirm", methods=["POST"])
@permission_required("system.manage")
def confirm(year):
    try:
        services.confirm_year(current_actor(), year)
    except ValidationError as exc:
        flash(str(exc.message), "error")
    else:
        flash(_("The schedule of %(year)d is confirmed as official.", year=year), "success")
    if not services.MIN_YEAR <= year <= services.MAX_YEAR:
        return redirect(url_for(".index"))
    return redirect(url_for(".year_view", year=year))


@bp.route("/day", methods=["POST"])
@permission_required("system.manage")
def set_day():
    text = request.form.get("day", "")
    workday = request.form.get("workday") == "1"
    try:
        row = services.set_day(current_actor(), text, workday, request.form.get("name", ""))
    except AnqiError as exc:
        flash(str(exc.message), "error")
        year = request.form.get("year", "")
        if year.isdigit() and services.MIN_YEAR <= int(year) <= services.MAX_YEAR:
            return redirect(url_for(".year_view", year=int(year)))
        return redirect(url_for(".index"))
    day = row.day.isoformat()
    flash(_("%(day)s is now a working day.", day=day) if row.workday else _("%(day)s is now a day off.", day=day),
          "success")
    return redirect(url_for(".year_view", year=row.day.year))

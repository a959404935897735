"""The statistics pages of the demand tickets: the dashboard (/tickets/stats),
its Excel export, and 一件事→一类事 (/tickets/classes). Thin: the figures come
from core.tickets.statistics, the groups from core.tickets.analysis. Charts are
SVG drawn here, in the page; every figure links to the ticket list behind it."""
import io
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlencode

from flask import (Blueprint, abort, current_app, flash, g, redirect, render_template, request, send_file,
                   url_for)
from flask_babel import format_number, format_percent
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import Length

from core.errors import AnqiError, NotFound, ValidationError
from core.forms import apply_errors
from core.tickets import analysis, pausing, statistics
from core.tickets.vocabulary import STATUSES
from core.web import current_actor, permission_required

bp = Blueprint("ticket_stats", __name__, url_prefix="/tickets")


# --- helpers the templates use ---------------------------------------------------------

def tickets_url(args: dict) -> str:
    """The ticket list with these filters. Its path is looked up once per
    request (a page holds hundreds of these links), and is /tickets/ should the
    list's blueprint not be there."""
    base = getattr(g, "_anqi_ticket_list", None)
    if base is None:
        base = url_for("tickets.index") if "tickets.index" in current_app.view_functions else "/tickets/"
        g._anqi_ticket_list = base
    args = {k: v for k, v in args.items() if v not in (None, "")}
    return base + ("?" + urlencode(args) if args else "")


def figure_url(period, line_filters, measure) -> str:
    return tickets_url(statistics.ticket_filters(period, line_filters, measure))


def _plain_grouping() -> bool:
    """Whether the reader's locale writes numbers as 12,345 and shares as 12.3%
    (zh_Hans_CN and en do), so that the hundreds of figures on a page can be
    written with Python's formatting instead of one Babel call each."""
    plain = getattr(g, "_anqi_plain_numbers", None)
    if plain is None:
        from babel.numbers import get_decimal_symbol, get_group_symbol
        from flask_babel import get_locale

        locale = get_locale()
        plain = (locale is not None and get_group_symbol(locale) == "," and get_decimal_symbol(locale) == "."
                 and locale.decimal_formats[None].grouping == (3, 3)
                 and locale.percent_formats[None].pattern in ("#,##0%", "#,##0 %") and
                 locale.number_symbols.get("latn", locale.number_symbols).get("percentSign", "%") == "%")
        g._anqi_plain_numbers = plain
    return plain


def num(value) -> str:
    """A count the Chinese way (Flask-Babel's format_number), 12,345."""
    if isinstance(value, int) and _plain_grouping():
        return f"{value:,}"
    return format_number(value)


def rate(value) -> str:
    if value is None:
        return "—"
    if _plain_grouping():
        return f"{value * 100:,.1f}%"
    return format_percent(value, "#,##0.0%")


def ticket_href(ticket_id) -> str | None:
    if "tickets.detail" in current_app.view_functions:
        return url_for("tickets.detail", ticket_id=ticket_id)
    return None


@bp.context_processor
def _helpers():
    return {"num": num, "rate": rate, "figure_url": figure_url, "tickets_url": tickets_url,
            "ticket_href": ticket_href, "statuses": STATUSES, "pause_length": pausing.length_text}


def _parse(value, problems: list) -> date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        problems.append(_("“%(value)s” is not a date; write it as YYYY-MM-DD.", value=value[:20]))
        return None


def _day(name: str, problems: list) -> date | None:
    return _parse(request.args.get(name), problems)


def _period() -> statistics.Period:
    problems = []
    since, until = _day("since", problems), _day("until", problems)
    try:
        found = statistics.period(request.args.get("preset"), since, until)
    except ValidationError as exc:
        problems.append(str(exc.message))
        found = statistics.period(request.args.get("preset"))
    for problem in problems:
        flash(problem, "error")
    return found


def _period_args(p: statistics.Period) -> dict:
    return {"preset": p.preset} if p.preset else {"since": p.since.isoformat(), "until": p.until.isoformat()}


# --- charts ----------------------------------------------------------------------------

@dataclass
class Chart:
    width: int
    height: int
    bars: list = field(default_factory=list)     # dicts: x y w h cls href title
    texts: list = field(default_factory=list)    # dicts: x y text anchor cls
    lines: list = field(default_factory=list)    # dicts: x1 y1 x2 y2
    legend: list = field(default_factory=list)   # (cls, label)


def _nice_ceiling(value: int) -> int:
    """The top of the value axis: a round number at or above ``value`` whose
    quarters are whole numbers (the axis has four steps)."""
    if value <= 4:
        return 4
    magnitude = 10 ** (len(str(value)) - 1)
    for step in (1, 1.2, 1.6, 2, 2.4, 3, 4, 5, 6, 8, 10):
        ceiling = int(step * magnitude)
        if ceiling >= value and ceiling % 4 == 0:
            return ceiling
    return -(-value // 4) * 4


SERIES = (("received", _l("Received")), ("closed", _l("Closed")))


def month_chart(result: statistics.Report) -> Chart:
    """Received and closed per month: vertical bars in pairs."""
    lines = result.by_month
    left, right, top, bottom = 56, 8, 12, 40
    slot = max(34, min(72, 660 // max(1, len(lines))))
    width = left + right + slot * len(lines)
    height = 240
    plot = height - top - bottom
    chart = Chart(width, height, legend=[(key, str(label)) for key, label in SERIES])
    ceiling = _nice_ceiling(max([max(l.figures.received, l.figures.closed) for l in lines] + [1]))
    for i in range(5):
        y = top + plot - plot * i / 4
        chart.lines.append({"x1": left, "y1": round(y, 1), "x2": width - right, "y2": round(y, 1)})
        chart.texts.append({"x": left - 6, "y": round(y + 4, 1), "text": format_number(ceiling * i // 4),
                            "anchor": "end", "cls": "axis"})
    bar = (slot - 10) / 2
    for n, line in enumerate(lines):
        x0 = left + n * slot + 5
        for k, (key, label) in enumerate(SERIES):
            value = getattr(line.figures, key)
            h = plot * value / ceiling
            chart.bars.append({"x": round(x0 + k * bar, 1), "y": round(top + plot - h, 1), "w": round(bar - 1, 1),
                               "h": round(h, 1), "cls": key,
                               "href": figure_url(result.period, line.filters, key),
                               "title": f"{line.label} · {label}: {format_number(value)}"})
        chart.texts.append({"x": round(x0 + bar, 1), "y": height - bottom + 16, "text": _short_month(line.key),
                            "anchor": "middle", "cls": "axis"})
        if n == 0 or line.key[1] == 1:
            chart.texts.append({"x": round(x0 + bar, 1), "y": height - bottom + 32, "text": str(line.key[0]),
                                "anchor": "middle", "cls": "axis"})
    return chart


def _short_month(key) -> str:
    """The month alone (3月, Mar); the year is printed under January and the first month."""
    from babel.dates import format_skeleton
    from flask_babel import get_locale

    year, month = key
    return format_skeleton("MMM", date(year, month, 1), locale=get_locale() or "zh_Hans_CN")


def unit_chart(result: statistics.Report) -> Chart:
    """Received and closed per unit: horizontal bars in pairs."""
    lines = result.by_unit
    left, right, top, row = 180, 60, 8, 30
    width = 720
    height = top * 2 + row * max(1, len(lines))
    plot = width - left - right
    chart = Chart(width, height, legend=[(key, str(label)) for key, label in SERIES])
    ceiling = max([max(l.figures.received, l.figures.closed) for l in lines] + [1])
    for n, line in enumerate(lines):
        y0 = top + n * row
        chart.texts.append({"x": left - 8, "y": y0 + 18, "text": line.label, "anchor": "end", "cls": "label"})
        for k, (key, label) in enumerate(SERIES):
            value = getattr(line.figures, key)
            w = plot * value / ceiling
            y = y0 + 4 + k * 11
            chart.bars.append({"x": left, "y": y, "w": round(max(w, 0.5 if value else 0), 1), "h": 10, "cls": key,
                               "href": figure_url(result.period, line.filters, key),
                               "title": f"{line.label} · {label}: {format_number(value)}"})
            chart.texts.append({"x": round(left + w + 4, 1), "y": y + 9, "text": format_number(value),
                                "anchor": "start", "cls": "value"})
    return chart


# --- the dashboard --------------------------------------------------------------------

@bp.route("/stats")
@permission_required("ticket.stats")
def index():
    actor = current_actor()
    p = _period()
    result = statistics.report(actor, p)
    from core.service_lists import services as service_lists  # 负面清单: tagged tickets per entry

    return render_template("ticket_stats/index.html", report=result, period=p, presets=statistics.PRESETS,
                           period_args=_period_args(p), month_chart=month_chart(result),
                           unit_chart=unit_chart(result), conduct_counts=service_lists.counts(actor, p.since, p.until))


@bp.route("/stats.xlsx")
@permission_required("ticket.stats")
def export():
    actor = current_actor()
    p = _period()
    data = statistics.workbook(actor, p)
    return send_file(io.BytesIO(data), as_attachment=True,
                     download_name=f"ticket-statistics-{p.since.isoformat()}-{p.until.isoformat()}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


# --- 一件事 → 一类事 ----------------------------------------------------------------------

def _window(source=None):
    """The window the query string (or ``source``) asks for; a bad date is
    flashed and the default window used."""
    source = request.args if source is None else source
    problems = []
    since, until = _parse(source.get("since"), problems), _parse(source.get("until"), problems)
    try:
        w = analysis.window(since, until)
    except ValidationError as exc:
        problems.append(str(exc.message))
        w = analysis.window()
    for problem in problems:
        flash(problem, "error")
    return w


def _min_count() -> int | None:
    value = (request.args.get("min") or "").strip()
    return int(value) if value.isascii() and value.isdigit() and 1 <= int(value) <= 1000 else None


@bp.route("/classes")
@permission_required("ticket.stats")
def classes():
    actor = current_actor()
    w = _window()
    min_count = _min_count() or analysis.min_count_setting()
    everything = request.args.get("all") == "1"
    groups = analysis.similar_groups(actor, w.since, w.until, min_count, everything=everything)
    matters = analysis.class_matters(actor, limit=20)
    owners = analysis.people({m.owner_id for m in matters})
    return render_template("ticket_stats/classes.html", window=w, groups=groups, min_count=min_count,
                           everything=everything, matters=matters, configured=analysis.min_count_setting(),
                           owner_names={i: u.name for i, u in owners.items()})


class ClassMatterForm(FlaskForm):
    title = StringField(_l("Title"), validators=[Length(max=200)],
                        description=_l("Leave empty to name it after the group."))
    owner_id = SelectField(_l("Owner"), coerce=str)
    note = TextAreaField(_l("Note"), validators=[Length(max=2000)])
    category = HiddenField()
    industry = HiddenField()
    district = HiddenField()
    since = HiddenField()
    until = HiddenField()


def _group_args(source) -> dict:
    return {name: (source.get(name) or "")[:64] for name in ("category", "industry", "district")}


@bp.route("/classes/group", methods=["GET", "POST"])
@permission_required("ticket.stats")
def group():
    actor = current_actor()
    source = request.form if request.method == "POST" else request.args
    key = _group_args(source)
    if not key["category"]:
        abort(404)
    w = _window(source)
    form = ClassMatterForm()
    people = analysis.owners(actor)
    form.owner_id.choices = [("", _("Choose …"))] + [(str(u.id), f"{u.name}（{u.unit.name}）") for u in people]
    if request.method == "GET":
        form.category.data, form.industry.data, form.district.data = key["category"], key["industry"], key["district"]
        form.since.data, form.until.data = w.since.isoformat(), w.until.isoformat()
        form.owner_id.data = str(actor.user_id or "")
    # A user who may not take a group up still goes through the service, which
    # refuses and audits the attempt.
    if request.method == "POST" and (form.validate_on_submit() or not analysis.can_create(actor)):
        try:
            matter = analysis.create_class_matter(actor, key["category"], key["industry"], key["district"],
                                                  w.since, w.until, form.owner_id.data, form.note.data,
                                                  form.title.data)
        except ValidationError as exc:
            apply_errors(form, exc)
        except AnqiError as exc:
            abort(exc.status)
        else:
            flash(_("The group has been taken up as the class matter “%(title)s”.", title=matter.title),
                  "success")
            return redirect(url_for(".matter", matter_id=matter.id))
    tickets = analysis.tickets_of_group(actor, key["category"], key["industry"], key["district"], w.since, w.until)
    return render_template("ticket_stats/group.html", key=key, window=w, tickets=tickets, form=form,
                           category_label=analysis.category_names(actor).get(key["category"], key["category"]),
                           can_create=analysis.can_create(actor))



@bp.route("/classes/<int:matter_id>")
@permission_required("ticket.stats")
def matter(matter_id):
    actor = current_actor()
    try:
        found = analysis.get_class_matter(actor, matter_id)
    except NotFound:
        abort(404)
    return render_template("ticket_stats/matter.html", matter=found, tickets=analysis.tickets_of_matter(actor, found),
                           people=analysis.people({found.owner_id, found.created_by_id}),
                           category_label=analysis.category_names(actor).get(found.category, found.category))

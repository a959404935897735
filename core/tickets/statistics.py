"""Ticket statistics (工单统计): received, closed, closure rate (办结率), on-time
rate, satisfaction rate (满意率) and overdue, in total and by unit, category,
class, channel, handling mode and month, for any range of Chinese days.

Every figure is a ``SUM … GROUP BY`` over the running counts that
``core.tickets.stats`` keeps up to date (``ticket_stat_month`` for whole
months, ``ticket_stat_day`` for the days at a period's edges); the tickets
themselves are never counted here, and the actor sees the rows of the units in
their scope. A period's figures are those of the tickets registered in it:
how many were received, how many of them are closed (on time or not), rated
(satisfied or not) and overdue now, under the unit that holds each ticket. So
each figure is exactly the ticket list behind its link. On-time counts by the
paused clock: a ticket answered within its deadlines as moved by its pauses
(core/tickets/pausing.py) closed on time; the time paused and the late
sign-fors are figures of their own.

The same tables go to Excel (``workbook``).
"""
import io
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, union_all

from core import clock
from core.audit import services as audit
from core.errors import ValidationError
from core.extensions import db
from core.org.models import Unit
from core.plugins.services import call_for_unit
from core.tickets.deadlines import local_date
from core.tickets.models import TicketCategory, TicketStatDay, TicketStatMonth
from core.tickets.stats import COUNTERS
from core.tickets.vocabulary import CHANNELS, CLASSES, MODES

PRESETS = {
    "month": _l("This month"),
    "year": _l("This year"),
    "30d": _l("Last 30 days"),
}
MAX_DAYS = 5 * 366 + 1  # a custom range covers at most five years
BREAKDOWNS = ("unit", "category", "ticket_class", "channel", "handling_mode", "month")


# --- the period ----------------------------------------------------------------------

@dataclass(frozen=True)
class Period:
    since: date
    until: date          # inclusive
    preset: str = ""     # month / year / 30d, or "" for a range typed in

    @property
    def days(self) -> int:
        return (self.until - self.since).days + 1


def today() -> date:
    """Today in China."""
    return local_date(clock.now())


def preset_period(preset: str, on: date | None = None) -> Period:
    on = on or today()
    if preset == "year":
        return Period(date(on.year, 1, 1), on, "year")
    if preset == "30d":
        return Period(on - timedelta(days=29), on, "30d")
    return Period(on.replace(day=1), on, "month")


def period(preset: str | None = None, since: date | None = None, until: date | None = None,
           on: date | None = None) -> Period:
    """The period asked for: a preset (default: this month), or a range of days.
    A range needs both ends, the start not after the end, and at most five years."""
    if since is None and until is None:
        return preset_period(preset if preset in PRESETS else "month", on)
    if since is None or until is None:
        raise ValidationError(_l("Give both the first and the last day."), field="since" if since is None
                              else "until")
    if since > until:
        raise ValidationError(_l("The first day is after the last day."), field="since")
    if (until - since).days + 1 > MAX_DAYS:
        raise ValidationError(_l("Choose at most five years."), field="since")
    return Period(since, until, "")


def months(p: Period) -> list[tuple[int, int]]:
    """(year, month) of every month the period touches, in order."""
    found, year, month = [], p.since.year, p.since.month
    while (year, month) <= (p.until.year, p.until.month):
        found.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return found


def _last_day(year: int, month: int) -> date:
    return (date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)) - timedelta(days=1)


def month_range(year: int, month: int, p: Period) -> tuple[date, date]:
    """The part of a month that lies in the period."""
    return max(date(year, month, 1), p.since), min(_last_day(year, month), p.until)


# --- figures -----------------------------------------------------------------------

@dataclass
class Figures:
    received: int = 0
    closed: int = 0
    closed_on_time: int = 0
    rated: int = 0
    satisfied: int = 0
    overdue: int = 0
    onsite_confirmed: int = 0      # 现场办: on-site results the enterprise confirmed
    paused: int = 0              # tickets whose clock has been paused (core/tickets/pausing.py)
    paused_seconds: int = 0      # … for so long in total (ended pauses)
    signed_late: int = 0         # late sign-fors

    def add(self, values) -> None:
        for name, value in zip(COUNTERS, values):
            setattr(self, name, getattr(self, name) + int(value or 0))

    @staticmethod
    def _rate(part: int, whole: int) -> float | None:
        return part / whole if whole else None

    @property
    def closure_rate(self) -> float | None:
        """办结率: closed / received."""
        return self._rate(self.closed, self.received)

    @property
    def on_time_rate(self) -> float | None:
        """按时办结率: closed on time / closed."""
        return self._rate(self.closed_on_time, self.closed)

    @property
    def satisfaction_rate(self) -> float | None:
        """满意率: satisfied or basically satisfied / rated."""
        return self._rate(self.satisfied, self.rated)


@dataclass
class Line:
    """One row of a breakdown: its key, its label, its figures, and the ticket-list
    filters that show the tickets behind it (beside the period's)."""

    key: object
    label: str
    figures: Figures = field(default_factory=Figures)
    filters: dict = field(default_factory=dict)


@dataclass
class Report:
    period: Period
    total: Figures
    by_unit: list
    by_category: list
    by_class: list
    by_channel: list
    by_month: list
    by_mode: list

    def breakdowns(self) -> list[tuple[str, object, list]]:
        """(key, title, lines) of each breakdown, in the page's order."""
        return [("month", _l("By month"), self.by_month), ("unit", _l("By unit"), self.by_unit),
                ("category", _l("By category"), self.by_category), ("ticket_class", _l("By class"), self.by_class),
                ("channel", _l("By channel"), self.by_channel),
                ("handling_mode", _l("By handling mode"), self.by_mode)]


def _sums(table):
    return [func.coalesce(func.sum(getattr(table, name)), 0) for name in COUNTERS]


def _parts(p: Period) -> tuple[list[date], list[tuple[date, date]]]:
    """The period as whole months, read from ``ticket_stat_month``, and the runs
    of days at its edges, read from ``ticket_stat_day``. A month the period
    covers from its first day up to today or later counts as whole: no ticket
    is registered after today."""
    whole, edges, now = [], [], today()
    for year, month in months(p):
        first, last = month_range(year, month, p)
        if first.day == 1 and (last == _last_day(year, month) or last >= now):
            whole.append(first)
        else:
            edges.append((first, last))
    return whole, edges


def _grouped(actor, p: Period, dimensions, *keys) -> list:
    """SUM of every counter over the period's rows of ``dimensions`` in the
    actor's scope, GROUP BY ``keys`` (column names): one statement over both
    tables."""
    whole, edges = _parts(p)
    parts = []
    for table, condition in ((TicketStatMonth, TicketStatMonth.bucket.in_(whole) if whole else None),
                             (TicketStatDay, or_(*[TicketStatDay.bucket.between(a, b) for a, b in edges])
                              if edges else None)):
        if condition is None:
            continue
        columns = [getattr(table, key) for key in keys]
        parts.append(select(*columns, *_sums(table))
                     # A row whose tickets have all moved to another unit is left at zero.
                     .where(table.dimension.in_(dimensions), condition, table.received > 0,
                            actor.scope.filter(table.unit_id))
                     .group_by(*columns))
    if not parts:
        return []
    return db.session.execute(parts[0] if len(parts) == 1 else union_all(*parts)).all()


def _zh() -> bool:
    locale = get_locale()
    return locale is None or locale.language == "zh"


def category_labels(actor) -> dict[str, tuple[int, str]]:
    """code -> (order, label) of every category: core's (also those since made
    inactive, which old counts still carry) and the enabled plugins'."""
    zh = _zh()
    labels = {c.code: (c.sort_order, c.name_zh if zh else c.name_en)
              for c in db.session.scalars(select(TicketCategory))}
    unit = getattr(actor.user, "unit", None)
    for item in call_for_unit("anqi_ticket_categories", actor.unit_id, unit=unit) if actor.unit_id else []:
        labels.setdefault(item.code, (1000, str(item.label)))
    return labels


def month_label(year: int, month: int) -> str:
    from babel.dates import format_skeleton

    return format_skeleton("yMMM", date(year, month, 1), locale=get_locale() or "zh_Hans_CN")


def totals(actor, p: Period) -> Figures:
    """The period's figures in total (the report's first line): one grouped sum of
    the units' own rows, whatever the number of tickets."""
    actor.require("ticket.stats")
    total = Figures()
    for values in _grouped(actor, p, ["unit"]):
        total.add(values)
    return total


def report(actor, p: Period) -> Report:
    """The figures of the period, in total and by each breakdown: two grouped
    sums (the units' own rows by month and unit, which give the months, the
    units and the total; the category, class, channel and mode rows by value), then
    the unit and category names. The number of statements does not depend on
    the number of tickets or rows, and the rows read grow with the units and
    categories, not with the tickets."""
    actor.require("ticket.stats")
    by_month = {key: Figures() for key in months(p)}
    total = Figures()
    by_unit = {}
    for bucket, unit_id, *values in _grouped(actor, p, ["unit"], "bucket", "unit_id"):
        by_month.setdefault((bucket.year, bucket.month), Figures()).add(values)
        by_unit.setdefault(unit_id, Figures()).add(values)
        total.add(values)
    month_lines = []
    for (y, m), figures in sorted(by_month.items()):
        first, last = month_range(y, m, p)
        month_lines.append(Line((y, m), month_label(y, m), figures,
                                {"since": first.isoformat(), "until": last.isoformat()}))

    sums = {"unit": by_unit, "category": {}, "ticket_class": {}, "channel": {}, "handling_mode": {}}
    for dimension, value, *values in _grouped(actor, p, list(sums)[1:], "dimension", "value"):
        sums[dimension].setdefault(value, Figures()).add(values)

    units = {}
    if sums["unit"]:
        units = {u.id: u for u in db.session.execute(
            select(Unit.id, Unit.name, Unit.path).where(Unit.id.in_(sorted(sums["unit"]))))}
    unit_lines = sorted(
        (Line(unit_id, units[unit_id].name if unit_id in units else str(unit_id), figures, {"unit": unit_id})
         for unit_id, figures in sums["unit"].items()),
        key=lambda line: (units[line.key].path if line.key in units else "", line.key))

    labels = category_labels(actor)
    category_lines = sorted(
        (Line(code, labels.get(code, (10_000, code))[1], figures, {"category": code})
         for code, figures in sums["category"].items()),
        key=lambda line: (labels.get(line.key, (10_000, ""))[0], line.key))

    def vocabulary_lines(name, words, param):
        order = list(words)
        lines = [Line(code, str(words.get(code, code)), figures, {param: code})
                 for code, figures in sums[name].items()]
        return sorted(lines, key=lambda line: (order.index(line.key) if line.key in order else len(order),
                                               line.key))

    return Report(period=p, total=total, by_unit=unit_lines, by_category=category_lines,
                  by_class=vocabulary_lines("ticket_class", CLASSES, "ticket_class"),
                  by_channel=vocabulary_lines("channel", CHANNELS, "channel"), by_month=month_lines,
                  by_mode=vocabulary_lines("handling_mode", MODES, "handling_mode"))


# --- the tickets behind a figure ---------------------------------------------------------

MEASURES = ("received", "closed", "closed_on_time", "rated", "satisfied", "overdue", "onsite_confirmed", "paused",
            "signed_late")


def ticket_filters(p: Period, line_filters: dict | None, measure: str) -> dict:
    """The ticket list's query arguments for one figure: the period (the list
    takes it as the registration date), the line's unit, category, class,
    channel or month, and what the figure counts (closed, rated or overdue)."""
    args = {"since": p.since.isoformat(), "until": p.until.isoformat()}
    args.update(line_filters or {})
    if measure in ("closed", "closed_on_time"):
        args["status"] = "closed,rated"
    elif measure in ("rated", "satisfied"):
        args["status"] = "rated"
    elif measure == "overdue":
        args["overdue"] = "1"
    elif measure == "onsite_confirmed":
        args["onsite"] = "confirmed"
    elif measure in ("paused", "signed_late"):
        args[measure] = "1"
    return args


# --- Excel ----------------------------------------------------------------------------

def _headers() -> list[str]:
    return [_("Received"), _("Closed"), _("Closure rate"), _("Closed on time"), _("On-time rate"),
            _("Rated"), _("Satisfied"), _("Satisfaction rate"), _("Overdue"), _("Clock paused"),
            _("Time paused (hours)"), _("Signed for late")]


def _cells(figures: Figures) -> list:
    return [figures.received, figures.closed, figures.closure_rate, figures.closed_on_time, figures.on_time_rate,
            figures.rated, figures.satisfied, figures.satisfaction_rate, figures.overdue, figures.paused,
            round(figures.paused_seconds / 3600, 1), figures.signed_late]


RATE_COLUMNS = (2, 4, 7)  # 0-based positions of the rates in _cells


def workbook(actor, p: Period) -> bytes:
    """The page's tables as an Excel workbook: a sheet for the totals and one
    per breakdown. Rates are numbers formatted as percentages (empty where
    there is nothing to divide by). The export is audited."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from core.spreadsheets.cells import row_of

    result = report(actor, p)
    book = Workbook()
    bold = Font(bold=True)

    def sheet(title, first_header, lines, with_total=True):
        ws = book.create_sheet(title[:31])
        ws.append([first_header] + _headers())
        for cell in ws[1]:
            cell.font = bold
        for line in lines:
            ws.append(row_of(ws, [line.label]) + _cells(line.figures))   # labels are names users typed
        if with_total:
            ws.append([_("Total")] + _cells(result.total))
            for cell in ws[ws.max_row]:
                cell.font = bold
        for row in ws.iter_rows(min_row=2):
            for position in RATE_COLUMNS:
                row[position + 1].number_format = "0.0%"
        ws.column_dimensions["A"].width = 28
        ws.freeze_panes = "B2"
        return ws

    summary = book.active
    summary.title = _("Totals")[:31]
    summary.append([_("Ticket statistics")])
    summary["A1"].font = Font(bold=True, size=14)
    summary.append([_("From"), p.since.isoformat()])
    summary.append([_("To"), p.until.isoformat()])
    summary.append([_("Exported by"), actor.user.name if actor.user else actor.username])
    summary.append([])
    summary.append([""] + _headers())
    for cell in summary[summary.max_row]:
        cell.font = bold
    summary.append([_("Total")] + _cells(result.total))
    for position in RATE_COLUMNS:
        summary.cell(row=summary.max_row, column=position + 2).number_format = "0.0%"
    summary.column_dimensions["A"].width = 16

    titles = {"month": _("Month"), "unit": _("Unit"), "category": _("Category"), "ticket_class": _("Class"),
              "channel": _("Channel"), "handling_mode": _("Handling mode")}
    for key, title, lines in result.breakdowns():
        sheet(str(title), titles[key], lines)

    out = io.BytesIO()
    book.save(out)
    audit.record(actor, "ticket.stats_export", object_type="ticket_stat",
                 detail={"since": p.since.isoformat(), "until": p.until.isoformat()})
    db.session.commit()
    return out.getvalue()

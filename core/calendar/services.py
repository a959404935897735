"""Working days. Every deadline in anqi is counted here.

Years are loaded on first use: from the chinese-calendar package where it knows
the year (official), otherwise with weekends and the fixed-date statutory
holidays only, marked provisional until an admin loads the State Council's
notice (``anqi calendar import``) or confirms the year.
"""
import csv
import io
from datetime import date, timedelta

import chinese_calendar
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from core import clock
from core.audit import services as audit
from core.calendar.models import CalendarDay, CalendarYear
from core.errors import ValidationError
from core.extensions import db

# Statutory holidays that fall on the same Gregorian date every year
# (全国年节及纪念日放假办法, as revised in 2024): New Year, Labour Day, National Day.
FIXED_HOLIDAYS = {(1, 1): "元旦", (5, 1): "劳动节", (5, 2): "劳动节",
                  (10, 1): "国庆节", (10, 2): "国庆节", (10, 3): "国庆节"}
HOLIDAY_NAMES = {"New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节",
                 "Labour Day": "劳动节", "Dragon Boat Festival": "端午节", "National Day": "国庆节",
                 "Mid-autumn Festival": "中秋节", "Anti-Fascist 70th Day": "抗战胜利纪念日"}
MAX_SCAN_DAYS = 400


def _official_days(year: int) -> list[CalendarDay] | None:
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return None
    days, current = [], date(year, 1, 1)
    while current.year == year:
        is_workday = chinese_calendar.is_workday(current)
        _on_holiday, name = chinese_calendar.get_holiday_detail(current)
        label = HOLIDAY_NAMES.get(name, name or "") if (not is_workday or current.weekday() >= 5) else ""
        days.append(CalendarDay(day=current, workday=is_workday, name=label if name else ""))
        current += timedelta(days=1)
    return days


def _provisional_days(year: int) -> list[CalendarDay]:
    days, current = [], date(year, 1, 1)
    while current.year == year:
        name = FIXED_HOLIDAYS.get((current.month, current.day), "")
        days.append(CalendarDay(day=current, workday=current.weekday() < 5 and not name, name=name))
        current += timedelta(days=1)
    return days


def ensure_year(year: int) -> CalendarYear:
    """The year's record, loading the year first if it is not in the database."""
    record = db.session.get(CalendarYear, year)
    if record is not None:
        return record
    days = _official_days(year)
    provisional = days is None
    if provisional:
        days = _provisional_days(year)
    db.session.add_all(days)
    record = CalendarYear(year=year, provisional=provisional,
                          source="weekends and fixed holidays" if provisional else "chinese-calendar")
    db.session.add(record)
    db.session.flush()
    return record


def is_provisional(year: int) -> bool:
    return ensure_year(year).provisional


def is_workday(day: date) -> bool:
    ensure_year(day.year)
    return db.session.get(CalendarDay, day).workday


def nth_working_day_after(day: date, n: int) -> tuple[date, bool]:
    """The ``n``-th working day after ``day`` (``day`` itself does not count), and
    whether the count went through a provisional year."""
    if n < 1:
        raise ValueError("n must be at least 1")
    last_year = day.year + 1
    for year in range(day.year, last_year + 1):
        ensure_year(year)
    while True:
        found = db.session.scalars(
            select(CalendarDay.day).where(CalendarDay.day > day, CalendarDay.workday.is_(True))
            .order_by(CalendarDay.day).limit(n)).all()
        if len(found) == n:
            result = found[-1]
            return result, any(is_provisional(y) for y in range(day.year, result.year + 1))
        last_year += 1
        if last_year > day.year + 3:
            raise RuntimeError(f"no {n} working days within three years after {day}")
        ensure_year(last_year)


def years() -> list[CalendarYear]:
    return list(db.session.scalars(select(CalendarYear).order_by(CalendarYear.year)))


def days_of(year: int) -> list[CalendarDay]:
    ensure_year(year)
    return list(db.session.scalars(
        select(CalendarDay).where(CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31))
        .order_by(CalendarDay.day)))


def exceptions_of(year: int) -> list[CalendarDay]:
    """Holidays on weekdays and working weekends: what differs from a plain week."""
    return [d for d in days_of(year) if d.workday == (d.day.weekday() >= 5)]


# --- changing the calendar ----------------------------------------------------

def import_schedule(actor, content: bytes) -> list[int]:
    """Load official schedules from CSV lines ``date,kind,name`` where kind is
    ``holiday`` or ``workday`` (a weekend worked, 调休). Every year named in the
    file is rebuilt as weekends plus the file's days and marked official.
    Returns the years loaded. Nothing is changed when a line is wrong."""
    actor.require("system.manage")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("gb18030", errors="replace")
    entries, errors = {}, []
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not row or not "".join(row).strip() or row[0].strip().startswith("#"):
            continue
        if number == 1 and row[0].strip().lower() in {"date", "日期"}:
            continue
        try:
            day = date.fromisoformat(row[0].strip())
        except ValueError:
            errors.append(_l("Line %(n)d: “%(value)s” is not a date written as YYYY-MM-DD.",
                             n=number, value=row[0].strip()[:20]))
            continue
        kind = (row[1].strip().lower() if len(row) > 1 else "")
        kind = {"休": "holiday", "假": "holiday", "班": "workday"}.get(kind, kind)
        if kind not in {"holiday", "workday"}:
            errors.append(_l("Line %(n)d: the kind must be holiday or workday.", n=number))
            continue
        entries[day] = (kind == "workday", row[2].strip()[:40] if len(row) > 2 else "")
    if not entries and not errors:
        errors.append(_l("The file holds no dates."))
    if errors:
        audit.record_failure(actor, "calendar.import", detail={"errors": len(errors)})
        raise ValidationError(errors[0], errors={"file": errors})
    loaded = sorted({d.year for d in entries})
    for year in loaded:
        ensure_year(year)
        db.session.execute(delete(CalendarDay).where(CalendarDay.day >= date(year, 1, 1),
                                                      CalendarDay.day <= date(year, 12, 31)))
        for row in _provisional_days(year):
            workday, name = entries.get(row.day, (row.day.weekday() < 5, ""))
            if row.day not in entries and (row.day.month, row.day.day) in FIXED_HOLIDAYS:
                workday, name = False, FIXED_HOLIDAYS[(row.day.month, row.day.day)]
            db.session.add(CalendarDay(day=row.day, workday=workday, name=name))
        record = db.session.get(CalendarYear, year)
        record.provisional, record.source = False, "import"
        record.changed_by_id, record.changed_at = actor.user_id, clock.now()
    audit.record(actor, "calendar.import", object_type="calendar_year", object_id=",".join(map(str, loaded)),
                 detail={"days": len(entries)})
    _after_change()
    db.session.commit()
    return loaded


def confirm_year(actor, year: int) -> CalendarYear:
    """Declare a provisional year's days correct as they stand."""
    actor.require("system.manage")
    record = ensure_year(year)
    record.provisional, record.source = False, "confirmed"
    record.changed_by_id, record.changed_at = actor.user_id, clock.now()
    audit.record(actor, "calendar.confirm", object_type="calendar_year", object_id=year)
    _after_change()
    db.session.commit()
    return record


def set_day(actor, day: date, workday: bool, name: str = "") -> CalendarDay:
    actor.require("system.manage")
    ensure_year(day.year)
    row = db.session.get(CalendarDay, day)
    row.workday, row.name = workday, name[:40]
    audit.record(actor, "calendar.day", object_type="calendar_day", object_id=day.isoformat(),
                 detail={"workday": workday})
    _after_change()
    db.session.commit()
    return row


_listeners = []


def on_change(listener) -> None:
    """Register a function called (inside the transaction) after the calendar
    changes: the tickets recompute the deadlines of open tickets this way."""
    if listener not in _listeners:
        _listeners.append(listener)


def _after_change() -> None:
    db.session.flush()
    for listener in _listeners:
        listener()

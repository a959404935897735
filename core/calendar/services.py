"""Working days. Every deadline in anqi is counted here.

Years are loaded on first use: from the chinese-calendar package where it knows
the year (official), otherwise with weekends and the fixed-date statutory
holidays only, marked provisional until an admin loads the State Council's
notice (``anqi calendar import``) or confirms the year.
"""
import io
from datetime import date, timedelta

import chinese_calendar
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from core import clock
from core.audit import services as audit
from core.calendar.models import CalendarDay, CalendarYear
from core.errors import ValidationError
from core.extensions import db
from core.spreadsheets import reading
from core.text import clean_text

# Statutory holidays that fall on the same Gregorian date every year
# (全国年节及纪念日放假办法, as revised in 2024): New Year, Labour Day, National Day.
FIXED_HOLIDAYS = {(1, 1): "元旦", (5, 1): "劳动节", (5, 2): "劳动节",
                  (10, 1): "国庆节", (10, 2): "国庆节", (10, 3): "国庆节"}
HOLIDAY_NAMES = {"New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节",
                 "Labour Day": "劳动节", "Dragon Boat Festival": "端午节", "National Day": "国庆节",
                 "Mid-autumn Festival": "中秋节", "Anti-Fascist 70th Day": "抗战胜利纪念日"}
MAX_SCAN_DAYS = 400
MIN_YEAR, MAX_YEAR = 2000, 2100  # the years the calendar may hold
MAX_IMPORT_BYTES = 200_000  # a year's notice is a few dozen lines
MAX_IMPORT_LINES = 2_000
MAX_ERRORS = 50             # a file this wrong is not another year's notice: reading stops
SCHEDULE_LIMITS = reading.Limits(max_bytes=MAX_IMPORT_BYTES, max_rows=MAX_IMPORT_LINES, max_columns=10)

# Where a year's days came from (calendar_year.source).
SOURCE_PACKAGE = "chinese-calendar"
SOURCE_PROVISIONAL = "weekends and fixed holidays"
SOURCE_IMPORT = "import"
SOURCE_CONFIRMED = "confirmed"
SOURCES = {
    SOURCE_PACKAGE: _l("the chinese-calendar package"),
    SOURCE_PROVISIONAL: _l("weekends and fixed-date holidays only"),
    SOURCE_IMPORT: _l("imported from the State Council's notice"),
    SOURCE_CONFIRMED: _l("confirmed by the administrator"),
}


def _official_days(year: int) -> list[CalendarDay] | None:
    """The year as the chinese-calendar package knows it, or None when it does not.
    A holiday carries its Chinese name; so does a weekend day worked in its place
    (调休), naming the holiday it makes up for. Plain weekends have no name."""
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return None
    days, current = [], date(year, 1, 1)
    while current.year == year:
        is_workday = chinese_calendar.is_workday(current)
        _on_holiday, name = chinese_calendar.get_holiday_detail(current)
        weekend = current.weekday() >= 5
        label = holiday_name(name) if name and (not is_workday or weekend) else ""
        days.append(CalendarDay(day=current, workday=is_workday, name=label))
        current += timedelta(days=1)
    return days


def holiday_name(english: str) -> str:
    """The Chinese name of one of chinese-calendar's holidays (it names them in English)."""
    if english in HOLIDAY_NAMES:
        return HOLIDAY_NAMES[english]
    try:
        return chinese_calendar.Holiday(english).chinese[:40]
    except ValueError:
        return english[:40]


def _provisional_days(year: int) -> list[CalendarDay]:
    days, current = [], date(year, 1, 1)
    while current.year == year:
        name = FIXED_HOLIDAYS.get((current.month, current.day), "")
        days.append(CalendarDay(day=current, workday=current.weekday() < 5 and not name, name=name))
        current += timedelta(days=1)
    return days


def check_year(year) -> int:
    """A year the calendar may hold, or a ValidationError."""
    if not isinstance(year, int) or not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationError(_l("The year must be between %(first)d and %(last)d.", first=MIN_YEAR, last=MAX_YEAR),
                              field="year")
    return year


def ensure_year(year: int) -> CalendarYear:
    """The year's record, loading the year first if it is not in the database.

    Two processes may load the same year at once (two desks registering the
    first ticket of a new year on PostgreSQL); the loser's savepoint is rolled
    back and it reads the winner's rows."""
    record = db.session.get(CalendarYear, year)
    if record is not None:
        return record
    check_year(year)
    days = _official_days(year)
    provisional = days is None
    if provisional:
        days = _provisional_days(year)
    record = CalendarYear(year=year, provisional=provisional,
                          source=SOURCE_PROVISIONAL if provisional else SOURCE_PACKAGE)
    try:
        with db.session.begin_nested():
            db.session.add(record)
            db.session.flush()  # the year first: a second loader stops at its primary key
            db.session.add_all(days)
    except IntegrityError:
        record = db.session.get(CalendarYear, year, populate_existing=True)
        if record is None:
            raise
    return record


def is_provisional(year: int) -> bool:
    return ensure_year(year).provisional


def is_workday(day: date) -> bool:
    """Whether ``day`` is a working day in the calendar (weekends, holidays and make-up days known)."""
    ensure_year(day.year)
    return db.session.get(CalendarDay, day).workday


def nth_working_day_after(day: date, n: int) -> tuple[date, bool]:
    """The ``n``-th working day after ``day`` (``day`` itself does not count), and
    whether the count went through a provisional year."""
    if n < 1:
        raise ValueError("n must be at least 1")
    first_year = (day + timedelta(days=1)).year  # the count starts the day after
    last_year = first_year + 1
    for year in range(first_year, last_year + 1):
        ensure_year(year)
    while True:
        found = db.session.scalars(
            select(CalendarDay.day).where(CalendarDay.day > day, CalendarDay.workday.is_(True))
            .order_by(CalendarDay.day).limit(n)).all()
        if len(found) == n:
            result = found[-1]
            return result, any(is_provisional(y) for y in range(first_year, result.year + 1))
        last_year += 1
        if last_year > day.year + 3:
            raise RuntimeError(f"no {n} working days within three years after {day}")
        ensure_year(last_year)


def nth_working_day_before(day: date, n: int) -> date:
    """The ``n``-th working day before ``day`` (``day`` itself does not count).
    Years are loaded going back only as far as the count needs."""
    if n < 1:
        raise ValueError("n must be at least 1")
    earliest = (day - timedelta(days=1)).year
    ensure_year(earliest)
    while True:
        found = db.session.scalars(
            select(CalendarDay.day).where(CalendarDay.day < day, CalendarDay.day >= date(earliest, 1, 1),
                                          CalendarDay.workday.is_(True))
            .order_by(CalendarDay.day.desc()).limit(n)).all()
        if len(found) == n:
            return found[-1]
        earliest -= 1
        if earliest < day.year - 3:
            raise RuntimeError(f"no {n} working days within three years before {day}")
        ensure_year(earliest)


def working_days_between(after: date, through: date) -> tuple[int, bool]:
    """How many working days follow ``after`` up to and including ``through``
    (none when ``through`` is not later), and whether the count went through a
    provisional year."""
    if through <= after:
        return 0, False
    first_year = (after + timedelta(days=1)).year
    for year in range(first_year, through.year + 1):
        ensure_year(year)
    count = db.session.scalar(select(func.count()).select_from(CalendarDay).where(
        CalendarDay.day > after, CalendarDay.day <= through, CalendarDay.workday.is_(True)))
    return count, any(is_provisional(y) for y in range(first_year, through.year + 1))


def working_days_after(after: date, through: date) -> list[date]:
    """The working days that follow ``after`` up to and including ``through``, in
    order: one statement for many countdowns (bisect it)."""
    if through <= after:
        return []
    for year in range((after + timedelta(days=1)).year, through.year + 1):
        ensure_year(year)
    return list(db.session.scalars(select(CalendarDay.day).where(
        CalendarDay.day > after, CalendarDay.day <= through, CalendarDay.workday.is_(True)).order_by(CalendarDay.day)))


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


def special_days(year: int) -> list[CalendarDay]:
    """The holidays (named days off, and days off on weekdays) and the working
    weekends (调休) of a year, in date order: what an operator checks against
    the State Council's notice."""
    return [d for d in days_of(year)
            if (not d.workday and (d.name or d.day.weekday() < 5)) or (d.workday and d.day.weekday() >= 5)]


# --- changing the calendar ----------------------------------------------------

KINDS = {"holiday": "holiday", "workday": "workday", "休": "holiday", "假": "holiday", "放假": "holiday",
         "班": "workday", "上班": "workday", "调休上班": "workday"}


def _require(actor, action: str, object_id=None) -> None:
    """Only the administrator changes the calendar; a refusal is audited."""
    if not actor.can("system.manage"):
        audit.record_failure(actor, action, result=audit.DENIED, object_type="calendar_year", object_id=object_id)
        actor.require("system.manage")


def _parse_line(number, row, entries, lines, errors) -> None:
    if row[0].strip().startswith("#"):
        return
    if not lines and not errors and row[0].strip().lower() in {"date", "日期"}:
        return  # the header
    value = row[0].strip()
    try:
        day = date.fromisoformat(value)
        if len(value) != 10:
            raise ValueError(value)
    except ValueError:
        errors.append(_l("Line %(n)d: “%(value)s” is not a date written as YYYY-MM-DD.",
                         n=number, value=value[:20]))
        return
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        errors.append(_l("Line %(n)d: the year must be between %(first)d and %(last)d.",
                         n=number, first=MIN_YEAR, last=MAX_YEAR))
        return
    kind = KINDS.get(row[1].strip().lower() if len(row) > 1 else "")
    if kind is None:
        errors.append(_l("Line %(n)d: the kind must be holiday or workday (休 or 班).", n=number))
        return
    if day in lines:
        errors.append(_l("Line %(n)d: %(day)s is already listed on line %(first)d.",
                         n=number, day=day.isoformat(), first=lines[day]))
        return
    lines[day] = number
    entries[day] = (kind == "workday", clean_text(row[2], 40)[:40] if len(row) > 2 else "")


def parse_schedule(content) -> tuple[dict, list]:
    """The days a CSV file (bytes or a binary file) names (``{date: (workday, name)}``)
    and the errors found, each naming its line. Reads UTF-8 (with or without BOM) or
    GB18030, as a stream within ``MAX_IMPORT_BYTES`` and ``MAX_IMPORT_LINES``; stops
    after ``MAX_ERRORS`` errors."""
    stream = io.BytesIO(content) if isinstance(content, bytes) else content
    entries, lines, errors = {}, {}, []
    try:
        with reading.open_rows("schedule.csv", stream, SCHEDULE_LIMITS) as (_kind, rows):
            for number, row in rows:
                if len(errors) >= MAX_ERRORS:
                    break
                _parse_line(number, [str(c) for c in row], entries, lines, errors)
    except ValidationError as exc:
        errors.append(exc.message)
    if not entries and not errors:
        errors.append(_l("The file holds no dates."))
    return entries, errors


def import_schedule(actor, content) -> list[int]:
    """Load official schedules from CSV lines ``date,kind,name`` where kind is
    ``holiday`` or ``workday`` (a weekend worked, 调休; also 休 and 班). Every
    year named in the file is rebuilt as weekends, the fixed-date holidays and
    the file's days, and marked official. Returns the years loaded. Nothing is
    changed when a line is wrong; the rejected attempt is audited."""
    _require(actor, "calendar.import")
    entries, errors = parse_schedule(content)
    if errors:
        audit.record_failure(actor, "calendar.import", object_type="calendar_year",
                             detail={"errors": len(errors), "first": str(errors[0])[:200]})
        raise ValidationError(errors[0], errors={"file": errors})
    loaded = sorted({d.year for d in entries})
    now = clock.now()
    for year in loaded:
        ensure_year(year)
        db.session.execute(delete(CalendarDay).where(CalendarDay.day >= date(year, 1, 1),
                                                     CalendarDay.day <= date(year, 12, 31)),
                           execution_options={"synchronize_session": "fetch"})
        for row in _provisional_days(year):
            workday, name = row.workday, row.name
            if row.day in entries:
                workday, name = entries[row.day]
            db.session.add(CalendarDay(day=row.day, workday=workday, name=name))
        record = db.session.get(CalendarYear, year)
        record.provisional, record.source = False, SOURCE_IMPORT
        record.changed_by_id, record.changed_at = actor.user_id, now
    audit.record(actor, "calendar.import", object_type="calendar_year", object_id=",".join(map(str, loaded)),
                 detail={"days": len(entries), "years": loaded})
    _after_change()
    db.session.commit()
    return loaded


def confirm_year(actor, year: int) -> CalendarYear:
    """Declare a provisional year's days correct as they stand."""
    _require(actor, "calendar.confirm", year)
    try:
        check_year(year)
        record = ensure_year(year)
        if not record.provisional:
            raise ValidationError(_l("The schedule of %(year)d is already official.", year=year), field="year")
    except ValidationError:
        audit.record_failure(actor, "calendar.confirm", object_type="calendar_year", object_id=year)
        raise
    record.provisional, record.source = False, SOURCE_CONFIRMED
    record.changed_by_id, record.changed_at = actor.user_id, clock.now()
    audit.record(actor, "calendar.confirm", object_type="calendar_year", object_id=year)
    _after_change()
    db.session.commit()
    return record


def set_day(actor, day, workday: bool, name: str = "") -> CalendarDay:
    """Make one day a working day or a day off (``name``: the holiday, or for a
    working weekend the holiday it makes up for). ``day`` is a date or its
    YYYY-MM-DD text. The year keeps its provisional or official standing."""
    _require(actor, "calendar.day", getattr(day, "year", None))
    try:
        if not isinstance(day, date):
            text = str(day or "").strip()
            try:
                day = date.fromisoformat(text)
                if len(text) != 10:
                    raise ValueError(text)
            except ValueError:
                raise ValidationError(_l("“%(value)s” is not a date written as YYYY-MM-DD.", value=text[:20]),
                                      field="day") from None
        check_year(day.year)
        name = clean_text(name or "", 40)
        if len(name) > 40:
            raise ValidationError(_l("Keep the name under %(n)d characters.", n=40), field="name")
    except ValidationError as exc:
        audit.record_failure(actor, "calendar.day", object_type="calendar_day",
                             object_id=day.isoformat() if isinstance(day, date) else None,
                             detail={"fields": sorted(exc.errors or [])})
        raise
    record = ensure_year(day.year)
    row = db.session.get(CalendarDay, day)
    before = (row.workday, row.name)
    row.workday, row.name = bool(workday), name
    record.changed_by_id, record.changed_at = actor.user_id, clock.now()
    audit.record(actor, "calendar.day", object_type="calendar_day", object_id=day.isoformat(),
                 detail={"workday": bool(workday), "was_workday": before[0], "name": name})
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

"""Deadlines on the Chinese working-day calendar.

- instant (即办): 12 calendar hours after registration, moved on by the working
  days of approved extensions;
- general (一般): the end of the 5th working day after the day of registration
  (that day does not count), plus the working days of approved extensions;
- complex (疑难): no final deadline, but a progress report every 5 working days;
- signing for a dispatched ticket (签收): by the end of the next working day.

A ticket reopened for rework (重办) counts its final deadline afresh from the
reopening, as if registered then.

Days are Chinese days: a ticket registered at 23:30 on Friday in Beijing counts
from that Friday, whatever the UTC date.
"""
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from core.calendar.services import nth_working_day_after

LOCAL = ZoneInfo("Asia/Shanghai")
UTC = ZoneInfo("UTC")
INSTANT_HOURS = 12
GENERAL_WORKING_DAYS = 5
PROGRESS_WORKING_DAYS = 5
SIGN_WORKING_DAYS = 1
WARN_AT = 0.8  # share of the allowed time after which the handling unit is warned


@dataclass(frozen=True)
class Deadline:
    at: datetime          # naive UTC, as stored
    provisional: bool     # counted through a year whose holidays are not yet official


def local_date(at: datetime):
    return at.replace(tzinfo=UTC).astimezone(LOCAL).date()


def end_of_local_day(day) -> datetime:
    """The last second of ``day`` in China, as naive UTC."""
    local = datetime.combine(day, time(23, 59, 59), tzinfo=LOCAL)
    return local.astimezone(UTC).replace(tzinfo=None)


def after_working_days(start: datetime, days: int) -> Deadline:
    day, provisional = nth_working_day_after(local_date(start), days)
    return Deadline(end_of_local_day(day), provisional)


def final_deadline(ticket_class: str, start: datetime, extension_days: int = 0) -> Deadline | None:
    """``start``: the registration, or the reopening for rework."""
    if ticket_class == "instant":
        due = start + timedelta(hours=INSTANT_HOURS)
        return after_working_days(due, extension_days) if extension_days else Deadline(due, False)
    if ticket_class == "general":
        return after_working_days(start, GENERAL_WORKING_DAYS + extension_days)
    return None


def sign_deadline(dispatched_at: datetime) -> Deadline:
    return after_working_days(dispatched_at, SIGN_WORKING_DAYS)


def progress_deadline(last_report_at: datetime, extension_days: int = 0) -> Deadline:
    return after_working_days(last_report_at, PROGRESS_WORKING_DAYS + extension_days)


def warning_time(start: datetime, due: datetime) -> datetime:
    """When 80 % of the time from ``start`` to ``due`` has passed."""
    return start + (due - start) * WARN_AT

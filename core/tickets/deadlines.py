"""Deadlines on the Chinese working-day calendar.

- instant (即办): 12 calendar hours after registration, moved on by the working
  days of approved extensions;
- general (一般): the end of the 5th working day after the day of registration
  (that day does not count), plus the working days of approved extensions;
- complex (疑难): no final deadline, but a progress report every 5 working days;
- signing for a dispatched ticket (签收): by the end of the next working day;
- long-unsolved (积案): still open after the end of the n-th working day after
  the day of registration (``registered_before``).

A ticket sent back for rework (重办: by the centre, or after a dissatisfied
rating) counts its final deadline afresh from that moment, by its class, as if
registered then.

限期办: the dispatcher may set the final deadline as a day (it ends at
23:59:59 that day in China), within the limits below; approved extensions then
add their working days to that day.

A paused clock (暂停计时: the ticket waits for the enterprise — information
asked for, or an appointment it chose) gives its time back to the deadlines
that ran through it, counted the way each deadline counts:

- instant: the final deadline moves by the time paused, to the second (12
  hours, then any extension's working days, then the pauses added);
- general, and a complex ticket's progress report: the deadline moves by the
  working days the pause covered — those after the day it began, up to and
  including the day it ended (China days), as the deadline itself counts the
  days after its start. A pause that begins and ends on the same day moves
  nothing; one from Friday 10:00 to Monday 09:00 gives back Monday; one from
  Wednesday to the next Monday gives back Thursday, Friday and Monday;
- the sign-for deadline never pauses (a ticket waiting to be signed for cannot
  be paused), and a leader's supervision deadline is the leader's own date.

Only the part of a pause after a deadline's start counts for it: a pause
before a reopening moves nothing of the fresh deadline, and a progress report
made during a pause starts the next period's count from the report. A pause
still running moves nothing yet: the deadline is counted when it ends. Pauses
are read from the timeline (``paused`` and ``resumed`` entries), so counting
again after a calendar change gives the same answer as counting at the time.

Days are Chinese days: a ticket registered at 23:30 on Friday in Beijing counts
from that Friday, whatever the UTC date.
"""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from core.calendar.services import is_workday, nth_working_day_after, nth_working_day_before, working_days_between

LOCAL = ZoneInfo("Asia/Shanghai")
UTC = ZoneInfo("UTC")
INSTANT_HOURS = 12
GENERAL_WORKING_DAYS = 5
PROGRESS_WORKING_DAYS = 5
SIGN_WORKING_DAYS = 1
WARN_AT = 0.8  # share of the allowed time after which the handling unit is warned

# 限期办: the limits of a deadline set at dispatch (a working day, in China).
# Not before the end of the next working day after the dispatch: signing for the
# ticket alone may take that long (SIGN_WORKING_DAYS), so an earlier day could be
# missed before the unit has the ticket in hand.
SET_DEADLINE_EARLIEST_WORKING_DAYS = SIGN_WORKING_DAYS
# An instant or general ticket: not after the class's own deadline, which a set
# deadline may tighten but never loosen (so an instant ticket, whose 12 hours end
# before the next working day does, never takes one). A complex ticket has no
# final deadline of its own: at most 60 working days (about three months) after
# the dispatch, the longest a hard case is left without a date to answer by.
SET_DEADLINE_COMPLEX_MAX_WORKING_DAYS = 60


@dataclass(frozen=True)
class Deadline:
    at: datetime          # naive UTC, as stored
    provisional: bool     # counted through a year whose holidays are not yet official


def local_date(at: datetime) -> date:
    """The date in China (Asia/Shanghai) at ``at``, a naive UTC moment."""
    return at.replace(tzinfo=UTC).astimezone(LOCAL).date()


def end_of_local_day(day) -> datetime:
    """The last second of ``day`` in China, as naive UTC."""
    local = datetime.combine(day, time(23, 59, 59), tzinfo=LOCAL)
    return local.astimezone(UTC).replace(tzinfo=None)


def after_working_days(start: datetime, days: int) -> Deadline:
    """The end of the ``days``-th working day after ``start`` (the working-day
    calendar); ``provisional`` when that year's calendar is not yet confirmed."""
    day, provisional = nth_working_day_after(local_date(start), days)
    return Deadline(end_of_local_day(day), provisional)


@dataclass(frozen=True)
class Paused:
    """What a ticket's pauses give back to one deadline."""

    seconds: int = 0           # the time paused (instant tickets)
    working_days: int = 0      # the working days the pauses covered (working-day deadlines)
    provisional: bool = False  # a count went through a provisional year


NOT_PAUSED = Paused()


def paused_span(began: datetime, ended: datetime) -> Paused:
    """What one pause from ``began`` to ``ended`` gives back (see the module's rules)."""
    if ended <= began:
        return NOT_PAUSED
    days, provisional = working_days_between(local_date(began), local_date(ended))
    return Paused(int((ended - began).total_seconds()), days, provisional)


class Pauses:
    """A ticket's pauses as its timeline tells them, in order: ``begin`` at each
    ``paused`` entry, ``end`` at each ``resumed`` one."""

    def __init__(self):
        self.spans: list[tuple[datetime, datetime]] = []
        self.running_since: datetime | None = None

    def begin(self, at: datetime) -> None:
        if self.running_since is None:
            self.running_since = at

    def end(self, at: datetime) -> None:
        if self.running_since is not None:
            self.spans.append((self.running_since, at))
            self.running_since = None

    def after(self, start: datetime) -> Paused:
        """The ended pauses' gift to a deadline that started at ``start``: each
        pause counted from ``start`` when it began before it."""
        seconds = days = 0
        provisional = False
        for began, ended in self.spans:
            part = paused_span(max(began, start), ended)
            seconds, days = seconds + part.seconds, days + part.working_days
            provisional = provisional or part.provisional
        return Paused(seconds, days, provisional)


def final_deadline(ticket_class: str, start: datetime, extension_days: int = 0,
                   paused: Paused = NOT_PAUSED) -> Deadline | None:
    """``start``: the registration, or the reopening for rework."""
    if ticket_class == "instant":
        due = start + timedelta(hours=INSTANT_HOURS)
        deadline = after_working_days(due, extension_days) if extension_days else Deadline(due, False)
        return Deadline(deadline.at + timedelta(seconds=paused.seconds), deadline.provisional or paused.provisional)
    if ticket_class == "general":
        deadline = after_working_days(start, GENERAL_WORKING_DAYS + extension_days + paused.working_days)
        return Deadline(deadline.at, deadline.provisional or paused.provisional)
    return None


def set_deadline(day: date, extension_days: int = 0) -> Deadline:
    """限期办: the end of the day the dispatcher set, moved on by the working days
    of the extensions approved since."""
    end = end_of_local_day(day)
    return after_working_days(end, extension_days) if extension_days else Deadline(end, False)


@dataclass(frozen=True)
class SetDeadlineWindow:
    """The days a dispatcher may choose as the deadline; empty when
    ``latest < earliest``."""

    earliest: date
    latest: date

    @property
    def empty(self) -> bool:
        return self.latest < self.earliest

    def allows(self, day: date) -> bool:
        return self.earliest <= day <= self.latest and is_workday(day)


def set_deadline_window(ticket_class: str, dispatched_at: datetime, class_deadline: Deadline | None
                        ) -> SetDeadlineWindow:
    """The limits of a deadline set at a dispatch at ``dispatched_at``, for a
    ticket whose class gives ``class_deadline`` (None for a complex ticket)."""
    dispatched_on = local_date(dispatched_at)
    earliest, _provisional = nth_working_day_after(dispatched_on, SET_DEADLINE_EARLIEST_WORKING_DAYS)
    if ticket_class == "complex" or class_deadline is None:
        latest, _provisional = nth_working_day_after(dispatched_on, SET_DEADLINE_COMPLEX_MAX_WORKING_DAYS)
    else:
        latest = local_date(class_deadline.at)
        if end_of_local_day(latest) > class_deadline.at:  # that day ends after the class's deadline
            latest -= timedelta(days=1)
    return SetDeadlineWindow(earliest, latest)


def sign_deadline(dispatched_at: datetime) -> Deadline:
    return after_working_days(dispatched_at, SIGN_WORKING_DAYS)


def progress_deadline(last_report_at: datetime, extension_days: int = 0, paused: Paused = NOT_PAUSED) -> Deadline:
    deadline = after_working_days(last_report_at, PROGRESS_WORKING_DAYS + extension_days + paused.working_days)
    return Deadline(deadline.at, deadline.provisional or paused.provisional)


def warning_time(start: datetime, due: datetime) -> datetime:
    """When 80 % of the time from ``start`` to ``due`` has passed."""
    return start + (due - start) * WARN_AT


def registered_before(now: datetime, working_days: int) -> datetime:
    """The instant (naive UTC) before which a ticket must have been registered to
    be open beyond ``working_days`` working days now: the end of the n-th working
    day after its day of registration has passed. There are n working days from
    the day after the registration to the last working day before today exactly
    when the registration came before the n-th working day back from today."""
    day = nth_working_day_before(local_date(now), working_days)
    return datetime.combine(day, time.min, tzinfo=LOCAL).astimezone(UTC).replace(tzinfo=None)


def opinion_deadline(start: datetime, working_days: int) -> Deadline:
    """专家会诊: the opinions are due by the end of the n-th working day after the invitation."""
    return after_working_days(start, working_days)

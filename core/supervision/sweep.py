"""The registers' sweep, run by the background worker every five minutes
(``core.tasks``, ``anqi.supervision.sweep``) and by ``anqi supervision sweep``.

- 挂牌督办: an open entry without a progress note for 7 days is flagged on the
  ticket's timeline and its responsible leader and the handling unit are
  reminded, once a week per entry while no note comes; an entry whose
  deadline has passed is told about once.
- 专家会诊: an open consultation past its deadline is closed, its silent units
  marked as missed and told, and the asking unit told
  (``core.tickets.consultations.close_due``).

Like the ticket sweep it is idempotent and safe to run twice at once: the rows
to change are locked (``skip_locked``) and checked again, and rows another
transaction holds are left to the next run.
"""
from dataclasses import asdict, dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import lazyload

from core import clock
from core.audit import services as audit
from core.extensions import db
from core.notifications.services import notify_users
from core.org.actor import Actor
from core.supervision import services as supervision
from core.supervision.models import SupervisionEntry
from core.tickets import consultations, deadlines
from core.tickets.models import Ticket, TicketEvent
from core.tickets.sweep import system_actor


@dataclass
class SweepSummary:
    reminded: int = 0                 # entries reminded of their weekly progress
    deadlines_passed: int = 0         # entries whose register deadline passed, told once
    consultations_closed: int = 0
    notified: int = 0
    skipped: int = 0                  # entries another transaction held

    def as_dict(self) -> dict:
        return asdict(self)

    @property
    def changed(self) -> bool:
        return bool(self.reminded or self.deadlines_passed or self.consultations_closed)


def _event(ticket, kind, now, text, data) -> None:
    db.session.add(TicketEvent(ticket_id=ticket.id, kind=kind, from_status=ticket.status, to_status=ticket.status,
                               actor_id=None, actor_name="system", unit_id=None, text=str(text), data=data,
                               internal=True, at=now))


def sweep(now: datetime | None = None, actor: Actor | None = None) -> SweepSummary:
    """Remind, tell and close what is due; audit (when anything was done) and commit once."""
    now = now or clock.now()
    username = None if actor else "system"
    actor = actor or system_actor()
    summary = SweepSummary()
    due = list(db.session.scalars(select(SupervisionEntry.id).where(supervision.sweep_condition(now))))
    if due:
        locked = (select(SupervisionEntry).where(SupervisionEntry.id.in_(due)).options(lazyload("*"))
                  .order_by(SupervisionEntry.id).with_for_update(of=SupervisionEntry, skip_locked=True)
                  .execution_options(populate_existing=True))
        entries = list(db.session.scalars(locked))
        summary.skipped = len(due) - len(entries)
        for entry in entries:
            if entry.closed_at is not None:
                continue
            ticket = db.session.get(Ticket, entry.ticket_id)
            audience = {entry.responsible_id} | supervision.unit_users(ticket.handling_unit_id)
            if entry.progress_due_at < now and (entry.reminded_at is None
                                                or entry.reminded_at <= now - supervision.PROGRESS_INTERVAL):
                entry.reminded_at = now
                since = entry.last_progress_at or entry.listed_at
                _event(ticket, "listing_reminder", now, _l("No progress on the supervision register since %(day)s.",
                                                           day=_local(since)), {"entry": entry.id})
                summary.reminded += 1
                summary.notified += notify_users(audience, "listing_reminder", _l(
                    "Ticket %(number)s (挂牌督办) has had no progress for 7 days: write this week's progress.",
                    number=ticket.number), ticket.id)
            if entry.due_at < now and entry.deadline_notified_at is None:
                entry.deadline_notified_at = now
                _event(ticket, "listing_overdue", now, _l("The supervision register's deadline (%(due)s) has passed.",
                                                          due=_local(entry.due_at)), {"entry": entry.id})
                summary.deadlines_passed += 1
                summary.notified += notify_users(audience, "listing_overdue", _l(
                    "Ticket %(number)s (挂牌督办): the register's deadline (%(due)s) has passed.",
                    number=ticket.number, due=_local(entry.due_at)), ticket.id)
    closed, notified = consultations.close_due(now, actor, username)
    summary.consultations_closed, summary.notified = closed, summary.notified + notified
    if summary.changed:
        audit.record(actor, "supervision.sweep", object_type="supervision_entry", detail=summary.as_dict(),
                     username=username)
    db.session.commit()
    return summary


def _local(at: datetime) -> str:
    return at.replace(tzinfo=deadlines.UTC).astimezone(deadlines.LOCAL).strftime("%Y-%m-%d %H:%M")

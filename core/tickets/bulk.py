"""Bulk actions on the ticked tickets of the ticket list: dispatch them (each by
its routing suggestion, or all to one unit) or close the answered ones.

Each ticket goes through the same service as the single action
(``core.tickets.services.dispatch`` / ``close``), in its own short transaction
with its own audit entry and the same checks of permission, status and unit: a
ticket refused (wrong status, outside the actor's units, changed by someone
else at the same moment) is reported by its number with the reason and does
not undo the others. Called alike by the list page, the JSON API and tests.
"""
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from core.errors import AnqiError, ValidationError
from core.extensions import db
from core.routing import services as routing
from core.tickets import services as tickets
from core.tickets.models import Ticket
from core.org.services import unit_from_form

MAX_TICKETS = routing.MAX_BULK
DISPATCH_SUGGESTED, DISPATCH_TO_UNIT, CLOSE = "dispatch_suggested", "dispatch_to_unit", "close"
ACTIONS = {
    DISPATCH_SUGGESTED: _l("Dispatch by the suggestions"),
    DISPATCH_TO_UNIT: _l("Dispatch all to one unit"),
    CLOSE: _l("Close the answered tickets"),
}
STALE = _l("Someone else changed this ticket at the same moment; open it to see how it stands.")
NOT_VISIBLE = _l("There is no such ticket in your units' area.")


@dataclass(frozen=True)
class Result:
    ticket_id: int
    number: str
    done: bool
    message: str = ""        # why it was refused


@dataclass(frozen=True)
class Outcome:
    action: str
    results: list[Result]

    @property
    def done(self) -> list[Result]:
        return [r for r in self.results if r.done]

    @property
    def refused(self) -> list[Result]:
        return [r for r in self.results if not r.done]

    def summary(self) -> str:
        """One message for the whole: "3 个工单已派发；1 个未派发：2026-000012（原因）"."""
        done, refused = len(self.done), len(self.refused)
        if self.action == CLOSE:
            parts = [ngettext("%(num)d ticket closed", "%(num)d tickets closed", done)]
            if refused:
                parts.append(ngettext("%(num)d not closed: %(why)s", "%(num)d not closed: %(why)s", refused,
                                      why=self._reasons()))
        else:
            parts = [ngettext("%(num)d ticket dispatched", "%(num)d tickets dispatched", done)]
            if refused:
                parts.append(ngettext("%(num)d not dispatched: %(why)s", "%(num)d not dispatched: %(why)s",
                                      refused, why=self._reasons()))
        return _("%(parts)s.", parts=_("; ").join(parts))

    def _reasons(self) -> str:
        return _("; ").join(_("%(number)s (%(reason)s)", number=r.number, reason=r.message.rstrip("。.")) for r in
                            self.refused)


def _ids(ticket_ids) -> list[int]:
    """The ticked ids, each once, in the order given; refuses an empty or too long list."""
    found = list(dict.fromkeys(i for i in ticket_ids if isinstance(i, int) and not isinstance(i, bool)
                               and 0 < i < 2**31))
    if not found:
        raise ValidationError(_l("Tick at least one ticket."), field="tickets")
    if len(found) > MAX_TICKETS:
        raise ValidationError(_l("Choose at most %(n)d tickets at a time.", n=MAX_TICKETS), field="tickets")
    return found


def _visible(actor, ids) -> dict[int, Ticket]:
    stmt = select(Ticket).where(Ticket.id.in_(ids), tickets.visible(actor))
    return {t.id: t for t in db.session.scalars(stmt).unique()}


def _one(ticket_id, number, work) -> Result:
    """Run ``work`` (one ticket's change, which commits) and report how it went."""
    try:
        ticket = work()
    except (AnqiError, StaleDataError) as exc:
        db.session.rollback()
        message = exc.message if isinstance(exc, AnqiError) else STALE
        return Result(ticket_id, number, False, str(message))
    return Result(ticket.id, ticket.number, True)


def dispatch(actor, ticket_ids, unit_id=None) -> Outcome:
    """Dispatch the tickets: each to the unit (and officer) of its routing
    suggestion, or all to ``unit_id`` (the unit then chooses the officer)."""
    actor.require("ticket.dispatch")
    ids = _ids(ticket_ids)
    action = DISPATCH_SUGGESTED if unit_id is None else DISPATCH_TO_UNIT
    if action == DISPATCH_TO_UNIT and unit_from_form(unit_id) is None:
        raise ValidationError(_l("Choose the unit to dispatch to."), field="unit_id")
    found = _visible(actor, ids)
    suggestions = routing.suggest_many(actor, found.values()) if action == DISPATCH_SUGGESTED else {}
    numbers = {i: t.number for i, t in found.items()}   # read now: a rollback expires the rows
    results = []
    for ticket_id in ids:
        number = numbers.get(ticket_id, f"#{ticket_id}")
        if ticket_id not in found:
            results.append(Result(ticket_id, number, False, str(NOT_VISIBLE)))
            continue
        if action == DISPATCH_SUGGESTED:
            suggestion = suggestions[ticket_id]
            if suggestion.unit is None:
                results.append(Result(ticket_id, number, False, suggestion.reason))
                continue
            target, officer = suggestion.unit_id, suggestion.officer_id
        else:
            target, officer = int(unit_id), None
        results.append(_one(ticket_id, number, lambda t=ticket_id, u=target, o=officer:
                            tickets.dispatch(actor, t, u, o)))
    return Outcome(action, results)


def close(actor, ticket_ids, note: str = "") -> Outcome:
    """办结 the answered tickets, each confirmed and closed on its own."""
    actor.require("ticket.dispatch")
    ids = _ids(ticket_ids)
    found = _visible(actor, ids)
    numbers = {i: t.number for i, t in found.items()}
    results = []
    for ticket_id in ids:
        number = numbers.get(ticket_id, f"#{ticket_id}")
        if ticket_id not in found:
            results.append(Result(ticket_id, number, False, str(NOT_VISIBLE)))
            continue
        results.append(_one(ticket_id, number, lambda t=ticket_id: tickets.close(actor, t, note)))
    return Outcome(CLOSE, results)

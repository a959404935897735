"""Merging tickets (诉求合并): a second report of the same matter closes into the
ticket that carries it on, the survivor.

The rules, checked by ``merge`` (refusals audited) and asked without writing by
``check`` (the confirmation step):

- **Who**: the centre — desk staff or a leader (``ticket.dispatch``) whose scope
  holds the registering unit of both tickets. A station or an officer cannot.
- **The duplicate** (the ticket merged, ``RULES["merge"]``) is registered,
  returned, dispatched or being handled. Not once answered (the answer waits for
  the desk's check on that ticket), transferred (an outside department holds
  it), closed or rated (already counted as closed, perhaps rated), nor merged.
- **The survivor** is another ticket of the same enterprise, still open:
  registered, dispatched, being handled, answered, returned or transferred —
  never closed, rated or merged itself (the desk is told which ticket a merged
  one went to, so it can merge into that one).
- **One-way**: the duplicate ends with status ``merged`` and a ``ticket_merge``
  row pointing at the survivor (one row per ticket: it is merged once); nothing
  reopens it. It is not closed (no
  ``closed_at``, never "closed on time"), cannot be rated, leaves every queue,
  and adds nothing to the statistics: the demand is received once, as the
  survivor (``core.tickets.stats``).
- **What moves**: the duplicate's attachments become the survivor's; its contact
  becomes the survivor's when the survivor has none, and is otherwise written on
  the survivor's timeline for staff (name and masked phone; the full number stays
  on the duplicate, revealed there as ever).
- **The timelines**: the duplicate's entry names the survivor; the survivor's
  lists what came in (number, description, files). The enterprise sees both on
  the portal, once: the merged demand points at the survivor and asks nothing of
  it; the survivor is the one it rates.
- **Told and audited**: ``ticket.merge`` in the audit trail (a refusal too); the
  units handling either ticket are notified; plugins hear ``merged``.
"""
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core import clock
from core.audit import services as audit
from core.errors import Forbidden, NotFound, ValidationError
from core.extensions import db
from core.notifications.services import notify_unit
from core.privacy import masking
from core.text import clean_text
from core.tickets import consultations, services
from core.tickets.merge_models import TicketMerge
from core.tickets.models import Ticket
from core.tickets.services import _check, _commit, _event, _is_centre, _party
from core.tickets.vocabulary import OPEN_STATUSES, STATUSES

SURVIVOR_STATUSES = OPEN_STATUSES
MAX_NOTE = 1000


def parse_number(value) -> tuple[int, int] | None:
    """(year, serial) of a ticket number as printed or typed: 2026-000123, 2026-123, 2026000123."""
    from core.tickets.queues import NUMBER

    match = NUMBER.match(str(value or "").strip())
    return (int(match.group(1)), int(match.group(2))) if match else None


def find_survivor(actor, number) -> Ticket:
    """The ticket numbered ``number`` that the actor may see; a ValidationError on
    the ``into`` field otherwise (a ticket outside the scope is not told apart
    from one that does not exist)."""
    key = parse_number(number)
    if key is None:
        raise ValidationError(_l("Write the number of the ticket to merge into, e.g. 2026-000123."), field="into")
    found = db.session.scalar(select(Ticket.id).where(Ticket.year == key[0], Ticket.seq == key[1]))
    if found is not None:
        try:
            return services.get(actor, found)
        except NotFound:
            pass
    raise ValidationError(_l("There is no ticket numbered %(number)s in your units' area.",
                             number=str(number).strip()[:20]), field="into")


def survivor_problem(actor, duplicate, survivor):
    """Why ``duplicate`` cannot be merged into ``survivor`` (a message), or None."""
    if survivor.id == duplicate.id:
        return _l("A ticket cannot be merged into itself.")
    if survivor.enterprise_id != duplicate.enterprise_id:
        return _l("Ticket %(number)s is another enterprise's: only tickets of the same enterprise are merged.",
                  number=survivor.number)
    if survivor.status == "merged":
        into = survivor_of(survivor)
        return _l("Ticket %(number)s was itself merged into %(into)s: merge into that one.",
                  number=survivor.number, into=into.number if into else "—")
    if survivor.status not in SURVIVOR_STATUSES:
        return _l("Ticket %(number)s is “%(status)s”: a ticket is merged only into an open one.",
                  number=survivor.number, status=STATUSES[survivor.status])
    if not _is_centre(actor, survivor):
        return _l("Only the centre that registered ticket %(number)s may merge into it.", number=survivor.number)
    return None


def check(actor, ticket_id, number) -> tuple[Ticket, Ticket]:
    """(duplicate, survivor) when the merge may be made now; the refusal otherwise,
    as ``merge`` would give it, but without auditing or writing (the confirmation
    page asks this before the user confirms)."""
    duplicate = services.get(actor, ticket_id)
    check_merge_allowed(actor, duplicate)
    survivor = find_survivor(actor, number)
    problem = survivor_problem(actor, duplicate, survivor)
    if problem is not None:
        raise ValidationError(problem, field="into")
    return duplicate, survivor


def check_merge_allowed(actor, duplicate) -> None:
    """Refuse (Forbidden, IllegalTransition) unless the actor may merge ``duplicate``
    into some ticket now: ``RULES["merge"]``, asked without auditing."""
    if "merge" in services.available_actions(actor, duplicate):
        return
    if not _party(actor, duplicate, services.RULES["merge"]):
        raise Forbidden(_l("You are not allowed to do this with this ticket."))
    raise services.IllegalTransition(_l("A ticket that is “%(status)s” cannot be %(action)s.",
                                        status=STATUSES[duplicate.status], action=services.ACTION_NAMES["merge"]))


def _lock(*tickets) -> None:
    """Hold both rows until the commit (PostgreSQL; SQLite's write lock is taken at
    BEGIN), in id order, and read them again: a survivor closed or merged in the
    meantime is seen as it now is."""
    ids = sorted(t.id for t in tickets)
    db.session.execute(select(Ticket).where(Ticket.id.in_(ids)).order_by(Ticket.id)
                       .with_for_update(of=Ticket).execution_options(populate_existing=True))


def merge(actor, ticket_id, number, note: str = "") -> Ticket:
    """合并: close ticket ``ticket_id`` into the ticket numbered ``number`` of the same
    enterprise. Returns the survivor."""
    duplicate = services.get(actor, ticket_id)
    _check(actor, duplicate, "merge")
    try:
        survivor = find_survivor(actor, number)
    except ValidationError:
        audit.record_failure(actor, "ticket.merge", object_type="ticket", object_id=duplicate.id,
                             detail={"status": duplicate.status, "into": None})
        raise
    _lock(duplicate, survivor)
    _check(actor, duplicate, "merge")
    problem = survivor_problem(actor, duplicate, survivor)
    if problem is not None:
        audit.record_failure(actor, "ticket.merge", object_type="ticket", object_id=duplicate.id,
                             detail={"status": duplicate.status, "into": survivor.id})
        raise ValidationError(problem, field="into")
    note = clean_text(note, MAX_NOTE)
    if len(note) > MAX_NOTE:
        raise ValidationError(_l("Keep this under %(n)d characters.", n=MAX_NOTE), field="note")

    files = list(duplicate.attachments)
    for attachment in files:
        attachment.ticket = survivor
    contact = contact_outcome(duplicate, survivor)
    names = "、".join(a.original_name for a in files)

    from_status = duplicate.status
    duplicate.status = "merged"
    # What still waited on the duplicate waits no more: its request for more time,
    # and the other units asked for their opinion (专家会诊).
    extension = services.pending_extension(duplicate)
    if extension is not None:
        extension.status, extension.decided_at = "withdrawn", clock.now()
    consultations.withdraw_for_merge(actor, duplicate, survivor)
    db.session.add(TicketMerge(ticket_id=duplicate.id, into_id=survivor.id, merged_by_id=actor.user_id,
                               merged_at=clock.now()))
    _event(actor, duplicate, "merged", from_status, "merged", text=note,
           data={"into": survivor.id, "number": survivor.number, "files": len(files)})
    _event(actor, survivor, "merged_in", survivor.status, survivor.status,
           text="\n".join(filter(None, [f"{duplicate.number}：{duplicate.description}", names]))[:services.MAX_TEXT],
           data={"ticket": duplicate.id, "number": duplicate.number, "files": len(files), "contact": contact})
    _move_contact(actor, duplicate, survivor, contact)
    audit.record(actor, "ticket.merge", duplicate, detail={
        "from": from_status, "into": survivor.id, "number": survivor.number, "files": len(files),
        "contact": contact})
    _notify(duplicate, survivor)
    _commit(actor, duplicate, "merged")
    return survivor


def contact_outcome(duplicate, survivor) -> str:
    """What becomes of the duplicate's contact: "moved" to a survivor that has
    none, "recorded" on the timeline of one that has another, "" (nothing new)."""
    name, phone = duplicate.contact_name or "", duplicate.contact_phone or ""
    if not (name or phone):
        return ""
    if not (survivor.contact_name or survivor.contact_phone):
        return "moved"
    return "" if (name, phone) == (survivor.contact_name or "", survivor.contact_phone or "") else "recorded"


def _move_contact(actor, duplicate, survivor, outcome: str) -> None:
    name, phone = duplicate.contact_name or "", duplicate.contact_phone or ""
    if outcome == "moved":
        survivor.contact_name, survivor.contact_phone = name, phone
    elif outcome == "recorded":
        shown = " · ".join(filter(None, [name, masking.mask("phone", phone)]))
        _event(actor, survivor, "merged_contact", survivor.status, survivor.status, text=shown, internal=True,
               data={"ticket": duplicate.id, "number": duplicate.number})


def _notify(duplicate, survivor) -> None:
    if duplicate.handling_unit_id is not None and duplicate.handling_unit_id != survivor.handling_unit_id:
        notify_unit(duplicate.handling_unit_id, "merged",
                    _l("Ticket %(number)s was merged into %(into)s and needs no further handling.",
                       number=duplicate.number, into=survivor.number), duplicate.id)
    if survivor.handling_unit_id is not None:
        notify_unit(survivor.handling_unit_id, "merged",
                    _l("Ticket %(into)s: the demand %(number)s of the same enterprise was merged into it.",
                       number=duplicate.number, into=survivor.number), survivor.id)


# --- reading ----------------------------------------------------------------------------

def merge_of(ticket) -> TicketMerge | None:
    """The merge that closed ``ticket`` (its survivor is ``.into``), or None."""
    if ticket.status != "merged":
        return None
    return db.session.get(TicketMerge, ticket.id)


def survivor_of(ticket) -> Ticket | None:
    merge = merge_of(ticket)
    return merge.into if merge is not None else None


def merged_into(ticket) -> list[TicketMerge]:
    """The merges into ``ticket``, oldest first (each ``.ticket`` a duplicate)."""
    return list(db.session.scalars(select(TicketMerge).where(TicketMerge.into_id == ticket.id)
                                   .order_by(TicketMerge.merged_at, TicketMerge.ticket_id)))


@dataclass(frozen=True)
class Merges:
    closed_by: TicketMerge | None     # the merge that closed this ticket (its survivor: ``.into``)
    merged_in: list                   # the merges into this ticket


def merges_of(ticket) -> Merges:
    return Merges(merge_of(ticket), merged_into(ticket))


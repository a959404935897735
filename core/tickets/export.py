"""The ticket list (a queue, as filtered; or the ticked tickets) as an Excel
workbook, through core.spreadsheets (text that a spreadsheet would run as a
formula is neutralised).

As in the registry's export, the contact's phone is masked: the list is for
following the work, and a phone in full is seen one at a time, audited, on the
ticket page. The export is bounded: more rows than ``TICKET_EXPORT_MAX_ROWS``
are refused with a message asking to narrow the filters, before anything is
written. The export is audited (``ticket.export``, with the row count)."""
import io

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from sqlalchemy import func, select

from core.audit import services as audit
from core.errors import ValidationError
from core.extensions import db
from core.privacy import masking
from core.spreadsheets.cells import row_of
from core.tickets import queues
from core.tickets import services as tickets
from core.tickets.deadlines import LOCAL, UTC
from core.tickets.models import Ticket
from core.tickets.vocabulary import CHANNELS, CLASSES, MODES, STATUSES

MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
COLUMNS = (
    ("number", _l("Number")), ("enterprise", _l("Enterprise")), ("credit_code", _l("Credit code")),
    ("category", _l("Category")), ("ticket_class", _l("Class")), ("handling_mode", _l("Handling mode")),
    ("channel", _l("Channel")), ("status", _l("Status")), ("handling_unit", _l("Handling unit")),
    ("officer", _l("Handling officer")), ("registered_at", _l("Registered at")), ("due_at", _l("Deadline")),
    ("overdue", _l("Overdue")), ("contact_name", _l("Contact")), ("contact_phone", _l("Contact phone")),
    ("description", _l("Demand")),
)


def max_rows() -> int:
    return int(current_app.config.get("TICKET_EXPORT_MAX_ROWS", 20_000))


def _local(at) -> str:
    return at.replace(tzinfo=UTC).astimezone(LOCAL).strftime("%Y-%m-%d %H:%M") if at else ""


def _row(t: Ticket, labels: dict) -> list:
    values = {
        "number": t.number, "enterprise": t.enterprise.name, "credit_code": t.enterprise.credit_code or "",
        "category": str(labels.get(t.category, t.category)),
        "ticket_class": str(CLASSES.get(t.ticket_class, t.ticket_class)),
        "handling_mode": str(MODES.get(t.handling_mode, t.handling_mode)),
        "channel": str(CHANNELS.get(t.channel, t.channel)), "status": str(STATUSES.get(t.status, t.status)),
        "handling_unit": t.handling_unit.name if t.handling_unit else (t.external_department or ""),
        "officer": t.handling_officer.name if t.handling_officer else "",
        "registered_at": _local(t.registered_at), "due_at": _local(t.due_at),
        "overdue": _("Yes") if t.overdue else _("No"),
        "contact_name": t.contact_name or "", "contact_phone": masking.mask("phone", t.contact_phone or ""),
        "description": t.description or "",
    }
    return [values[name] for name, _label in COLUMNS]


def _write(actor, stmt, detail: dict) -> tuple[bytes, int]:
    limit = max_rows()
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    if total > limit:
        raise ValidationError(_l("The list holds %(count)d tickets; an export takes at most %(n)d. Narrow the "
                                 "filters (a period, a status or a unit) and export again.", count=total, n=limit))
    labels = tickets.categories(actor)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Demand tickets"))
    sheet.append([str(label) for _name, label in COLUMNS])
    count = 0
    for ticket in db.session.scalars(stmt.options(*queues.ROW_OPTIONS).execution_options(yield_per=500)):
        sheet.append(row_of(sheet, _row(ticket, labels)))
        count += 1
    db.session.rollback()     # nothing was written: end the reading transaction before building the file
    out = io.BytesIO()
    book.save(out)
    audit.record(actor, "ticket.export", object_type="ticket", detail={**detail, "rows": count})
    db.session.commit()
    return out.getvalue(), count


def queue_workbook(actor, queue: str, filters: queues.TicketFilter, sort: str = "due") -> tuple[bytes, int]:
    """The whole queue as filtered, in the list's order: the workbook's bytes and its row count."""
    actor.require("ticket.read")
    stmt = queues.ordered(actor, queue, filters, sort)
    return _write(actor, stmt, {"queue": queue, "filtered": filters.active})


def chosen_workbook(actor, ticket_ids) -> tuple[bytes, int]:
    """The ticked tickets the actor may see, newest first."""
    actor.require("ticket.read")
    ids = [i for i in dict.fromkeys(ticket_ids) if isinstance(i, int) and 0 < i < 2**31]
    if not ids:
        raise ValidationError(_l("Tick at least one ticket."), field="tickets")
    stmt = select(Ticket).where(Ticket.id.in_(ids), tickets.visible(actor)).order_by(Ticket.id.desc())
    return _write(actor, stmt, {"chosen": len(ids)})

"""Core's demand categories (``ticket_category``), kept by the administrator.

A category is added with a code that never changes (tickets, routing rules and
statistics keep the code) and a name in each language, which can be changed.
A category is never deleted: deactivated, it is no longer offered at intake,
and the tickets that have it keep it and its name. Plugins' categories
(``<plugin>.<name>``) come from their hook and are not kept here.
"""
import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from core.audit import services as audit
from core.errors import NotFound, ValidationError
from core.extensions import db
from core.text import clean_text
from core.tickets.models import Ticket, TicketCategory

PERMISSION = "ticket.categories"
CODE = re.compile(r"^[a-z][a-z0-9_]{1,31}$")


def listing(actor) -> list[tuple[TicketCategory, int]]:
    """Every core category in its order, with the number of tickets that have it."""
    actor.require(PERMISSION)
    used = dict(db.session.execute(select(Ticket.category, func.count()).group_by(Ticket.category)).all())
    rows = db.session.scalars(select(TicketCategory).order_by(TicketCategory.sort_order, TicketCategory.id))
    return [(row, used.get(row.code, 0)) for row in rows]


def get(actor, category_id: int) -> TicketCategory:
    actor.require(PERMISSION)
    row = db.session.get(TicketCategory, category_id)
    if row is None:
        raise NotFound(_l("There is no such category."))
    return row


def by_code(actor, code: str) -> TicketCategory:
    actor.require(PERMISSION)
    row = db.session.scalar(select(TicketCategory).where(TicketCategory.code == (code or "").strip().lower()))
    if row is None:
        raise NotFound(_l("There is no category with the code %(code)s.", code=code))
    return row


def _names(data: dict, errors: dict) -> tuple[str, str, int]:
    name_zh = clean_text(data.get("name_zh"), 60)
    name_en = clean_text(data.get("name_en"), 80)
    if not name_zh:
        errors["name_zh"] = [_l("Enter the Chinese name.")]
    if not name_en:
        errors["name_en"] = [_l("Enter the English name.")]
    order = data.get("sort_order")
    try:
        order = 100 if order in (None, "") else int(order)
        if not 0 <= order <= 10000:
            raise ValueError
    except (TypeError, ValueError):
        errors["sort_order"] = [_l("Enter a whole number from 0 to 10000.")]
        order = 100
    return name_zh, name_en, order


def _refuse(actor, action: str, errors: dict, category_id=None):
    audit.record_failure(actor, action, object_type="ticket_category", object_id=category_id,
                         detail={"fields": sorted(errors)})
    raise ValidationError.of(errors)


def create(actor, data: dict) -> TicketCategory:
    actor.require(PERMISSION)
    errors = {}
    code = clean_text(data.get("code"), 40).lower()
    if not CODE.match(code):
        errors["code"] = [_l("Use 2 to 32 lower-case letters, digits or _, beginning with a letter.")]
    elif db.session.scalar(select(TicketCategory.id).where(TicketCategory.code == code)) is not None:
        errors["code"] = [_l("Another category already has this code.")]
    name_zh, name_en, order = _names(data, errors)
    if errors:
        _refuse(actor, "ticket_category.create", errors)
    row = TicketCategory(code=code, name_zh=name_zh, name_en=name_en, sort_order=order, active=True)
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "ticket_category.create", row, detail={"code": code, "name_zh": name_zh})
    db.session.commit()
    return row


def rename(actor, category_id: int, data: dict) -> TicketCategory:
    """Change a category's names and place in the list; its code stays."""
    row = get(actor, category_id)
    errors = {}
    name_zh, name_en, order = _names({"sort_order": row.sort_order, **data}, errors)
    if errors:
        _refuse(actor, "ticket_category.update", errors, row.id)
    before = {"name_zh": row.name_zh, "name_en": row.name_en, "sort_order": row.sort_order}
    row.name_zh, row.name_en, row.sort_order = name_zh, name_en, order
    after = {"name_zh": name_zh, "name_en": name_en, "sort_order": order}
    audit.record(actor, "ticket_category.update", row,
                 detail={"code": row.code, "changed": {k: [before[k], v] for k, v in after.items() if before[k] != v}})
    db.session.commit()
    return row


def set_active(actor, category_id: int, active: bool) -> TicketCategory:
    """Offer the category at intake again, or no longer (its tickets keep it).
    The last active category stays: the intake form needs one."""
    row = get(actor, category_id)
    action = "ticket_category.activate" if active else "ticket_category.deactivate"
    if not active and row.active:
        others = db.session.scalar(select(func.count()).select_from(TicketCategory)
                                   .where(TicketCategory.active.is_(True), TicketCategory.id != row.id))
        if not others:
            audit.record_failure(actor, action, object_type="ticket_category", object_id=row.id,
                                 detail={"reason": "last active"})
            raise ValidationError(_l("This is the last active category: the intake form needs one. Add another "
                                     "first."))
    row.active = active
    audit.record(actor, action, row, detail={"code": row.code})
    db.session.commit()
    return row

"""The catalogue (items and checklist forms), the exemption list, declared
conflicts and the unit's settings.

Who edits: the catalogue, the exemption list and the settings are business data
of the unit that enabled the plugin, so a **leader** of that unit edits them
(``inspection.catalogue``); core's ``admin`` role manages accounts and plugins
and reads no business records (三权分立, docs/security.md)."""
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core import clock
from core.audit import services as audit
from core.errors import NotFound, ValidationError
from core.extensions import db
from core.registry import services as registry
from core.text import clean_text
from plugins.inspection import catalogue_seed
from plugins.inspection.models import Conflict, Exemption, Form, FormItem, Item, Setting

POLICE_TYPES = {
    "public_order": _l("Public order (治安)"),
    "cyber": _l("Cyber security (网安)"),
    "narcotics": _l("Narcotics control (禁毒)"),
    "counter_terrorism": _l("Counter-terrorism (反恐)"),
    "exit_entry": _l("Exit and entry (出入境)"),
    "traffic": _l("Traffic police (交警)"),
    "station": _l("Police station (派出所)"),
}
DEFAULT_VISIT_CAP = 2


# --- settings ---------------------------------------------------------------------

def settings_of(unit_id) -> Setting:
    """The unit's settings; defaults (cap 2, names hidden) until a leader saves them."""
    row = db.session.get(Setting, unit_id) if unit_id else None
    return row or Setting(unit_id=unit_id, visit_cap=DEFAULT_VISIT_CAP, hide_inspector_names=True)


def save_settings(actor, visit_cap, hide_inspector_names: bool) -> Setting:
    actor.require("inspection.catalogue")
    try:
        cap = int(visit_cap)
    except (TypeError, ValueError):
        cap = 0
    if not 1 <= cap <= 12:
        raise ValidationError(_l("The yearly visit cap is a number from 1 to 12."), field="visit_cap")
    row = db.session.get(Setting, actor.unit_id)
    if row is None:
        row = Setting(unit_id=actor.unit_id)
        db.session.add(row)
    row.visit_cap, row.hide_inspector_names = cap, bool(hide_inspector_names)
    row.changed_by_id, row.changed_at = actor.user_id, clock.now()
    db.session.flush()
    audit.record(actor, "inspection.settings", object_type="inspection_setting", object_id=actor.unit_id,
                 detail={"visit_cap": cap, "hide_inspector_names": row.hide_inspector_names})
    db.session.commit()
    return row


# --- items and forms ----------------------------------------------------------------

def items(actor, active_only=False) -> list[Item]:
    actor.require("inspection.read")
    stmt = select(Item).where(actor.scope.filter(Item.unit_id)).order_by(Item.police_type, Item.code)
    if active_only:
        stmt = stmt.where(Item.active.is_(True))
    return list(db.session.scalars(stmt))


def forms(actor, active_only=False) -> list[Form]:
    actor.require("inspection.read")
    stmt = select(Form).where(actor.scope.filter(Form.unit_id)).order_by(Form.id)
    if active_only:
        stmt = stmt.where(Form.active.is_(True))
    return list(db.session.scalars(stmt))


def get_form(actor, form_id) -> Form:
    actor.require("inspection.read")
    form = db.session.get(Form, form_id) if form_id else None
    if form is None or not actor.scope.allows(form.unit_id):
        raise NotFound(_l("There is no such checklist form."))
    return form


def _own_item(actor, item_id) -> Item:
    item = db.session.get(Item, item_id) if item_id else None
    if item is None or item.unit_id != actor.unit_id:
        raise NotFound(_l("There is no such inspection item."))
    return item


def load_standard(actor) -> int:
    """Copy the standard catalogue into the actor's unit (once)."""
    actor.require("inspection.catalogue")
    if db.session.scalar(select(Item.id).where(Item.unit_id == actor.unit_id).limit(1)):
        raise ValidationError(_l("Your unit already has a catalogue."))
    by_code = {}
    for code, name, basis, police_type, types, method, limit in catalogue_seed.ITEMS:
        by_code[code] = Item(unit_id=actor.unit_id, code=code, name=name, legal_basis=basis, police_type=police_type,
                             enterprise_types=list(types), method=method, yearly_limit=limit)
        db.session.add(by_code[code])
    for name, kind, codes in catalogue_seed.FORMS:
        form = Form(unit_id=actor.unit_id, name=name, enterprise_type=kind)
        form.lines = [FormItem(item=by_code[c], position=i) for i, c in enumerate(codes)]
        db.session.add(form)
    db.session.flush()
    audit.record(actor, "inspection.catalogue_load", object_type="inspection_catalogue", object_id=actor.unit_id,
                 detail={"items": len(catalogue_seed.ITEMS), "forms": len(catalogue_seed.FORMS)})
    db.session.commit()
    return len(catalogue_seed.FORMS)


def save_item(actor, data: dict, item_id=None) -> Item:
    actor.require("inspection.catalogue")
    errors = {}
    code = clean_text(data.get("code", ""), 32)[:32]
    name = clean_text(data.get("name", ""), 200)[:200]
    police_type = data.get("police_type", "")
    if not code:
        errors["code"] = [_l("Give the item a code.")]
    if not name:
        errors["name"] = [_l("Give the item a name.")]
    if police_type not in POLICE_TYPES:
        errors["police_type"] = [_l("Choose the police type that owns the item.")]
    try:
        limit = int(data.get("yearly_limit") or 1)
    except ValueError:
        limit = 0
    if not 1 <= limit <= 12:
        errors["yearly_limit"] = [_l("The yearly frequency is a number from 1 to 12.")]
    item = _own_item(actor, item_id) if item_id else Item(unit_id=actor.unit_id)
    clash = db.session.scalar(select(Item.id).where(Item.unit_id == actor.unit_id, Item.code == code))
    if code and clash and clash != item.id:
        errors["code"] = [_l("Another item has this code.")]
    if errors:
        raise ValidationError(next(iter(errors.values()))[0], errors=errors)
    types = [t for t in (clean_text(v, 50)[:50] for v in str(data.get("enterprise_types", "")).split(",")) if t]
    item.code, item.name, item.police_type, item.yearly_limit = code, name, police_type, limit
    item.legal_basis = clean_text(data.get("legal_basis", ""), 500)[:500]
    item.method = clean_text(data.get("method", ""), 200)[:200]
    item.enterprise_types = types[:20]
    if "active" in data or item_id is None:    # a form without the field leaves it as it is
        item.active = _flag(data.get("active", True))
    db.session.add(item)
    db.session.flush()
    audit.record(actor, "inspection.item_save", item, detail={"code": code, "new": item_id is None})
    db.session.commit()
    return item


def _flag(value) -> bool:
    return value is True or str(value).strip().lower() in ("1", "y", "yes", "on", "true")


def _own_form(actor, form_id) -> Form:
    form = db.session.get(Form, form_id) if form_id else None
    if form is None or form.unit_id != actor.unit_id:
        raise NotFound(_l("There is no such checklist form."))
    return form


def save_form(actor, name: str, enterprise_type: str, item_ids: list, form_id=None, active=True) -> Form:
    """Create a checklist form ("一件事") or change one: its name, enterprise type,
    items (in the order given) and whether new plans may still choose it (an
    inactive form stays with the plans that use it). Findings already recorded
    keep their items; visits still to come check the form as it is now."""
    actor.require("inspection.catalogue")
    form = _own_form(actor, form_id) if form_id else None
    name = clean_text(name, 200)[:200]
    if not name:
        raise ValidationError(_l("Give the form a name."), field="name")
    chosen = [_own_item(actor, int(i)) for i in dict.fromkeys(item_ids) if str(i).isdigit()]
    if not chosen:
        raise ValidationError(_l("A form needs at least one item."), field="items")
    if form is None:
        form = Form(unit_id=actor.unit_id)
        db.session.add(form)
    form.name, form.enterprise_type, form.active = name, clean_text(enterprise_type, 50)[:50], _flag(active)
    form.lines = [FormItem(item=item, position=i) for i, item in enumerate(chosen)]
    db.session.flush()
    audit.record(actor, "inspection.form_save", form, detail={"items": [i.code for i in chosen],
                                                              "new": form_id is None, "active": form.active})
    db.session.commit()
    return form


# --- exemptions (免检 / 无事不扰) and conflicts ------------------------------------------

def exemptions(actor) -> list[Exemption]:
    actor.require("inspection.read")
    stmt = select(Exemption).where(actor.scope.filter(Exemption.unit_id)).order_by(Exemption.ends_on.desc())
    return list(db.session.scalars(stmt))


def add_exemption(actor, enterprise, reason: str, starts_on: date | None, ends_on: date | None) -> Exemption:
    """免检: the enterprise (its id, or what a clerk typed: name, pinyin initials or
    credit code, core's registry.named) is never drawn in the period. Every
    problem of the form is refused at once; nothing is written then."""
    actor.require("inspection.catalogue")
    errors, found = {}, None
    try:
        found = registry.get(actor, enterprise) if isinstance(enterprise, int) else registry.named(actor, enterprise)
    except (ValidationError, NotFound) as error:
        errors["enterprise"] = [error.message]
    reason = clean_text(reason, 500)
    if not reason:
        errors["reason"] = [_l("Say why the enterprise is exempt.")]
    elif len(reason) > 500:
        errors["reason"] = [_l("Keep the reason under %(n)d characters.", n=500)]
    if starts_on is None or ends_on is None or ends_on < starts_on:
        errors["ends_on"] = [_l("Give the period: a start and an end no earlier than the start.")]
    if errors:
        audit.record_failure(actor, "inspection.exempt", object_type="inspection_exemption",
                             detail={"fields": sorted(errors)})
        raise ValidationError.of(errors)
    row = Exemption(unit_id=actor.unit_id, enterprise_id=found.id, reason=reason, starts_on=starts_on,
                    ends_on=ends_on, created_by_id=actor.user_id)
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "inspection.exempt", row, detail={"enterprise_id": found.id,
                                                          "from": str(starts_on), "to": str(ends_on)})
    db.session.commit()
    return row


def exempt_ids(start: date, end: date) -> set[int]:
    """Enterprises on any unit's exemption list for some of the period."""
    return set(db.session.scalars(select(Exemption.enterprise_id)
                                  .where(Exemption.starts_on <= end, Exemption.ends_on >= start)))


def declare_conflict(actor, enterprise_id, reason: str) -> Conflict:
    """An inspector declares a conflict of interest: never drawn for that enterprise."""
    actor.require("inspection.inspect")
    enterprise = registry.get(actor, enterprise_id)
    existing = db.session.scalar(select(Conflict).where(Conflict.user_id == actor.user_id,
                                                       Conflict.enterprise_id == enterprise.id))
    if existing:
        return existing
    row = Conflict(user_id=actor.user_id, enterprise_id=enterprise.id, reason=clean_text(reason, 500)[:500])
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "inspection.conflict", row, detail={"enterprise_id": enterprise.id})
    db.session.commit()
    return row


def conflicts_for(enterprise_ids) -> dict[int, set[int]]:
    found: dict[int, set[int]] = {}
    ids = sorted(set(enterprise_ids))
    for start in range(0, len(ids), 900):
        for enterprise_id, user_id in db.session.execute(
                select(Conflict.enterprise_id, Conflict.user_id).where(Conflict.enterprise_id.in_(ids[start:start + 900]))):
            found.setdefault(enterprise_id, set()).add(user_id)
    return found

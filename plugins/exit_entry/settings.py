"""The unit's settings and its yearly talent-service targets, both edited by a
leader of the unit (``exit_entry.manage``)."""
from flask_babel import lazy_gettext as _l

from core import clock
from core.audit import services as audit
from core.errors import ValidationError
from core.extensions import db
from core.text import clean_text
from plugins.exit_entry.models import Setting, Target

# Seed 004, measure 1: 政策宣讲20场，结对人才40名，长期居留、永久居留5人以上.
DEFAULT_TARGETS = {"events": 20, "pairings": 40, "residences": 5}
DEFAULT_AUTHORITY = "出入境管理部门"


def settings_of(unit_id) -> Setting:
    row = db.session.get(Setting, unit_id) if unit_id else None
    return row or Setting(unit_id=unit_id, letter_full_ids=False, issuing_authority="")


def authority_of(unit_id) -> str:
    return settings_of(unit_id).issuing_authority or DEFAULT_AUTHORITY


def save_settings(actor, letter_full_ids: bool, issuing_authority: str = "") -> Setting:
    actor.require("exit_entry.manage")
    authority = clean_text(issuing_authority, 100)[:100]
    row = db.session.get(Setting, actor.unit_id)
    if row is None:
        row = Setting(unit_id=actor.unit_id)
        db.session.add(row)
    row.letter_full_ids, row.issuing_authority = bool(letter_full_ids), authority
    row.changed_by_id, row.changed_at = actor.user_id, clock.now()
    db.session.flush()
    audit.record(actor, "exit_entry.settings", object_type="exit_entry_setting", object_id=actor.unit_id,
                 detail={"letter_full_ids": row.letter_full_ids, "issuing_authority": authority})
    db.session.commit()
    return row


def targets_of(unit_id, year: int) -> dict:
    row = db.session.get(Target, (unit_id, year)) if unit_id else None
    if row is None:
        return dict(DEFAULT_TARGETS)
    return {"events": row.events, "pairings": row.pairings, "residences": row.residences}


def _count(value, field) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        number = -1
    if not 0 <= number <= 10000:
        raise ValidationError(_l("A target is a whole number from 0 to 10000."), field=field)
    return number


def save_targets(actor, year, events, pairings, residences) -> dict:
    actor.require("exit_entry.manage")
    try:
        year = int(year)
    except (TypeError, ValueError):
        year = 0
    if not 2000 <= year <= 2100:
        raise ValidationError(_l("Give the year the targets are for."), field="year")
    values = {"events": _count(events, "events"), "pairings": _count(pairings, "pairings"),
              "residences": _count(residences, "residences")}
    row = db.session.get(Target, (actor.unit_id, year))
    if row is None:
        row = Target(unit_id=actor.unit_id, year=year)
        db.session.add(row)
    row.events, row.pairings, row.residences = values["events"], values["pairings"], values["residences"]
    row.changed_by_id, row.changed_at = actor.user_id, clock.now()
    db.session.flush()
    audit.record(actor, "exit_entry.targets", object_type="exit_entry_target", object_id=actor.unit_id,
                 detail={"year": year, **values})
    db.session.commit()
    return values

"""The enterprise registry's rules: validation, scoping, search, create and update.

Views, the import, the CLI and tests all come through here.
"""
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select
from sqlalchemy.orm.exc import StaleDataError

from core import clock, paging
from core.audit import services as audit
from core.errors import Conflict, NotFound, ValidationError
from core.extensions import db
from core.org import tree
from core.org.models import Unit, User, UserRole
from core.org.roles import LEADER, OFFICER
from core.plugins.services import broadcast, call_for_unit
from core.privacy import masking
from core.privacy import services as privacy
from core.privacy import validation as personal
from core.registry import credit_code as uscc
from core.registry import pinyin, search_index
from core.registry.models import Enterprise, EnterpriseContact
from core.text import clean_text

if TYPE_CHECKING:
    from core.org.actor import Actor

SORTS = {
    "name": (Enterprise.name_pinyin, Enterprise.id),
    "credit_code": (Enterprise.credit_code, Enterprise.id),
    "district": (Enterprise.district, Enterprise.name_pinyin, Enterprise.id),
}
TEXT_LIMITS = {"name": 200, "legal_representative": 100, "address": 300, "district": 50,
               "industry": 50, "notes": 5000}
MAX_CONTACTS = 20
MAX_TAGS = 20


@dataclass
class EnterpriseFilter:
    q: str = ""
    district: str = ""
    industry: str = ""
    officer_id: int | None = None
    unit_id: int | None = None
    above_scale: bool | None = None
    is_key: bool | None = None
    tag: str = ""


# --- reading -----------------------------------------------------------------

def get(actor: "Actor", enterprise_id) -> Enterprise:
    """The enterprise, if it exists and lies in the actor's scope; else NotFound."""
    actor.require("enterprise.read")
    enterprise = db.session.get(Enterprise, enterprise_id)
    if enterprise is None or not actor.scope.allows(enterprise.unit_id):
        raise NotFound(_l("There is no such enterprise in your units' area."))
    return enterprise


def named(actor: "Actor", reference: str, field: str = "enterprise") -> Enterprise:
    """The enterprise a clerk names in a form by its registry number, credit code,
    name or pinyin initials, in the actor's area: the one match, or a
    ValidationError on ``field`` saying there is none or which ones to choose from."""
    reference = clean_text(reference, 100)
    if not reference:
        raise ValidationError(_l("Name the enterprise: its name, pinyin initials or credit code."), field=field)
    try:
        if reference.isdigit() and len(reference) < 10:
            return get(actor, int(reference))
        found = find_by_credit_code(reference.upper())
        if found is not None:
            return get(actor, found.id)
    except NotFound:
        raise ValidationError(_l("No enterprise in your area matches “%(q)s”.", q=reference), field=field) from None
    matches = list(search(actor, EnterpriseFilter(q=reference), limit=6).items)
    exact = [e for e in matches if e.name == reference]
    if len(exact) == 1 or len(matches) == 1:
        return (exact or matches)[0]
    if not matches:
        raise ValidationError(_l("No enterprise in your area matches “%(q)s”.", q=reference), field=field)
    raise ValidationError(_l("Several enterprises match “%(q)s” (%(names)s): type more of the name or the "
                             "credit code.", q=reference, names="、".join(e.name for e in matches[:5])), field=field)


def findings(actor: "Actor", enterprise_id) -> list:
    """What the plugins enabled for the actor's unit know about the enterprise's
    risks (``toolkit.Finding``), newest first; NotFound outside the actor's scope."""
    enterprise = get(actor, enterprise_id)
    found = call_for_unit("anqi_enterprise_findings", actor.unit_id, enterprise=enterprise, actor=actor)
    return sorted(found, key=lambda f: (f.found_on, f.source, f.ref), reverse=True)


def reveal_contact_phone(actor, enterprise_id, contact_id) -> EnterpriseContact:
    """The contact whose phone ``actor`` asks to see unmasked; the reveal is
    audited (Forbidden, also audited, for a role that may not)."""
    enterprise = get(actor, enterprise_id)
    contact = next((c for c in enterprise.contacts if c.id == contact_id and c.phone), None)
    if contact is None:
        raise NotFound(_l("There is no such contact."))
    privacy.reveal(actor, contact, "phone", detail={"enterprise_id": enterprise.id})
    return contact


def reveal_contact_phones(actor, enterprise_id, detail: dict | None = None) -> Enterprise:
    """The enterprise, every contact's phone revealed to ``actor`` (one audit
    entry per phone, committed together); Forbidden for a role that may not."""
    enterprise = get(actor, enterprise_id)
    privacy.check(actor, enterprise, "contacts.phone")
    for contact in enterprise.contacts:
        if contact.phone:
            privacy.reveal(actor, contact, "phone", detail={"enterprise_id": enterprise.id, **(detail or {})},
                           commit=False)
    db.session.commit()
    return get(actor, enterprise_id)


def scoped_select(actor: "Actor", filters: EnterpriseFilter | None = None):
    """A SELECT of the enterprises in the actor's scope that pass ``filters``, to
    narrow further or to read ids from (unordered, unpaged)."""
    actor.require("enterprise.read")
    stmt = select(Enterprise).where(actor.scope.filter(Enterprise.unit_id))
    return _apply_filters(stmt, filters or EnterpriseFilter())


def search(actor: "Actor", filters: EnterpriseFilter | None = None, *, sort: str = "name",
           cursor: str | None = None, limit: int = 20) -> paging.Page:
    """A page of the enterprises in the actor's scope that pass ``filters``, in
    ``sort`` order (name, credit_code, newest); ``cursor`` is the previous page's
    ``next_cursor``."""
    columns = SORTS.get(sort) or SORTS["name"]
    stmt = scoped_select(actor, filters)
    return paging.keyset(db.session, stmt, columns, lambda e: tuple(getattr(e, c.key) for c in columns),
                         cursor, limit, id_column=Enterprise.id)


def _apply_filters(stmt, f: EnterpriseFilter):
    q = clean_text(f.q, 100)
    if q:
        stmt = stmt.where(_text_match(q))
    if f.district:
        stmt = stmt.where(Enterprise.district == f.district)
    if f.industry:
        stmt = stmt.where(Enterprise.industry == f.industry)
    if f.officer_id:
        stmt = stmt.where(Enterprise.liaison_officer_id == f.officer_id)
    if f.unit_id:
        stmt = stmt.where(Enterprise.unit_id == f.unit_id)
    if f.above_scale is not None:
        stmt = stmt.where(Enterprise.above_scale.is_(f.above_scale))
    if f.is_key is not None:
        stmt = stmt.where(Enterprise.is_key.is_(f.is_key))
    if f.tag:
        stmt = stmt.where(Enterprise.tags_text.contains(f",{f.tag},", autoescape=True))
    return stmt


def _text_match(q: str):
    """The search box: part of a name, of its full pinyin, pinyin initials in order,
    or a credit code."""
    letters = pinyin.full_pinyin_query(q)
    # name_pinyin (the sort key) is the full pinyin, held in the name-order index the search walks.
    # It keeps a name's Latin letters, lower-cased, so for letters it also finds what the name
    # itself would: one test a row instead of two.
    conditions = ([Enterprise.name_pinyin.contains(letters, autoescape=True)] if letters
                  else [Enterprise.name.contains(q, autoescape=True)])
    substrings = [letters or q]
    in_order = pinyin.initials_query(q)
    if in_order:
        conditions.append(Enterprise.name_initials.like(pinyin.initials_pattern(q)))
    code = uscc.normalize(q)
    if len(code) >= 4 and code.isalnum() and any(ch.isdigit() for ch in code):
        conditions.append(Enterprise.credit_code.startswith(code, autoescape=True))
        substrings.append(code)
    # A rare term would walk the whole name-order index before it filled a page: the
    # search index (core/registry/search_index.py) names the few candidates first, and
    # the conditions above still decide among them. It cannot narrow a term shorter
    # than a trigram (two letters, 华达) nor a common one: those walk the name order,
    # where a common term soon fills a page.
    ids = search_index.candidates(db.session, substrings, in_order)
    if ids is not None:
        return and_(Enterprise.id.in_(ids), or_(*conditions))
    return or_(*conditions)


def _officers_where(actor):
    return (User.active.is_(True), actor.scope.filter(User.unit_id),
            User.role_rows.any(UserRole.role.in_((OFFICER, LEADER))))


def officers(actor) -> list[User]:
    """The users who may serve as liaison officers for the actor's units."""
    return list(db.session.scalars(select(User).where(*_officers_where(actor)).order_by(User.name)))


def officer_ids(actor: "Actor", unit_ids=None) -> list[int]:
    """The ids of those officers (of ``unit_ids`` only, when given), in id order:
    a pool to draw from without loading 500 users."""
    stmt = select(User.id).where(*_officers_where(actor))
    if unit_ids is not None:
        stmt = stmt.where(User.unit_id.in_(list(unit_ids)))
    return list(db.session.scalars(stmt.order_by(User.id)))


def units(actor: "Actor") -> list[Unit]:
    """The active units of the actor's scope, as their tree (``core.org.tree``)."""
    stmt = select(Unit).where(actor.scope.filter(Unit.id), Unit.active.is_(True))
    return tree.in_tree_order(db.session.scalars(stmt))


def distinct_values(actor: "Actor", column_name: str) -> list[str]:
    """Districts or industries in use, for filter lists and suggestions."""
    column = {"district": Enterprise.district, "industry": Enterprise.industry}[column_name]
    # Distinct (unit, value) pairs come straight from the (unit_id, value)
    # index; asking for distinct values alone makes SQLite walk every row of a
    # station's scope instead.
    stmt = (select(Enterprise.unit_id, column).where(actor.scope.filter(Enterprise.unit_id), column != "")
            .distinct())
    return sorted({value for _unit, value in db.session.execute(stmt)})[:500]


# --- validation ---------------------------------------------------------------

def validate(actor, data: dict) -> dict:
    """Turn raw input (form, import row, API) into clean values, or raise
    ValidationError with every problem found, by field."""
    errors: dict[str, list] = {}
    clean: dict = {}

    def error(field, message):
        errors.setdefault(field, []).append(message)

    for field, limit in TEXT_LIMITS.items():
        if field in data:
            clean[field] = clean_text(data.get(field), limit)
            if len(clean[field]) > limit:
                error(field, _l("Keep this under %(n)d characters.", n=limit))
    if "name" in data and not clean.get("name"):
        error("name", _l("Enter the enterprise's name."))
    if "credit_code" in data:
        try:
            clean["credit_code"] = uscc.validate(data.get("credit_code"))
        except ValidationError as exc:
            error("credit_code", exc.message)
    for flag in ("above_scale", "is_key"):
        if flag in data:
            clean[flag] = _as_bool(data[flag])
    if "tags" in data:
        tags = data["tags"]
        if isinstance(tags, str):
            tags = re.split(r"[,，、;；\s]+", tags)
        tags = [clean_text(t, 30) for t in tags]
        tags = list(dict.fromkeys(t for t in tags if t))
        if len(tags) > MAX_TAGS or any(len(t) > 30 for t in tags):
            error("tags", _l("Use at most %(n)d tags of up to 30 characters.", n=MAX_TAGS))
        clean["tags_text"] = ("," + ",".join(tags) + ",") if tags else ""
    if "unit_id" in data:
        unit_id = _as_int(data["unit_id"])
        unit = db.session.get(Unit, unit_id) if unit_id else None
        if unit is None or not actor.scope.allows(unit.id):
            error("unit_id", _l("Choose a unit within your area."))
        else:
            clean["unit_id"] = unit.id
    if "liaison_officer_id" in data:
        officer_id = _as_int(data["liaison_officer_id"])
        if officer_id:
            officer = db.session.get(User, officer_id)
            if officer is None or not officer.active or not actor.scope.allows(officer.unit_id):
                error("liaison_officer_id", _l("Choose a liaison officer from your units."))
            else:
                clean["liaison_officer_id"] = officer.id
        else:
            clean["liaison_officer_id"] = None
    if "contacts" in data:
        contacts = []
        for i, contact in enumerate(data["contacts"] or []):
            name = clean_text(contact.get("name"), 100)
            phone = clean_text(contact.get("phone"), 40)
            title = clean_text(contact.get("title"), 100)
            if not (name or phone or title):
                continue
            if not name:
                error("contacts", _l("Contact %(n)d: enter a name.", n=i + 1))
            if not masking.is_masked(phone):  # a masked one is matched with the stored phones later
                try:
                    phone = personal.phone(phone)
                except ValidationError:
                    error("contacts", _l("Contact %(n)d: the phone number is not a mainland mobile or "
                                         "landline number.", n=i + 1))
            contacts.append({"name": name[:100], "phone": phone, "title": title[:100]})
        if len(contacts) > MAX_CONTACTS:
            error("contacts", _l("Keep at most %(n)d contacts.", n=MAX_CONTACTS))
        clean["contacts"] = contacts
    if errors:
        first = next(iter(errors.values()))[0]
        raise ValidationError(first, errors=errors)
    return clean


def resolve_masked_phones(enterprise: Enterprise | None, clean: dict) -> None:
    """Put the stored phone back where a form or an exported file returned a
    contact's phone masked (``138****5678``); ValidationError when a masked
    phone matches none of the enterprise's contacts."""
    stored = [c.phone for c in enterprise.contacts] if enterprise is not None else []
    for i, contact in enumerate(clean.get("contacts") or []):
        if masking.is_masked(contact["phone"]):
            same_place = stored[i:i + 1]
            try:
                contact["phone"] = masking.unmask("phone", contact["phone"], same_place + stored)
            except ValidationError:
                raise ValidationError(_l("Contact %(n)d: a partly hidden phone number cannot be saved; type the "
                                         "whole number.", n=i + 1), field="contacts") from None


def _as_bool(value) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"1", "true", "yes", "y", "on", "是", "√", "✓"}


def _as_int(value):
    try:
        number = int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None
    return number if number is None or abs(number) < 2**31 else None  # beyond any id


# --- changing -----------------------------------------------------------------

def changed_fields(enterprise: Enterprise, clean: dict) -> list[str]:
    """The fields whose clean value differs from the enterprise's."""
    changed = []
    for field, value in clean.items():
        if field == "contacts":
            current = [{"name": c.name, "phone": c.phone, "title": c.title} for c in enterprise.contacts]
            if current != value:
                changed.append(field)
        elif getattr(enterprise, field) != value:
            changed.append(field)
    return changed


@dataclass
class ContactMerge:
    """The contacts an enterprise would have once a list is merged into its own,
    and which of the given ones are new or change a kept one."""
    contacts: list[dict]
    added: list[dict]
    updated: list[tuple[dict, dict]]      # (before, after)


def merge_contacts(enterprise: Enterprise | None, given: list[dict]) -> ContactMerge:
    """The enterprise's contacts with ``given`` merged in: a contact of the same
    name and phone is updated (a blank title keeps the one it has), any other is
    added, and none is removed."""
    merged = [{"name": c.name, "phone": c.phone, "title": c.title}
              for c in (enterprise.contacts if enterprise is not None else [])]
    known = len(merged)
    before: dict[int, dict] = {}
    for contact in given:
        index = next((i for i, c in enumerate(merged)
                      if c["name"] == contact["name"] and c["phone"] == contact["phone"]), None)
        if index is None:
            merged.append(dict(contact))
        elif contact["title"] and contact["title"] != merged[index]["title"]:
            if index < known:
                before.setdefault(index, dict(merged[index]))
            merged[index]["title"] = contact["title"]
    added = merged[known:]
    updated = [(was, merged[i]) for i, was in before.items() if was != merged[i]]
    return ContactMerge(merged, added, updated)


def apply_values(enterprise: Enterprise, clean: dict, contacts_in_place: bool = False) -> list[str]:
    """Copy clean values onto the enterprise; return the names of fields that changed.
    With ``contacts_in_place``, contacts of the same name and phone keep their
    rows (the import's merge); otherwise the list replaces the enterprise's."""
    changed = changed_fields(enterprise, clean)
    for field in changed:
        if field == "contacts" and contacts_in_place:
            _keep_contact_rows(enterprise, clean["contacts"])
        elif field == "contacts":
            enterprise.contacts = [EnterpriseContact(**c) for c in clean["contacts"]]
        else:
            setattr(enterprise, field, clean[field])
    if "name" in changed:
        enterprise.name_pinyin = pinyin.sort_key(enterprise.name)
        enterprise.name_initials = pinyin.initials(enterprise.name)
    return changed


def _keep_contact_rows(enterprise: Enterprise, contacts: list[dict]) -> None:
    rows = list(enterprise.contacts)
    kept = []
    for contact in contacts:
        row = next((r for r in rows if r.name == contact["name"] and r.phone == contact["phone"]), None)
        if row is None:
            row = EnterpriseContact(**contact)
        else:
            rows.remove(row)
            row.title = contact["title"]
        kept.append(row)
    enterprise.contacts = kept


def find_by_credit_code(code: str) -> Enterprise | None:
    """The enterprise with this credit code in any unit, or None: unscoped, for an
    enterprise identifying itself (the portal), never for showing it to staff."""
    return db.session.scalar(select(Enterprise).where(Enterprise.credit_code == code))


def create(actor, data: dict) -> Enterprise:
    actor.require("enterprise.write")
    data = {"unit_id": actor.unit_id, **data}
    try:
        clean = validate(actor, data)
        if not clean.get("name") or not clean.get("credit_code"):
            raise ValidationError(_l("Enter the enterprise's name and credit code."))
        existing = find_by_credit_code(clean["credit_code"])
        if existing is not None:
            raise ValidationError(_duplicate_message(actor, existing), field="credit_code")
        resolve_masked_phones(None, clean)
    except ValidationError as exc:
        audit.record_failure(actor, "enterprise.create", object_type="enterprise",
                             detail={"fields": sorted(exc.errors)})
        raise
    enterprise = Enterprise(name="", name_pinyin="", name_initials="", credit_code="")
    apply_values(enterprise, clean)
    db.session.add(enterprise)
    db.session.flush()
    audit.record(actor, "enterprise.create", enterprise, detail={"credit_code": enterprise.credit_code})
    db.session.commit()
    broadcast("anqi_enterprise_event", event="created", enterprise=enterprise, actor=actor)
    return enterprise


def update(actor, enterprise_id, data: dict, version: int | None = None) -> Enterprise:
    """Change an enterprise. ``version`` is the one the user's form was built
    from; if someone saved in between, Conflict names the fields they changed."""
    actor.require("enterprise.write")
    enterprise = get(actor, enterprise_id)
    try:
        if version is not None and _as_int(version) != enterprise.version:
            raise Conflict(_l("Someone else saved this enterprise while you were editing it. "
                              "Their changes are shown below; apply yours again."))
        clean = validate(actor, data)
        resolve_masked_phones(enterprise, clean)
        if "credit_code" in clean and clean["credit_code"] != enterprise.credit_code:
            existing = find_by_credit_code(clean["credit_code"])
            if existing is not None:
                raise ValidationError(_duplicate_message(actor, existing), field="credit_code")
    except (ValidationError, Conflict) as exc:
        audit.record_failure(actor, "enterprise.update", object_type="enterprise", object_id=enterprise_id,
                             detail={"fields": sorted(getattr(exc, "errors", {}) or [])})
        raise
    changed = apply_values(enterprise, clean)
    if not changed:
        return enterprise
    enterprise.updated_at = clock.now()
    audit.record(actor, "enterprise.update", enterprise, detail={"fields": changed})
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise Conflict(_l("Someone else saved this enterprise while you were editing it. "
                          "Their changes are shown below; apply yours again.")) from None
    broadcast("anqi_enterprise_event", event="updated", enterprise=enterprise, actor=actor)
    return enterprise


def _duplicate_message(actor, existing: Enterprise):
    if actor.scope.allows(existing.unit_id):
        return _l("This credit code is already registered, for “%(name)s”.", name=existing.name)
    return _l("This credit code is already registered, in another unit's area.")


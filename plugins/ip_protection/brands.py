"""Regional brands (一乡一品): collective trademarks for local industries, held
by their associations, used by member enterprises, watched by infringement
alerts that lead to cases. The Zhuji plan names four industries (管业, 袜业,
珍珠, 同山烧); ``load_plan`` lists them as planned brands for a unit to fill in."""
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core import clock
from core.audit import services as audit
from core.errors import NotFound, ValidationError
from core.extensions import db
from core.tickets.deadlines import local_date
from core.text import clean_text
from plugins.ip_protection import access
from plugins.ip_protection.checks import parse_classes
from plugins.ip_protection.models import Brand, BrandAlert, BrandMember

STATUSES = {"planned": _l("Planned"), "applied": _l("Applied for"), "registered": _l("Registered")}
PLAN = [("诸暨管业", "管道阀门"), ("诸暨袜业", "袜业"), ("诸暨珍珠", "珍珠"), ("同山烧", "酒类")]


def _visible(actor):
    actor.require("ip_protection.read")
    return select(Brand).where(actor.scope.filter(Brand.unit_id))


def listing(actor) -> list[Brand]:
    return list(db.session.scalars(_visible(actor).order_by(Brand.id)))


def get(actor, brand_id) -> Brand:
    row = db.session.scalar(_visible(actor).where(Brand.id == brand_id)) if brand_id else None
    if row is None:
        raise NotFound(_l("There is no such regional brand."))
    return row


def memberships(actor, enterprise_id) -> list[BrandMember]:
    actor.require("ip_protection.read")
    return list(db.session.scalars(select(BrandMember).join(Brand).where(
        BrandMember.enterprise_id == enterprise_id, actor.scope.filter(Brand.unit_id)).order_by(BrandMember.id)))


def _refuse(actor, action, errors, object_id=None):
    audit.record_failure(actor, action, object_type="ip_protection_brand", object_id=object_id,
                         detail={"fields": sorted(errors)})
    raise ValidationError(next(iter(errors.values()))[0], errors=errors)


def _number(value) -> str:
    return "".join(str(value or "").split()).upper()


def save(actor, data: dict, brand_id=None) -> Brand:
    """Create or change a brand. ``data``: name, industry, association, status,
    registration_number, classes, registered_on, valid_until (dates as ``date``), unit_id."""
    actor.require("ip_protection.brand")
    brand = get(actor, brand_id) if brand_id else None
    errors = {}
    name = clean_text(data.get("name"), 100)
    if not name or len(name) > 100:
        errors["name"] = [_l("Name the regional brand.")]
    status = data.get("status") or "planned"
    if status not in STATUSES:
        errors["status"] = [_l("Choose the trademark's status.")]
    number = _number(data.get("registration_number"))
    if len(number) > 20 or (number and not (number.isascii() and number.isalnum())):
        errors["registration_number"] = [_l("A registration number is letters and digits only.")]
    elif status == "registered" and not number:
        errors["registration_number"] = [_l("A registered trademark has its registration number.")]
    elif number:
        other = db.session.scalar(select(Brand.id).where(Brand.registration_number == number))
        if other is not None and (brand is None or other != brand.id):
            errors["registration_number"] = [_l("Another regional brand already has this registration number.")]
    classes = parse_classes(data.get("classes", ""))
    if classes is None:
        errors["classes"] = [_l("Trademark classes are numbers from 1 to 45.")]
    association = clean_text(data.get("association"), 200)
    if status != "planned" and not association:
        errors["association"] = [_l("Name the association that holds the collective trademark.")]
    registered_on, valid_until = data.get("registered_on"), data.get("valid_until")
    if registered_on and valid_until and valid_until <= registered_on:
        errors["valid_until"] = [_l("The registration ends after it begins.")]
    unit_id = brand.unit_id if brand else None
    if brand is None:
        try:
            unit_id = access.handling_unit(actor, data.get("unit_id"))
        except ValidationError as error:
            errors["unit_id"] = [error.message]
    if errors:
        _refuse(actor, "ip_protection.brand", errors, brand_id)
    if brand is None:
        brand = Brand(unit_id=unit_id)
        db.session.add(brand)
    brand.name, brand.industry = name, clean_text(data.get("industry"), 50)[:50]
    brand.association, brand.status = association[:200], status
    brand.registration_number, brand.classes = number or None, classes
    brand.registered_on, brand.valid_until = registered_on, valid_until
    try:
        db.session.flush()
    except IntegrityError:            # the same number saved at the same moment by someone else
        db.session.rollback()
        _refuse(actor, "ip_protection.brand", {"registration_number": [
            _l("Another regional brand already has this registration number.")]}, brand_id)
    audit.record(actor, "ip_protection.brand", brand, detail={"status": status, "registration_number": number})
    db.session.commit()
    return brand


def load_plan(actor, unit_id=None) -> list[Brand]:
    """The plan's four regional industries as planned brands (those not yet listed)."""
    actor.require("ip_protection.brand")
    unit_id = access.handling_unit(actor, unit_id)
    have = set(db.session.scalars(select(Brand.name).where(Brand.unit_id == unit_id)))
    made = []
    for name, industry in PLAN:
        if name not in have:
            made.append(Brand(unit_id=unit_id, name=name, industry=industry, status="planned"))
    db.session.add_all(made)
    db.session.flush()
    audit.record(actor, "ip_protection.brand_plan", object_type="unit", object_id=unit_id,
                 detail={"brands": [b.name for b in made]})
    db.session.commit()
    return made


def add_member(actor, brand_id, enterprise_id, note: str = "", joined_on: date | None = None) -> BrandMember:
    actor.require("ip_protection.brand")
    brand = get(actor, brand_id)
    try:
        enterprise = access.enterprise(actor, enterprise_id)
    except NotFound as error:
        _refuse(actor, "ip_protection.brand_member", {"enterprise_id": [error.message]}, brand.id)
    if db.session.scalar(select(BrandMember.id).where(BrandMember.brand_id == brand.id,
                                                      BrandMember.enterprise_id == enterprise.id)):
        _refuse(actor, "ip_protection.brand_member", {"enterprise_id": [
            _l("The enterprise is already a member of this brand.")]}, brand.id)
    member = BrandMember(brand=brand, enterprise_id=enterprise.id, note=clean_text(note, 300)[:300],
                         joined_on=joined_on or local_date(clock.now()))
    db.session.add(member)
    db.session.flush()
    audit.record(actor, "ip_protection.brand_member", member, detail={"brand_id": brand.id,
                                                                      "enterprise_id": enterprise.id})
    db.session.commit()
    return member


def remove_member(actor, member_id) -> int:
    """Remove a member; returns its brand's id."""
    actor.require("ip_protection.brand")
    member = db.session.get(BrandMember, member_id) if member_id else None
    if member is None:
        raise NotFound(_l("There is no such member."))
    get(actor, member.brand_id)
    audit.record(actor, "ip_protection.brand_member_removed", member, detail={"brand_id": member.brand_id,
                                                                              "enterprise_id": member.enterprise_id})
    brand_id = member.brand_id
    db.session.delete(member)
    db.session.commit()
    return brand_id


def get_alert(actor, alert_id) -> BrandAlert:
    row = db.session.get(BrandAlert, alert_id) if alert_id else None
    if row is None:
        raise NotFound(_l("There is no such alert."))
    get(actor, row.brand_id)
    return row


def raise_alert(actor, brand_id, description: str, source: str = "", reported_on: date | None = None) -> BrandAlert:
    actor.require("ip_protection.brand")
    brand = get(actor, brand_id)
    description = clean_text(description, 2000)
    errors = {}
    if not description or len(description) > 2000:
        errors["description"] = [_l("Describe the suspected infringement.")]
    today = local_date(clock.now())
    if reported_on is not None and reported_on > today:
        errors["reported_on"] = [_l("The day cannot be in the future.")]
    if errors:
        _refuse(actor, "ip_protection.brand_alert", errors, brand.id)
    alert = BrandAlert(brand=brand, description=description, source=clean_text(source, 200)[:200],
                       reported_on=reported_on or today, created_by_id=actor.user_id)
    db.session.add(alert)
    db.session.flush()
    audit.record(actor, "ip_protection.brand_alert", alert, detail={"brand_id": brand.id})
    db.session.commit()
    return alert


def link_case(actor, alert_id, case_id) -> BrandAlert:
    from plugins.ip_protection import cases

    actor.require("ip_protection.brand")
    alert = get_alert(actor, alert_id)
    try:
        case = cases.get(actor, case_id)
    except NotFound as error:
        _refuse(actor, "ip_protection.alert_case", {"ip_case_id": [error.message]}, alert.brand_id)
    alert.case_id = case.id
    if case.status == "closed":
        alert.status = "closed"
    audit.record(actor, "ip_protection.alert_case", alert, detail={"case_id": case.id})
    db.session.commit()
    return alert


def alerts_of_case(actor, case_id) -> list[BrandAlert]:
    return list(db.session.scalars(select(BrandAlert).join(Brand).where(
        BrandAlert.case_id == case_id, actor.scope.filter(Brand.unit_id)).order_by(BrandAlert.id)))

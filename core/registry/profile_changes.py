"""An enterprise keeps its own profile: its portal account manager proposes new
contacts, address, legal representative, district and industry; the desk of
the enterprise's unit accepts the proposal into the registry or refuses it.

The name and the credit code are the registry of record's, never the
enterprise's to state. A proposal holds the whole set of the facts it may
state, as the enterprise saw them and changed them. One proposal waits per
enterprise: a new one replaces the waiting one (kept as ``replaced``), so the
enterprise corrects a slip without waiting for the desk; the desk accepts or
refuses a proposal by its id, so it never accepts one it has not seen.
Accepting goes through ``core.registry.services.update`` with the enterprise's
version the desk's page showed: the same validation, audit and optimistic
lock as a desk edit.
"""
from dataclasses import dataclass
from types import SimpleNamespace

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core import clock
from core.audit import services as audit
from core.errors import Conflict, Forbidden, NotFound, ValidationError
from core.extensions import db
from core.notifications.services import notify_unit, notify_users
from core.org.roles import DESK
from core.privacy import masking
from core.privacy import services as privacy
from core.registry import services as registry
from core.registry.models import (ACCEPTED, PENDING, REFUSED, REPLACED, Enterprise, EnterpriseProfileChange,
                                  EnterpriseProfileChangeContact)
from core.text import clean_text

# The registry's facts an enterprise states itself (besides its contacts), in the order shown.
FIELDS = ("legal_representative", "address", "district", "industry")
LABELS = {
    "legal_representative": _l("Legal representative"),
    "address": _l("Address"),
    "district": _l("District"),
    "industry": _l("Industry"),
    "contacts": _l("Contacts"),
}
STATUS_LABELS = {PENDING: _l("Waiting for the police"), ACCEPTED: _l("Accepted"), REFUSED: _l("Refused"),
                 REPLACED: _l("Replaced by a newer proposal")}
MAX_REASON = 1000
MAX_CONTACTS = registry.MAX_CONTACTS


@dataclass
class Difference:
    field: str
    label: object
    before: str
    after: str


@dataclass
class ContactDifference:
    """One contact's line, by its place in the list: None where there is none."""
    position: int
    before: dict | None
    after: dict | None

    @property
    def changed(self) -> bool:
        return self.before != self.after


# --- the enterprise's side -------------------------------------------------------------

def _require_manager(actor, action: str) -> None:
    if actor.enterprise_id is None or not actor.account.is_manager:
        audit.record_failure(actor, action, result=audit.DENIED, object_type="enterprise",
                             object_id=actor.enterprise_id)
        raise Forbidden(_l("Only your enterprise's account manager can propose changes."))


def _clean(actor, enterprise: Enterprise, data: dict) -> dict:
    """The proposal's clean values, or ValidationError with every problem by field."""
    wanted = {field: data.get(field, "") for field in FIELDS}
    wanted["contacts"] = list(data.get("contacts") or [])
    clean = registry.validate(actor, wanted)
    # The form shows phones masked, those of the waiting proposal first when there is one.
    waiting = pending_of(enterprise.id)
    shown = SimpleNamespace(contacts=[*(waiting.contacts if waiting is not None else []), *enterprise.contacts])
    registry.resolve_masked_phones(shown, clean)
    if not registry.changed_fields(enterprise, clean):
        raise ValidationError(_l("Nothing differs from what the registry holds: change a fact before sending."))
    return clean


def check(actor, data: dict) -> dict:
    """Every problem of a proposal by field, without writing anything."""
    try:
        _clean(actor, actor.enterprise, data)
    except ValidationError as exc:
        return exc.errors or {"": [exc.message]}
    return {}


def propose(actor, data: dict) -> EnterpriseProfileChange:
    """Record the manager's proposal (``data``: the FIELDS and ``contacts``, a list
    of {name, phone, title}; a phone shown masked stands for the stored one). A
    waiting proposal of the enterprise is replaced. The desk of the enterprise's
    unit and its liaison officer are told."""
    _require_manager(actor, "enterprise.profile_propose")
    enterprise = actor.enterprise
    try:
        clean = _clean(actor, enterprise, data)
    except ValidationError as exc:
        audit.record_failure(actor, "enterprise.profile_propose", object_type="enterprise",
                             object_id=enterprise.id, detail={"fields": sorted(exc.errors)})
        raise
    waiting = pending_of(enterprise.id)
    if waiting is not None:
        waiting.status = REPLACED
        db.session.flush()      # out of the unique index before the new one goes in
    change = EnterpriseProfileChange(
        enterprise_id=enterprise.id, account_id=actor.account.id, base_version=enterprise.version,
        status=PENDING, created_at=clock.now(), **{field: clean[field] for field in FIELDS},
        contacts=[EnterpriseProfileChangeContact(**c) for c in clean["contacts"]])
    db.session.add(change)
    try:
        db.session.flush()
    except IntegrityError:      # uq_enterprise_profile_change_pending: another was sent at the same instant
        db.session.rollback()
        raise ValidationError(_l("Another proposal of your enterprise was sent at the same moment. "
                                 "Open this page again to see it.")) from None
    audit.record(actor, "enterprise.profile_propose", change,
                 detail={"enterprise_id": enterprise.id, "fields": registry.changed_fields(enterprise, clean),
                         "replaced": waiting.id if waiting is not None else None})
    text = _l("%(enterprise)s has proposed changes to its contacts or address; please check them.",
              enterprise=enterprise.name)
    if enterprise.liaison_officer_id:
        notify_users([enterprise.liaison_officer_id], "profile_change", text)
    notify_unit(enterprise.unit_id, "profile_change", text, roles=(DESK,))
    try:
        db.session.commit()
    except IntegrityError:      # PostgreSQL may report the other's row only at the commit
        db.session.rollback()
        raise ValidationError(_l("Another proposal of your enterprise was sent at the same moment. "
                                 "Open this page again to see it.")) from None
    return change


def pending_of(enterprise_id) -> EnterpriseProfileChange | None:
    return db.session.scalar(select(EnterpriseProfileChange).where(
        EnterpriseProfileChange.enterprise_id == enterprise_id, EnterpriseProfileChange.status == PENDING))


def latest(actor) -> EnterpriseProfileChange | None:
    """The enterprise's newest proposal (waiting, or the last decided), for its profile page."""
    if actor.enterprise_id is None:
        return None
    return db.session.scalar(select(EnterpriseProfileChange).where(
        EnterpriseProfileChange.enterprise_id == actor.enterprise_id,
        EnterpriseProfileChange.status != REPLACED).order_by(EnterpriseProfileChange.id.desc()).limit(1))


def unseen_decision(actor) -> EnterpriseProfileChange | None:
    """The enterprise's newest decided proposal it has not looked at yet: its home page tells it."""
    change = latest(actor)
    if change is not None and change.status in (ACCEPTED, REFUSED) and change.seen_at is None:
        return change
    return None


def mark_seen(actor, change: EnterpriseProfileChange | None) -> None:
    if change is not None and change.enterprise_id == actor.enterprise_id and change.seen_at is None \
            and change.status in (ACCEPTED, REFUSED):
        change.seen_at = clock.now()
        db.session.commit()


def form_values(enterprise: Enterprise, change: EnterpriseProfileChange | None = None) -> dict:
    """What the profile form starts from: the waiting proposal, else the registry;
    phones masked (a masked phone sent back stands for the stored one)."""
    source = change if change is not None and change.status == PENDING else enterprise
    values = {field: getattr(source, field) for field in FIELDS}
    values["contacts"] = [{"name": c.name, "title": c.title, "phone": masking.mask("phone", c.phone)}
                          for c in source.contacts]
    return values


# --- the desk's side ---------------------------------------------------------------------

def _scoped(actor):
    actor.require("enterprise.write")
    return (select(EnterpriseProfileChange).join(Enterprise, Enterprise.id == EnterpriseProfileChange.enterprise_id)
            .where(actor.scope.filter(Enterprise.unit_id)))


def waiting(actor, limit: int = 200) -> list[EnterpriseProfileChange]:
    """The proposals waiting for a decision in the actor's units' area, oldest first."""
    return list(db.session.scalars(_scoped(actor).where(EnterpriseProfileChange.status == PENDING)
                                   .order_by(EnterpriseProfileChange.id).limit(limit)).unique())


def recent_decisions(actor, limit: int = 20) -> list[EnterpriseProfileChange]:
    return list(db.session.scalars(_scoped(actor).where(EnterpriseProfileChange.status.in_((ACCEPTED, REFUSED)))
                                   .order_by(EnterpriseProfileChange.decided_at.desc()).limit(limit)).unique())


def get_for_desk(actor, change_id) -> EnterpriseProfileChange:
    change = db.session.scalar(_scoped(actor).where(EnterpriseProfileChange.id == change_id))
    if change is None:
        raise NotFound(_l("There is no such proposal in your units' area."))
    return change


def differences(change: EnterpriseProfileChange) -> list[Difference]:
    """The facts (not the contacts) whose proposed value differs from the registry's now."""
    enterprise = change.enterprise
    return [Difference(field, LABELS[field], getattr(enterprise, field), getattr(change, field))
            for field in FIELDS if getattr(enterprise, field) != getattr(change, field)]


def contact_differences(change: EnterpriseProfileChange) -> list[ContactDifference]:
    """The contacts now and as proposed, side by side by their place in the list."""
    def as_dict(contact):
        return {"name": contact.name, "title": contact.title, "phone": contact.phone}

    before = [as_dict(c) for c in change.enterprise.contacts]
    after = [as_dict(c) for c in change.contacts]
    return [ContactDifference(i + 1, before[i] if i < len(before) else None, after[i] if i < len(after) else None)
            for i in range(max(len(before), len(after)))]


def _decidable(actor, change_id, action: str) -> EnterpriseProfileChange:
    change = get_for_desk(actor, change_id)
    if change.status != PENDING:
        message = (_l("The enterprise has sent a newer proposal in place of this one: decide on that one.")
                   if change.status == REPLACED else _l("This proposal has already been decided."))
        audit.record_failure(actor, action, object_type="enterprise_profile_change", object_id=change.id,
                             detail={"status": change.status})
        raise ValidationError(message)
    return change


def accept(actor, change_id, version) -> EnterpriseProfileChange:
    """Write the proposal into the registry as a desk edit would
    (``registry.update``), against the enterprise's ``version`` the desk's page
    showed: Conflict when the enterprise was saved since."""
    change = _decidable(actor, change_id, "enterprise.profile_accept")
    data = {field: getattr(change, field) for field in FIELDS}
    data["contacts"] = [{"name": c.name, "phone": c.phone, "title": c.title} for c in change.contacts]
    change_ref, enterprise_id = change.id, change.enterprise_id
    try:
        fields = registry.changed_fields(change.enterprise, registry.validate(actor, data))
    except ValidationError:
        audit.record_failure(actor, "enterprise.profile_accept", object_type="enterprise_profile_change",
                             object_id=change_ref)
        raise
    # Marked first, so that the registry's commit carries the decision too; a refused update
    # rolls both back (its audit of the failure begins with a rollback).
    change.status, change.decided_by_id, change.decided_at = ACCEPTED, actor.user_id, clock.now()
    audit.record(actor, "enterprise.profile_accept", change, detail={"enterprise_id": enterprise_id,
                                                                     "fields": fields})
    try:
        # Always against a version: without one (None) the registry would not check it.
        registry.update(actor, enterprise_id, data, version="" if version is None else version)
    except Conflict:
        raise Conflict(_l("The enterprise was saved by someone else after this page was opened, so the "
                          "differences below may have changed. Check them again and accept once more.")) from None
    except ValidationError:
        audit.record_failure(actor, "enterprise.profile_accept", object_type="enterprise_profile_change",
                             object_id=change_ref)
        raise
    db.session.commit()         # when nothing differed any more, the update wrote nothing
    return get_for_desk(actor, change_ref)


def refuse(actor, change_id, reason: str) -> EnterpriseProfileChange:
    """Keep the registry as it is; the enterprise sees the reason."""
    change = _decidable(actor, change_id, "enterprise.profile_refuse")
    reason = clean_text(reason, MAX_REASON)[:MAX_REASON]
    if not reason:
        audit.record_failure(actor, "enterprise.profile_refuse", object_type="enterprise_profile_change",
                             object_id=change.id, detail={"fields": ["reason"]})
        raise ValidationError(_l("Say why the proposal is refused: the enterprise reads it."), field="reason")
    change.status, change.decision_reason = REFUSED, reason
    change.decided_by_id, change.decided_at = actor.user_id, clock.now()
    audit.record(actor, "enterprise.profile_refuse", change, detail={"enterprise_id": change.enterprise_id})
    db.session.commit()
    return change


def reveal_phones(actor, change_id) -> EnterpriseProfileChange:
    """The proposal with its phones and the registry's to be shown in full to
    ``actor`` (audited, one entry for each); Forbidden for a role that may not."""
    change = get_for_desk(actor, change_id)
    privacy.check(actor, change, "contacts.phone")
    for contact in change.contacts:
        if contact.phone:
            privacy.reveal(actor, contact, "phone", detail={"enterprise_id": change.enterprise_id,
                                                            "profile_change": change.id}, commit=False)
    for contact in change.enterprise.contacts:
        if contact.phone:
            privacy.reveal(actor, contact, "phone", detail={"enterprise_id": change.enterprise_id,
                                                            "profile_change": change.id}, commit=False)
    db.session.commit()
    return get_for_desk(actor, change_id)

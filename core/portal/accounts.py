"""Enterprise accounts: registering, verification by the liaison officer or
the desk, signing in, and the manager adding the enterprise's other users.

Accounts are not staff users and hold no role: they act through
``core.portal.actor.PortalActor``. Passwords follow the staff rules
(``core.auth.passwords``), failed sign-ins count towards the staff lockout
(``core.auth.lockout``, under a name derived from the phone's keyed hash, so
no phone number reaches the throttle table or the audit trail), and the sign-in
and registration forms share the staff rate limit (``core.auth.limits``).
"""
import hashlib
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash

from core import clock
from core.audit import services as audit
from core.auth import lockout, passwords
from core.auth.lockout import AccountLocked  # noqa: F401  (what a caller catches)
from core.errors import Forbidden, NotFound, ValidationError
from core.extensions import db
from core.notifications.services import notify_unit, notify_users
from core.org import services as org_services
from core.org.models import Unit
from core.org.roles import DESK, LEADER
from core.portal import names, sessions
from core.portal.actor import PortalActor
from core.portal.models import DISABLED, PENDING, REFUSED, VERIFIED, PortalAccount, PortalPasswordHistory
from core.privacy import fields as personal_fields
from core.privacy import validation as personal
from core.registry import credit_code as uscc
from core.registry import services as registry
from core.text import clean_text

# Units an enterprise the registry does not know yet may choose to verify it.
SERVING_KINDS = ("centre", "sub_centre", "station")
STATUS_LABELS = {PENDING: _l("Waiting for verification"), VERIFIED: _l("Verified"), REFUSED: _l("Refused"),
                 DISABLED: _l("Disabled")}
LIVE = (PENDING, VERIFIED)   # an account in one of these holds its enterprise and its phone
# The staff's password history (none of the last 5), kept in the portal's own table.
PASSWORD_HISTORY = passwords.History(PortalPasswordHistory, "account_id")


class LoginFailed(ValidationError):
    pass


@dataclass
class Registration:
    credit_code: str = ""
    enterprise_name: str = ""
    unit_id: int | None = None         # only when the registry does not hold the enterprise
    name: str = ""
    phone: str = ""
    password: str = ""
    repeat: str = ""


def serving_units() -> list[Unit]:
    return list(db.session.scalars(select(Unit).where(Unit.kind.in_(SERVING_KINDS), Unit.active.is_(True))
                                   .order_by(Unit.path)))


def _mobile(value) -> str:
    """A mainland mobile number (the account's sign-in name), normalised."""
    try:
        phone = personal.phone(value)
    except ValidationError:
        phone = ""
    if len(phone) != 11 or not phone.startswith("1"):
        raise ValidationError(_l("Enter a mainland mobile number (11 digits)."), field="phone")
    return phone


def _live_account_with_phone(phone: str) -> PortalAccount | None:
    return db.session.scalar(select(PortalAccount).where(personal_fields.lookup(PortalAccount.phone, phone),
                                                         PortalAccount.status.in_(LIVE)).limit(1))


def _check_password(password: str, repeat: str, phone: str) -> None:
    if password != repeat:
        raise ValidationError(_l("The two passwords differ."), field="repeat")
    try:
        passwords.check_new_password(password, phone)
    except ValidationError as exc:
        raise ValidationError(exc.message, field="password") from None


# What registering finds and tells only the desk (``portal_account.flags``): the
# registrant gets the same answer whatever is true, so the portal tells no stranger
# which phones have accounts or which credit codes the police know.
UNKNOWN_CODE, NAME_MISMATCH, PHONE_TAKEN, ENTERPRISE_TAKEN = \
    "unknown_code", "name_mismatch", "phone_taken", "enterprise_taken"
FLAGS = {
    UNKNOWN_CODE: _l("Credit code not in the registry"),
    NAME_MISMATCH: _l("Name differs from the registry's"),
    PHONE_TAKEN: _l("Mobile number already has an account"),
    ENTERPRISE_TAKEN: _l("Enterprise already has an account"),
}


def register(actor, form: Registration) -> PortalAccount | None:
    """Record a registration for the desk to verify. Only errors of form are
    told (an empty field, a malformed number, a credit code failing its check
    character, the password rules): they reveal nothing. Everything that depends
    on what anqi holds (the registry, the name, other accounts) is recorded as a
    flag for the desk, and the answer is the same; the same work is done either
    way (the password is always hashed, every lookup always made). One
    registration waits per enterprise: a second one (even at the same instant)
    is turned away by a unique index, audited, and answered alike. Returns the
    new account, or None when one was already waiting."""
    # Hashed first, for every registration, before any database access: the same work on every
    # path, and no transaction (on SQLite the write lock) is open while scrypt runs.
    password_hash = org_services.hash_password(form.password or "")
    errors: dict[str, list] = {}

    def error(field, message):
        errors.setdefault(field, []).append(message)

    code = None
    try:
        code = uscc.validate(form.credit_code)
    except ValidationError as exc:
        error("credit_code", exc.message)
    enterprise_name = clean_text(form.enterprise_name, 200)
    if not enterprise_name:
        error("enterprise_name", _l("Enter the enterprise's name."))
    elif len(enterprise_name) > 200:
        error("enterprise_name", _l("Keep this under %(n)d characters.", n=200))
    unit = db.session.get(Unit, form.unit_id) if form.unit_id else None
    if unit is None or not unit.active or unit.kind not in SERVING_KINDS:
        error("unit_id", _l("Choose the police station or centre of the enterprise's area."))
    name = clean_text(form.name, 100)
    if not name:
        error("name", _l("Enter your name."))
    phone = ""
    try:
        phone = _mobile(form.phone)
    except ValidationError as exc:
        error("phone", exc.message)
    try:
        _check_password(form.password or "", form.repeat or "", phone)
    except ValidationError as exc:
        error(exc.field, exc.message)
    if errors:
        audit.record_failure(actor, "portal.register", object_type="portal_account",
                             detail={"fields": sorted(errors)})
        raise ValidationError(next(iter(errors.values()))[0], errors=errors)
    enterprise = registry.find_by_credit_code(code)
    flags = []
    if enterprise is None:
        flags.append(UNKNOWN_CODE)
    elif not names.same(enterprise_name, enterprise.name):
        flags.append(NAME_MISMATCH)
    if _live_account_with_phone(phone) is not None:
        flags.append(PHONE_TAKEN)
    if _verified_account_of(code) is not None:
        flags.append(ENTERPRISE_TAKEN)
    account = PortalAccount(enterprise_id=enterprise.id if enterprise else None, credit_code=code,
                            enterprise_name=enterprise_name[:200],
                            unit_id=enterprise.unit_id if enterprise else unit.id, name=name[:100], phone=phone,
                            password_hash=password_hash, status=PENDING, is_manager=True, created_at=clock.now(),
                            flags=flags)
    db.session.add(account)
    try:
        db.session.flush()
    except IntegrityError:          # uq_portal_account_pending_credit_code: one is waiting already
        db.session.rollback()
        audit.record_failure(actor, "portal.register", object_type="portal_account",
                             detail={"credit_code": code, "reason": "pending_exists"})
        return None
    PASSWORD_HISTORY.remember(account)
    audit.record(actor, "portal.register", account,
                 detail={"credit_code": code, "registered": enterprise is not None, "flags": flags})
    text = _l("%(enterprise)s has registered on the enterprise portal and waits for verification.",
              enterprise=account.enterprise_name)
    if enterprise is not None and enterprise.liaison_officer_id:
        notify_users([enterprise.liaison_officer_id], "portal_account", text)
    notify_unit(account.unit_id, "portal_account", text, roles=(DESK,))
    try:
        db.session.commit()
    except IntegrityError:          # PostgreSQL may report the other's row only at the commit
        db.session.rollback()
        audit.record_failure(actor, "portal.register", object_type="portal_account",
                             detail={"credit_code": code, "reason": "pending_exists"})
        return None
    return account


def _verified_account_of(credit_code: str) -> PortalAccount | None:
    return db.session.scalar(select(PortalAccount).where(PortalAccount.credit_code == credit_code,
                                                         PortalAccount.status == VERIFIED).limit(1))


# --- verification (staff) ------------------------------------------------------------------

def _reachable(actor):
    """Accounts the staff actor may verify: those of units in the desk's or the
    leader's scope, and those of the enterprises the actor is liaison officer of."""
    from core.registry.models import Enterprise

    served = select(Enterprise.id).where(Enterprise.liaison_officer_id == actor.user_id)
    mine = PortalAccount.enterprise_id.in_(served)
    if actor.roles & {DESK, LEADER}:
        return or_(actor.scope.filter(PortalAccount.unit_id), mine)
    return mine


def waiting(actor, limit: int = 200) -> list[PortalAccount]:
    actor.require("portal.verify")
    return list(db.session.scalars(select(PortalAccount).where(PortalAccount.status == PENDING, _reachable(actor))
                                   .order_by(PortalAccount.id).limit(limit)))


def recent_decisions(actor, limit: int = 20) -> list[PortalAccount]:
    actor.require("portal.verify")
    return list(db.session.scalars(select(PortalAccount).where(PortalAccount.status.in_((VERIFIED, REFUSED)),
                                                               PortalAccount.decided_at.is_not(None),
                                                               _reachable(actor))
                                   .order_by(PortalAccount.decided_at.desc()).limit(limit)))


def of_enterprise(actor, enterprise) -> list[PortalAccount]:
    """The portal accounts of an enterprise the actor has opened (the registry
    checked its scope), for its page."""
    actor.require("portal.verify")
    return list(db.session.scalars(select(PortalAccount).where(PortalAccount.credit_code == enterprise.credit_code)
                                   .order_by(PortalAccount.id)))


def get_for_staff(actor, account_id) -> PortalAccount:
    actor.require("portal.verify")
    account = db.session.scalar(select(PortalAccount).where(PortalAccount.id == account_id, _reachable(actor)))
    if account is None:
        raise NotFound(_l("There is no such portal account in your units' area."))
    return account


def decide(actor, account_id, approve: bool, reason: str = "") -> PortalAccount:
    """Verify or refuse a pending account (a refusal says why). Verifying an
    enterprise the registry does not hold yet registers it, in the account's unit."""
    account = get_for_staff(actor, account_id)
    action = "portal.verify" if approve else "portal.refuse"
    reason = clean_text(reason, 1000)[:1000]
    try:
        if account.status != PENDING:
            raise ValidationError(_l("This account has already been decided."))
        if not approve and not reason:
            raise ValidationError(_l("Say why the registration is refused."), field="reason")
        enterprise = account.enterprise or registry.find_by_credit_code(account.credit_code)
        if approve and enterprise is not None and not names.same(account.enterprise_name, enterprise.name):
            raise ValidationError(_l("The name does not match the name registered for this credit code; "
                                     "refuse the registration."))
        if approve and _verified_account_of(account.credit_code) is not None:
            raise ValidationError(_l("This enterprise already has a verified account: refuse the registration "
                                     "(its account manager adds further users)."))
        if approve and db.session.scalar(select(PortalAccount.id).where(
                personal_fields.lookup(PortalAccount.phone, account.phone), PortalAccount.status == VERIFIED,
                PortalAccount.id != account.id).limit(1)) is not None:
            raise ValidationError(_l("This mobile number already has a verified account: refuse the registration."))
    except ValidationError as exc:
        audit.record_failure(actor, action, object_type="portal_account", object_id=account.id,
                             detail={"fields": sorted(exc.errors)})
        raise
    if approve and enterprise is None:
        # registry.create checks the actor may register enterprises in that unit, and commits on its own.
        enterprise = registry.create(actor, {"name": account.enterprise_name, "credit_code": account.credit_code,
                                             "unit_id": account.unit_id})
    account.status = VERIFIED if approve else REFUSED
    account.enterprise_id = enterprise.id if approve else account.enterprise_id
    account.decision_reason, account.decided_by_id, account.decided_at = reason, actor.user_id, clock.now()
    audit.record(actor, action, account, detail={"credit_code": account.credit_code})
    db.session.commit()
    return account


# --- signing in ------------------------------------------------------------------------

_DUMMY_HASH = org_services.hash_password("anqi-portal-timing-equaliser")


def throttle_name(typed_phone: str) -> str:
    """The lockout counts portal sign-ins under this name: the phone's keyed
    hash (or a plain hash of what was typed when it is no phone number)."""
    try:
        digest = personal_fields.hash_of("phone", _mobile(typed_phone))
    except ValidationError:
        digest = hashlib.sha256((typed_phone or "").encode("utf-8", "surrogatepass")).hexdigest()
    return f"portal:{digest[:40]}"


def authenticate(actor, phone: str, password: str) -> PortalAccount:
    """The verified account whose mobile number and password these are; else
    LoginFailed (the same message whether the number exists or not), or
    AccountLocked after too many failures."""
    name = throttle_name(phone)
    until = lockout.locked_until(actor, name)
    if until is not None:
        audit.record_failure(actor, "portal.login", result=audit.DENIED, username=name,
                             object_type="portal_account", detail={"reason": "locked"})
        raise AccountLocked(until)
    try:
        typed = _mobile(phone)
    except ValidationError:
        typed = ""
    # Anyone may register any number (the registration tells nothing), so one number may have a
    # verified account and newer registrations: the verified one and the newest other are both
    # checked, always two hashes, so that neither the answer nor its time tells them apart.
    verified = other = None
    if typed:
        rows = db.session.execute(select(PortalAccount.id, PortalAccount.password_hash, PortalAccount.status)
                                  .where(personal_fields.lookup(PortalAccount.phone, typed))
                                  .order_by(PortalAccount.id.desc()).limit(50)).all()
        verified = next((r for r in rows if r.status == VERIFIED), None)
        other = next((r for r in rows if r.status != VERIFIED), None)
    db.session.rollback()           # no transaction (on SQLite the write lock) held while hashing
    matched = None
    for row in (verified, other):
        if check_password_hash(row.password_hash if row else _DUMMY_HASH, password or "") and row is not None \
                and matched is None:
            matched = row
    account = db.session.get(PortalAccount, matched.id) if matched else None
    ok = account is not None
    if not ok or account is None:
        audit.record_failure(actor, "portal.login", result=audit.DENIED, username=name, object_type="portal_account",
                             detail={"reason": "unknown" if verified is None and other is None else "wrong password"})
        locked = lockout.note_failure(actor, name)
        if locked is not None:
            raise AccountLocked(locked)
        raise LoginFailed(_l("The mobile number or password is wrong."))
    if account.status != VERIFIED:
        audit.record_failure(actor, "portal.login", result=audit.DENIED, username=name, object_type="portal_account",
                             object_id=account.id, detail={"reason": account.status})
        if account.status == PENDING:
            raise LoginFailed(_l("Your registration waits for verification by the police. You will be able to "
                                 "sign in once it is verified."))
        if account.status == REFUSED:
            raise LoginFailed(_l("Your registration was refused: %(reason)s", reason=account.decision_reason))
        raise LoginFailed(_l("This account has been disabled. Ask your enterprise's account manager."))
    return account


def log_in(actor, account, user_agent: str = "") -> str:
    """The sign-in succeeded: a new portal session; returns its key (for the cookie)."""
    lockout.reset(throttle_name(account.phone))
    account.last_login_at = clock.now()
    row, key = sessions.start(account, actor.address, user_agent)
    db.session.flush()
    audit.record(PortalActor(account, actor.address), "portal.login", account, detail={"session": row.id})
    db.session.commit()
    return key


def log_out(actor) -> None:
    row = sessions.current_row()
    if row is not None and row.ended_at is None:
        sessions.end(row, sessions.LOGOUT, actor)
    db.session.commit()


# --- the enterprise's own users (its manager) ----------------------------------------------

def colleagues(actor) -> list[PortalAccount]:
    """The accounts of the actor's enterprise."""
    return list(db.session.scalars(select(PortalAccount).where(PortalAccount.enterprise_id == actor.enterprise_id)
                                   .order_by(PortalAccount.is_manager.desc(), PortalAccount.id)))


def _require_manager(actor, action: str) -> None:
    if not actor.account.is_manager:
        audit.record_failure(actor, action, result=audit.DENIED, object_type="portal_account",
                             object_id=actor.account.id)
        raise Forbidden(_l("Only your enterprise's account manager can do this."))


def add_colleague(actor, name: str, phone: str, password: str, repeat: str) -> PortalAccount:
    """The manager adds a user of the same enterprise, verified at once (the
    manager vouches for them); the new user signs in with the password given."""
    _require_manager(actor, "portal.add_user")
    errors: dict[str, list] = {}
    name = clean_text(name, 100)
    if not name:
        errors["name"] = [_l("Enter the person's name.")]
    typed = ""
    try:
        typed = _mobile(phone)
        if _live_account_with_phone(typed) is not None:
            errors["phone"] = [_l("This mobile number already has an account.")]
    except ValidationError as exc:
        errors["phone"] = [exc.message]
    try:
        _check_password(password or "", repeat or "", typed)
    except ValidationError as exc:
        errors.setdefault(exc.field, []).append(exc.message)
    if errors:
        audit.record_failure(actor, "portal.add_user", object_type="portal_account", detail={"fields": sorted(errors)})
        raise ValidationError(next(iter(errors.values()))[0], errors=errors)
    manager = actor.account
    account = PortalAccount(enterprise_id=manager.enterprise_id, credit_code=manager.credit_code,
                            enterprise_name=manager.enterprise.name, unit_id=manager.enterprise.unit_id,
                            name=name[:100], phone=typed, password_hash=org_services.hash_password(password),
                            status=VERIFIED, is_manager=False, added_by_id=manager.id, decided_at=clock.now(),
                            created_at=clock.now())
    db.session.add(account)
    db.session.flush()
    PASSWORD_HISTORY.remember(account)
    audit.record(actor, "portal.add_user", account)
    db.session.commit()
    return account


def disable_colleague(actor, account_id) -> PortalAccount:
    """The manager switches off another account of the enterprise (someone
    left); its sessions end at once. The account stays, for the record."""
    _require_manager(actor, "portal.disable_user")
    account = db.session.get(PortalAccount, account_id)
    if account is None or account.enterprise_id != actor.enterprise_id or account.id == actor.account.id:
        raise NotFound(_l("There is no such user in your enterprise."))
    if account.status != VERIFIED:
        raise ValidationError(_l("This account is not in use."))
    account.status = DISABLED
    sessions.end_all(account.id, sessions.DISABLED, actor)
    audit.record(actor, "portal.disable_user", account)
    db.session.commit()
    return account


def change_password(actor, current: str, new: str, repeat: str) -> None:
    """The account's own change; its other portal sessions end."""
    account = actor.account
    try:
        if not check_password_hash(account.password_hash, current or ""):
            raise ValidationError(_l("The current password is wrong."), field="current")
        if new != repeat:
            raise ValidationError(_l("The two new passwords differ."), field="repeat")
        try:
            passwords.check_new_password(new, account.phone, account, history=PASSWORD_HISTORY)
        except ValidationError as exc:
            raise ValidationError(exc.message, field="new") from None
    except ValidationError as exc:
        audit.record_failure(actor, "portal.password", object_type="portal_account", object_id=account.id,
                             detail={"field": exc.field})
        raise
    account.password_hash = org_services.hash_password(new)
    PASSWORD_HISTORY.remember(account)
    sessions.end_all(account.id, sessions.PASSWORD, actor, keep=sessions.current_row())
    audit.record(actor, "portal.password", account)
    db.session.commit()

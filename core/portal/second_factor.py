"""An enterprise account's optional second factor: TOTP with recovery codes,
the staff's rules (``core.auth.second_factor``: 30-second steps, one step of
drift, each code once, ten recovery codes kept as SHA-256) in the portal's own
tables. The account holder sets it up and removes it on the portal; once set
up, signing in asks for a code after the password, and a wrong code counts
towards the number's lockout like a wrong password."""
import pyotp
from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash

from core.audit import services as audit
from core.auth import lockout
from core.auth import second_factor as staff
from core.errors import ValidationError
from core.extensions import db
from core.portal.actor import PortalActor
from core.portal.models import PortalRecoveryCode, PortalTotp
from core.privacy import masking

STORE = staff.Store(PortalTotp, PortalRecoveryCode, "account_id")


class CodeRefused(ValidationError):
    pass


def is_enrolled(account) -> bool:
    return STORE.is_enrolled(account.id)


def pending_secret(account) -> str | None:
    row = STORE.credential(account.id)
    return row.secret if row is not None and row.confirmed_at is None else None


def start(actor) -> str:
    """Begin the set-up (a POST): the pending secret, made now if there is none."""
    row = STORE.start(actor.account.id)
    if row is None:
        raise ValidationError(_l("A second factor is already set up for this account."))
    if row.confirmed_at is None and row in db.session.new:
        audit.record(actor, "portal.second_factor_start", actor.account)
    db.session.commit()
    return row.secret


def confirm(actor, code: str) -> list[str]:
    """Activate the pending secret with a code from the app; the recovery codes, shown once."""
    codes = STORE.confirm(actor.account.id, code)
    if codes is None:
        db.session.rollback()
        audit.record_failure(actor, "portal.second_factor_enrol", object_type="portal_account",
                             object_id=actor.account.id, detail={"reason": "wrong code"})
        raise ValidationError(_l("The code is wrong. Check the authenticator's clock and type the newest code."),
                              field="code")
    audit.record(actor, "portal.second_factor_enrol", actor.account, detail={"recovery_codes": len(codes)})
    db.session.commit()
    return codes


def remove(actor, password: str) -> None:
    """The account holder switches the second factor off, confirming with the password."""
    account = actor.account
    if not check_password_hash(account.password_hash, password or ""):
        audit.record_failure(actor, "portal.second_factor_remove", object_type="portal_account",
                             object_id=account.id, detail={"reason": "wrong password"})
        raise ValidationError(_l("The password is wrong."), field="password")
    STORE.remove(account.id)
    audit.record(actor, "portal.second_factor_remove", account)
    db.session.commit()


def recovery_codes_left(account) -> int:
    return STORE.recovery_codes_left(account.id)


def provisioning_uri(account, secret: str) -> str:
    """What the QR code holds: the issuer and the masked number, as the authenticator app lists it."""
    label = f"{account.enterprise_name} {masking.mask('phone', account.phone)}"
    return pyotp.TOTP(secret, digits=staff.DIGITS, interval=staff.INTERVAL).provisioning_uri(
        name=label, issuer_name=staff.ISSUER)


def check(actor, account, code: str, throttle_name: str) -> str:
    """The second step of signing in: a TOTP or recovery code; a wrong one counts towards the
    number's lockout (``throttle_name``). Returns the kind of code used."""
    until = lockout.locked_until(actor, throttle_name)
    if until is not None:
        audit.record_failure(actor, "portal.second_factor", result=audit.DENIED, username=throttle_name,
                             object_type="portal_account", object_id=account.id, detail={"reason": "locked"})
        raise lockout.AccountLocked(until)
    kind = STORE.verify(account.id, code)
    if kind is None:
        db.session.rollback()
        audit.record_failure(actor, "portal.second_factor", result=audit.DENIED, username=throttle_name,
                             object_type="portal_account", object_id=account.id, detail={"reason": "wrong code"})
        locked = lockout.note_failure(actor, throttle_name)
        if locked is not None:
            raise lockout.AccountLocked(locked)
        raise CodeRefused(_l("The code is wrong or has been used already."), field="code")
    audit.record(PortalActor(account, actor.address), "portal.second_factor", account, detail={"kind": kind})
    db.session.commit()
    return kind

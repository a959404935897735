"""The second factor: TOTP (RFC 6238: 30-second steps, 6 digits, one step of
clock drift either way) with ten one-time recovery codes, and which roles must use it.

Enrolment makes a secret, shows it once as text and as a QR code, and
activates it when the user types a code it produced. Recovery codes are shown
once and kept only as SHA-256 digests (they are long random strings, not
passwords); a used one is spent. A TOTP code is accepted once: the newest
accepted time step is kept and an older or equal one is refused.
"""
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timezone

import pyotp
import segno
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from core import clock
from core.audit import services as audit
from core.auth.models import AuthRolePolicy, RecoveryCode, UserTotp
from core.errors import NotFound, ValidationError
from core.extensions import db
from core.org.roles import ADMIN, LEADER, ROLES
from core.record_ids import get_row

DEFAULT_ROLES = frozenset({ADMIN, LEADER})  # roles that need a second factor until an administrator decides otherwise
ISSUER = "anqi"
DIGITS = 6
INTERVAL = 30
VALID_WINDOW = 1
RECOVERY_CODES = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read off paper


@dataclass(frozen=True)
class Store:
    """Where a kind of account keeps its second factor: staff users in ``user_totp``
    and ``user_recovery_code`` (``user_id``), the portal's accounts in their own
    tables (``account_id``). The rules (steps, drift, one use per code, recovery
    codes) are the same for both."""

    totp_model: type
    recovery_model: type
    owner_column: str

    def credential(self, owner_id):
        return db.session.get(self.totp_model, owner_id)

    def is_enrolled(self, owner_id) -> bool:
        row = self.credential(owner_id)
        return row is not None and row.confirmed_at is not None

    def start(self, owner_id, secret: str | None = None):
        """The pending credential (made now with a new secret, or ``secret``); None when enrolled."""
        row = self.credential(owner_id)
        if row is not None and row.confirmed_at is not None:
            return None
        if row is None:
            row = self.totp_model(**{self.owner_column: owner_id}, secret=secret or pyotp.random_base32(),
                                  created_at=clock.now())
            db.session.add(row)
        elif secret:
            row.secret = secret
        return row

    def confirm(self, owner_id, code: str) -> list[str] | None:
        """Activate the pending secret with a code; the new recovery codes, or None
        (nothing pending, or a wrong code). In the caller's transaction."""
        row = self.credential(owner_id)
        if row is None or row.confirmed_at is not None:
            return None
        step = _matching_step(row, code)
        if step is None:
            return None
        row.last_step, row.confirmed_at = step, clock.now()
        return self.new_recovery_codes(owner_id)

    def verify(self, owner_id, code: str) -> str | None:
        """``"totp"`` or ``"recovery"`` when ``code`` is right (a recovery code is then spent), else None."""
        row = self.credential(owner_id)
        if row is None or row.confirmed_at is None:
            return None
        typed = "".join((code or "").split())[:40]
        if len(typed) == DIGITS and typed.isdigit():
            step = _matching_step(row, typed)
            if step is None:
                return None
            row.last_step = step
            return "totp"
        owner = getattr(self.recovery_model, self.owner_column)
        spare = db.session.scalar(select(self.recovery_model).where(
            owner == owner_id, self.recovery_model.code_hash == _recovery_digest(typed),
            self.recovery_model.used_at.is_(None)).with_for_update())
        if spare is None:
            return None
        spare.used_at = clock.now()
        return "recovery"

    def remove(self, owner_id) -> bool:
        """Delete the credential and recovery codes; whether there was one."""
        had = self.credential(owner_id) is not None
        db.session.execute(delete(self.totp_model).where(getattr(self.totp_model, self.owner_column) == owner_id))
        db.session.execute(delete(self.recovery_model)
                           .where(getattr(self.recovery_model, self.owner_column) == owner_id))
        return had

    def recovery_codes_left(self, owner_id) -> int:
        owner = getattr(self.recovery_model, self.owner_column)
        return len(db.session.scalars(select(self.recovery_model.id).where(
            owner == owner_id, self.recovery_model.used_at.is_(None))).all())

    def new_recovery_codes(self, owner_id) -> list[str]:
        db.session.execute(delete(self.recovery_model)
                           .where(getattr(self.recovery_model, self.owner_column) == owner_id))
        codes = []
        for _ in range(RECOVERY_CODES):
            raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
            codes.append(f"{raw[:5]}-{raw[5:]}")
            db.session.add(self.recovery_model(**{self.owner_column: owner_id}, code_hash=_recovery_digest(raw)))
        return codes


STAFF = Store(UserTotp, RecoveryCode, "user_id")


# --- which roles need it ----------------------------------------------------------------------

def policy() -> dict[str, bool]:
    """Every role and whether it needs a second factor."""
    rows = {r.role: r.second_factor for r in db.session.scalars(select(AuthRolePolicy))}
    return {role: rows.get(role, role in DEFAULT_ROLES) for role in ROLES}


def set_policy(actor, roles_requiring) -> dict[str, bool]:
    """Require a second factor for exactly ``roles_requiring``; audited."""
    actor.require("system.manage")
    wanted = set(roles_requiring or ())
    unknown = wanted - set(ROLES)
    if unknown:
        audit.record_failure(actor, "auth.second_factor_policy", object_type="auth_role_policy",
                             detail={"unknown": sorted(unknown)})
        raise ValidationError(_l("Choose roles from the list."))
    before = policy()
    rows = {r.role: r for r in db.session.scalars(select(AuthRolePolicy))}
    for role in ROLES:
        row = rows.get(role) or AuthRolePolicy(role=role)
        if row.role not in rows:
            db.session.add(row)
        row.second_factor = role in wanted
        row.changed_at, row.changed_by_id = clock.now(), actor.user_id
    audit.record(actor, "auth.second_factor_policy", object_type="auth_role_policy",
                 detail={"before": sorted(r for r, on in before.items() if on), "after": sorted(wanted)})
    db.session.commit()
    return policy()


def required_for(user) -> bool:
    if getattr(user, "is_system", False):
        return False              # a system account never logs in to the pages
    rules = policy()
    return any(rules.get(role, False) for role in user.roles)


# --- the user's own enrolment ---------------------------------------------------------------

def credential(user_id) -> UserTotp | None:
    return db.session.get(UserTotp, user_id)


def is_enrolled(user) -> bool:
    row = credential(user.id)
    return row is not None and row.confirmed_at is not None


def start_enrolment(actor, secret: str | None = None) -> str:
    """The secret the actor is enrolling with: the pending one, or a new one
    (``secret`` gives it, e.g. an existing token's seed). Refused once enrolled."""
    user = actor.user
    row = credential(user.id)
    if row is not None and row.confirmed_at is not None:
        raise ValidationError(_l("A second factor is already set up for this account."))
    if secret is not None:
        secret = secret.replace(" ", "").upper()
        try:
            pyotp.TOTP(secret).now()
        except Exception:
            secret = ""
        if len(secret) < 16:
            raise ValidationError(_l("The secret must be at least 16 base32 characters."), field="secret")
    if row is None:
        row = UserTotp(user_id=user.id, secret=secret or pyotp.random_base32(), created_at=clock.now())
        db.session.add(row)
        audit.record(actor, "auth.second_factor_start", user)
        db.session.commit()
    elif secret:
        row.secret = secret
        db.session.commit()
    return row.secret


def provisioning_uri(user, secret: str) -> str:
    return pyotp.TOTP(secret, digits=DIGITS, interval=INTERVAL).provisioning_uri(name=user.username,
                                                                                 issuer_name=ISSUER)


def qr_svg(uri: str, title: str = "") -> str:
    """The QR code as an inline SVG element: no script, nothing fetched."""
    return segno.make(uri, error="m").svg_inline(scale=4, border=2, title=title or None)


def confirm_enrolment(actor, code: str) -> list[str]:
    """Activate the pending secret with a code from the authenticator; returns the
    recovery codes (shown once)."""
    user = actor.user
    row = credential(user.id)
    if row is None or row.confirmed_at is not None:
        audit.record_failure(actor, "auth.second_factor_enrol", object_type="user_account", object_id=user.id,
                             detail={"reason": "nothing pending"})
        raise ValidationError(_l("Start the set-up again: there is no pending second factor."), field="code")
    step = _matching_step(row, code)
    if step is None:
        audit.record_failure(actor, "auth.second_factor_enrol", object_type="user_account", object_id=user.id,
                             detail={"reason": "wrong code"})
        raise ValidationError(_l("The code is wrong. Check the authenticator's clock and type the newest code."),
                              field="code")
    row.last_step = step
    row.confirmed_at = clock.now()
    codes = _new_recovery_codes(user.id)
    audit.record(actor, "auth.second_factor_enrol", user, detail={"recovery_codes": len(codes)})
    db.session.commit()
    return codes


def credentials(actor) -> dict[int, UserTotp]:
    """Every user's second factor (set up or pending), by user id: the administrator's overview."""
    actor.require("system.manage")
    return {row.user_id: row for row in db.session.scalars(select(UserTotp))}


def reset(actor, user_id):
    """Remove a user's second factor and recovery codes (administrator or the
    shell), so they enrol again at their next login; audited. Returns the user."""
    from core.org.models import User

    actor.require("system.manage")
    user = get_row(User, user_id)
    if user is None:
        raise NotFound(_l("There is no such user."))
    had = credential(user.id) is not None
    db.session.execute(delete(UserTotp).where(UserTotp.user_id == user.id))
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    audit.record(actor, "auth.second_factor_reset", user, detail={"user": user.username, "had_one": had})
    db.session.commit()
    return user


# --- checking a code at login ---------------------------------------------------------------

def verify(user, code: str) -> str | None:
    """Check a TOTP code or a recovery code for ``user`` (in the caller's
    transaction): ``"totp"`` or ``"recovery"`` when it is right (a recovery
    code is then spent), None when it is not."""
    return STAFF.verify(user.id, code)


def recovery_codes_left(user) -> int:
    return STAFF.recovery_codes_left(user.id)


def _matching_step(row: UserTotp, code: str) -> int | None:
    code = "".join((code or "").split())
    if len(code) != DIGITS or not code.isdigit():
        return None
    totp = pyotp.TOTP(row.secret, digits=DIGITS, interval=INTERVAL)
    now = clock.now().replace(tzinfo=timezone.utc)
    current = totp.timecode(now)
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if row.last_step is not None and step <= row.last_step:
            continue  # this code, or an older one, was used already
        if hmac.compare_digest(code, totp.generate_otp(step)):
            return step
    return None


def _recovery_digest(code: str) -> str:
    normal = code.replace("-", "").lower()
    return hashlib.sha256(normal.encode("utf-8", "surrogatepass")).hexdigest()


def _new_recovery_codes(user_id) -> list[str]:
    return STAFF.new_recovery_codes(user_id)

"""The password rules, in one place: the administrator's user form, the
password change page and the ``anqi users password`` command all check here.

At least 8 characters from at least three of four classes (lower case, upper
case, digits, anything else), not containing the user name, and none of the
user's last 5 passwords.
"""
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.security import check_password_hash

from core import clock
from core.auth.models import PasswordHistory
from core.errors import ValidationError
from core.extensions import db

MIN_LENGTH = 8
MIN_CLASSES = 3
HISTORY = 5            # a new password may not be any of this many newest ones
MIN_NAME_LENGTH = 3    # a shorter user name (e.g. "li") is not searched for inside the password


def character_classes(password: str) -> int:
    lower = upper = digit = other = False
    for c in password:
        if c.isascii() and c.islower():
            lower = True
        elif c.isascii() and c.isupper():
            upper = True
        elif c.isascii() and c.isdigit():
            digit = True
        else:
            other = True
    return lower + upper + digit + other


def check_new_password(password: str, username: str, user=None) -> None:
    """Raise ValidationError (field ``password``) when ``password`` breaks a rule.
    ``user`` is the existing account, whose recent passwords are refused."""
    password = password or ""
    if len(password) < MIN_LENGTH:
        raise ValidationError(_l("A password needs at least %(n)d characters.", n=MIN_LENGTH),
                              field="password")
    if character_classes(password) < MIN_CLASSES:
        raise ValidationError(_l("Use at least three of these in the password: lower-case letters, upper-case "
                                 "letters, digits, other characters."), field="password")
    name = (username or "").lower()
    if name and (password.lower() == name or (len(name) >= MIN_NAME_LENGTH and name in password.lower())):
        raise ValidationError(_l("The password cannot contain the user name."), field="password")
    if user is not None and any(check_password_hash(h, password) for h in recent_hashes(user)):
        raise ValidationError(_l("Choose a password you have not used recently (not one of your last %(n)d).",
                                 n=HISTORY), field="password")


def recent_hashes(user) -> list[str]:
    """The current password's hash and those of the ones before it, newest first."""
    if user.id is None:
        return []
    rows = db.session.scalars(select(PasswordHistory.password_hash).where(PasswordHistory.user_id == user.id)
                              .order_by(PasswordHistory.id.desc()).limit(HISTORY))
    hashes = [user.password_hash] if user.password_hash else []
    return hashes + [h for h in rows if h not in hashes]


def remember(user) -> None:
    """Note ``user``'s newly set password hash in the history, keeping the newest
    ``HISTORY``. Call after setting ``user.password_hash``, in the same transaction."""
    if user.id is None:
        db.session.flush()
    db.session.add(PasswordHistory(user_id=user.id, password_hash=user.password_hash, created_at=clock.now()))
    db.session.flush()
    stale = db.session.scalars(select(PasswordHistory).where(PasswordHistory.user_id == user.id)
                               .order_by(PasswordHistory.id.desc()).offset(HISTORY))
    for row in stale:
        db.session.delete(row)

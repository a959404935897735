"""The password rules, in one place: the administrator's user form, the
password change page, the ``anqi users password`` command and the enterprise
portal's accounts all check here.

At least 8 characters from at least three of four classes (lower case, upper
case, digits, anything else), not one of the most common passwords (nor one
with only digits or symbols added before or after it), not containing the
user name, and none of the owner's last 5 passwords.
"""
import importlib.util
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

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
_DECORATION = re.compile(r"^[^a-z]+|[^a-z]+$")   # digits and symbols before or after the word


@dataclass(frozen=True)
class History:
    """Where an owner's newest password hashes are kept: staff users in
    ``password_history`` (``user_id``), portal accounts in their own table."""

    model: type
    owner_column: str

    def recent(self, owner) -> list[str]:
        """The current password's hash and those of the ones before it, newest first."""
        if owner.id is None:
            return []
        column = getattr(self.model, self.owner_column)
        rows = db.session.scalars(select(self.model.password_hash).where(column == owner.id)
                                  .order_by(self.model.id.desc()).limit(HISTORY))
        hashes = [owner.password_hash] if owner.password_hash else []
        return hashes + [h for h in rows if h not in hashes]

    def remember(self, owner) -> None:
        """Note ``owner``'s newly set password hash, keeping the newest ``HISTORY``.
        Call after setting ``owner.password_hash``, in the same transaction."""
        if owner.id is None:
            db.session.flush()
        column = getattr(self.model, self.owner_column)
        db.session.add(self.model(**{self.owner_column: owner.id}, password_hash=owner.password_hash,
                                  created_at=clock.now()))
        db.session.flush()
        stale = db.session.scalars(select(self.model).where(column == owner.id)
                                   .order_by(self.model.id.desc()).offset(HISTORY))
        for row in stale:
            db.session.delete(row)


STAFF = History(PasswordHistory, "user_id")


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The 30,000 most common passwords of zxcvbn's frequency lists (MIT licence,
    from leaked password sets), lower-case. Only the list module is loaded, by
    its path: importing the ``zxcvbn`` package would also build its matchers over
    every list (about 14 MB more in each worker process) for an estimator we do
    not use. Loaded once per process, on the first password checked (0.15 s, 4 MB)."""
    spec = importlib.util.find_spec("zxcvbn")
    path = Path(spec.origin).parent / "frequency_lists.py"
    loader = importlib.util.spec_from_file_location("_anqi_zxcvbn_frequency_lists", path)
    module = importlib.util.module_from_spec(loader)
    loader.loader.exec_module(module)
    return frozenset(word.casefold() for word in module.FREQUENCY_LISTS["passwords"])


def is_common(password: str) -> bool:
    """Whether ``password`` is a common one, in any case, or one with only digits or
    symbols around it (``Password1``, ``P@ssw0rd!``, ``2026qwerty``)."""
    folded = (password or "").casefold()
    words = common_passwords()
    return folded in words or _DECORATION.sub("", folded) in words


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


def check_new_password(password: str, username: str, user=None, history: History = STAFF) -> None:
    """Raise ValidationError (field ``password``) when ``password`` breaks a rule.
    ``user`` is the existing account (a staff user, or a portal account with the
    portal's ``history``), whose recent passwords are refused."""
    password = password or ""
    if len(password) < MIN_LENGTH:
        raise ValidationError(_l("A password needs at least %(n)d characters.", n=MIN_LENGTH),
                              field="password")
    if character_classes(password) < MIN_CLASSES:
        raise ValidationError(_l("Use at least three of these in the password: lower-case letters, upper-case "
                                 "letters, digits, other characters."), field="password")
    if is_common(password):
        raise ValidationError(_l("This is one of the most common passwords (or one with only digits or symbols "
                                 "added), which are tried first in an attack. Choose another."), field="password")
    name = (username or "").lower()
    if name and (password.lower() == name or (len(name) >= MIN_NAME_LENGTH and name in password.lower())):
        raise ValidationError(_l("The password cannot contain the user name."), field="password")
    if user is not None and any(check_password_hash(h, password) for h in history.recent(user)):
        raise ValidationError(_l("Choose a password you have not used recently (not one of your last %(n)d).",
                                 n=HISTORY), field="password")


def recent_hashes(user) -> list[str]:
    """A staff user's current password hash and the ones before it, newest first."""
    return STAFF.recent(user)


def remember(user) -> None:
    """Note a staff user's newly set password hash in the history (see ``History.remember``)."""
    STAFF.remember(user)

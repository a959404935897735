from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash

from core import clock
from core.audit import services as audit
from core.errors import ValidationError
from core.extensions import db
from core.org.actor import Actor
from core.org.services import check_new_password, hash_password, user_by_username

# Compared against when the user name is unknown, so both cases take as long.
_DUMMY_HASH = hash_password("anqi-timing-equaliser")


class LoginFailed(ValidationError):
    pass


def authenticate(actor, username: str, password: str):
    """The user, if the name and password match an active account; every attempt is audited."""
    username = (username or "").strip().lower()[:64]
    user = user_by_username(username) if username else None
    ok = check_password_hash(user.password_hash if user else _DUMMY_HASH, password or "")
    if not ok or user is None or not user.active:
        reason = "unknown user" if user is None else ("inactive" if ok else "wrong password")
        audit.record_failure(actor, "auth.login", result=audit.DENIED, username=username or "-",
                             object_type="user_account", object_id=user.id if user else None,
                             detail={"reason": reason})
        raise LoginFailed(_l("The user name or password is wrong."))
    user.last_login_at = clock.now()
    audit.record(Actor(user=user, address=actor.address), "auth.login", user)
    db.session.commit()
    return user


def change_password(actor, current: str, new: str, repeat: str) -> None:
    user = actor.user
    try:
        if not check_password_hash(user.password_hash, current or ""):
            raise ValidationError(_l("The current password is wrong."), field="current")
        if new != repeat:
            raise ValidationError(_l("The two new passwords differ."), field="repeat")
        check_new_password(new, user.username)
    except ValidationError as exc:
        audit.record_failure(actor, "auth.password", result=audit.REJECTED, object_type="user_account",
                             object_id=user.id, detail={"field": exc.field})
        raise
    user.password_hash = hash_password(new)
    audit.record(actor, "auth.password", user)
    db.session.commit()


def logout(actor) -> None:
    audit.record(actor, "auth.logout", actor.user)
    db.session.commit()

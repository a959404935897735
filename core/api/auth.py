"""API tokens: issue, verify, list and revoke.

A token is ``anqi_`` followed by 43 random URL-safe characters. Only its
SHA-256 and its first characters (the prefix, to recognise it in the list)
are stored; the token itself is shown once, when it is issued. A token acts
as its user: the API builds an ``Actor`` from that user and calls the same
services, with the same scope, as the pages.

Tokens are issued only for system accounts (``user_account.kind = system``,
e.g. ``sys12345`` for the 12345 hotline's referrals), never for a person: the
account's business roles and its personal-data permission are granted by a
leader of its unit (core/org/system_accounts.py), so a token the administrator
issues reads nothing until a leader says so, and only what the leader granted.
A token of a person's account issued before this rule is refused at use
(``person_account``, audited) and can be revoked from the list.
"""
import hashlib
import secrets
from datetime import timedelta
from functools import partial

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from core import clock, request_end
from core.api.models import ApiToken
from core.audit import services as audit
from core.errors import NotFound, ValidationError
from core.extensions import db
from core.org.models import User
from core.record_ids import get_row
from core.text import clean_text

TOKEN_PREFIX = "anqi_"
PREFIX_LENGTH = 12          # what the list shows: "anqi_" and the first 7 random characters
MAX_TOKEN_LENGTH = 200      # anything longer is not one of ours; it is not even hashed
TOUCH_EVERY = timedelta(minutes=1)  # last_used_at is written at most this often


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def issue(actor, user, name: str = "") -> tuple[ApiToken, str]:
    """A new token for ``user`` (a User or a user name). Returns the row and the
    token, which is not stored and cannot be shown again."""
    actor.require("system.manage")
    if not isinstance(user, User):
        username = clean_text(user, 64).lower()
        user = db.session.scalar(select(User).where(User.username == username)) if username else None
    errors = {}
    if user is None:
        errors["user"] = [_l("There is no such user.")]
    elif not user.is_system:
        errors["user"] = [_l("API tokens are issued only for system accounts, never for a person. Create a "
                             "system account under Users; a leader of its unit then grants its access.")]
    elif not user.active:
        errors["user"] = [_l("This user is not active.")]
    name = clean_text(name, 100)
    if len(name) > 100:
        errors["name"] = [_l("Keep this under %(n)d characters.", n=100)]
    if errors:
        audit.record_failure(actor, "api_token.issue", object_type="api_token",
                             detail={"fields": sorted(errors)})
        raise ValidationError(next(iter(errors.values()))[0], errors=errors)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, name=name or user.username, token_hash=digest(token),
                   prefix=token[:PREFIX_LENGTH], created_at=clock.now())
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "api_token.issue", row, detail={"user": user.username, "prefix": row.prefix})
    db.session.commit()
    return row, token


def verify(token: str | None) -> tuple[ApiToken | None, str]:
    """The live token row for ``token``, or None and why not (``missing``,
    ``unknown``, ``revoked``, ``inactive_user``, ``person_account``). Notes when it was last used."""
    if not token:
        return None, "missing"
    if len(token) > MAX_TOKEN_LENGTH or not token.startswith(TOKEN_PREFIX):
        return None, "unknown"
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == digest(token)))
    if row is None:
        return None, "unknown"
    if row.revoked_at is not None:
        return row, "revoked"
    if not row.user.active:
        return row, "inactive_user"
    if not row.user.is_system:
        return row, "person_account"      # issued before tokens were for system accounts only
    now = clock.now()
    if row.last_used_at is None or now - row.last_used_at >= TOUCH_EVERY:
        request_end.write(partial(_note_used, row.id))
    return row, "ok"


def _note_used(token_id) -> None:
    db.session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=clock.now()))


def tokens(actor) -> list[ApiToken]:
    """Every token, newest first, for the administrator."""
    actor.require("system.manage")
    return list(db.session.scalars(select(ApiToken).order_by(ApiToken.id.desc())))


def revoke(actor, token_id) -> ApiToken:
    actor.require("system.manage")
    row = get_row(ApiToken, token_id)
    if row is None:
        raise NotFound(_l("There is no such API token."))
    if row.revoked_at is not None:
        audit.record_failure(actor, "api_token.revoke", object_type="api_token", object_id=row.id)
        raise ValidationError(_l("This API token has already been revoked."))
    row.revoked_at = clock.now()
    audit.record(actor, "api_token.revoke", row, detail={"user": row.user.username, "prefix": row.prefix})
    db.session.commit()
    return row

"""A create form sent twice (a double click, a resend after a slow answer, the
browser's back button) makes one record. The page gives every create form a
one-time key; the first success records where its record is; the same key sent
again by the same user goes there instead of creating a second record.

The browser also refuses a second click while a form is on its way
(core/static/anqi.js); this is the guarantee behind it. Ticket and document
drafts keep the key on the record itself, in the same transaction; the other
create forms (enterprises, units, users, API tokens) are also protected by a
unique column, so two sends at the same moment make one record and an error,
which ``seen`` turns back into the first record's page.
"""
import re
import secrets
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from core import clock
from core.extensions import db
from core.submissions.models import FormSubmission

if TYPE_CHECKING:
    from core.org.actor import Actor
    from core.portal.actor import PortalActor

KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
KEEP = timedelta(days=2)


def new_key() -> str:
    """A one-time key for a create form's hidden field (a form sent twice makes one record)."""
    return secrets.token_urlsafe(24)


def valid(key: str | None) -> str | None:
    """The key if it has a key's form (what ``new_key`` makes), else None."""
    return key if key and KEY.match(key) else None


def seen(actor: "Actor | PortalActor", key: str | None) -> str | None:
    """Where the record that this key already created is, for this user; else None."""
    key = valid(key)
    if key is None or actor.user_id is None:
        return None
    row = db.session.get(FormSubmission, key)
    return row.target if row is not None and row.user_id == actor.user_id else None


def remember(actor: "Actor | PortalActor", key: str | None, target: str) -> None:
    """Note that ``key`` created the record at ``target`` (after its own commit)."""
    key = valid(key)
    if key is None or actor.user_id is None:
        return
    db.session.add(FormSubmission(key=key, user_id=actor.user_id, target=target[:300]))
    try:
        db.session.commit()
    except IntegrityError:      # the same key at the same moment: the first one stands
        db.session.rollback()


def forget_old() -> int:
    """Drop keys older than two days (a form is not resent after that)."""
    result = db.session.execute(delete(FormSubmission).where(FormSubmission.created_at < clock.now() - KEEP))
    db.session.commit()
    return result.rowcount or 0



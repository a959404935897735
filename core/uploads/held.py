"""Uploads kept across a failed submit.

A browser never sends a chosen file twice: when a form with files fails for
another reason (a bad phone number, a missing field, another file refused),
the files that passed their checks are held here, the form lists them
("Chosen file: x.pdf") with a box to untick, and the next submit uses them
without picking them again. A held file belongs to the person who chose it
(a staff user, or a portal account); anyone else's token is ignored. It expires
after ``KEEP``. When it is used, it is read again as a stream with the limits
and the content checks of every upload (core.tickets.attachments), whatever
it was when it was held.
"""
import secrets
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from core import clock
from core.extensions import db
from core.tickets import attachments
from core.uploads.models import HeldUpload

if TYPE_CHECKING:
    from core.org.actor import Actor
    from core.portal.actor import PortalActor

KEEP = timedelta(hours=24)
FORM_FIELD = "held"     # the name of the boxes that send the held files' tokens back


def owner_of(actor) -> str | None:
    """Whose held files these are: a staff user or a portal account."""
    if actor.user_id is not None:
        return f"user:{actor.user_id}"
    account = getattr(actor, "account", None)
    return f"portal:{account.id}" if account is not None else None


def folder() -> Path:
    from core.config import storage_root

    path = storage_root(current_app) / "held_uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


@dataclass
class Chosen:
    """The files a submit carries: those held from before and those just sent."""

    held: list[HeldUpload] = field(default_factory=list)
    files: list = field(default_factory=list)        # every file that passed (attachments.Prepared)
    new: list = field(default_factory=list)          # the passing ones sent with this submit
    problems: list = field(default_factory=list)     # a message per refused file


def gather(actor: "Actor | PortalActor", tokens, uploads) -> Chosen:
    """Check the held files named by ``tokens`` (the actor's own, not expired) and
    the ``(filename, stream)`` uploads together. Writes nothing."""
    rows = find(actor, tokens)
    with ExitStack() as stack:
        kept = []
        for row in rows:
            path = folder() / row.stored_name
            if path.is_file():
                kept.append((row.original_name, stack.enter_context(open(path, "rb"))))
        kept_files, kept_problems = attachments.inspect_uploads(kept)
    uploads = [(name, stream) for name, stream in uploads if name]
    new_files, new_problems = attachments.inspect_uploads(uploads)
    problems = kept_problems + new_problems
    if len(kept) + len(uploads) > attachments.max_files():
        problems = [_l("Attach at most %(n)d files at a time.", n=attachments.max_files())]
    return Chosen(held=[r for r in rows if (folder() / r.stored_name).is_file()],
                  files=kept_files + new_files, new=new_files, problems=problems)


def find(actor, tokens) -> list[HeldUpload]:
    owner = owner_of(actor)
    tokens = sorted({t for t in tokens or () if isinstance(t, str) and 0 < len(t) <= 64})
    if owner is None or not tokens:
        return []
    return list(db.session.scalars(
        select(HeldUpload).where(HeldUpload.token.in_(tokens[:100]), HeldUpload.owner == owner,
                                 HeldUpload.created_at >= clock.now() - KEEP).order_by(HeldUpload.id)))


def keep(actor: "Actor | PortalActor", chosen: Chosen) -> list[HeldUpload]:
    """After a failed submit: hold the files just sent that passed, and return every
    held file the form lists. Commits on its own (the caller has rolled back)."""
    owner = owner_of(actor)
    if owner is None or not chosen.new:
        return chosen.held
    written, rows = [], []
    try:
        target = folder()
        for item in chosen.new:
            stored = f"{secrets.token_hex(16)}.{item.extension}"
            path = target / stored
            with open(path, "xb") as out:
                written.append(path)
                out.write(item.data)
            row = HeldUpload(token=secrets.token_urlsafe(24), owner=owner, original_name=item.name,
                             stored_name=stored, size=item.size, created_at=clock.now())
            db.session.add(row)
            rows.append(row)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return chosen.held + rows


def release(actor: "Actor | PortalActor", chosen: Chosen) -> None:
    """After a successful submit: the held files were stored with the record; drop them."""
    _drop(chosen.held)


def forget_old() -> int:
    """Drop the held files older than ``KEEP``."""
    rows = list(db.session.scalars(select(HeldUpload).where(HeldUpload.created_at < clock.now() - KEEP)))
    _drop(rows)
    return len(rows)


def _drop(rows) -> None:
    """Delete the rows, then their files; safe to run twice at once (a row or file already gone is no error)."""
    if not rows:
        return
    names = [row.stored_name for row in rows]
    db.session.execute(delete(HeldUpload).where(HeldUpload.id.in_([row.id for row in rows])))
    db.session.commit()
    for name in names:
        (folder() / name).unlink(missing_ok=True)

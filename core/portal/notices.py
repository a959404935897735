"""The centre's public notices on the portal: 助企动态 (news) and 政策咨询
(policy). Written and published by the desk and leaders of a unit; read by
anyone once published. Every change is audited."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core import clock
from core.audit import services as audit
from core.errors import NotFound, ValidationError
from core.extensions import db
from core.portal.models import NEWS, POLICY, PortalNotice
from core.text import clean_text

KINDS = {NEWS: _l("Enterprise news (助企动态)"), POLICY: _l("Policy notices (政策咨询)")}
MAX_BODY = 20000


def for_staff(actor, limit: int = 200) -> list[PortalNotice]:
    actor.require("portal.publish")
    return list(db.session.scalars(select(PortalNotice).where(actor.scope.filter(PortalNotice.unit_id))
                                   .order_by(PortalNotice.id.desc()).limit(limit)))


def get_for_staff(actor, notice_id) -> PortalNotice:
    actor.require("portal.publish")
    notice = db.session.get(PortalNotice, notice_id)
    if notice is None or not actor.scope.allows(notice.unit_id):
        raise NotFound(_l("There is no such notice in your units' area."))
    return notice


def _clean(kind, title, body) -> dict:
    errors = {}
    if kind not in KINDS:
        errors["kind"] = [_l("Choose news or policy.")]
    title = clean_text(title, 200)
    if not title:
        errors["title"] = [_l("Enter a title.")]
    elif len(title) > 200:
        errors["title"] = [_l("Keep this under %(n)d characters.", n=200)]
    body = clean_text(body, MAX_BODY)
    if not body:
        errors["body"] = [_l("Write the text.")]
    elif len(body) > MAX_BODY:
        errors["body"] = [_l("Keep this under %(n)d characters.", n=MAX_BODY)]
    if errors:
        raise ValidationError(next(iter(errors.values()))[0], errors=errors)
    return {"kind": kind, "title": title, "body": body}


def save(actor, notice_id, kind: str, title: str, body: str) -> PortalNotice:
    """Write a new notice (``notice_id`` None), or change one; a published one stays published."""
    notice = get_for_staff(actor, notice_id) if notice_id else None
    actor.require("portal.publish")
    try:
        values = _clean(kind, title, body)
    except ValidationError as exc:
        audit.record_failure(actor, "portal.notice_save", object_type="portal_notice", object_id=notice_id,
                             detail={"fields": sorted(exc.errors)})
        raise
    if notice is None:
        notice = PortalNotice(unit_id=actor.unit_id, created_by_id=actor.user_id, created_at=clock.now(),
                              published=False)
        db.session.add(notice)
    for key, value in values.items():
        setattr(notice, key, value)
    notice.updated_at = clock.now()
    db.session.flush()
    audit.record(actor, "portal.notice_save", notice, detail={"kind": notice.kind})
    db.session.commit()
    return notice


def publish(actor, notice_id, published: bool) -> PortalNotice:
    notice = get_for_staff(actor, notice_id)
    notice.published = published
    if published and notice.published_at is None:
        notice.published_at = clock.now()
    audit.record(actor, "portal.notice_publish" if published else "portal.notice_withdraw", notice)
    db.session.commit()
    return notice


def published(kind: str | None = None, limit: int = 50) -> list[PortalNotice]:
    """What anyone may read, newest first."""
    stmt = select(PortalNotice).where(PortalNotice.published.is_(True))
    if kind in KINDS:
        stmt = stmt.where(PortalNotice.kind == kind)
    return list(db.session.scalars(stmt.order_by(PortalNotice.published_at.desc(), PortalNotice.id.desc())
                                   .limit(limit)))


def published_one(notice_id) -> PortalNotice:
    notice = db.session.get(PortalNotice, notice_id)
    if notice is None or not notice.published:
        raise NotFound(_l("There is no such notice."))
    return notice

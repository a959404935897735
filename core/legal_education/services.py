"""Legal-education sessions' rules (法治宣教, 送法进企业).

A session belongs to the unit that held it. Its users (``legal_education.read``)
see the sessions of their scope, and a session some enterprise of their scope
attended (the enterprise's page lists them); the leaders, the desk and the
officers record and change the sessions of their scope
(``legal_education.write``). Speakers are business users of the actor's scope;
enterprises are named one a line (name, pinyin initials or credit code, as in
every other form) and must lie in the actor's area; the material is described
in words, linked to knowledge-base articles and/or attached as files checked
like a ticket's attachments (core.tickets.attachments: read as a stream up to
the size limit, checked by content). Every problem is reported at once, by
field; every change is audited (``legal_education.create``,
``legal_education.update``, ``legal_education.file_download``).
"""
import secrets
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, or_, select

from core import clock, versioning
from core.audit import services as audit
from core.errors import Forbidden, NotFound, ValidationError
from core.extensions import db
from core.knowledge.models import KnowledgeArticle
from core.legal_education.models import LegalEducationFile, LegalEducationSession, session_enterprise
from core.org.models import Unit, User, UserRole
from core.org.roles import DESK, LEADER, OFFICER
from core.record_ids import get_row, record_id
from core.registry import services as registry
from core.registry.models import Enterprise
from core.text import clean_text
from core.tickets import attachments

MAX_PLACE, MAX_TOPIC, MAX_AUDIENCE, MAX_MATERIAL = 200, 200, 500, 5000
MAX_ENTERPRISES, MAX_ARTICLES, MAX_HEADCOUNT = 100, 20, 100000
MAX_LISTED = 200
FILES_FIELD = "files"


@dataclass
class SessionInput:
    held_on: str = ""                 # YYYY-MM-DD
    place: str = ""
    topic: str = ""
    unit_id: object = None
    speaker_ids: list = field(default_factory=list)
    enterprises: str = ""             # one a line: name, pinyin initials or credit code
    audience: str = ""
    headcount: str = ""
    article_ids: list = field(default_factory=list)
    material: str = ""
    # Files already checked (core.uploads.held: those held from a failed submit and those sent now),
    # and a message for each refused one; ``save``'s ``uploads`` are checked with them.
    files: list = field(default_factory=list)
    file_problems: list = field(default_factory=list)


def _require(actor, permission: str, action: str, session_id=None) -> None:
    if not actor.can(permission):
        audit.record_failure(actor, action, result=audit.DENIED, object_type="legal_education_session",
                             object_id=session_id)
        raise Forbidden(_l("You may not record legal-education sessions.") if permission.endswith("write")
                        else _l("You may not see the legal-education sessions."))


def _visible(actor):
    """Sessions of the actor's scope, or attended by an enterprise of it."""
    attended = exists().where(session_enterprise.c.session_id == LegalEducationSession.id,
                              session_enterprise.c.enterprise_id == Enterprise.id,
                              actor.scope.filter(Enterprise.unit_id))
    return or_(actor.scope.filter(LegalEducationSession.unit_id), attended)


def listing(actor, query: str = "", limit: int = MAX_LISTED) -> list[LegalEducationSession]:
    """The sessions the actor sees, the latest first; ``query`` matches the topic or the place."""
    _require(actor, "legal_education.read", "legal_education.read")
    stmt = select(LegalEducationSession).where(_visible(actor))
    for word in (query or "")[:100].replace("\u3000", " ").split()[:5]:
        pattern = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(or_(LegalEducationSession.topic.ilike(pattern, escape="\\"),
                              LegalEducationSession.place.ilike(pattern, escape="\\"),
                              LegalEducationSession.audience.ilike(pattern, escape="\\")))
    return list(db.session.scalars(stmt.order_by(LegalEducationSession.held_on.desc(),
                                                 LegalEducationSession.id.desc()).limit(limit)).unique())


def get(actor, session_id) -> LegalEducationSession:
    _require(actor, "legal_education.read", "legal_education.read", session_id)
    session_id = record_id(session_id)
    found = db.session.scalar(select(LegalEducationSession).where(LegalEducationSession.id == session_id,
                                                                  _visible(actor))) if session_id else None
    if found is None:
        raise NotFound(_l("There is no such legal-education session in your units' area."))
    return found


def may_edit(actor, session: LegalEducationSession) -> bool:
    return actor.can("legal_education.write") and actor.scope.allows(session.unit_id)


def _editable(actor, session_id, action: str) -> LegalEducationSession:
    _require(actor, "legal_education.write", action, session_id)
    found = get(actor, session_id)
    if not actor.scope.allows(found.unit_id):
        raise NotFound(_l("There is no such legal-education session in your units' area."))
    return found


def for_enterprise(actor, enterprise_id: int, limit: int = 20) -> list[LegalEducationSession]:
    """The sessions the enterprise attended, the latest first (its page; the
    actor already sees the enterprise)."""
    if not actor.can("legal_education.read"):
        return []
    stmt = (select(LegalEducationSession)
            .join(session_enterprise, session_enterprise.c.session_id == LegalEducationSession.id)
            .where(session_enterprise.c.enterprise_id == enterprise_id)
            .order_by(LegalEducationSession.held_on.desc(), LegalEducationSession.id.desc()).limit(limit))
    return list(db.session.scalars(stmt).unique())


def units(actor) -> list[Unit]:
    return registry.units(actor)


def speakers(actor) -> list[User]:
    """The users who may be named as speakers: the active business users of the actor's scope."""
    stmt = (select(User).where(User.active.is_(True), actor.scope.filter(User.unit_id),
                               User.role_rows.any(UserRole.role.in_((LEADER, DESK, OFFICER))))
            .order_by(User.name, User.id))
    return list(db.session.scalars(stmt).unique())


def articles() -> list[KnowledgeArticle]:
    """The knowledge base's articles that may be linked as material, by title."""
    return list(db.session.scalars(select(KnowledgeArticle).order_by(KnowledgeArticle.title, KnowledgeArticle.id)
                                   .limit(500)).unique())


def _validate(actor, data: SessionInput, uploads) -> tuple[dict, list]:
    errors: dict[str, list] = {}

    def text(name, value, limit, required_message=None):
        value = clean_text(value or "", limit + 1)
        if not value and required_message:
            errors[name] = [required_message]
        elif len(value) > limit:
            errors[name] = [_l("Keep this under %(n)d characters.", n=limit)]
        return value

    held_on = None
    raw = (data.held_on or "").strip()
    try:
        held_on = date.fromisoformat(raw) if raw else None
    except ValueError:
        held_on = None
    if held_on is None:
        errors["held_on"] = [_l("Give the date as YYYY-MM-DD.")]
    elif held_on > (clock.now() + timedelta(hours=14)).date():     # today anywhere in China, in UTC
        errors["held_on"] = [_l("Record a session once it has been held: the date is in the future.")]
    place = text("place", data.place, MAX_PLACE, _l("Say where the session was held."))
    topic = text("topic", data.topic, MAX_TOPIC, _l("Give the topic."))
    audience = text("audience", data.audience, MAX_AUDIENCE)
    material = text("material", data.material, MAX_MATERIAL)
    unit = get_row(Unit, data.unit_id)
    if unit is None or not unit.active or not actor.scope.allows(unit.id):
        errors["unit_id"] = [_l("Choose one of your units.")]
    allowed = {u.id: u for u in speakers(actor)}
    speaker_ids = [record_id(v) for v in data.speaker_ids or []]
    if not speaker_ids:
        errors["speaker_ids"] = [_l("Name at least one speaker.")]
    elif any(i not in allowed for i in speaker_ids):
        errors["speaker_ids"] = [_l("Choose the speakers among your units' police.")]
    found_enterprises, problems = [], []
    lines = [line.strip() for line in (data.enterprises or "").splitlines() if line.strip()]
    if len(lines) > MAX_ENTERPRISES:
        problems.append(_l("Name at most %(n)d enterprises.", n=MAX_ENTERPRISES))
    else:
        for line in lines:
            try:
                enterprise = registry.named(actor, line, field="enterprises")
            except ValidationError as exc:
                problems.append(exc.message)
            else:
                if enterprise not in found_enterprises:
                    found_enterprises.append(enterprise)
    if problems:
        errors["enterprises"] = problems
    if not found_enterprises and not audience and "enterprises" not in errors:
        errors["audience"] = [_l("Name the enterprises that attended, or describe the audience.")]
    headcount = None
    raw = (data.headcount or "").strip()
    if raw:
        headcount = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 7 else None
        if headcount is None or not 0 < headcount <= MAX_HEADCOUNT:
            errors["headcount"] = [_l("Give the number of people as a whole number, or leave it empty.")]
            headcount = None
    article_ids = [record_id(v) for v in data.article_ids or []]
    chosen_articles = [db.session.get(KnowledgeArticle, i) if i else None for i in article_ids][:MAX_ARTICLES + 1]
    if any(a is None for a in chosen_articles) or len(chosen_articles) > MAX_ARTICLES:
        errors["article_ids"] = [_l("Choose articles of the knowledge base.")]
    prepared, file_problems = attachments.inspect_uploads(uploads)
    prepared, file_problems = [*data.files, *prepared], [*data.file_problems, *file_problems]
    if file_problems:
        errors[FILES_FIELD] = file_problems
    if errors:
        raise ValidationError(next(iter(errors.values()))[0], errors=errors)
    return ({"held_on": held_on, "place": place, "topic": topic, "audience": audience, "material": material,
             "unit": unit, "speakers": [allowed[i] for i in dict.fromkeys(speaker_ids)],
             "enterprises": found_enterprises, "headcount": headcount,
             "articles": list(dict.fromkeys(chosen_articles))}, prepared)


def _detail(found: LegalEducationSession) -> dict:
    return {"unit": found.unit_id, "held_on": found.held_on.isoformat(), "topic": found.topic,
            "speakers": [u.id for u in found.speakers], "enterprises": [e.id for e in found.enterprises],
            "files": len(found.files)}


CONFLICT = _l("Someone else saved this session in the meantime. Here is their version; your entries are kept "
              "below it — save again to apply them.")


def save(actor, data: SessionInput, session_id: int | None = None, version=None, uploads=()) \
        -> LegalEducationSession:
    """Record a session or change one (new files are added to its material);
    every problem is reported at once, by field, and nothing is kept then."""
    action = "legal_education.update" if session_id else "legal_education.create"
    found = _editable(actor, session_id, action) if session_id else None
    if found is None:
        _require(actor, "legal_education.write", action)
    try:
        values, prepared = _validate(actor, data, uploads)
    except ValidationError as exc:
        audit.record_failure(actor, action, object_type="legal_education_session", object_id=session_id,
                             detail={"fields": sorted(exc.errors)})
        raise
    now = clock.now()
    if found is None:
        found = LegalEducationSession(created_by_id=actor.user_id, created_at=now, version=1)
        db.session.add(found)
    else:
        versioning.claim(LegalEducationSession, found.id, versioning.as_version(version), CONFLICT)
    found.unit_id, found.unit = values["unit"].id, values["unit"]
    for name in ("held_on", "place", "topic", "audience", "material", "headcount"):
        setattr(found, name, values[name])
    found.speakers = values["speakers"]
    found.enterprises = values["enterprises"]
    found.articles = values["articles"]
    found.updated_by_id, found.updated_at = actor.user_id, now
    written = []
    try:
        target = attachments.folder()
        for item in prepared:
            stored = f"{secrets.token_hex(16)}.{item.extension}"
            path = target / stored
            with open(path, "xb") as out:
                written.append(path)
                out.write(item.data)
            found.files.append(LegalEducationFile(
                stored_name=stored, original_name=item.name, content_type=item.content_type, size=item.size,
                sha256=item.sha256, uploaded_by_id=actor.user_id, uploaded_at=now))
        db.session.flush()
        audit.record(actor, action, found, detail=_detail(found))
        db.session.commit()
    except BaseException:
        db.session.rollback()
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return found


def material_file(actor, session_id, file_id):
    """A file of a session the actor sees, and its path; else NotFound."""
    found = get(actor, session_id)
    item = get_row(LegalEducationFile, file_id)
    if item is None or item.session_id != found.id or "/" in item.stored_name or "\\" in item.stored_name:
        raise NotFound(_l("There is no such file."))
    path = attachments.folder() / item.stored_name
    if not path.is_file():
        raise NotFound(_l("The file is missing. Tell the administrator."))
    audit.record(actor, "legal_education.file_download", object_type="legal_education_file", object_id=item.id,
                 detail={"session": found.id})
    db.session.commit()
    return item, path

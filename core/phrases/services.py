"""Reply phrases (常用语): kept by the leaders of a unit (``phrase.manage``) for
the units within their scope, used by whoever handles tickets there.

A phrase belongs to one unit and one ticket category, or to every category
(``category`` empty). On a ticket page the user is offered the phrases of
their own unit and of the units above it (the centre's or the city's common
wording), for the ticket's category and the general ones: specific first.
Every change is audited (``phrase.create``, ``phrase.update``, ``phrase.delete``).
"""
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core import clock
from core.audit import services as audit
from core.errors import Forbidden, NotFound, ValidationError
from core.extensions import db
from core.org.models import Unit
from core.org.tree import path_ids
from core.phrases.models import ReplyPhrase
from core.record_ids import get_row
from core.registry import services as registry
from core.text import clean_text
from core.tickets import services as tickets
from core.org.services import unit_from_form

MAX_TITLE, MAX_TEXT = 50, 1000
MAX_OFFERED = 50          # on a ticket page: more would be a list no one reads


@dataclass
class PhraseInput:
    title: str = ""
    text: str = ""
    category: str = ""      # "" = any category
    unit_id: object = None  # an id, or anything else (refused)


def _require_keep(actor, action: str, phrase_id=None) -> None:
    if not actor.can("phrase.manage"):
        audit.record_failure(actor, action, result=audit.DENIED, object_type="reply_phrase", object_id=phrase_id)
        raise Forbidden(_l("Only the unit's leaders keep its reply phrases."))


def kept(actor) -> list[ReplyPhrase]:
    """The phrases of the units the actor keeps (their scope), by unit, category and title."""
    _require_keep(actor, "phrase.read")
    stmt = (select(ReplyPhrase).where(actor.scope.filter(ReplyPhrase.unit_id))
            .order_by(ReplyPhrase.unit_id, ReplyPhrase.category, ReplyPhrase.title, ReplyPhrase.id))
    return list(db.session.scalars(stmt).unique())


def get(actor, phrase_id) -> ReplyPhrase:
    _require_keep(actor, "phrase.read", phrase_id)
    phrase = get_row(ReplyPhrase, phrase_id)
    if phrase is None or not actor.scope.allows(phrase.unit_id):
        raise NotFound(_l("There is no such reply phrase in your units."))
    return phrase


def units(actor) -> list[Unit]:
    """The units whose phrases the actor keeps, as their tree."""
    return registry.units(actor)


def _validate(actor, data: PhraseInput, phrase: ReplyPhrase | None) -> dict:
    errors: dict[str, list] = {}
    title = clean_text(data.title or "", MAX_TITLE + 1)
    text = clean_text(data.text or "", MAX_TEXT + 1)
    if not title:
        errors["title"] = [_l("Give the phrase a short title.")]
    elif len(title) > MAX_TITLE:
        errors["title"] = [_l("Keep this under %(n)d characters.", n=MAX_TITLE)]
    if not text:
        errors["text"] = [_l("Write the phrase.")]
    elif len(text) > MAX_TEXT:
        errors["text"] = [_l("Keep this under %(n)d characters.", n=MAX_TEXT)]
    category = clean_text(data.category or "", 64)
    if category and category not in tickets.categories(actor) and not (phrase and category == phrase.category):
        errors["category"] = [_l("Choose a category, or none for every category.")]
    unit = unit_from_form(data.unit_id)
    if unit is None or not unit.active or not actor.scope.allows(unit.id):
        errors["unit_id"] = [_l("Choose one of your units.")]
    if errors:
        raise ValidationError(next(iter(errors.values()))[0], errors=errors)
    return {"title": title, "text": text, "category": category, "unit": unit}


def _detail(phrase) -> dict:
    return {"unit": phrase.unit_id, "category": phrase.category, "title": phrase.title}


def save(actor, data: PhraseInput, phrase_id: int | None = None) -> ReplyPhrase:
    """Add a phrase or change one; every problem is reported at once, by field."""
    action = "phrase.update" if phrase_id else "phrase.create"
    _require_keep(actor, action, phrase_id)
    phrase = get(actor, phrase_id) if phrase_id else None
    try:
        values = _validate(actor, data, phrase)
    except ValidationError as exc:
        audit.record_failure(actor, action, object_type="reply_phrase", object_id=phrase_id,
                             detail={"fields": sorted(exc.errors)})
        raise
    now = clock.now()
    before = _detail(phrase) if phrase else None
    if phrase is None:
        phrase = ReplyPhrase(created_by_id=actor.user_id, created_at=now)
        db.session.add(phrase)
    phrase.unit_id, phrase.unit = values["unit"].id, values["unit"]
    phrase.category, phrase.title, phrase.text = values["category"], values["title"], values["text"]
    phrase.changed_by_id, phrase.changed_at = actor.user_id, now
    db.session.flush()
    audit.record(actor, action, phrase, detail={**_detail(phrase), **({"before": before} if before else {})})
    db.session.commit()
    return phrase


def delete(actor, phrase_id: int) -> None:
    _require_keep(actor, "phrase.delete", phrase_id)
    phrase = get(actor, phrase_id)
    audit.record(actor, "phrase.delete", phrase, detail=_detail(phrase))
    db.session.delete(phrase)
    db.session.commit()


def for_ticket(actor, ticket) -> list[ReplyPhrase]:
    """The phrases offered on ``ticket``'s page: those of the actor's unit and
    the units above it, for the ticket's category and for any category (the
    category's first, the actor's own unit's before those above)."""
    if actor.user is None or actor.user.unit is None:
        return []
    chain = path_ids(actor.user.unit)
    stmt = (select(ReplyPhrase)
            .where(ReplyPhrase.unit_id.in_(chain), ReplyPhrase.category.in_((ticket.category, "")))
            .limit(MAX_OFFERED * 2))
    found = list(db.session.scalars(stmt).unique())
    depth = {unit_id: n for n, unit_id in enumerate(chain)}
    found.sort(key=lambda p: (p.category != ticket.category, -depth.get(p.unit_id, 0), p.title, p.id))
    return found[:MAX_OFFERED]

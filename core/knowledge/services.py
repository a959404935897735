"""The knowledge base's rules (政策咨询, 法治宣传).

Every staff member reads the whole base (it is what the centre tells
enterprises anyway); the leaders and the desk keep the articles of the units in
their scope (``knowledge.write``), so the centre's keep the whole city's. An
article is public on the portal once published; withdrawing it takes it off.
Every change is audited (``knowledge.create``, ``knowledge.update``,
``knowledge.publish``, ``knowledge.withdraw``); a refused or rejected attempt
too, after the rollback.

Search. The portal and the staff list match every word of the query (at most
a few, each at most 50 characters) as a substring of the title or the body,
``LIKE '%word%'`` with the wildcards escaped. Chinese has no spaces, so a
substring is what a reader means by a word (“营业执照” in “办理营业执照变更登记”).
A leading wildcard cannot use a b-tree index, but the base is a few thousand
articles at most and the portal reads only published ones (an index on
``published``), with a bounded result: a scan of that size takes milliseconds
on both databases. The trigram index of core/search is built for hundreds of
thousands of ticket texts and is not worth a second copy here.
"""
import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from core import clock, versioning
from core.audit import services as audit
from core.errors import Forbidden, NotFound, ValidationError
from core.extensions import db
from core.knowledge.models import KnowledgeArticle
from core.org.models import Unit
from core.record_ids import get_row
from core.registry import services as registry
from core.text import clean_text
from core.tickets import services as tickets
from core.org.services import unit_from_form

POLICY, PROCEDURE, EDUCATION, FAQ = "policy", "procedure", "education", "faq"
KINDS = {POLICY: _l("Policy (政策)"), PROCEDURE: _l("Procedure (办事指南)"),
         EDUCATION: _l("Legal education (法治宣传)"), FAQ: _l("Common question (常见问题)")}
MAX_TITLE, MAX_BODY = 200, 20000
MAX_QUERY, MAX_WORDS, MAX_WORD = 100, 5, 50
MAX_LISTED = 200
MAX_OFFERED = 60          # on a ticket page's picker


@dataclass
class ArticleInput:
    title: str = ""
    kind: str = ""
    category: str = ""        # "" = any category
    unit_id: object = None
    body: str = ""


def _require(actor, permission: str, action: str, article_id=None) -> None:
    if not actor.can(permission):
        audit.record_failure(actor, action, result=audit.DENIED, object_type="knowledge_article",
                             object_id=article_id)
        raise Forbidden(_l("Only the leaders and the desk keep the knowledge base.")
                        if permission == "knowledge.write" else _l("You may not read the knowledge base."))


def words(query: str) -> list[str]:
    """The query's words: spaces (either width) separate them; a few, each bounded."""
    query = (query or "")[:MAX_QUERY].replace("\u3000", " ")
    return [w[:MAX_WORD] for w in query.split()][:MAX_WORDS]


def _like(word: str) -> str:
    return "%" + re.sub(r"([\\%_])", r"\\\1", word) + "%"


def _matching(stmt, query: str):
    for word in words(query):
        pattern = _like(word)
        stmt = stmt.where(or_(KnowledgeArticle.title.ilike(pattern, escape="\\"),
                              KnowledgeArticle.body.ilike(pattern, escape="\\")))
    return stmt


def listing(actor, query: str = "", kind: str | None = None, category: str | None = None,
            limit: int = MAX_LISTED) -> list[KnowledgeArticle]:
    """The articles (drafts too) matching the query, kind and category, newest change first."""
    _require(actor, "knowledge.read", "knowledge.read")
    stmt = _matching(select(KnowledgeArticle), query)
    if kind in KINDS:
        stmt = stmt.where(KnowledgeArticle.kind == kind)
    if category:
        stmt = stmt.where(KnowledgeArticle.category == category[:64])
    return list(db.session.scalars(stmt.order_by(KnowledgeArticle.updated_at.desc(), KnowledgeArticle.id.desc())
                                   .limit(limit)).unique())


def get(actor, article_id) -> KnowledgeArticle:
    _require(actor, "knowledge.read", "knowledge.read", article_id)
    article = get_row(KnowledgeArticle, article_id)
    if article is None:
        raise NotFound(_l("There is no such article."))
    return article


def may_edit(actor, article: KnowledgeArticle) -> bool:
    return actor.can("knowledge.write") and actor.scope.allows(article.unit_id)


def _editable(actor, article_id, action: str) -> KnowledgeArticle:
    _require(actor, "knowledge.write", action, article_id)
    article = get(actor, article_id)
    if not actor.scope.allows(article.unit_id):
        raise NotFound(_l("There is no such article in your units."))
    return article


def units(actor) -> list[Unit]:
    return registry.units(actor)


def _validate(actor, data: ArticleInput, article: KnowledgeArticle | None) -> dict:
    errors: dict[str, list] = {}
    title = clean_text(data.title or "", MAX_TITLE + 1)
    if not title:
        errors["title"] = [_l("Enter a title.")]
    elif len(title) > MAX_TITLE:
        errors["title"] = [_l("Keep this under %(n)d characters.", n=MAX_TITLE)]
    if data.kind not in KINDS:
        errors["kind"] = [_l("Choose what kind of article it is.")]
    category = clean_text(data.category or "", 64)
    if category and category not in tickets.categories(actor) and not (article and category == article.category):
        errors["category"] = [_l("Choose a category, or none for every category.")]
    unit = unit_from_form(data.unit_id)
    if unit is None or not unit.active or not actor.scope.allows(unit.id):
        errors["unit_id"] = [_l("Choose one of your units.")]
    body = clean_text(data.body or "", MAX_BODY + 1)
    if not body:
        errors["body"] = [_l("Write the text.")]
    elif len(body) > MAX_BODY:
        errors["body"] = [_l("Keep this under %(n)d characters.", n=MAX_BODY)]
    if errors:
        raise ValidationError(next(iter(errors.values()))[0], errors=errors)
    return {"title": title, "kind": data.kind, "category": category, "unit": unit, "body": body}


def _detail(article) -> dict:
    return {"unit": article.unit_id, "kind": article.kind, "category": article.category, "title": article.title}


CONFLICT = _l("Someone else saved this article in the meantime. Here is their version; your entries are kept "
              "below it — save again to apply them.")


def save(actor, data: ArticleInput, article_id: int | None = None, version=None) -> KnowledgeArticle:
    """Write a new article (a draft) or change one; every problem is reported at
    once, by field. ``version``: the one the form was built from (a Conflict when
    someone saved in between)."""
    action = "knowledge.update" if article_id else "knowledge.create"
    article = _editable(actor, article_id, action) if article_id else None
    if article is None:
        _require(actor, "knowledge.write", action)
    try:
        values = _validate(actor, data, article)
    except ValidationError as exc:
        audit.record_failure(actor, action, object_type="knowledge_article", object_id=article_id,
                             detail={"fields": sorted(exc.errors)})
        raise
    now = clock.now()
    before = _detail(article) if article else None
    if article is None:
        article = KnowledgeArticle(created_by_id=actor.user_id, created_at=now, published=False, version=1)
        db.session.add(article)
    else:
        versioning.claim(KnowledgeArticle, article.id, versioning.as_version(version), CONFLICT)
    article.unit_id, article.unit = values["unit"].id, values["unit"]
    article.kind, article.category = values["kind"], values["category"]
    article.title, article.body = values["title"], values["body"]
    article.updated_by_id, article.updated_at = actor.user_id, now
    db.session.flush()
    audit.record(actor, action, article, detail={**_detail(article), **({"before": before} if before else {})})
    db.session.commit()
    return article


def publish(actor, article_id, published: bool) -> KnowledgeArticle:
    action = "knowledge.publish" if published else "knowledge.withdraw"
    article = _editable(actor, article_id, action)
    article.published = published
    if published:
        article.published_at = clock.now()
    versioning.claim(KnowledgeArticle, article.id, None, CONFLICT)
    audit.record(actor, action, article, detail=_detail(article))
    db.session.commit()
    return article


# --- what the portal and the ticket page read ---------------------------------------------

def published(query: str = "", kind: str | None = None, limit: int = 50) -> list[KnowledgeArticle]:
    """What anyone may read, matching the query, newest first."""
    stmt = _matching(select(KnowledgeArticle).where(KnowledgeArticle.published.is_(True)), query)
    if kind in KINDS:
        stmt = stmt.where(KnowledgeArticle.kind == kind)
    return list(db.session.scalars(stmt.order_by(KnowledgeArticle.published_at.desc(), KnowledgeArticle.id.desc())
                                   .limit(limit)).unique())


def published_one(article_id) -> KnowledgeArticle:
    article = get_row(KnowledgeArticle, article_id)
    if article is None or not article.published:
        raise NotFound(_l("There is no such article."))
    return article


def for_ticket(actor, ticket) -> list[KnowledgeArticle]:
    """The published articles offered on ``ticket``'s page to link in an answer:
    the ticket category's first, then the general ones, then the others."""
    if not actor.can("knowledge.read"):
        return []
    stmt = (select(KnowledgeArticle).where(KnowledgeArticle.published.is_(True))
            .order_by((KnowledgeArticle.category == ticket.category).desc(),
                      (KnowledgeArticle.category == "").desc(), KnowledgeArticle.title, KnowledgeArticle.id)
            .limit(MAX_OFFERED))
    return list(db.session.scalars(stmt).unique())


# An article's portal address in a text (an answer): absolute (any host) or from the root.
LINK = re.compile(r"(?:https?://[^\s/<>\"']+)?/portal/knowledge/([1-9][0-9]{0,8})(?![0-9A-Za-z_/-])")


def reference(article: KnowledgeArticle, base_url: str) -> str:
    """What the desk inserts into an answer: the title and the article's portal address."""
    return f"《{article.title}》 {base_url.rstrip('/')}/portal/knowledge/{article.id}"

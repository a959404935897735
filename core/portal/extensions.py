"""What plugins add to the portal, through hooks (core never imports a plugin):
services for an enterprise (``anqi_portal_services``, answered only by the
plugins its unit enabled) and the public FAQ (``anqi_public_faq``, answered by
every loaded plugin that some unit has enabled)."""
from sqlalchemy import select

from core.extensions import db
from core.plugins.models import UnitPlugin
from core.plugins.services import call_for_unit, manager
from core.plugins.contract import FaqEntry, PortalService

MAX_QUERY = 100


def services_for(enterprise) -> list[PortalService]:
    found = call_for_unit("anqi_portal_services", enterprise.unit_id, enterprise=enterprise, unit=enterprise.unit)
    return [s for s in found if isinstance(s, PortalService)]


def _enabled_anywhere() -> frozenset[str]:
    rows = db.session.scalars(select(UnitPlugin.plugin).where(UnitPlugin.enabled.is_(True)).distinct())
    loaded = manager()
    return frozenset(name for name in rows if name in loaded)


def faq(query: str = "") -> list[FaqEntry]:
    """The published questions and answers, those matching ``query`` (any of
    its words in the question, answer or topic) when one is given."""
    query = " ".join((query or "").split())[:MAX_QUERY]
    names = _enabled_anywhere()
    if not names:
        return []
    results = manager().call_enabled("anqi_public_faq", names, query=query)
    entries = [e for result in results for e in (result or []) if isinstance(e, FaqEntry)]
    words = [w.casefold() for w in query.split()]
    if words:
        entries = [e for e in entries
                   if any(w in f"{e.question} {e.answer} {e.topic}".casefold() for w in words)]
    return sorted(entries, key=lambda e: (str(e.topic), str(e.question)))

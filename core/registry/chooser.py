"""Choosing an enterprise on a form, without JavaScript: the search box (name,
pinyin initials or credit code, in the actor's area) lists what it finds, each
with a "Choose" link that reloads the page with ``?enterprise=ID``; the page then
shows the chosen enterprise with a link to change it. The other query
arguments of the page are kept throughout.

The view builds an ``EnterpriseChooser`` with ``enterprise_chooser``; the
``enterprise_chooser`` macro of ``macros.html`` shows it. Every read goes
through core.registry.services, so the scope is the actor's.
"""
import dataclasses
from collections.abc import Iterable, Mapping
from urllib.parse import urldefrag, urlencode

from flask import request
from werkzeug.datastructures import MultiDict
from wtforms import Field

from core.errors import NotFound
from core.org.actor import Actor
from core.registry import services as registry
from core.registry.models import Enterprise
from core.web import id_arg

QUERY_LIMIT = 100       # characters of the search box read


@dataclasses.dataclass
class EnterpriseChooser:
    """What the enterprise chooser shows: the enterprise chosen (``chosen``), or
    the search box with what the search ``q`` found (``found``: None before a
    search, a list otherwise). ``refused`` says an id was given that names no
    enterprise of the actor's area, which then counts as none chosen."""
    q: str = ""
    chosen: Enterprise | None = None
    found: list[Enterprise] | None = None
    refused: bool = False
    param: str | None = "enterprise"
    url: str = ""
    fragment: str = ""
    kept: list[tuple[str, str]] = dataclasses.field(default_factory=list)

    @property
    def chosen_id(self) -> int | None:
        """The chosen enterprise's id, or None."""
        return self.chosen.id if self.chosen is not None else None

    def choose_url(self, enterprise: Enterprise) -> str:
        """This page with ``enterprise`` chosen (the search dropped, the other arguments kept)."""
        return self._address([*self.kept, (self.param, str(enterprise.id))])

    @property
    def change_url(self) -> str:
        """This page with no enterprise chosen (the other arguments kept)."""
        return self._address(self.kept)

    @property
    def search_action(self) -> str:
        """Where the search box's GET form goes: this page; ``kept`` travel as hidden fields."""
        return self.url + (f"#{self.fragment}" if self.fragment else "")

    def _address(self, args: list[tuple[str, str]]) -> str:
        return (self.url + (f"?{urlencode(args)}" if args else "")
                + (f"#{self.fragment}" if self.fragment else ""))


def enterprise_chooser(actor: Actor, args: Mapping[str, str], *, field: Field | None = None,
                       param: str | None = "enterprise", url: str | None = None, exclude: Iterable[int] = (),
                       limit: int = 10) -> EnterpriseChooser:
    """The enterprise chooser of this request: the enterprise chosen by
    ``?<param>=ID`` in ``args`` (the query string) or, when ``field`` (the form's
    hidden enterprise field) came back with an id, by that id; else the
    enterprises the search ``?q=`` finds, ``limit`` at most, without those in
    ``exclude``. An id the actor may not see is no choice. ``field`` is given the
    chosen id, so the form carries it. ``url`` is the page the search and the
    choice reload (this page by default; a ``#fragment`` is kept). With
    ``param=None`` nothing is chosen on the page: the macro's ``post_to`` sends
    the enterprise picked to a view that adds it to a list."""
    page, fragment = urldefrag(url if url is not None else request.script_root + request.path)
    pairs = args.items(multi=True) if isinstance(args, MultiDict) else args.items()
    kept = [(k, v) for k, v in pairs if k not in ("q", param)]
    chooser = EnterpriseChooser(param=param, url=page, fragment=fragment, kept=kept)
    posted = id_arg(field.name, {field.name: str(field.data or "")}) if field is not None else None
    enterprise_id = posted or (id_arg(param, args) if param else None)
    if enterprise_id:
        try:
            chooser.chosen = registry.get(actor, enterprise_id)
        except NotFound:
            chooser.refused = True
    if chooser.chosen is not None:
        if field is not None:
            field.data = str(chooser.chosen.id)
        return chooser
    chooser.q = (args.get("q") or "").strip()[:QUERY_LIMIT]
    if chooser.q:
        excluded = set(exclude)
        page_of = registry.search(actor, registry.EnterpriseFilter(q=chooser.q), limit=limit + len(excluded))
        chooser.found = [e for e in page_of.items if e.id not in excluded][:limit]
    return chooser


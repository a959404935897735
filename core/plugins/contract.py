"""The plugin contract: the hook marker, a plugin's blueprint and the small
value types its hooks return. Plugins import them from core.plugins.toolkit;
core's own modules import them from here (the toolkit imports those modules)."""
from dataclasses import dataclass, field
from datetime import date

import pluggy
from flask import Blueprint
from markupsafe import Markup

hookimpl = pluggy.HookimplMarker("anqi")


def plugin_blueprint(name: str, import_name: str) -> Blueprint:
    """A blueprint for plugin ``name``: URLs under ``/p/<name>/``, templates
    under ``<plugin>/templates/<name>/``. Core answers 404 on it for users whose
    unit has not enabled the plugin."""
    bp = Blueprint(name, import_name, url_prefix=f"/p/{name}", template_folder="templates",
                   static_folder="static", static_url_path="/static")   # under the url_prefix: /p/<name>/static
    bp.anqi_plugin = name
    return bp


@dataclass(frozen=True)
class MenuItem:
    """An entry of the side menu: ``label`` (a lazy text) opening ``endpoint``
    with ``values``; ``section`` is the menu's group, ``order`` its place."""

    label: str
    endpoint: str
    order: int = 100
    section: str = "plugins"
    values: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Panel:
    """A section on the enterprise page. ``html`` is rendered by the plugin
    (usually ``render_template("<name>/panel.html", ...)``)."""

    title: str
    html: Markup
    order: int = 100


@dataclass(frozen=True)
class Widget:
    """A tile on the home dashboard."""

    title: str
    html: Markup
    order: int = 100


@dataclass(frozen=True)
class DocumentType:
    """A kind of official document a plugin contributes; ``code`` is
    ``<plugin>.<name>``. ``layout`` is ``file`` (文件格式) or ``letter`` (信函格式).
    ``family`` groups a plugin's documents in its own lists; it does not choose
    a number: every document is numbered under its unit's issuing mark for its
    layout (core/documents/numbering.py). ``upward``: a 上行文, sent to a
    higher authority (a party committee, a government), whose head carries
    签发人 and the number flush left (GB/T 9704-2012, 7.2.4)."""

    code: str
    label: str
    layout: str = "letter"
    family: str = "letter"
    upward: bool = False


@dataclass(frozen=True)
class TicketCategory:
    """A demand category a plugin contributes; ``code`` is ``<plugin>.<name>``."""

    code: str
    label: str


@dataclass(frozen=True)
class Finding:
    """A risk-relevant fact a plugin's records hold about an enterprise (an open
    inspection issue, a project dispute …), offered to other plugins through
    ``core.registry.services.findings``. ``source`` is ``<plugin>.<kind>`` and
    ``ref`` the record's id in that plugin, so a link to it can be kept."""

    source: str
    ref: int
    title: str
    found_on: date
    detail: str = ""
    category: str = ""          # a hint, in the words of the source (e.g. the inspection item)
    level: str = ""             # high | medium | low when the source grades it
    is_open: bool = True
    endpoint: str = ""          # where the record is shown, with ``values``
    values: dict = field(default_factory=dict)


@dataclass(frozen=True)
class PortalService:
    """A service a plugin offers enterprises on the portal (an exit-entry
    appointment, a question to the IP officer …): a link to a view of the
    plugin's blueprint marked ``core.web.portal_required``."""

    label: str
    endpoint: str
    values: dict = field(default_factory=dict)
    description: str = ""


@dataclass(frozen=True)
class FaqEntry:
    """A question and its answer, published on the portal's public FAQ."""

    question: str
    answer: str
    topic: str = ""


@dataclass(frozen=True)
class SampleContext:
    """What the host's security suite gives ``anqi_security_samples``: a station
    (``unit``) that enabled the plugin, an enterprise of it, and three of its
    staff as actors. ``n`` is 1 for one station and 2 for the other, for values
    that must differ between the two (a number, a phone)."""

    unit: object
    enterprise_id: int
    desk: object
    leader: object
    officer: object
    n: int

    def image(self, filename: str = "sample.png") -> list:
        """A small PNG as a list of checked uploads, for records that carry files."""
        import io

        from core.tickets import attachments

        png = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(200))
        return attachments.check_uploads([(filename, io.BytesIO(png))])

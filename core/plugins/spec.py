"""Every hook a plugin can implement. Each is documented in docs/hooks.md.

Hooks are called with keyword arguments; an implementation may take any subset.
"Per unit" hooks are answered only by plugins enabled for the unit in question.
"""
import pluggy

hookspec = pluggy.HookspecMarker("anqi")


# --- set-up: once per application --------------------------------------------

@hookspec
def anqi_blueprints(app):
    """Return a list of Flask blueprints (made with ``toolkit.plugin_blueprint``)."""


@hookspec
def anqi_cli(cli):
    """Add click commands or groups to the ``anqi`` command group ``cli``."""


@hookspec
def anqi_permissions():
    """Return a dict mapping permission names (``plugin.action``) to sets of roles."""


@hookspec
def anqi_permission_labels():
    """Return a dict mapping the plugin's permission names to what they allow, in words."""


@hookspec
def anqi_audit_labels():
    """Return a dict mapping the plugin's audit action codes and record types to words."""


# --- per unit: only plugins enabled for the unit answer ----------------------

@hookspec
def anqi_ticket_categories(unit):
    """Return a list of ``toolkit.TicketCategory`` that tickets of this unit may take."""


@hookspec
def anqi_document_types(unit):
    """Return a list of ``toolkit.DocumentType`` that this unit's documents may be."""


@hookspec
def anqi_menu_items(unit, user):
    """Return a list of ``toolkit.MenuItem`` for the side menu."""


@hookspec
def anqi_enterprise_panels(enterprise, user):
    """Return a list of ``toolkit.Panel``: sections added to the enterprise page."""


@hookspec
def anqi_dashboard_widgets(unit, user):
    """Return a list of ``toolkit.Widget`` for the home dashboard."""


@hookspec
def anqi_ticket_panels(ticket, user):
    """Return a list of ``toolkit.Panel``: sections added to the ticket page (the plugin records linked to it)."""


@hookspec
def anqi_enterprise_findings(enterprise, actor):
    """Return a list of ``toolkit.Finding``: what the plugin's records (visible to ``actor``) say about the enterprise's risks."""


@hookspec
def anqi_portal_services(enterprise, unit):
    """Return a list of ``toolkit.PortalService`` offered to this enterprise on the portal (its unit enabled the plugin)."""


# --- public: every loaded plugin that some unit enabled answers ---------------

@hookspec
def anqi_public_faq(query):
    """Return a list of ``toolkit.FaqEntry`` published on the portal's public FAQ (``query`` may narrow them)."""


# --- the demo city and the host's security suite: every loaded plugin answers -

@hookspec
def anqi_security_samples(context):
    """Make, through the plugin's own services, one record of each kind its URLs name, in the
    station ``context.unit`` (a ``toolkit.SampleContext``; the plugin is enabled there), and
    return a dict mapping the URL arguments (``<record>_id`` and any other) to their values.
    The host's security suite opens every route of the plugin with one station's records as
    another station's staff and enterprise, and expects 403 or 404 (tests/test_security_routes.py)."""


@hookspec
def anqi_public_routes():
    """Return the URL rules (``/p/<name>/...``) of the plugin's views marked ``public``, each a
    reviewed decision: the security suite fails on a public route that no one lists."""


@hookspec
def anqi_demo_data(context):
    """Fill the plugin's part of the demo city through its own services; ``context`` is a
    ``core.demo.plugin_data.DemoContext`` (its units, users, enterprises, year, clock and random)."""


# --- events: every loaded plugin hears them -----------------------------------

@hookspec
def anqi_ticket_event(event, ticket, actor):
    """React to a ticket's transition (``registered``, ``dispatched``, ``closed``, ``rated`` …), after commit."""


@hookspec
def anqi_enterprise_event(event, enterprise, actor):
    """React to ``created``, ``updated`` or ``imported`` on an enterprise (after commit)."""

"""Everything a plugin may use of core, in one module: ``from core.plugins
import toolkit``. docs/hooks.md lists it, signatures included, as
core/plugins/reference.py writes it, and tests/test_toolkit.py fails when the
two differ, so a change here is a change to the documented contract.

The rest of core is internal: a plugin that reaches into another module does so
at its own risk, as the names, arguments and tables there may change without
notice. The services named in ``SERVICES`` are public through the toolkit's
namespaces (``toolkit.registry.get``, ``toolkit.audit.record`` …); their other
functions are not.
"""
from datetime import date, datetime

from core import clock
from core.audit import services as audit
from core.calendar.services import is_workday
from core.documents import services as documents
from core.errors import AnqiError, Conflict, Forbidden, NotFound, ValidationError
from core.extensions import db
from core.forms import apply_errors
from core.org.actor import Actor
from core.org.models import Unit, User
from core.plugins.contract import (DocumentType, FaqEntry, Finding, MenuItem, Panel, PortalService, SampleContext,
                                   TicketCategory, Widget, hookimpl, plugin_blueprint)
from core.plugins.services import is_enabled
from core.privacy import services as privacy
from core.privacy.fields import encrypted, lookup, lookup_hash
from core.registry import services as registry
from core.registry.chooser import EnterpriseChooser, enterprise_chooser
from core.registry.models import Enterprise
from core.submissions import services as submissions
from core.text import clean_text
from core.tickets import services as tickets
from core.tickets.deadlines import after_working_days, end_of_local_day, local_date
from core.uploads import held
from core.web import (current_actor, flash_done, flash_refusal, form_date, id_arg, permission_required, portal_actor,
                      portal_required, public, see_other)

# The columns a plugin's table points at, for ``ForeignKey(toolkit.FOREIGN_KEYS["enterprise"])``.
FOREIGN_KEYS = {
    "enterprise": "enterprise.id",
    "unit": "unit.id",
    "user": "user_account.id",
    "ticket": "ticket.id",
    "document": "document.id",
}

# The public functions of the service namespaces above.
SERVICES = {
    "audit": ("record", "record_failure"),
    "registry": ("EnterpriseFilter", "get", "named", "search", "scoped_select", "units", "distinct_values",
                 "officer_ids", "findings", "find_by_credit_code"),
    "tickets": ("Intake", "register", "get", "for_enterprise", "similar_classes", "tickets_of_class"),
    "documents": ("Draft", "create", "submit", "sign_off", "issue", "deliver", "preview", "preview_draft"),
    "submissions": ("new_key", "valid", "seen", "remember"),
    "held": ("Chosen", "gather", "keep", "release"),
    "privacy": ("reveal", "record_export"),
}


def now() -> datetime:
    """The present moment as naive UTC, as every column stores it (tests may freeze it)."""
    return clock.now()


def today() -> date:
    """Today's date in China (Asia/Shanghai), the day a user means by "today"."""
    return local_date(clock.now())


__all__ = [
    # the contract: hooks and what they return
    "hookimpl", "plugin_blueprint", "MenuItem", "Panel", "Widget", "DocumentType", "TicketCategory", "Finding",
    "PortalService", "FaqEntry", "SampleContext",
    # tables
    "db", "FOREIGN_KEYS", "Enterprise", "Unit", "User", "encrypted", "lookup", "lookup_hash",
    # who acts, and what a view does
    "Actor", "current_actor", "portal_actor", "permission_required", "public", "portal_required", "see_other",
    "flash_done", "flash_refusal", "form_date", "id_arg", "apply_errors", "is_enabled",
    # a form's enterprise field: the chooser and its macro (``enterprise_chooser`` of macros.html)
    "enterprise_chooser", "EnterpriseChooser",
    # errors
    "AnqiError", "ValidationError", "NotFound", "Forbidden", "Conflict",
    # time and text
    "now", "today", "local_date", "end_of_local_day", "after_working_days", "is_workday", "clean_text",
    # core's services
    "audit", "registry", "tickets", "documents", "submissions", "held", "privacy",
]

"""The words the inspection pages show for the codes they store (a plan's
inspection type, a plan's, a visit's, a rectification's and a credit repair's status, a visit's outcome)."""
from flask_babel import lazy_gettext as _l

# The kinds of check (日常、季节性、节假日、临时（突击）、专项检查), in the order a form offers them.
INSPECTION_TYPES = {"routine": _l("Routine inspection"), "seasonal": _l("Seasonal inspection"),
                    "holiday": _l("Holiday inspection"), "adhoc": _l("Ad hoc (unannounced) inspection"),
                    "specialist": _l("Specialist inspection")}
DEFAULT_INSPECTION_TYPE = "routine"
PLAN_STATUSES = {"draft": _l("Draft"), "drawn": _l("Drawn"), "published": _l("Published")}
VISIT_STATUSES = {"planned": _l("Planned"), "done": _l("Visited")}
VISIT_OUTCOMES = {"pass": _l("No issue found"), "issues": _l("Issues found")}
RECTIFICATION_STATUSES = {"open": _l("Being rectified"), "closed": _l("Rectified")}
REPAIR_STATUSES = {"pending": _l("Awaiting a decision"), "approved": _l("Approved"), "refused": _l("Refused")}


def label(table: dict, code) -> str:
    """The word for ``code``; an unknown code (never expected) is shown as a dash, not raw."""
    return str(table.get(code, "—")) if code else ""


def for_templates() -> dict:
    return {"inspection_types": INSPECTION_TYPES,
            "inspection_type": lambda code: label(INSPECTION_TYPES, code),
            "plan_status": lambda code: label(PLAN_STATUSES, code),
            "visit_status": lambda code: label(VISIT_STATUSES, code),
            "visit_outcome": lambda code: label(VISIT_OUTCOMES, code),
            "rectification_status": lambda code: label(RECTIFICATION_STATUSES, code),
            "repair_status": lambda code: label(REPAIR_STATUSES, code)}

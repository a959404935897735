"""The five roles. Labels are lazy so they follow the reader's language."""
from flask_babel import lazy_gettext as _l

ADMIN = "admin"
AUDITOR = "auditor"
LEADER = "leader"
DESK = "desk"
OFFICER = "officer"

ROLES = {
    ADMIN: _l("System administrator"),
    AUDITOR: _l("Auditor"),
    LEADER: _l("Leader"),
    DESK: _l("Desk staff"),
    OFFICER: _l("Officer"),
}

BUSINESS_ROLES = frozenset({LEADER, DESK, OFFICER})


def separation_problem(roles) -> object | None:
    """三权分立: the system administrator, the auditor and the business roles
    are held by different people. Returns why ``roles`` break that, or None."""
    roles = set(roles)
    if ADMIN in roles and len(roles) > 1:
        return _l("The system administrator role cannot be combined with another role.")
    if AUDITOR in roles and len(roles) > 1:
        return _l("The auditor role cannot be combined with another role.")
    return None

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

"""The permission matrix: which role may do what. The one place it is written.

Plugins add their own permissions through the ``anqi_permissions`` hook; the
merged matrix lives on the app as ``app.extensions["anqi_permissions"]``.
"""
from flask import current_app

from core.org.roles import ADMIN, AUDITOR, DESK, LEADER, OFFICER

CORE_PERMISSIONS: dict[str, frozenset[str]] = {
    "system.manage": frozenset({ADMIN}),
    "audit.read": frozenset({AUDITOR}),
    "dashboard.read": frozenset({LEADER, DESK, OFFICER}),
    "enterprise.read": frozenset({LEADER, DESK, OFFICER}),
    "enterprise.write": frozenset({LEADER, DESK}),
    "enterprise.import": frozenset({LEADER, DESK}),
    "enterprise.export": frozenset({LEADER, DESK}),
    "ticket.read": frozenset({LEADER, DESK, OFFICER}),
    "ticket.register": frozenset({LEADER, DESK}),
    "ticket.dispatch": frozenset({LEADER, DESK}),      # also transfer, close, record outside replies
    "ticket.handle": frozenset({LEADER, DESK, OFFICER}),  # sign, answer, return, escalate, extension, progress
    "ticket.rate": frozenset({LEADER, DESK}),
    "ticket.complain": frozenset({LEADER, DESK}),
    "ticket.supervise": frozenset({LEADER}),
    "ticket.decide_extension": frozenset({LEADER}),
    "ticket.stats": frozenset({LEADER, DESK}),
    "ticket.categories": frozenset({ADMIN}),
    "document.read": frozenset({LEADER, DESK, OFFICER}),
    "document.draft": frozenset({LEADER, DESK, OFFICER}),   # write, submit, correct
    "document.sign": frozenset({LEADER}),                    # 签发
    "document.issue": frozenset({LEADER, DESK}),             # number, render, deliver
    # Seeing a citizen's ID number or phone unmasked, one value at a time, audited.
    "personal_data.reveal": frozenset({LEADER, DESK}),
}


def build_matrix(contributions) -> dict[str, frozenset[str]]:
    """Merge core's matrix with the dicts that plugins contribute."""
    matrix = dict(CORE_PERMISSIONS)
    for contribution in contributions:
        for permission, roles in (contribution or {}).items():
            matrix[permission] = matrix.get(permission, frozenset()) | frozenset(roles)
    return matrix


def roles_for(permission: str) -> frozenset[str]:
    matrix = current_app.extensions.get("anqi_permissions", CORE_PERMISSIONS)
    try:
        return matrix[permission]
    except KeyError:
        raise LookupError(f"unknown permission {permission!r}") from None


def has_permission(user, permission: str) -> bool:
    return user is not None and bool(user.roles & roles_for(permission))

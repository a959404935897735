"""The permission matrix: which role may do what. The one place it is written.

Plugins add their own permissions through the ``anqi_permissions`` hook; the
merged matrix lives on the app as ``app.extensions["anqi_permissions"]``.
"""
import logging

from flask import current_app
from flask_babel import lazy_gettext as _l

from core.org.roles import ADMIN, AUDITOR, DESK, LEADER, OFFICER

log = logging.getLogger("anqi.permissions")

CORE_PERMISSIONS: dict[str, frozenset[str]] = {
    "system.manage": frozenset({ADMIN}),
    "audit.read": frozenset({AUDITOR}),
    "permissions.read": frozenset({ADMIN, AUDITOR}),         # this matrix, as a page
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
    # 属地属事: the routing rules behind dispatch suggestions, kept by the centre's leaders and,
    # as configuration (three powers apart: a permission of its own), by the administrator.
    "routing.rules": frozenset({LEADER}),
    "routing.configure": frozenset({ADMIN}),
    "document.read": frozenset({LEADER, DESK, OFFICER}),
    "document.draft": frozenset({LEADER, DESK, OFFICER}),   # write, submit, correct
    "document.sign": frozenset({LEADER}),                    # 签发
    "document.issue": frozenset({LEADER, DESK}),             # number, render, deliver
    # Seeing a citizen's ID number or phone unmasked, one value at a time, audited.
    "personal_data.reveal": frozenset({LEADER, DESK}),
    # The enterprise portal: verifying enterprises' accounts (the desk in scope, or the
    # enterprise's liaison officer: the service checks which), and the public notices.
    "portal.verify": frozenset({LEADER, DESK, OFFICER}),
    "portal.publish": frozenset({LEADER, DESK}),
    # Granting a system account of the leader's units its business roles and personal-data access.
    "system_account.grant": frozenset({LEADER}),
    # 转交办: the register of outside departments. Read by every business role, kept by the leaders
    # of the centre (the service checks the unit) and, as configuration, by the administrator.
    "department.read": frozenset({LEADER, DESK, OFFICER}),
    "department.manage": frozenset({LEADER}),
    "department.configure": frozenset({ADMIN}),
    # Reply phrases (常用语) of the leader's units, offered on the ticket page's answer and note forms.
    "phrase.manage": frozenset({LEADER}),
    # The knowledge base (政策咨询, 法治宣传): read by every business role, kept by the leaders and
    # the desk for the units of their scope (the service checks the unit), published on the portal.
    "knowledge.read": frozenset({LEADER, DESK, OFFICER}),
    "knowledge.write": frozenset({LEADER, DESK}),
    # Legal-education sessions (法治宣教, 送法进企业) of the user's units: recorded by whoever held them.
    "legal_education.read": frozenset({LEADER, DESK, OFFICER}),
    "legal_education.write": frozenset({LEADER, DESK, OFFICER}),
    # 走访纳谏 (core/liaison/visits.py): record visits, and register a demand heard on one as a
    # ticket of channel "visit" (only that: the general intake stays "ticket.register").
    "visit.record": frozenset({LEADER, DESK, OFFICER}),
    # 座谈 and 联席会议 (core/meetings): recorded by the desk and the leaders, read by the officers of the unit.
    "meeting.read": frozenset({LEADER, DESK, OFFICER}),
    "meeting.record": frozenset({LEADER, DESK}),
    # Notices outside the browser (core/notices): their templates, the delivery log without the
    # texts, the outbound webhooks and the 12345 link, as configuration.
    "notice.manage": frozenset({ADMIN}),
    # The positive service list (点单式服务) and the negative list of conduct (负面清单), kept by
    # the leaders; complaints and 作风问题 tickets tagged against the negative list by desk or leader.
    "service_list.manage": frozenset({LEADER}),
    "service_list.tag": frozenset({LEADER, DESK}),
}


PERMISSION_LABELS = {
    "system.manage": _l("Manage users, units, plugins, API tokens and the calendar"),
    "audit.read": _l("Read and verify the audit trail"),
    "permissions.read": _l("See this permission matrix"),
    "dashboard.read": _l("See the dashboard"),
    "enterprise.read": _l("Read enterprises"),
    "enterprise.write": _l("Register and edit enterprises"),
    "enterprise.import": _l("Import enterprises"),
    "enterprise.export": _l("Export enterprises"),
    "ticket.read": _l("Read demand tickets"),
    "ticket.register": _l("Register demands"),
    "ticket.dispatch": _l("Dispatch, transfer and close tickets"),
    "ticket.handle": _l("Sign for, answer, return and escalate tickets"),
    "ticket.rate": _l("Record the enterprise's rating"),
    "ticket.complain": _l("Record complaints"),
    "ticket.supervise": _l("Supervise tickets (督办)"),
    "ticket.decide_extension": _l("Approve or refuse extensions"),
    "ticket.stats": _l("Ticket statistics and similar demands"),
    "ticket.categories": _l("Edit ticket categories"),
    "routing.rules": _l("Keep the routing rules (属地属事) of the centre"),
    "routing.configure": _l("Keep the routing rules (属地属事) as configuration"),
    "document.read": _l("Read official documents"),
    "document.draft": _l("Write, submit and correct documents"),
    "document.sign": _l("Sign off documents (签发)"),
    "document.issue": _l("Issue and deliver documents"),
    "personal_data.reveal": _l("See phone and ID numbers unmasked (audited)"),
    "portal.verify": _l("Verify or refuse enterprises' portal accounts"),
    "portal.publish": _l("Write and publish the portal's news and policy notices"),
    "system_account.grant": _l("Grant system accounts (API) business roles and personal-data access"),
    "department.read": _l("See the register of outside departments (转交办)"),
    "department.manage": _l("Keep the register of outside departments (leaders of the centre)"),
    "department.configure": _l("Keep the register of outside departments (administrator)"),
    "phrase.manage": _l("Keep the reply phrases (常用语) of the unit"),
    "knowledge.read": _l("Read the knowledge base (政策咨询)"),
    "knowledge.write": _l("Write and publish the knowledge base's articles of the unit"),
    "legal_education.read": _l("See the legal-education sessions (法治宣教) of the unit"),
    "legal_education.write": _l("Record legal-education sessions (法治宣教) of the unit"),
    "visit.record": _l("Record liaison visits (走访) and register the demands heard on them"),
    "meeting.read": _l("See the meetings (座谈, 联席会议) of the unit"),
    "meeting.record": _l("Record meetings (座谈, 联席会议) and register the demands raised there"),
    "notice.manage": _l("Keep the SMS and email templates and the webhooks; read the delivery log"),
    "service_list.manage": _l("Keep the service list (点单式服务) and the negative list (负面清单)"),
    "service_list.tag": _l("Tag complaints against the negative list (负面清单)"),
}


def build_matrix(contributions) -> dict[str, frozenset[str]]:
    """Merge core's matrix with the dicts that plugins contribute. The auditor
    reads the audit trail and nothing else (三权分立): a plugin that grants the
    auditor anything has that grant dropped, with a warning."""
    matrix = dict(CORE_PERMISSIONS)
    for contribution in contributions:
        for permission, roles in (contribution or {}).items():
            roles = frozenset(roles)
            if AUDITOR in roles:
                log.warning("permission %s: the auditor role is not granted plugin permissions", permission)
                roles -= {AUDITOR}
            matrix[permission] = matrix.get(permission, frozenset()) | roles
    return matrix


def matrix() -> dict[str, frozenset[str]]:
    """The merged matrix of this app (core's and the installed plugins')."""
    return dict(current_app.extensions.get("anqi_permissions", CORE_PERMISSIONS))


def roles_for(permission: str) -> frozenset[str]:
    matrix = current_app.extensions.get("anqi_permissions", CORE_PERMISSIONS)
    try:
        return matrix[permission]
    except KeyError:
        raise LookupError(f"unknown permission {permission!r}") from None


# Permissions a system account holds only by an explicit grant of a leader of its unit, never
# through a role (core/org/system_accounts.py): reading personal data unmasked through a token.
GRANTED_TO_SYSTEM_ACCOUNTS = frozenset({"personal_data.reveal"})


def has_permission(user, permission: str) -> bool:
    if user is None:
        return False
    if permission in GRANTED_TO_SYSTEM_ACCOUNTS and getattr(user, "is_system", False):
        return bool(user.may_reveal)
    return bool(user.roles & roles_for(permission))

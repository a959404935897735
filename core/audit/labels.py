"""The audit trail's codes in words: what each action and each kind of record is
called on the auditor's pages. The codes themselves stay in the trail (and in the
filter, which takes them), so a label may change without touching a record.

A plugin's codes begin with the plugin's name; it names them through the
``anqi_audit_labels`` hook, and a code it does not name is shown as an action or
record of that plugin."""
from flask import g
from flask_babel import lazy_gettext as _l

from core.plugins import services as plugins

ACTIONS = {
    "access.denied": _l("Access refused"),
    "api_token.issue": _l("API token issued"),
    "api_token.revoke": _l("API token revoked"),
    "audit.archive": _l("Audit entries archived"),
    "audit.read": _l("Audit log read"),
    "audit.verify": _l("Audit chain verified"),
    "auth.lockout": _l("Account locked after failed logins"),
    "auth.login": _l("Login"),
    "auth.logout": _l("Logout"),
    "auth.password": _l("Password changed"),
    "auth.rate_limited": _l("Too many attempts refused"),
    "auth.second_factor": _l("Second factor checked"),
    "auth.second_factor_enrol": _l("Second factor set up"),
    "auth.second_factor_policy": _l("Second-factor rule per role changed"),
    "auth.second_factor_reset": _l("Second factor reset"),
    "auth.second_factor_start": _l("Second-factor set-up started"),
    "auth.session_end": _l("Session ended"),
    "auth.unlock": _l("Account unlocked"),
    "backup.create": _l("Backup made"),
    "backup.restore": _l("Backup restored"),
    "calendar.confirm": _l("Working-day calendar confirmed"),
    "calendar.day": _l("Calendar day changed"),
    "calendar.import": _l("Working-day calendar imported"),
    "csrf.rejected": _l("Form refused (expired or forged)"),
    "demo.build": _l("Demo data created"),
    "demo.tickets": _l("Demo tickets created"),
    "department.activate": _l("Outside department reactivated"),
    "department.create": _l("Outside department added"),
    "department.deactivate": _l("Outside department deactivated"),
    "department.update": _l("Outside department changed"),
    "document.batch": _l("Documents made in a batch"),
    "document.batch_download": _l("Document batch downloaded"),
    "document.batch_retry": _l("Document batch retried"),
    "document.create": _l("Document drafted"),
    "document.deliver": _l("Document delivered"),
    "document.download": _l("Document downloaded"),
    "document.issue": _l("Document issued"),
    "document.number": _l("Document numbered"),
    "document.pdf": _l("Document PDF made"),
    "document.personal_data": _l("Personal data in a document read"),
    "document.preview": _l("Document previewed"),
    "document.renumber": _l("Document renumbered"),
    "document.seal": _l("Seal uploaded"),
    "document.seal_remove": _l("Seal removed"),
    "document.seal_replace": _l("Seal replaced"),
    "document.seal_upload": _l("Seal uploaded"),
    "document.send_back": _l("Document sent back"),
    "document.sign": _l("Document signed off"),
    "document.signing_certificate": _l("Signing certificate set"),
    "document.submit": _l("Document submitted"),
    "document.update": _l("Document changed"),
    "document.view": _l("Document opened"),
    "document.view_pdf": _l("Document PDF opened"),
    "document.view_receipt": _l("Delivery receipt opened"),
    "enterprise.create": _l("Enterprise added"),
    "enterprise.export": _l("Enterprises exported"),
    "enterprise.import": _l("Enterprises imported"),
    "enterprise.update": _l("Enterprise changed"),
    "notice.webhook_activate": _l("Webhook endpoint reactivated"),
    "notice.webhook_create": _l("Webhook endpoint added"),
    "notice.webhook_deactivate": _l("Webhook endpoint deactivated"),
    "notice.webhook_replay": _l("Webhook post sent again"),
    "notice.webhook_update": _l("Webhook endpoint changed"),
    "personal_data.export": _l("Personal data exported"),
    "personal_data.reveal": _l("Personal data shown in full"),
    "personal_data.rotate_key": _l("Personal-data key renewed"),
    "phrase.create": _l("Reply phrase added"),
    "phrase.delete": _l("Reply phrase deleted"),
    "phrase.update": _l("Reply phrase changed"),
    "plugin.disable": _l("Plugin switched off"),
    "plugin.enable": _l("Plugin switched on"),
    "portal.add_user": _l("Portal user added"),
    "portal.decide": _l("Portal registration decided"),
    "portal.demand": _l("Demand submitted on the portal"),
    "portal.disable_user": _l("Portal user disabled"),
    "portal.login": _l("Portal login"),
    "portal.login_second_factor": _l("Portal second step at login"),
    "portal.logout": _l("Portal logout"),
    "portal.not_found": _l("Portal record not found"),
    "portal.notice_publish": _l("Portal notice published"),
    "portal.notice_save": _l("Portal notice saved"),
    "portal.notice_withdraw": _l("Portal notice withdrawn"),
    "portal.password": _l("Portal password changed"),
    "portal.refuse": _l("Portal account refused"),
    "portal.register": _l("Portal registration"),
    "portal.second_factor": _l("Portal second factor checked"),
    "portal.second_factor_enrol": _l("Portal second factor set up"),
    "portal.second_factor_remove": _l("Portal second factor removed"),
    "portal.second_factor_start": _l("Portal second-factor set-up started"),
    "portal.session_end": _l("Portal session ended"),
    "portal.verify": _l("Portal account verified"),
    "routing.rule_create": _l("Routing rule added"),
    "routing.rule_delete": _l("Routing rule deleted"),
    "routing.rule_save": _l("Routing rule saved"),
    "routing.rule_update": _l("Routing rule changed"),
    "search.rebuild": _l("Search index rebuilt"),
    "supervision.backlog_take_up": _l("Backlog case taken up"),
    "supervision.list": _l("Put on the supervision list"),
    "supervision.progress": _l("Supervision progress reported"),
    "supervision.sweep": _l("Supervision sweep"),
    "supervision.take_off": _l("Taken off the supervision list"),
    "system_account.grant": _l("System account granted"),
    "ticket.answer": _l("Ticket answered"),
    "ticket.attach": _l("File attached to a ticket"),
    "ticket.attachment_download": _l("Ticket attachment downloaded"),
    "ticket.class_matter": _l("Matter class changed"),
    "ticket.close": _l("Ticket closed"),
    "ticket.complain": _l("Complaint recorded"),
    "ticket.consult": _l("Opinions asked"),
    "ticket.consultation_close": _l("Consultation closed"),
    "ticket.consultation_opinion": _l("Opinion given"),
    "ticket.dispatch": _l("Ticket dispatched"),
    "ticket.escalate": _l("Ticket escalated"),
    "ticket.export": _l("Tickets exported"),
    "ticket.extension_decide": _l("Extension decided"),
    "ticket.extension_request": _l("Extension requested"),
    "ticket.follower": _l("Follower changed"),
    "ticket.merge": _l("Tickets merged"),
    "ticket.note": _l("Note added"),
    "ticket.onsite": _l("On-site visit recorded"),
    "ticket.onsite_confirm": _l("On-site visit confirmed"),
    "ticket.onsite_signature": _l("On-site signature recorded"),
    "ticket.pause": _l("Ticket paused"),
    "ticket.progress": _l("Progress reported"),
    "ticket.rate": _l("Rating recorded"),
    "ticket.register": _l("Ticket registered"),
    "ticket.request_info": _l("Information asked of the enterprise"),
    "ticket.resume": _l("Ticket resumed"),
    "ticket.return": _l("Ticket returned"),
    "ticket.rework": _l("Ticket sent back for rework"),
    "ticket.sign": _l("Ticket signed for"),
    "ticket.stats_export": _l("Statistics exported"),
    "ticket.supervise": _l("Ticket supervised"),
    "ticket.supervision_cleared": _l("Supervision cleared"),
    "ticket.supply_info": _l("Information supplied"),
    "ticket.transfer": _l("Ticket transferred"),
    "ticket.transfer_reply": _l("Transfer replied"),
    "ticket_category.activate": _l("Demand category offered again"),
    "ticket_category.create": _l("Demand category added"),
    "ticket_category.deactivate": _l("Demand category deactivated"),
    "ticket_category.update": _l("Demand category renamed"),
    "tickets.recount": _l("Ticket figures recounted"),
    "tickets.sweep": _l("Deadline sweep"),
    "unit.create": _l("Unit added"),
    "unit.import": _l("Units imported"),
    "unit.save": _l("Unit changed"),
    "unit.update": _l("Unit changed"),
    "user.create": _l("User added"),
    "user.import": _l("Users imported"),
    "user.password": _l("User's password set"),
    "user.save": _l("User changed"),
    "user.update": _l("User changed"),
    "visit.record": _l("Liaison visit recorded"),
    "visit.update": _l("Liaison visit corrected"),
    "visit.register_demand": _l("Demand heard on a visit registered"),
    "visit_plan.create": _l("Visit plan added"),
    "visit_plan.delete": _l("Visit plan removed"),
}

OBJECT_TYPES = {
    "api_token": _l("API token"),
    "audit_archive": _l("Audit archive"),
    "audit_entry": _l("Audit entry"),
    "auth_role_policy": _l("Second-factor rule"),
    "backup": _l("Backup"),
    "calendar_day": _l("Calendar day"),
    "calendar_year": _l("Calendar year"),
    "class_matter": _l("Matter class"),
    "database": _l("Database"),
    "document": _l("Document"),
    "document_batch": _l("Document batch"),
    "endpoint": _l("Page"),
    "enterprise": _l("Enterprise"),
    "liaison_visit": _l("Liaison visit"),
    "liaison_visit_plan": _l("Visit plan"),
    "notice_webhook": _l("Webhook endpoint"),
    "notice_webhook_delivery": _l("Webhook post"),
    "outside_department": _l("Outside department"),
    "personal_data_key": _l("Personal-data key"),
    "plugin": _l("Plugin"),
    "portal_account": _l("Portal account"),
    "portal_notice": _l("Portal notice"),
    "reply_phrase": _l("Reply phrase"),
    "routing_rule": _l("Routing rule"),
    "supervision_entry": _l("Supervision item"),
    "ticket": _l("Ticket"),
    "ticket_attachment": _l("Ticket attachment"),
    "ticket_stat": _l("Ticket statistics"),
    "ticket_category": _l("Demand category"),
    "unit": _l("Unit"),
    "unit_seal": _l("Seal"),
    "user_account": _l("User"),
    "user_name": _l("User name"),
    "user_session": _l("Session"),
}


def _plugin_labels() -> dict:
    """What the plugins call their codes, asked once a request."""
    if "anqi_audit_labels" not in g:
        labels = {}
        for contribution in plugins.manager().call_all("anqi_audit_labels"):
            labels.update(contribution or {})
        g.anqi_audit_labels = labels
    return g.anqi_audit_labels


def _plugin_title(code: str, language: str) -> str | None:
    for name, manifest in plugins.manager().manifests.items():
        if code == name or code.startswith(name + ".") or code.startswith(name + "_"):
            return manifest.localized("title", language)
    return None


def action_label(code: str, language: str) -> str:
    if code in ACTIONS:
        return str(ACTIONS[code])
    if code in (named := _plugin_labels()):
        return str(named[code])
    if title := _plugin_title(code, language):
        return str(_l("%(plugin)s: an action", plugin=title))
    return str(_l("Other action"))


def object_type_label(code: str | None, language: str) -> str:
    if not code:
        return ""
    if code in OBJECT_TYPES:
        return str(OBJECT_TYPES[code])
    if code in (named := _plugin_labels()):
        return str(named[code])
    if title := _plugin_title(code, language):
        return str(_l("%(plugin)s: a record", plugin=title))
    return str(_l("Other record"))

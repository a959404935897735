"""What this plugin's permissions and audit codes are called on core's pages (the
permission matrix, the auditor's log): the ``anqi_permission_labels`` and
``anqi_audit_labels`` hooks answer with these."""
from flask_babel import lazy_gettext as _l

PERMISSIONS = {
    "ip_protection.answer": _l("Answer consultations and publish to the FAQ"),
    "ip_protection.brand": _l("Keep regional brands, members and alerts"),
    "ip_protection.case": _l("Report infringements"),
    "ip_protection.check": _l("Record IP health checks"),
    "ip_protection.consult": _l("Register consultations and follow-ups"),
    "ip_protection.designate": _l("Designate the unit's IP officers"),
    "ip_protection.handle": _l("Keep case status and evidence"),
    "ip_protection.outreach": _l("Record talks and trainings"),
    "ip_protection.read": _l("See IP protection records"),
}

# Audit action codes and the record types (table names) the plugin's entries name.
AUDIT = {
    "ip_protection.alert_case": _l("Case opened from a brand alert"),
    "ip_protection.answer": _l("IP consultation answered"),
    "ip_protection.brand": _l("Regional brand saved"),
    "ip_protection.brand_alert": _l("Brand alert recorded"),
    "ip_protection.brand_member": _l("Brand member added"),
    "ip_protection.brand_member_removed": _l("Brand member removed"),
    "ip_protection.brand_plan": _l("Brand protection plan saved"),
    "ip_protection.case": _l("Infringement reported"),
    "ip_protection.case_status": _l("Case status changed"),
    "ip_protection.check": _l("IP health check recorded"),
    "ip_protection.close": _l("IP consultation closed"),
    "ip_protection.consult": _l("IP consultation registered"),
    "ip_protection.designate": _l("IP officer designated"),
    "ip_protection.evidence": _l("Evidence added"),
    "ip_protection.evidence_read": _l("Evidence opened"),
    "ip_protection.file_read": _l("Consultation file opened"),
    "ip_protection.outreach": _l("Talk or training recorded"),
    "ip_protection.publish": _l("Answer published to the FAQ"),
    "ip_protection.reassign": _l("Consultation reassigned"),
    "ip_protection.withdraw_faq": _l("FAQ entry withdrawn"),
    "ip_protection.withdraw_officer": _l("IP officer withdrawn"),
    "ip_protection_brand": _l("Regional brand"),
    "ip_protection_brand_alert": _l("Brand alert"),
    "ip_protection_brand_member": _l("Brand member"),
    "ip_protection_case": _l("Infringement case"),
    "ip_protection_case_event": _l("Case event"),
    "ip_protection_check": _l("IP health check"),
    "ip_protection_check_area": _l("Health-check area"),
    "ip_protection_consultation": _l("IP consultation"),
    "ip_protection_evidence": _l("Evidence"),
    "ip_protection_faq": _l("FAQ entry"),
    "ip_protection_message": _l("Consultation message"),
    "ip_protection_message_file": _l("Consultation file"),
    "ip_protection_officer": _l("IP officer"),
    "ip_protection_outreach": _l("Talk or training"),
    "ip_protection_outreach_enterprise": _l("Enterprise at a talk"),
    "ip_protection_outreach_officer": _l("Officer at a talk"),
}

"""What this plugin's permissions and audit codes are called on core's pages (the
permission matrix, the auditor's log): the ``anqi_permission_labels`` and
``anqi_audit_labels`` hooks answer with these."""
from flask_babel import lazy_gettext as _l

PERMISSIONS = {
    "exit_entry.handle": _l("Handle applications, slots, bookings, on-site visits and frozen cases"),
    "exit_entry.manage": _l("Keep the unit's settings and yearly targets"),
    "exit_entry.read": _l("See the exit-entry service's records"),
    "exit_entry.talent": _l("Keep talents, permits, events and pairings"),
}

# Audit action codes and the record types (table names) the plugin's entries name.
AUDIT = {
    "exit_entry.apply": _l("Exit-entry application recorded"),
    "exit_entry.book": _l("Exit-entry appointment booked"),
    "exit_entry.cancel": _l("Exit-entry appointment cancelled"),
    "exit_entry.event": _l("Talent event recorded"),
    "exit_entry.export": _l("Exit-entry records exported"),
    "exit_entry.frozen_close": _l("Frozen-account case closed"),
    "exit_entry.frozen_open": _l("Frozen-account case opened"),
    "exit_entry.frozen_step": _l("Frozen-account case step recorded"),
    "exit_entry.onsite": _l("On-site service requested"),
    "exit_entry.onsite_done": _l("On-site service done"),
    "exit_entry.onsite_schedule": _l("On-site service scheduled"),
    "exit_entry.pairing": _l("Talent pairing recorded"),
    "exit_entry.permit": _l("Permit recorded"),
    "exit_entry.permit_decision": _l("Permit decided"),
    "exit_entry.settings": _l("Exit-entry settings changed"),
    "exit_entry.slots": _l("Appointment slots opened"),
    "exit_entry.step": _l("Application step recorded"),
    "exit_entry.talent": _l("Talent recorded"),
    "exit_entry.targets": _l("Yearly targets set"),
    "exit_entry.window": _l("Service window added"),
    "exit_entry_applicant": _l("Applicant"),
    "exit_entry_application": _l("Exit-entry application"),
    "exit_entry_appointment": _l("Exit-entry appointment"),
    "exit_entry_event": _l("Talent event"),
    "exit_entry_frozen_case": _l("Frozen-account case"),
    "exit_entry_frozen_step": _l("Frozen-account case step"),
    "exit_entry_onsite": _l("On-site service"),
    "exit_entry_pairing": _l("Talent pairing"),
    "exit_entry_permit": _l("Permit"),
    "exit_entry_setting": _l("Exit-entry settings"),
    "exit_entry_slot": _l("Appointment slot"),
    "exit_entry_talent": _l("Talent"),
    "exit_entry_target": _l("Yearly target"),
    "exit_entry_window": _l("Service window"),
}

"""What this plugin's permissions and audit codes are called on core's pages (the
permission matrix, the auditor's log): the ``anqi_permission_labels`` and
``anqi_audit_labels`` hooks answer with these."""
from flask_babel import lazy_gettext as _l

PERMISSIONS = {
    "inspection.catalogue": _l("Keep the catalogue, exemptions and settings"),
    "inspection.decide": _l("Override caps and decide credit repairs"),
    "inspection.inspect": _l("Record visits, re-checks and credit-repair applications"),
    "inspection.plan": _l("Keep plans and targets, draw and publish"),
    "inspection.read": _l("See inspections"),
}

# Audit action codes and the record types (table names) the plugin's entries name.
AUDIT = {
    "inspection.cap_override": _l("Inspection cap overridden"),
    "inspection.catalogue_load": _l("Inspection catalogue loaded"),
    "inspection.conflict": _l("Conflict of interest declared"),
    "inspection.credit_decide": _l("Credit repair decided"),
    "inspection.credit_repair": _l("Credit repair applied for"),
    "inspection.draw": _l("Enterprises drawn"),
    "inspection.exempt": _l("Exemption changed"),
    "inspection.form_save": _l("Inspection form saved"),
    "inspection.item_save": _l("Catalogue item saved"),
    "inspection.plan_create": _l("Inspection plan created"),
    "inspection.plan_save": _l("Inspection plan saved"),
    "inspection.publish": _l("Inspection results published"),
    "inspection.recheck": _l("Re-check recorded"),
    "inspection.settings": _l("Inspection settings changed"),
    "inspection.target_add": _l("Inspection target added"),
    "inspection.target_remove": _l("Inspection target removed"),
    "inspection.verify_draw": _l("Draw verified"),
    "inspection.visit": _l("Inspection visit recorded"),
    "inspection_catalogue": _l("Inspection catalogue"),
    "inspection_conflict": _l("Conflict of interest"),
    "inspection_credit_repair": _l("Credit repair"),
    "inspection_exemption": _l("Exemption"),
    "inspection_finding": _l("Finding"),
    "inspection_form": _l("Inspection form"),
    "inspection_form_item": _l("Inspection form item"),
    "inspection_item": _l("Catalogue item"),
    "inspection_photo": _l("Inspection photo"),
    "inspection_plan": _l("Inspection plan"),
    "inspection_plan_unit": _l("Plan unit"),
    "inspection_rectification": _l("Rectification"),
    "inspection_setting": _l("Inspection settings"),
    "inspection_visit": _l("Inspection visit"),
    "inspection_visit_inspector": _l("Inspector"),
}

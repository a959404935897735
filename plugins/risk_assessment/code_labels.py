"""What this plugin's permissions and audit codes are called on core's pages (the
permission matrix, the auditor's log): the ``anqi_permission_labels`` and
``anqi_audit_labels`` hooks answer with these."""
from flask_babel import lazy_gettext as _l

PERMISSIONS = {
    "risk_assessment.assess": _l("Assess, record risks, letters and responses, close risks"),
    "risk_assessment.configure": _l("Keep the unit's level matrix"),
    "risk_assessment.read": _l("See risk assessments"),
    "risk_assessment.report": _l("Make the quarterly report"),
}

# Audit action codes and the record types (table names) the plugin's entries name.
AUDIT = {
    "risk_assessment.assessment": _l("Risk assessment recorded"),
    "risk_assessment.class_warning": _l("Warning list drawn for a class of enterprises"),
    "risk_assessment.close": _l("Risk closed"),
    "risk_assessment.letter": _l("Letter issued"),
    "risk_assessment.matrix": _l("Level matrix changed"),
    "risk_assessment.report": _l("Quarterly report asked for"),
    "risk_assessment.report_built": _l("Quarterly report made"),
    "risk_assessment.response": _l("Enterprise's response recorded"),
    "risk_assessment.risk": _l("Risk recorded"),
    "risk_assessment_assessment": _l("Risk assessment"),
    "risk_assessment_letter": _l("Letter"),
    "risk_assessment_letter_risk": _l("Risk in a letter"),
    "risk_assessment_matrix": _l("Level matrix"),
    "risk_assessment_report": _l("Quarterly report"),
    "risk_assessment_response": _l("Enterprise's response"),
    "risk_assessment_risk_item": _l("Risk"),
    "risk_assessment_source": _l("Risk source"),
}

"""The risk-assessment records the host's security suite opens as another station (``anqi_security_samples``)."""
from plugins.risk_assessment import assessments, letters, reports


def make(context) -> dict:
    """An assessment with one risk, a reminder letter drafted from it, and the
    report of the third quarter."""
    made = assessments.create(context.desk, context.enterprise_id, "风险评估")
    risk = assessments.add_risk(context.desk, made.id, assessments.RiskInput(
        area="risk_management", category="fundraising", title="高息集资", likelihood=4, impact=4))
    letter = letters.draft(context.desk, made.id, "notice", [risk.id])
    report = reports.request(context.desk, 2026, 3, "建议加强监测。")
    return {"assessment_id": made.id, "risk_item_id": risk.id, "letter_id": letter.id, "report_id": report.id}

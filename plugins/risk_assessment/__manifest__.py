{
    "name": "risk_assessment",
    "title": {"zh": "两书一单", "en": "Two letters and one list"},
    "version": "0.1.0",
    "summary": {
        "zh": "风险评估与“两书一单”：提示书、意见建议书、风险预警单，按季度向党委政府报告风险。",
        "en": "Risk assessments and the two letters and one list, with a quarterly risk report to the government.",
    },
    "depends": [],
    "license": "Proprietary",
}

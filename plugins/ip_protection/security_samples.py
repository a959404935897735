"""The IP-protection records the host's security suite opens as another station (``anqi_security_samples``)."""
from datetime import date

from plugins.ip_protection import brands, cases, checks, consultations, outreach


def make(context) -> dict:
    """A consultation with a file and a published answer, a health check, a case
    with evidence (and its ticket), a regional brand with a member and an alert
    linked to the case, and a talk."""
    desk, officer, enterprise_id = context.desk, context.officer, context.enterprise_id
    consultation = consultations.register(desk, enterprise_id, consultations.Question(
        question="商标被仿冒怎么办？", topic="trademark", files=context.image("截图.png")))
    answer = consultations.answer(officer, consultation.id, "可报案。", publishable=True)
    check = checks.record(officer, enterprise_id, checks.CheckInput(
        checked_on=date(2026, 11, 19), scores={area: 50 for area in checks.AREAS}))
    case = cases.report(desk, enterprise_id, cases.Report(
        kind="trademark", rights="第1号商标", infringer="某店", description="销售假冒商品。",
        evidence=context.image("证据.png")))
    brand = brands.load_plan(desk)[0]
    member = brands.add_member(desk, brand.id, enterprise_id)
    alert = brands.raise_alert(desk, brand.id, "假冒集体商标")
    brands.link_case(desk, alert.id, case.id)
    talk = outreach.record(officer, outreach.OutreachInput(
        kind="talk", held_on=date(2026, 11, 19), topic="商业秘密保护", attendance="10", enterprise_ids=[enterprise_id]))
    consultation = consultations.get(desk, consultation.id)
    return {"consultation_id": consultation.id, "message_id": answer.id,
            "file_id": consultation.messages[0].files[0].id, "check_id": check.id, "ip_case_id": case.id,
            "evidence_id": case.evidence[0].id, "brand_id": brand.id, "member_id": member.id, "alert_id": alert.id,
            "outreach_id": talk.id}

"""The plugin's official documents, made as drafts through core's document
service (numbered, signed off and issued there): the health-check report
(知识产权保护体检报告) to the enterprise and the reply letter to a consultation
(知识产权咨询答复函)."""
from flask_babel import lazy_gettext as _l

from core.documents import services as documents
from core.errors import ValidationError
from core.org.services import self_reference
from core.plugins.toolkit import DocumentType
from plugins.ip_protection import access, charts, checks, consultations

CHECK_REPORT, REPLY = "ip_protection.check_report", "ip_protection.reply"
TYPES = [DocumentType(CHECK_REPORT, _l("IP health-check report (知识产权保护体检报告)")),
         DocumentType(REPLY, _l("Reply to an IP consultation (知识产权咨询答复函)"))]
PATENT_WORDS = {"granted": "有效", "pending": "申请中", "lapsed": "失效"}


def _day(value) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


def titled_name(name: str) -> str:
    """An enterprise's name inside a title, shortened only past any real name's
    length so that the title stays within the 200 characters core allows."""
    return name if len(name) <= 100 else name[:99] + "…"


def _draft(actor, doc_type, title, enterprise, body, related_type, related_id):
    # The link to the enterprise is kept when the registry shows it to the author
    # (an IP brigade reaches enterprises through its records only).
    return documents.create(actor, documents.Draft(
        doc_type=doc_type, title=title, addressees=[enterprise.name], body=body,
        enterprise_id=enterprise.id if access.in_registry(actor, enterprise.id) else None,
        related_type=related_type, related_id=related_id))


def score_rows(check) -> list[list[str]]:
    rows = [[str(n), checks.AREA_WORDS[a.area], str(a.score), a.note or "—"] for n, a in enumerate(check.areas, 1)]
    rows.append(["", "综合得分（七项平均）", str(check.overall), ""])
    return rows


def check_report(actor, check_id):
    check = checks.get(actor, check_id)
    enterprise = check.enterprise
    classes = "、".join(f"第{c}类" for c in check.trademark_classes) or "无"
    patents = "，".join(f"{PATENT_WORDS[s]}{n}件" for s, n in (check.patents or {}).items() if n) or "无"
    issuer = self_reference(actor.user.unit)
    body = [("p", f"{_day(check.checked_on)}，{issuer}知产警官对你单位开展了知识产权保护体检，"
                  "从注册商标、专利、商业秘密、网络侵权监测、假冒风险、保密条款合同和员工培训七个方面进行了检查评分"
                  "（每项满分100分，综合得分为七项得分的平均数）。现将体检结果告知如下。"),
            ("h1", "基本情况"),
            ("p", f"你单位现有注册商标{check.trademark_count}件，核定使用类别：{classes}；专利：{patents}。"),
            ("h1", "体检得分")]
    body += score_blocks(actor, check)
    if check.findings:
        body += [("h1", "发现的问题"), *(("p", line) for line in check.findings.splitlines() if line.strip())]
    if check.recommendations:
        body += [("h1", "整改建议"), *(("p", line) for line in check.recommendations.splitlines() if line.strip())]
    if check.follow_up_on:
        body += [("h1", "跟进安排"), ("p", f"{issuer}将于{_day(check.follow_up_on)}前后回访，了解整改落实情况。")]
    body.append(("p", "如在知识产权保护方面遇到问题，可通过“知产警官在线”随时咨询。"))
    title = f"关于{titled_name(enterprise.name)}知识产权保护体检情况的报告"
    return _draft(actor, CHECK_REPORT, title, enterprise, body, "ip_protection_check", check.id)


def score_blocks(actor, check) -> list[tuple]:
    """The scores as a table; with earlier checks, the trend of the overall score as a figure."""
    blocks = [("table", {"columns": ["序号", "体检项目", "得分", "情况说明"], "rows": score_rows(check)})]
    earlier = [c for c in checks.history(actor, check.enterprise_id)
               if (c.checked_on, c.id) <= (check.checked_on, check.id)]
    if len(earlier) > 1:
        points = [(f"{c.checked_on.year}.{c.checked_on.month}.{c.checked_on.day}", c.overall) for c in earlier[-8:]]
        blocks.append(("figure", {"svg": charts.trend_svg(points), "caption": "图1 历次体检综合得分"}))
    return blocks


def reply(actor, consultation_id):
    consultation = consultations.get(actor, consultation_id)
    answers = [m for m in consultation.messages if m.side == "officer"]
    if not answers:
        raise ValidationError(_l("Answer the consultation before writing the reply letter."))
    asked = consultation.question.body if consultation.question else consultation.subject
    body = [("p", f"你单位于{_day(consultation.registered_at)}通过“知产警官在线”咨询的知识产权问题收悉。现答复如下。"),
            ("h1", "咨询事项"), ("p", asked),
            ("h1", "答复意见"), *(("p", line) for m in answers for line in m.body.splitlines() if line.strip()),
            ("p", "如有其他问题，欢迎继续咨询。")]
    title = f"关于{titled_name(consultation.enterprise.name)}知识产权咨询事项的答复函"
    return _draft(actor, REPLY, title, consultation.enterprise, body, "ip_protection_consultation", consultation.id)

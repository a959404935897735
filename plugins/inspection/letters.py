"""The plugin's official documents, made as drafts through core's document
service (numbered, signed off and issued there): 检查通知书 before the visit,
检查结果告知书 after it, 整改通知书 for each rectification order."""
from flask_babel import lazy_gettext as _l

from core.documents import services as documents
from core.errors import ValidationError
from core.org.services import self_reference
from core.plugins.toolkit import DocumentType
from core.tickets.deadlines import local_date
from plugins.inspection import visits

NOTICE, RESULT, RECTIFY = "inspection.notice", "inspection.result", "inspection.rectification"
TYPES = [DocumentType(NOTICE, _l("Inspection notice (检查通知书)")),
         DocumentType(RESULT, _l("Inspection result notice (检查结果告知书)")),
         DocumentType(RECTIFY, _l("Rectification notice (整改通知书)"))]


def _day(value) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


RESULT_WORDS = {"compliant": "符合", "issue": "存在问题", "na": "不适用"}


def titled_name(name: str) -> str:
    """An enterprise's name inside a title, shortened only past any real name's
    length so that the title stays within the 200 characters core allows."""
    return name if len(name) <= 100 else name[:99] + "…"


def _draft(actor, doc_type, title, enterprise, body, related_type, related_id):
    return documents.create(actor, documents.Draft(
        doc_type=doc_type, title=title, addressees=[enterprise.name], body=body, enterprise_id=enterprise.id,
        related_type=related_type, related_id=related_id))


def notice(actor, visit_id):
    visit = visits.get(actor, visit_id)
    plan = visit.plan
    items = "、".join(i.name for i in plan.form.items if i.active)
    issuer = self_reference(actor.user.unit)
    body = [("p", f"根据{plan.title}，{issuer}将于{_day(plan.period_start)}至{_day(plan.period_end)}期间对你单位开展“综合查一次”联合检查，"
                  f"按照《{plan.form.name}》一次检查以下事项：{items}。"),
            ("p", "请你单位届时安排熟悉情况的人员在场配合，并准备相关登记台账和制度材料。")]
    title = f"关于对{titled_name(visit.enterprise.name)}开展“综合查一次”联合检查的通知书"
    return _draft(actor, NOTICE, title, visit.enterprise, body, "inspection_visit", visit.id)


def result(actor, visit_id):
    visit = visits.get(actor, visit_id)
    if visit.status != "done":
        raise ValidationError(_l("Record the visit before writing its result notice."))
    issuer = self_reference(actor.user.unit)
    body = [("p", f"{_day(local_date(visit.visited_at))}，{issuer}依据{visit.plan.title}对你单位进行了综合检查，结果告知如下。")]
    for finding in visit.findings:
        text = f"{finding.item.name}：{RESULT_WORDS[finding.result]}"
        body.append(("p", text + (f"。{finding.description}" if finding.description else "。")))
    if visit.outcome == "issues":
        body.append(("p", f"对存在的问题，{issuer}将另行送达整改通知书，请按期整改。"))
    title = f"关于{titled_name(visit.enterprise.name)}“综合查一次”联合检查结果的告知书"
    return _draft(actor, RESULT, title, visit.enterprise, body, "inspection_visit", visit.id)


def rectification(actor, rectification_id):
    order = visits.get_rectification(actor, rectification_id)
    finding = order.finding
    due = local_date(order.due_at)
    body = [("p", f"经检查，你单位存在以下问题：{finding.item.name}。{finding.description}"),
            ("p", f"依据{finding.item.legal_basis or '有关规定'}，请于{_day(due)}前整改完毕，"
                  f"整改完成后{self_reference(actor.user.unit)}将进行复查。")]
    enterprise = finding.visit.enterprise
    title = f"关于责令{titled_name(enterprise.name)}限期整改{_matter(finding.item.name)}问题的通知书"
    return _draft(actor, RECTIFY, title, enterprise, body, "inspection_rectification", order.id)


def _matter(item_name: str) -> str:
    """The inspection item as the matter of a title: a long item name is left to the body."""
    return item_name if len(item_name) <= 20 else "检查发现"


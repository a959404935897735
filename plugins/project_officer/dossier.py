"""一套档案: the project's whole file as one document of core's document
service — project sheet, team and handovers, the current plan, visits,
meetings, risks with their outcomes and the linked tickets — made as a draft
(``project_officer.dossier``, 文件格式, numbered in a series of its own so
that an archived file takes no number of the unit's outgoing documents). The
latest one is kept on the project and downloaded as its PDF; a leader may
sign it off and issue it like any document."""
from flask_babel import lazy_gettext as _l

from core.audit import services as audit
from core.documents import services as documents
from core.errors import NotFound
from core.extensions import db
from core.plugins.toolkit import DocumentType
from core.privacy.masking import mask
from core.tickets import services as tickets
from core.tickets.deadlines import local_date
from plugins.project_officer import meetings, plan_versions, projects, risks, visits
from plugins.project_officer.models import Project

DOSSIER = "project_officer.dossier"
TYPE = DocumentType(DOSSIER, _l("Project file (项目“五个一”档案)"), layout="file", family=DOSSIER)

STAGE_WORDS = {"planning": "前期筹备", "construction": "在建", "completed": "已竣工"}
POST_WORDS = {"officer": "责任民警", "leader": "责任领导", "team": "工作班子成员"}
MEETING_WORDS = {"joint": "联席座谈", "consultation": "意见征求"}
SECTION_WORDS = {"risks": "风险研判", "measures": "服务保障措施", "contacts": "联络机制", "emergency": "应急处置"}
TICKET_STATUS_WORDS = {"registered": "已受理", "dispatched": "已转办", "handling": "办理中", "answered": "已反馈",
                       "closed": "已办结", "rated": "已评价", "returned": "已退单", "transferred": "已转交"}


def day(value) -> str:
    return f"{value.year}年{value.month}月{value.day}日" if value else "—"


def _paragraphs(value: str) -> list:
    return [("p", line) for line in (value or "").splitlines() if line.strip()]


def _sheet(project: Project) -> list:
    enterprise = project.enterprise
    investment = f"{project.investment:f}".rstrip("0").rstrip(".") + "万元" if project.investment is not None else "—"
    rows = [("项目名称", project.name), ("建设单位", f"{enterprise.name}（统一社会信用代码{enterprise.credit_code}）"),
            ("项目地点", project.location or "—"), ("总投资", investment),
            ("项目阶段", STAGE_WORDS[project.stage]), ("开工日期", day(project.starts_on)),
            ("计划竣工日期", day(project.ends_on)), ("走访周期", f"每{project.visit_interval_months}个月至少走访一次"),
            ("责任民警", project.officer.name), ("责任领导", project.leader.name), ("建档单位", project.unit.name)]
    return [("h1", "项目基本情况")] + [("p", f"{label}：{value}") for label, value in rows]


def _team(project: Project) -> list:
    body = [("h1", "工作班子与人员交接"), ("h2", "警务工作班子"),
            ("p", f"责任民警：{project.officer.name}；责任领导：{project.leader.name}。")]
    police = [m for m in project.members if m.kind == "police"]
    contacts = [m for m in project.members if m.kind == "contact"]
    for m in police:
        left = f"，{day(m.left_on)}离开" if m.left_on else ""
        body.append(("p", f"{m.display_name}（{m.user.unit.name}）{m.title or '成员'}，{day(m.added_on)}加入{left}。"))
    body.append(("h2", "企业联络人"))
    for m in contacts:
        phone = f"，电话{mask('phone', m.phone)}" if m.phone else ""
        left = f"，{day(m.left_on)}起不再担任" if m.left_on else ""
        body.append(("p", f"{m.name}，{m.title or '联络人'}{phone}{left}。"))
    if not contacts:
        body.append(("p", "暂未登记企业联络人。"))
    body.append(("h2", "人员交接记录"))
    for h in project.handovers:
        before = h.from_user.name if h.from_user else "—"
        notes = f"交接事项：{h.notes}" if h.notes else ""
        body.append(("p", f"{day(h.handed_on)}，{POST_WORDS[h.post]}由{before}交接给{h.to_user.name}。{notes}"))
    if not project.handovers:
        body.append(("p", "建档以来人员未发生变动。"))
    return body


def _plan(project: Project) -> list:
    body = [("h1", "服务保障方案")]
    current = plan_versions.current(project.id)
    if current is None:
        return body + [("p", "服务保障方案尚未经责任领导审批。")]
    body.append(("p", f"现行方案为第{current.number}版，{day(local_date(current.approved_at))}"
                      f"经{current.approved_by.name}审批。"))
    for code, word in SECTION_WORDS.items():
        body.append(("h2", word))
        body.extend(_paragraphs(current.sections.get(code, "")) or [("p", "无。")])
    return body


def _visits(project: Project) -> list:
    rows = visits.of_project(project.id)
    body = [("h1", "走访记录"), ("p", f"共走访{len(rows)}次。")]
    for n, v in enumerate(rows, 1):
        parts = [f"{n}. {day(v.visited_on)}，走访人：{v.visitors}。"]
        if v.raised:
            parts.append(f"反映问题：{v.raised}。")
        if v.actions:
            parts.append(f"采取措施：{v.actions}。")
        if v.follow_up:
            parts.append(f"后续跟进：{v.follow_up}。")
        body.append(("p", "".join(parts)))
    return body


def _meetings(project: Project) -> list:
    rows = meetings.of_project(project.id)
    body = [("h1", "联席座谈与意见征求"), ("p", f"共召开{len(rows)}次。")]
    for n, m in enumerate(rows, 1):
        text = f"{n}. {day(m.held_on)}，{MEETING_WORDS[m.kind]}，参加人员：{m.participants}。"
        if m.topics:
            text += f"议题：{m.topics}。"
        if m.outcome:
            text += f"结果：{m.outcome}。"
        body.append(("p", text))
    return body


def _risks(project: Project) -> list:
    rows = risks.of_project(project.id)
    unresolved = sum(1 for r in rows if r.status == "open")
    body = [("h1", "矛盾纠纷与风险隐患"), ("p", f"共排查{len(rows)}项，已化解{len(rows) - unresolved}项，尚在稳控{unresolved}项。")]
    for r in rows:
        leader = r.responsible_leader.name if r.responsible_leader else "—"
        body.append(("h2", f"{risks.TYPE_WORDS[r.risk_type]}：{r.title}"))
        body.append(("p", f"{day(r.found_on)}发现，风险等级{risks.LEVEL_WORDS[r.level]}，责任单位{r.responsible_unit.name}，"
                          f"责任领导{leader}。{r.description}"))
        if r.actions:
            body.append(("p", "工作措施：" + "；".join(f"{day(a.acted_on)}{'跟进' if a.kind == 'follow_up' else ''}{a.text}"
                                                   for a in r.actions) + "。"))
        body.append(("p", f"处置结果：{day(r.resolved_on)}化解。{r.outcome}" if r.status == "resolved" else "处置结果：尚在稳控化解中。"))
    return body


def _tickets(actor, project: Project) -> list:
    body = [("h1", "关联工单")]
    linked = [r for r in risks.of_project(project.id) if r.ticket_id]
    for r in linked:
        try:
            ticket = tickets.get(actor, r.ticket_id)
            body.append(("p", f"工单{ticket.number}（{TICKET_STATUS_WORDS.get(ticket.status, ticket.status)}）：由“{r.title}”立案，"
                              f"专案专办。"))
        except NotFound:
            body.append(("p", f"“{r.title}”已移送工单办理（工单在本单位权限之外）。"))
    if not linked:
        body.append(("p", "无。"))
    return body


def body_of(actor, project: Project) -> list:
    return (_sheet(project) + _team(project) + _plan(project) + _visits(project) + _meetings(project)
            + _risks(project) + _tickets(actor, project))


def make(actor, project_id):
    """A new draft of the project's file, kept as the project's latest."""
    project = projects.get(actor, project_id)
    actor.require("document.draft")
    document = documents.create(actor, documents.Draft(
        doc_type=DOSSIER, title=f"{project.name}“五个一”工作档案", addressees=[project.unit.name],
        body=body_of(actor, project), enterprise_id=project.enterprise_id,
        related_type="project_officer_project", related_id=project.id))
    project = db.session.get(Project, project.id)
    project.dossier_document_id = document.id
    audit.record(actor, "project_officer.dossier", project, detail={"document_id": document.id})
    db.session.commit()
    return document


def pdf(actor, project_id) -> bytes:
    """The latest file's PDF (the stored one once issued)."""
    project = projects.get(actor, project_id)
    if project.dossier_document_id is None:
        raise NotFound(_l("This project's file has not been made yet."))
    return documents.preview(actor, project.dossier_document_id)

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


def _table(columns: list, rows: list, empty: str = "无。") -> list:
    """A table block, or a sentence when there is nothing to list."""
    if not rows:
        return [("p", empty)]
    return [("table", {"columns": columns, "rows": [[str(n), *row] for n, row in enumerate(rows, 1)]})]


def _sheet(project: Project) -> list:
    enterprise = project.enterprise
    investment = (f"{project.investment:f}".rstrip("0").rstrip(".") + "万元") if project.investment is not None else "—"
    rows = [("项目名称", project.name), ("建设单位", enterprise.name), ("统一社会信用代码", enterprise.credit_code),
            ("项目地点", project.location or "—"), ("总投资", investment),
            ("项目阶段", STAGE_WORDS[project.stage]), ("开工日期", day(project.starts_on)),
            ("计划竣工日期", day(project.ends_on)), ("走访周期", f"每{project.visit_interval_months}个月至少走访一次"),
            ("责任民警", project.officer.name), ("责任领导", project.leader.name), ("建档单位", project.unit.name)]
    return [("h1", "项目基本情况"), ("table", {"columns": ["项目", "内容"], "rows": [list(r) for r in rows]})]


def _team(project: Project) -> list:
    police = [m for m in project.members if m.kind == "police"]
    contacts = [m for m in project.members if m.kind == "contact"]
    body = [("h1", "工作班子与人员交接"), ("h2", "警务工作班子"),
            ("p", f"责任民警{project.officer.name}，责任领导{project.leader.name}。")]
    body += _table(["序号", "姓名", "单位", "职责", "加入日期", "离开日期"],
                   [[m.display_name, m.user.unit.name, m.title or "成员", day(m.added_on),
                     day(m.left_on) if m.left_on else "在岗"] for m in police], "暂未配备其他班子成员。")
    body.append(("h2", "企业联络人"))
    body += _table(["序号", "姓名", "职务", "联系电话", "状态"],
                   [[m.name, m.title or "联络人", mask("phone", m.phone) if m.phone else "—",
                     f"{day(m.left_on)}起不再担任" if m.left_on else "在任"] for m in contacts], "暂未登记企业联络人。")
    body.append(("h2", "人员交接记录"))
    body += _table(["序号", "日期", "岗位", "交出人", "接手人", "交接事项"],
                   [[day(h.handed_on), POST_WORDS[h.post], h.from_user.name if h.from_user else "—", h.to_user.name,
                     h.notes or "—"] for h in project.handovers], "建档以来人员未发生变动。")
    return body


def _plan(project: Project) -> list:
    body = [("h1", "服务保障方案")]
    current = plan_versions.current(project.id)
    if current is None:
        return body + [("p", "服务保障方案尚未经责任领导审批。")]
    body.append(("p", f"现行方案为第{current.number}版，{day(local_date(current.approved_at))}经{current.approved_by.name}审批。"))
    for code, word in SECTION_WORDS.items():
        body.append(("h2", word))
        body.extend(_paragraphs(current.sections.get(code, "")) or [("p", "无。")])
    return body


def _visits(project: Project) -> list:
    rows = visits.of_project(project.id)
    body = [("h1", "走访记录"), ("p", f"建档以来共走访{len(rows)}次。")]
    return body + _table(["序号", "日期", "走访人", "反映问题", "采取措施", "后续跟进"],
                         [[day(v.visited_on), v.visitors, v.raised or "—", v.actions or "—", v.follow_up or "—"]
                          for v in rows], "尚无走访记录。")


def _meetings(project: Project) -> list:
    rows = meetings.of_project(project.id)
    body = [("h1", "联席座谈与意见征求"), ("p", f"共召开{len(rows)}次。")]
    return body + _table(["序号", "日期", "形式", "参加人员", "议题", "结果"],
                         [[day(m.held_on), MEETING_WORDS[m.kind], m.participants, m.topics or "—", m.outcome or "—"]
                          for m in rows], "尚无座谈记录。")


def _risks(project: Project) -> list:
    rows = risks.of_project(project.id)
    unresolved = sum(1 for r in rows if r.status == "open")
    body = [("h1", "矛盾纠纷与风险隐患"),
            ("p", f"共排查{len(rows)}项，已化解{len(rows) - unresolved}项，尚在稳控{unresolved}项。"),
            ("h2", "风险隐患清单")]
    body += _table(["序号", "发现日期", "类型", "事项", "等级", "责任单位", "责任领导", "状态"],
                   [[day(r.found_on), risks.TYPE_WORDS[r.risk_type], r.title, risks.LEVEL_WORDS[r.level],
                     r.responsible_unit.name, r.responsible_leader.name if r.responsible_leader else "—",
                     "已化解" if r.status == "resolved" else "稳控中"] for r in rows], "尚未排查出矛盾纠纷和风险隐患。")
    if rows:
        body.append(("h2", "处置措施与结果"))
        for n, r in enumerate(rows, 1):
            measures = "；".join(f"{day(a.acted_on)}{'跟进：' if a.kind == 'follow_up' else ''}{a.text}"
                                for a in r.actions) or "尚未采取措施"
            outcome = f"{day(r.resolved_on)}化解，{r.outcome}" if r.status == "resolved" else "尚在稳控化解中"
            body.append(("p", f"{n}. {r.title}。{r.description}工作措施：{measures}。处置结果：{outcome}。"))
    return body


def _tickets(actor, project: Project) -> list:
    linked = [r for r in risks.of_project(project.id) if r.ticket_id]
    rows = []
    for r in linked:
        try:
            ticket = tickets.get(actor, r.ticket_id)
            rows.append([ticket.number, TICKET_STATUS_WORDS.get(ticket.status, ticket.status), r.title])
        except NotFound:
            rows.append(["—", "本单位权限之外", r.title])
    return [("h1", "关联工单")] + _table(["序号", "工单编号", "办理状态", "关联事项"], rows, "无。")


SECTIONS = ("项目基本情况", "工作班子与人员交接", "服务保障方案", "走访记录", "联席座谈与意见征求", "矛盾纠纷与风险隐患", "关联工单")


def body_of(actor, project: Project) -> list:
    return ([("contents", "")] + _sheet(project) + _team(project) + _plan(project) + _visits(project)
            + _meetings(project) + _risks(project) + _tickets(actor, project))


def make(actor, project_id):
    """A new draft of the project's file, kept as the project's latest."""
    project = projects.get(actor, project_id)
    actor.require("document.draft")
    # An archive's title is its matter and kind, 《…“五个一”工作档案》, not a 关于…的 sentence;
    # a project's name shortened only past any real one's length (core allows 200 characters).
    name = project.name if len(project.name) <= 100 else project.name[:99] + "…"
    document = documents.create(actor, documents.Draft(
        doc_type=DOSSIER, title=f"{name}“五个一”工作档案", addressees=[project.unit.name],
        body=body_of(actor, project), enterprise_id=project.enterprise_id,
        related_type="project_officer_project", related_id=project.id))
    project = db.session.get(Project, project.id)
    project.dossier_document_id = document.id
    audit.record(actor, "project_officer.dossier", project, detail={"document_id": document.id})
    db.session.commit()
    return document


def pdf(actor, project_id) -> bytes:
    """The latest file's PDF (the stored one once issued), rendered here whatever its size."""
    return documents.preview(actor, _document_id(actor, project_id))


def prepare(actor, project_id):
    """For a web request: the latest file's document id and its preview as core's
    previews give it — ready, or (a long file) being prepared by the workers."""
    from core.documents import previews

    document_id = _document_id(actor, project_id)
    return document_id, previews.prepare(actor, document_id, in_request=True)


def _document_id(actor, project_id) -> int:
    project = projects.get(actor, project_id)
    if project.dossier_document_id is None:
        raise NotFound(_l("This project's file has not been made yet."))
    return project.dossier_document_id

"""The monthly summary for the leader (项目警官工作月报): a letter of core's
document service over the projects of the actor's unit — visits made against
the schedule, projects overdue, risks found, resolved and still open (high
ones named), and tickets registered from them."""
import calendar
from collections import Counter
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.documents import services as documents
from core.errors import ValidationError
from core.extensions import db
from core.plugins.toolkit import DocumentType
from plugins.project_officer import analysis, charts, projects, rules, visits
from plugins.project_officer.checks import refuse, today
from plugins.project_officer.dossier import STAGE_WORDS, day
from plugins.project_officer.models import Project, ProjectRisk, ProjectVisit
from plugins.project_officer.risks import LEVEL_WORDS, TYPE_WORDS

MONTHLY = "project_officer.monthly"
TYPE = DocumentType(MONTHLY, _l("Monthly project officers' summary (项目警官工作月报)"), layout="letter", family="letter")


def _months_back(year: int, month: int, n: int) -> tuple[int, int]:
    index = year * 12 + month - 1 - n
    return index // 12, index % 12 + 1


def body_of(actor, year: int, month: int) -> list:
    first, last = date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
    visible = projects.visible_ids(actor)
    rows = list(db.session.scalars(select(Project).where(Project.id.in_(visible)).order_by(Project.id)))
    stages = Counter(p.stage for p in rows)
    done = list(db.session.scalars(select(ProjectVisit).where(ProjectVisit.project_id.in_(visible), ProjectVisit.visited_on >= first,
                                                       ProjectVisit.visited_on <= last)))
    visited = {v.project_id for v in done}
    under_way = [p for p in rows if p.stage != "completed"]
    schedules = visits.schedules(under_way)
    late = [p for p in under_way if schedules[p.id].overdue]
    found = list(db.session.scalars(select(ProjectRisk).where(ProjectRisk.project_id.in_(visible), ProjectRisk.found_on >= first,
                                                       ProjectRisk.found_on <= last).order_by(ProjectRisk.id)))
    resolved = list(db.session.scalars(select(ProjectRisk).where(ProjectRisk.project_id.in_(visible), ProjectRisk.resolved_on >= first,
                                                          ProjectRisk.resolved_on <= last)))
    still_open = list(db.session.scalars(select(ProjectRisk).where(ProjectRisk.project_id.in_(visible), ProjectRisk.status == "open")
                                         .order_by(ProjectRisk.found_on)))
    by_level = Counter(r.level for r in found)
    by_type = Counter(r.risk_type for r in found)
    body = [("h1", "总体情况"),
            ("p", f"截至{day(last if last < today() else today())}，共有重点项目{len(rows)}个，其中"
                  + "、".join(f"{STAGE_WORDS[s]}{stages[s]}个" for s in STAGE_WORDS) + "。"),
            ("p", f"本月开展走访{len(done)}次，覆盖项目{len(visited)}个；在建和筹备项目{len(under_way)}个，"
                  f"按期走访{len(under_way) - len(late)}个，逾期未走访{len(late)}个。")]
    if late:
        body.append(("h2", "逾期未走访项目"))
        body.append(("table", {"columns": ["序号", "项目", "应走访日期", "责任民警"],
                               "rows": [[str(n), p.name, day(schedules[p.id].due_on), p.officer.name]
                                        for n, p in enumerate(late, 1)]}))
    body.append(("h1", "矛盾纠纷和风险隐患"))
    body.append(("p", f"本月新排查{len(found)}项（" + "、".join(f"{LEVEL_WORDS[lv]}风险{by_level[lv]}项" for lv in rules.LEVELS)
                 + f"），化解{len(resolved)}项，尚在稳控{len(still_open)}项。"))
    if by_type:
        body.append(("p", "按类型：" + "、".join(f"{TYPE_WORDS[t]}{n}项" for t, n in by_type.most_common()) + "。"))
    recent = analysis.analyse(actor, date(*_months_back(year, month, 5), 1), last).by_month
    body.append(("figure", {"svg": charts.month_bars(recent, ("新排查", "已化解")),
                            "caption": "图1 近六个月矛盾纠纷和风险隐患排查化解情况"}))
    high = [r for r in still_open if r.level == "high"]
    if high:
        body.append(("h2", "尚未化解的高风险事项"))
        body.append(("table", {"columns": ["序号", "项目", "事项", "发现日期", "责任单位"],
                               "rows": [[str(n), r.project.name, r.title, day(r.found_on), r.responsible_unit.name]
                                        for n, r in enumerate(high, 1)]}))
    linked = [r for r in found if r.ticket_id]
    body.append(("h1", "打击处理"))
    body.append(("p", f"本月移送工单专案办理{len(linked)}件。" if linked else "本月未发现需立案打击的涉项目违法犯罪线索。"))
    return body


def make(actor, year: int, month: int):
    """A draft of the month's summary, addressed to the project leader(s) of the actor's unit."""
    actor.require("document.draft")
    errors = {}
    if not (isinstance(year, int) and isinstance(month, int) and 1 <= month <= 12 and 2000 <= year
            and date(year, month, 1) <= today()):
        errors["month"] = [_l("Choose a month that has begun.")]
    refuse(actor, "project_officer.monthly", errors, "project_officer_project")
    leaders = sorted({p.leader.name for p in projects.projects(actor) if p.unit_id == actor.unit_id})
    if not leaders:
        raise ValidationError(_l("Your unit keeps no project files yet."))
    return documents.create(actor, documents.Draft(
        doc_type=MONTHLY, title=f"关于{year}年{month}月重点项目警官工作情况的报告", addressees=[f"{n}同志" for n in leaders],
        body=body_of(actor, year, month)))

"""The demo's meetings: a 警企座谈会 of the 服务企业周 with three enterprises and a demand
registered from it, a 联席会议 with the 工商联 and the chambers of commerce, and one with
the government's departments. Recorded through core.meetings.services as the centre's desk."""
from datetime import timedelta

from sqlalchemy import select

from core import clock
from core.departments.models import OutsideDepartment
from core.extensions import db
from core.meetings import services as meetings
from core.meetings.models import Meeting
from core.org.actor import Actor
from core.org.services import user_by_username
from core.registry.models import Enterprise
from core.tickets import services as tickets


def _local(days_ago: int, hour: int) -> str:
    day = clock.now() + timedelta(hours=8) - timedelta(days=days_ago)
    return f"{day:%Y-%m-%d}T{hour:02d}:30"


def build(progress=print) -> int:
    """Record the demo meetings; returns how many (none when there are some already)."""
    desk = user_by_username("desk")
    if desk is None or db.session.scalar(select(Meeting.id).limit(1)) is not None:
        return 0
    actor = Actor(user=desk, address="127.0.0.1")
    firms = list(db.session.scalars(select(Enterprise).order_by(Enterprise.id).limit(5)))
    if len(firms) < 3:
        return 0
    police = [str(u.id) for u in meetings.officers(actor)[:2]]
    departments = [str(d.id) for d in db.session.scalars(select(OutsideDepartment).order_by(OutsideDepartment.id)
                                                         .limit(2))]
    unit = str(desk.unit_id)
    symposium = meetings.save(actor, meetings.MeetingInput(
        kind="symposium", title="服务企业周警企座谈会", starts_at=_local(20, 9), place="护企优商服务中心三楼会议室",
        unit_id=unit, officer_ids=police, organisations="诸暨市工商联",
        minutes="围绕“回应企业呼声，践行六项承诺，打造护企安商新环境”主题，听取企业意见建议。"
                "企业反映厂区周边夜间治安、外籍员工居留证件办理等问题，现场答复两条，其余登记为诉求工单跟进。"))
    for firm in firms[:3]:
        meetings.add_enterprise(actor, symposium.id, firm.id)
    category = "dispute" if "dispute" in tickets.categories(actor) else next(iter(tickets.categories(actor)))
    meetings.raise_demand(actor, symposium.id, meetings.DemandInput(
        enterprise_id=str(firms[0].id), category=category, ticket_class="general", handling_mode="follow",
        description="座谈会上企业反映：厂区周边夜间有人偷盗电缆，请求加强巡逻并协调安装监控。",
        contact_name="企业负责人"))
    joint = meetings.save(actor, meetings.MeetingInput(
        kind="federation", title="政企警商联席会议（第二季度）", starts_at=_local(45, 14), place="市工商联会议室",
        unit_id=unit, officer_ids=police[:1], organisations="诸暨市工商联\n诸暨市纺织行业商会\n诸暨市五金机械商会",
        minutes="与工商联、行会、商会及民营企业代表协商共同关注的民营经济领域重大问题、热点问题。"
                "工商联转交先期调研了解的企业问题线索，逐条明确承办单位。"))
    for firm in firms[3:5]:
        meetings.add_enterprise(actor, joint.id, firm.id)
    meetings.save(actor, meetings.MeetingInput(
        kind="departments", title="涉企问题部门联席会议", starts_at=_local(70, 10), place="护企优商服务中心",
        unit_id=unit, officer_ids=police[:1], department_ids=departments,
        minutes="与政府相关职能部门沟通转交办事项的办理进度。"))
    progress("Recorded 3 meetings (座谈, 联席会议) and a demand raised at one of them.")
    return 3

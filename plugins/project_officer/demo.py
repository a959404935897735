"""The demo city's project officers and their 五个一 files: key projects of the
stations' and the centre's areas, each with its responsible officer and
leader, a team of police and enterprise contacts, an approved service plan,
visits at the project's interval, joint meetings, risks with the actions
taken (most resolved) and the project's file drafted from all of it."""
from datetime import date, timedelta

from sqlalchemy import select

from core.extensions import db
from core.org.models import User
from plugins.project_officer import dossier, meetings, plan_versions, projects, risks, team, visits

PROJECTS = [
    ("年产30万吨高端管道阀门智能制造项目", "店口镇工业园区", "86000"),
    ("袜业数字化智能工厂建设项目", "大唐街道袜业小镇", "52000"),
    ("珍珠产业园综合交易中心项目", "山下湖镇珍珠大道", "38000"),
    ("新能源汽车零部件生产基地项目", "陶朱街道经济开发区", "120000"),
    ("城东冷链物流仓储中心项目", "暨阳街道东二路", "45000"),
    ("高性能新材料研发及产业化项目", "浣东街道科创园", "68000"),
    ("电子信息产业园一期项目", "枫桥镇工业功能区", "30000"),
]
PLAN = {
    "risks": "项目征地范围涉及两个行政村，存在征迁补偿诉求；施工高峰期土方运输量大，需防范强揽工程和阻工。",
    "measures": "责任民警每月走访一次，施工关键节点驻点服务；联合属地镇街排查周边矛盾纠纷，依法打击强揽工程、阻挠施工等违法犯罪。",
    "contacts": "建立警企联络群，企业安全负责人为固定联络人，重大情况一小时内报告责任领导。",
    "emergency": "发生聚集阻工等突发情况，派出所十五分钟内到场处置，同步报告治安大队和属地镇街。",
}
VISIT_NOTES = [
    ("项目部反映夜间有外来车辆在工地周边逗留。", "增加夜间巡逻频次，指导企业完善门卫登记。", "下次走访核查门卫登记落实情况。"),
    ("施工方与部分工人就工资结算存在分歧。", "联系人社部门共同约谈施工总包方，督促按时足额支付。", "跟踪工资支付进度。"),
    ("企业希望协助做好开工仪式安保。", "制定安保方案，现场指导交通疏导。", ""),
    ("项目进展顺利，未发现新的风险隐患。", "宣传防范电信网络诈骗知识。", ""),
    ("周边村民反映运输车辆扬尘。", "协调企业加装冲洗设备，调整运输时段。", "一周后回访村民意见。"),
]
RISKS = [
    ("obstruction", "high", "个别村民以补偿未到位为由阻挠施工", "部分村民在施工便道设置障碍，阻挠土方车辆进出。",
     "联合镇街召开协调会，解释补偿政策，对带头阻工人员依法教育训诫。", "补偿款已足额发放，阻工人员书面承诺不再阻挠施工，道路恢复通行。"),
    ("forced_contracting", "medium", "当地人员要求承揽土方运输", "有人多次到项目部要求承揽土方运输业务，言语带有威胁。",
     "约谈相关人员，固定证据，告知企业依法自主选择承包方。", "经约谈警示，相关人员未再滋扰，企业按招标结果施工。"),
    ("wages", "medium", "分包班组工资结算纠纷", "两个分包班组因工程量核算分歧拖欠工人工资约四十万元。",
     "会同人社部门约谈总包和分包负责人，督促制定支付计划。", "工资已全部结清，工人签字确认。"),
    ("site_safety", "low", "工地夜间照明和监控不足", "工地材料堆场夜间照明不足，曾发生钢材被盗。",
     "指导企业加装照明和视频监控，纳入夜间巡逻路线。", "已加装照明和监控六处，未再发生盗窃。"),
]


def build(context) -> None:
    rng = context.random("project_officer")
    n = 0
    for unit in context.units_with("project_officer"):
        enterprises = context.enterprises_under(unit)
        leaders = context.users_of(unit.id, "leader")
        officers = context.users_of(unit.id, "officer")
        if not enterprises or not leaders:
            continue
        if not officers:           # the centre: its projects go to the stations' officers
            officers = sorted(u.username for u in db.session.scalars(
                select(User).where(User.unit_id.in_(context.units_under(unit)))) if "officer" in u.roles)[:3]
        count = 2 if unit.kind == "centre" else 1
        for _ in range(count):
            if n >= len(PROJECTS):
                return
            _project(context, rng, unit, PROJECTS[n], rng.choice(enterprises), leaders[0], rng.choice(officers))
            n += 1


def _project(context, rng, unit, facts, enterprise_id, leader, officer) -> None:
    name, location, investment = facts
    manager = (context.users_of(unit.id, "desk") or [leader])[0]
    created = context.days(rng, 1, last=context.first_day + timedelta(days=60))[0]
    starts = created + timedelta(days=rng.randint(10, 40))
    with context.at(created, 10):
        project = projects.create(context.actor(manager), projects.ProjectInput(
            name=name, enterprise_id=enterprise_id, location=f"诸暨市{location}", investment=investment,
            stage="construction", starts_on=starts, ends_on=date(starts.year + 2, starts.month, 1) - timedelta(days=1),
            officer_id=context.user(officer).id, leader_id=context.user(leader).id, visit_interval_months=1))
        project_id = project.id
        for member in [u for u in context.users_of(context.user(officer).unit_id, "officer") if u != officer][:2]:
            team.add_police(context.actor(manager), project_id, context.user(member).id, "工作专班成员")
        team.add_contact(context.actor(manager), project_id, rng.choice("王李张陈周") + "建军", "项目安全总监",
                         f"138{rng.randint(10000000, 99999999)}")
        version = plan_versions.start(context.actor(manager), project_id)
        plan_versions.save(context.actor(manager), version.id, PLAN)
    with context.at(created + timedelta(days=2), 9):
        plan_versions.approve(context.actor(leader), version.id)
    with context.at(created + timedelta(days=5), 15):
        meetings.record(context.actor(officer), project_id, "joint", created + timedelta(days=5),
                        "项目业主、施工总包、属地镇街、派出所", "项目开工前安全保障与矛盾纠纷排查",
                        "明确警企联络机制和施工期间治安保障措施。")
    day = starts
    while day < context.last_day:
        raised, actions, follow_up = rng.choice(VISIT_NOTES)
        with context.at(day, 10):
            visits.record(context.actor(officer), project_id, day, f"{context.user(officer).name}等二人",
                          raised, actions, follow_up)
        day += timedelta(days=rng.randint(24, 31))
    for risk_type, level, title, description, action, outcome in rng.sample(RISKS, 2):
        found = context.days(rng, 1, first=starts, last=context.last_day - timedelta(days=5))[0]
        with context.at(found, 11):
            risk = risks.create(context.actor(officer), project_id, risks.RiskInput(
                risk_type=risk_type, level=level, title=title, description=description, found_on=found))
            risks.add_action(context.actor(officer), risk.id, "action", action, found)
        resolved = found + timedelta(days=rng.randint(5, 30))
        if resolved < context.last_day:
            with context.at(resolved, 16):
                risks.resolve(context.actor(officer), risk.id, outcome)
    with context.at(context.last_day, 8):
        dossier.make(context.actor(manager), project_id)

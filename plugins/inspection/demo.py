"""The demo city's combined inspections: each unit that sees enterprises loads
the standard catalogue, plans a 综合查一次 each quarter (the centre) or each
half-year (a station), draws targets and inspectors with a seed of the demo's,
and records the visits that are due; issues get rectification orders, most of
them re-checked and closed. The oldest plan of the centre is published."""
from datetime import date, timedelta

from sqlalchemy import func, select

from core.extensions import db
from core.registry.models import Enterprise
from plugins.inspection import catalogue, plans, publication, visits
from plugins.inspection.models import Form, Visit

# Issues inspectors write down, by the police type of the item.
ISSUES = {
    "public_order": ["值班巡查记录缺失近两周，治安保卫制度未落实到班组。", "旅客住宿登记存在未逐人登记情况，已当场指出。",
                     "危化品流向登记台账与库存数量不符，差额未说明。", "收寄验视记录不全，部分包裹未开箱验视。"],
    "cyber": ["网络安全日志留存不足六十日。", "等级保护备案信息未随系统升级更新。"],
    "narcotics": ["易制毒化学品购销台账未按月核对，缺少出库签字。", "场所未张贴禁毒宣传材料。"],
    "counter_terrorism": ["重点部位视频监控存在盲区，夜间照明不足。", "未开展年度反恐应急演练。"],
    "exit_entry": ["境外人员住宿信息未在24小时内报送。", "外籍员工聘用登记未及时备案。"],
    "traffic": ["运输车辆动态监控记录不完整。", "维修登记簿缺少送修人身份信息。"],
    "station": ["消防通道堆放杂物，技防报警装置故障未修复。", "从业人员花名册未及时更新。"],
}
RECHECK_NOTES = ["复查已整改到位。", "企业已补齐台账并落实专人管理。", "现场复查，问题已消除。"]
FORM_PREFERENCE = ["住宿业监管一件事", "寄递物流监管一件事", "危险化学品企业监管一件事", "外籍员工用工企业监管一件事",
                   "机动车维修与运输企业监管一件事", "废旧金属收购与旧货业监管一件事"]


def quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def plan_periods(context, months: int) -> list[tuple[date, date]]:
    """Periods of ``months`` (3 or 6) that began within the demo's year, oldest first."""
    periods, start = [], quarter_start(context.last_day)
    if months == 6:
        start = date(start.year, 1 if start.month < 7 else 7, 1)
    while start >= quarter_start(context.first_day):
        end_month = start.month + months - 1
        end = date(start.year, end_month + 1, 1) - timedelta(days=1) if end_month < 12 else date(start.year, 12, 31)
        periods.append((start, end))
        month = start.month - months
        start = date(start.year - (month < 1), month + 12 * (month < 1), 1)
    return sorted(periods)


def build(context) -> None:
    rng = context.random("inspection")
    centre = context.unit("ZJ-HQ")
    lead_units = [u for u in context.units_with("inspection") if context.enterprises_under(u)]
    published = False
    for unit in lead_units:
        leaders = context.users_of(unit.id, "leader")
        planners = context.users_of(unit.id, "desk") or leaders
        if not leaders:
            continue
        with context.at(context.first_day, 9):
            catalogue.load_standard(context.actor(leaders[0]))
        _exempt(context, rng, unit, leaders[0])
        months = 3 if unit.id == centre.id else 6
        partners = [unit.id] if unit.id != centre.id else sorted(
            u.id for u in context.units_with("inspection") if u.kind in ("brigade", "station"))[:4]
        for start, end in plan_periods(context, months):
            plan = _plan(context, rng, unit, planners[0], start, end, partners)
            if plan is None:
                continue
            _visit(context, rng, plan, leaders[0])
            if not published and unit.id == centre.id and end < context.last_day:
                with context.at(min(end + timedelta(days=3), context.last_day), 16):
                    publication.publish(context.actor(planners[0]), plan)
                published = True


EXEMPTION_REASONS = (
    "新开办企业，开业三个月内无事不扰。",
    "信用等级为A级的企业，本期免于例行检查。",
    "已于近期完成专项检查且无问题，本期不再抽取。",
)


def _exempt(context, rng, unit, leader: str) -> None:
    """One or two enterprises of the unit on its 免检 list (无事不扰) for a few months of the
    year: one in five at most, so that a small unit still has enterprises to draw."""
    enterprises = context.enterprises_under(unit)
    for enterprise_id in rng.sample(enterprises, min(2, len(enterprises) // 5)):
        starts_on = rng.choice(context.days(rng, 5))
        ends_on = min(starts_on + timedelta(days=rng.choice((90, 120, 180))), context.last_day)
        with context.at(starts_on, 10):
            catalogue.add_exemption(context.actor(leader), enterprise_id, rng.choice(EXEMPTION_REASONS),
                                    starts_on, ends_on)


def _plan(context, rng, unit, planner: str, start: date, end: date, partners: list[int]):
    actor = context.actor(planner)
    forms = {f.name: f.id for f in db.session.scalars(select(Form).where(Form.unit_id == unit.id))}
    name = rng.choice(FORM_PREFERENCE)
    form = db.session.get(Form, forms[name])
    enterprises = context.enterprises_under(unit)
    in_industry = db.session.scalar(select(func.count(Enterprise.id)).where(
        Enterprise.unit_id.in_(context.units_under(unit)), Enterprise.industry == form.enterprise_type))
    count = rng.randint(3, 6)
    industry = form.enterprise_type if in_industry >= count + 2 else ""
    if not industry and len(enterprises) < count + 4:
        count = max(1, len(enterprises) // 3)
    types = sorted({i.police_type for i in form.items} & set(catalogue.POLICE_TYPES)) or ["public_order"]
    opened = max(start, context.first_day)
    season = f"{start.year}年第{(start.month - 1) // 3 + 1}季度" if end.month - start.month < 3 else \
        f"{start.year}年{'上' if start.month < 7 else '下'}半年"
    with context.at(opened, 9, 30):
        plan = plans.create(actor, plans.PlanInput(
            title=f"{season}{name.replace('监管一件事', '')}综合查一次", form_id=form.id, police_types=types,
            inspection_type="seasonal" if start.month in (6, 7, 8) else "routine",     # the flood season's checks
            unit_ids=partners, period_start=start, period_end=end, selection="draw", industry=industry,
            draw_count=count, inspectors_per_target=2))
        plan_id = plan.id
        plans.run_draw(actor, plan_id, seed=f"{rng.getrandbits(64):016x}")
    return plan_id


def _visit(context, rng, plan_id: int, leader: str) -> None:
    """Visits due by now are made on working days of the plan's period; the last weeks' wait."""
    plan = plans.get(context.actor(leader), plan_id)
    start, end = max(plan.period_start, context.first_day), min(plan.period_end, context.last_day)
    targets = [v.id for v in sorted(plan.visits, key=lambda v: v.enterprise_id)]
    days = context.days(rng, len(targets), start, end)
    for visit_id, day in zip(targets, days):
        if day >= context.last_day - timedelta(days=10) or rng.random() < 0.1:
            continue                                        # still planned
        visit = db.session.get(Visit, visit_id)
        inspector = min(visit.inspector_rows, key=lambda row: row.user_id).user.username
        items = [i for i in visit.plan.form.items if i.active]
        results = {}
        for item in items:
            roll = rng.random()
            if roll < 0.14:
                results[item.id] = visits.ItemResult("issue", rng.choice(ISSUES.get(item.police_type, ISSUES["station"])))
            elif roll < 0.2:
                results[item.id] = visits.ItemResult("na")
            else:
                results[item.id] = visits.ItemResult("compliant")
        with context.at(day, rng.randint(9, 16), rng.choice((0, 15, 30, 45))):
            done = visits.record(context.actor(inspector), visit_id, results)
        for finding in done.findings:
            if finding.result != "issue":
                continue
            recheck_day = day + timedelta(days=rng.randint(7, 20))
            if recheck_day < context.last_day and rng.random() < 0.8:
                with context.at(recheck_day, 15):
                    visits.recheck(context.actor(inspector), finding.rectification.id, True, rng.choice(RECHECK_NOTES))

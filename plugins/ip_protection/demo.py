"""The demo city's 知产警官在线: the brigade's leader designates its IP officer;
the centre's desk registers enterprises' questions, which the officer (or the
centre's leader, its own IP officer) answers
(some published to the FAQ) and the desk closes; the officer runs health checks
of the enterprises it has met; infringement reports open a ticket each, worked
through the loop and the case's own steps; the plan's regional brands are
listed, one registered, with members and an alert that became a case."""
from datetime import timedelta

from sqlalchemy import select

from core.registry.models import Enterprise
from core.extensions import db
from plugins.ip_protection import brands, cases, checks, consultations, officers

QUESTIONS = [
    ("trademark", "商标续展流程咨询", "我司注册商标明年到期，续展需要准备哪些材料？宽展期内还能办理吗？",
     "注册商标有效期满前十二个月内可申请续展，宽展期为期满后六个月，需缴纳延迟费。材料包括续展申请书、营业执照复印件，可通过商标网上服务系统提交。"),
    ("counterfeit", "电商平台发现假冒我司产品", "近期在网购平台发现有店铺销售假冒我司品牌的袜子，价格明显低于市场价，应如何维权？",
     "请先对侵权链接截图、公证购买取证，向平台投诉下架；涉案金额较大或涉嫌犯罪的，可到我所报案，我们将依法审查立案。"),
    ("trade_secret", "离职员工带走客户资料", "公司销售经理离职后到竞争对手处任职，疑似带走了客户名单和报价表，能否报案？",
     "客户名单经采取保密措施、具有商业价值的属于商业秘密。请整理保密协议、权限记录和损失证据；造成重大损失的，涉嫌侵犯商业秘密罪，可来队报案。"),
    ("patent", "外观设计专利被仿", "我司阀门外观设计已获专利授权，发现同行仿制销售，公安机关能否处理？",
     "专利侵权一般属于民事纠纷，可向市场监管部门请求处理或向法院起诉；如存在假冒专利标识等违法犯罪情形，可移交我队依法处理。"),
    ("copyright", "产品图册被他人盗用", "我司设计的产品图册和网页图片被其他企业直接盗用在宣传中，怎么处理？",
     "建议保存原始设计文件、发布时间证明，进行著作权登记，并向对方发函要求停止侵权；以营利为目的复制发行且情节严重的，涉嫌犯罪。"),
    ("trademark", "出口产品商标海外注册", "我司产品主要出口中东，是否需要在当地注册商标？有什么途径？",
     "商标权具有地域性，建议通过马德里国际注册或逐一国家注册；出口前做好商标检索，防止被抢注。"),
    ("other", "员工保密协议怎么签", "想请知产警官帮忙看看我们的保密协议和竞业限制条款是否有效。",
     "保密协议应明确保密范围、期限和违约责任，竞业限制期限不超过二年且需支付经济补偿。可预约我队上门开展知识产权体检。"),
]
FOLLOW_UPS = ["收到，谢谢，我们按此准备材料。", "已按建议向平台投诉，链接已下架。"]
CHECK_FINDINGS = ["企业已注册商标覆盖主要类别，但未建立商标使用台账；保密制度有，但未落实到研发岗位。",
                  "专利布局集中于外观设计，核心工艺未申请发明专利；电商渠道未开展侵权监测。"]
CHECK_ADVICE = ["建议补充注册第35类商标，建立网络侵权监测机制，与核心技术人员签订保密协议。",
                "建议每季度开展一次员工知识产权培训，完善合同保密条款。"]
CASES = [
    ("trademark", "注册商标“海越”（第25类，第18823456号）", "义乌某商贸商行", "在网购平台销售假冒“海越”牌袜子，月销售量约两千双。"),
    ("trade_secret", "客户名单及报价体系（已采取保密措施）", "原销售经理陈某及其所在公司", "陈某离职后利用原公司客户名单以低价抢单，造成订单损失约六十万元。"),
    ("patent", "外观设计专利“球阀阀体”", "诸暨某阀门厂", "仿制我司已授权外观设计的球阀并在展会上销售。"),
    ("copyright", "产品宣传图册及网页图片", "绍兴某电子商务公司", "未经许可复制我司原创产品图片用于其网店宣传。"),
]
BRAND_INDUSTRIES = {"诸暨袜业": "袜业", "诸暨珍珠": "珍珠", "诸暨管业": "管道阀门"}


def build(context) -> None:
    rng = context.random("ip_protection")
    units = context.units_with("ip_protection")
    desk_unit = next((u for u in units if context.enterprises_under(u) and context.users_of(u.id, "desk")), None)
    handling = next((u for u in units if u.kind == "brigade" and context.users_of(u.id, "officer")), None)
    if desk_unit is None or handling is None:
        return
    desk = context.users_of(desk_unit.id, "desk")[0]
    officer = context.users_of(handling.id, "officer")[0]
    leader = (context.users_of(handling.id, "leader") or [None])[0]
    centre_leader = context.users_of(desk_unit.id, "leader")[0]
    with context.at(context.first_day, 9):
        officers.designate(context.actor(leader), context.user(officer).id)
        officers.designate(context.actor(centre_leader), context.user(centre_leader).id)
    enterprises = context.enterprises_under(desk_unit)
    consulted = _consultations(context, rng, desk, [(officer, handling.id), (centre_leader, desk_unit.id)],
                               enterprises)
    _checks(context, rng, officer, [e for e, unit_id in consulted if unit_id == handling.id])
    area = context.units_under(desk_unit)
    _cases(context, rng, desk, officer, handling.id, area)
    _brands(context, rng, desk, handling.id, area)


def _consultations(context, rng, desk, answerers, enterprises) -> list[tuple[int, int]]:
    """Questions for each (IP officer, unit) in turn; each one's last two still wait for the answer."""
    consulted = []
    days = context.days(rng, 16, last=context.last_day - timedelta(days=1))
    for n, day in enumerate(days):
        officer, unit_id = answerers[n % len(answerers)]
        topic, subject, question, reply = QUESTIONS[n % len(QUESTIONS)]
        enterprise_id = rng.choice(enterprises)
        with context.at(day, 9, rng.randint(0, 59)):
            row = consultations.register(context.actor(desk), enterprise_id, consultations.Question(
                question=question, subject=subject, topic=topic, contact_name=_contact(rng), unit_id=unit_id))
            consultation_id = row.id
        consulted.append((enterprise_id, unit_id))
        answered_on = day + timedelta(days=rng.choice((0, 0, 1)))
        if n >= len(days) - 2 * len(answerers) or answered_on >= context.last_day:
            continue                                    # the newest wait for the officer
        with context.at(answered_on, 15, rng.randint(0, 59)):
            consultations.answer(context.actor(officer), consultation_id, reply, publishable=n < len(QUESTIONS) // 2)
        later = answered_on + timedelta(days=rng.randint(1, 5))
        if later < context.last_day:
            with context.at(later, 10):
                if rng.random() < 0.3:
                    consultations.follow_up(context.actor(desk), consultation_id, rng.choice(FOLLOW_UPS))
                else:
                    consultations.close(context.actor(desk), consultation_id)
    return consulted


def _contact(rng) -> str:
    return rng.choice("王李张刘陈杨黄赵周吴") + rng.choice(("经理", "总", "主管", "女士", "先生"))


def _checks(context, rng, officer, consulted) -> None:
    for n, enterprise_id in enumerate(sorted(set(consulted))[:6]):
        day = context.days(rng, 1)[0]
        scores = {area: str(rng.randint(45, 95)) for area in checks.AREAS}
        with context.at(day, 14):
            checks.record(context.actor(officer), enterprise_id, checks.CheckInput(
                checked_on=day, scores=scores,
                notes={area: f"现场查看{words}情况。" for area, words in checks.AREA_WORDS.items()},
                trademark_count=str(rng.randint(1, 12)), trademark_classes=rng.choice(("25", "9, 35", "6, 7, 35")),
                patents={"granted": str(rng.randint(0, 8)), "pending": str(rng.randint(0, 3)), "lapsed": "0"},
                findings=CHECK_FINDINGS[n % 2], recommendations=CHECK_ADVICE[n % 2],
                follow_up_on=day + timedelta(days=rng.choice((90, 180)))))


def _cases(context, rng, desk, officer, unit_id, area: list[int]) -> list[int]:
    with_liaison = list(db.session.scalars(select(Enterprise.id).where(
        Enterprise.unit_id.in_(area), Enterprise.liaison_officer_id.is_not(None)).order_by(Enterprise.id)))
    made = []
    for (kind, rights, infringer, description), day in zip(CASES, context.days(rng, len(CASES),
                                                                             last=context.last_day - timedelta(days=20))):
        enterprise = db.session.get(Enterprise, rng.choice(with_liaison))
        follower_id = enterprise.liaison_officer_id
        with context.at(day, 10):
            case = cases.report(context.actor(desk), enterprise.id, cases.Report(
                kind=kind, rights=rights, infringer=infringer, description=description, channel="walk_in",
                unit_id=unit_id))
            case_id, ticket_id = case.id, case.ticket_id
        ending = day + timedelta(days=rng.randint(3, 12))
        if kind == "patent":
            reply, result = "经核查属专利侵权民事纠纷，已移交市场监管局依法处理，并告知企业维权途径。", "partly"
        else:
            reply, result = "经审查已依法立案侦查，已固定侵权证据，后续进展将及时告知企业。", "resolved"
        context.work_ticket(ticket_id, desk, officer, day, ending, reply, result, follower_id=follower_id)
        with context.at(day, 15):
            cases.move(context.actor(officer), case_id, "investigating")
        with context.at(ending, 15):
            if kind == "patent":
                cases.move(context.actor(officer), case_id, "transferred", "专利侵权纠纷已移交市场监管局处理。")
            else:
                cases.move(context.actor(officer), case_id, "filed")
        made.append(case_id)
    return made


def _brands(context, rng, desk, unit_id, area: list[int]) -> None:
    with context.at(context.first_day + timedelta(days=10), 10):
        planned = {b.name: b.id for b in brands.load_plan(context.actor(desk), unit_id)}
    if "诸暨袜业" in planned:
        with context.at(context.first_day + timedelta(days=60), 10):
            brands.save(context.actor(desk), {
                "name": "诸暨袜业", "industry": "袜业", "association": "诸暨市袜业协会", "status": "registered",
                "registration_number": "G1563247", "classes": "25", "registered_on": context.first_day + timedelta(days=45),
                "valid_until": context.first_day + timedelta(days=45 + 3652), "unit_id": unit_id}, planned["诸暨袜业"])
    for name, industry in BRAND_INDUSTRIES.items():
        if name not in planned:
            continue
        members = list(db.session.scalars(select(Enterprise.id).where(
            Enterprise.unit_id.in_(area), Enterprise.industry == industry).order_by(Enterprise.id).limit(4)))
        for n, enterprise_id in enumerate(members):
            with context.at(context.first_day + timedelta(days=70 + 7 * n), 10):
                brands.add_member(context.actor(desk), planned[name], enterprise_id, note="协会会员单位")
    if "诸暨袜业" in planned:
        with context.at(context.last_day - timedelta(days=12), 10):
            brands.raise_alert(context.actor(desk), planned["诸暨袜业"],
                               "外地电商店铺以“诸暨袜业”名义销售非会员企业产品，涉嫌冒用地理标志证明商标。",
                               source="协会巡查")

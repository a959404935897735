"""The demo city's 两书一单: the centre assesses enterprises' risks through the
year; the higher ones get a letter, drafted, submitted and signed off by the
leader; the letters of the first months are issued (numbered, rendered and
signed with the unit's own key, which the first issue makes: no key needs to
be imported), delivered and answered, the later ones still on the way; the
last quarter that has ended gets its report to the party committee and the
government, computed as the queue's job computes it."""
from datetime import timedelta

from core.documents import services as documents
from plugins.risk_assessment import assessments, follow_up, letters, quarters, reports

ISSUED_LETTERS = 3           # each issue renders a PDF: a few show the whole way, the rest stop at the signature

RISKS = [
    ("risk_management", "fundraising", "以高息为诱饵向员工及亲友集资", 4, 4,
     "企业资金链紧张，以月息1.5%向员工及其亲友借款约八百万元，涉及六十余人。", "员工反映、银行流水摘录",
     "立即停止向社会不特定对象吸收资金，制定清退方案，规范融资渠道。"),
    ("business_management", "contract_fraud", "大额预付款合同对方资信存疑", 3, 4,
     "企业与新客户签订三千万元供货合同并预付三成货款，对方公司成立不足半年、注册资本未实缴。", "合同文本、企业信用信息公示系统",
     "核实对方履约能力，改为分期付款或要求提供担保。"),
    ("business_process", "embezzlement", "出纳与会计岗位未分离", 3, 3,
     "财务部出纳兼管账务和网银U盾，近一年无内部审计。", "现场查看、财务制度",
     "落实不相容岗位分离，网银实行双人复核，每季度开展内部审计。"),
    ("business_process", "bid_rigging", "招标采购存在围标迹象", 3, 3,
     "近三次设备采购投标单位相同且报价高度接近。", "招标档案", "完善供应商库，引入第三方监督，保留投标全过程记录。"),
    ("risk_management", "cyber", "生产数据未做异地备份", 2, 4,
     "核心生产管理系统数据仅存于本地服务器，曾遭勒索病毒攻击。", "信息部门说明", "建立异地备份，开展网络安全等级保护测评。"),
    ("business_management", "ip", "核心技术人员未签保密协议", 2, 3,
     "研发部门十二名技术人员中五人未签订保密及竞业限制协议。", "人事档案", "补签保密协议，建立涉密资料分级管理。"),
    ("business_management", "tax", "虚开增值税发票风险", 2, 5,
     "部分原材料供应商为个体户，发票由第三方代开，票货流向不一致。", "进项发票抽查",
     "停止接受来源不明的发票，核对票、货、款三流一致。"),
    ("business_process", "security", "仓库监控和门禁形同虚设", 2, 2,
     "成品仓库门禁长期常开，监控录像仅保存七天。", "现场查看", "恢复门禁管理，录像保存不少于三十天。"),
]
RECOMMENDATIONS = ("一、建议市金融办牵头开展企业内部集资专项排查，防止资金链风险外溢。\n"
                   "二、建议市场监管、税务部门加强对新设空壳公司的联合监管。\n"
                   "三、建议将企业合规体检纳入营商环境考核，推动企业建立不相容岗位分离等内控制度。")
RESPONSES = ["企业已停止集资行为，并制定了分期清退计划。", "企业已补签合同担保条款，改为分期付款。",
             "企业已调整财务岗位设置，落实双人复核。"]


def build(context) -> None:
    rng = context.random("risk_assessment")
    unit = next((u for u in context.units_with("risk_assessment")
                 if context.enterprises_under(u) and context.users_of(u.id, "desk")
                 and context.users_of(u.id, "leader")), None)
    if unit is None:
        return
    desk, leader = context.users_of(unit.id, "desk")[0], context.users_of(unit.id, "leader")[0]
    enterprises = context.enterprises_under(unit)
    issued = 0
    for n, day in enumerate(context.days(rng, 10, last=context.last_day - timedelta(days=3))):
        enterprise_id = rng.choice(enterprises)
        chosen = rng.sample(RISKS, rng.choice((1, 2, 2, 3)))
        with context.at(day, 9, 30):
            assessment = assessments.create(
                context.actor(desk), enterprise_id, f"{day.year}年度企业经营风险评估", day,
                investment_promotion=rng.random() < 0.2,
                summary="通过走访座谈、查阅台账和比对涉企诉求，对企业经营管理中的涉法风险进行评估。")
            risk_ids = []
            for area, category, title, likelihood, impact, description, evidence, measures in chosen:
                risk = assessments.add_risk(context.actor(desk), assessment.id, assessments.RiskInput(
                    area=area, category=category, title=title, description=description, evidence=evidence,
                    measures=measures, likelihood=likelihood, impact=impact))
                risk_ids.append((risk.id, risk.level))
        serious = [i for i, level in risk_ids if level in ("high", "medium")]
        if not serious:
            continue
        kind = "notice" if n % 3 else "advice"
        with context.at(day + timedelta(days=1), 10):
            letter = letters.draft(context.actor(desk), assessment.id, kind, serious)
            letter_id, document_id = letter.id, letter.document_id
            documents.submit(context.actor(desk), document_id)
        signed_on = day + timedelta(days=2)
        if signed_on >= context.last_day:
            continue
        with context.at(signed_on, 11):
            documents.sign_off(context.actor(leader), document_id)
        if issued >= ISSUED_LETTERS:
            continue
        with context.at(signed_on, 15):
            documents.issue(context.actor(desk), document_id)
            issued += 1
        delivered = signed_on + timedelta(days=1)
        with context.at(delivered, 10) as moment:
            documents.deliver(context.actor(desk), document_id, "企业办公室负责人", moment, "in_person")
        answered = delivered + timedelta(days=rng.randint(5, 12))
        if answered < context.last_day:
            with context.at(answered, 14):
                follow_up.record_response(context.actor(desk), letter_id, answered, rng.choice(
                    ("rectified", "in_progress", "accepted")), RESPONSES[issued % len(RESPONSES)])
                for risk_id in serious:
                    assessments.close_risk(context.actor(desk), risk_id, "rectified", "企业书面回复已整改，经回访核实。")
    _report(context, desk)


def _report(context, desk) -> None:
    """The report of the last quarter that has ended, built as the worker builds it."""
    ended = quarters.quarter_of(context.last_day).previous
    with context.at(context.last_day, 9):
        report = reports.request(context.actor(desk), ended.year, ended.quarter, RECOMMENDATIONS, enqueue=False)
        reports.build(report.id)

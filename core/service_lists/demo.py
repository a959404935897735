"""The demo city's two lists (点单式服务, 负面清单) and a couple of tagged complaints."""
from sqlalchemy import select

from core import clock
from core.extensions import db
from core.org.models import Unit
from core.service_lists.models import ConductRule, ServiceOffer, TicketConductTag
from core.tickets.models import Ticket

# unit code, name, what it is, category, working days
OFFERS = [
    ("ZJ-HQ", "企业安全防范上门指导", "民警上门查看企业内部安全防范设施，提出整改建议，指导落实安全生产主体责任。", "safety", 5),
    ("ZJ-HQ", "法律宣讲进企业", "为企业管理人员和一线员工开展防诈骗、防盗窃和安全生产法律宣讲。", "consultation", 10),
    ("ZJ-JZ", "涉企经济犯罪风险提示", "经侦民警对企业合同、资金往来中的经济犯罪风险进行提示和预防指导。", "crime", 10),
    ("ZJ-ZA", "企业周边治安隐患排查", "对企业周边治安突出问题开展实地摸排、定期巡逻和视频巡察（“护安”动作）。", "safety", 7),
    ("ZJ-JY", "企业员工户籍业务集中办理", "派出所为辖区企业员工集中上门办理户籍、居住证业务。", "service", 5),
]
RULES = [
    ("1", "对企业诉求推诿扯皮、敷衍塞责，不按时限办理或不反馈。"),
    ("2", "吃拿卡要，接受企业宴请、礼品礼金或者报销应由个人支付的费用。"),
    ("3", "违规插手企业经济纠纷，以刑事手段干预民事纠纷。"),
    ("4", "随意对企业开展检查、重复检查，影响企业正常生产经营。"),
    ("5", "工作态度生硬、冷硬横推，对企业群众“门难进、脸难看、事难办”。"),
    ("6", "违规查封、扣押、冻结涉案企业财物，超范围、超标的采取措施。"),
]


def build(progress=print) -> None:
    now = clock.now()
    units = {u.code: u for u in db.session.scalars(select(Unit).where(Unit.code.in_({o[0] for o in OFFERS})))}
    for n, (code, name, text, category, days) in enumerate(OFFERS):
        if code in units:
            db.session.add(ServiceOffer(name=name, description=text, audience="辖区内已在门户认证的企业",
                                        unit_id=units[code].id, category=category, days=days, active=True,
                                        sort_order=10 * (n + 1), created_at=now, changed_at=now))
    for n, (code, text) in enumerate(RULES):
        db.session.add(ConductRule(code=code, text=text, active=True, sort_order=10 * (n + 1), created_at=now,
                                   changed_at=now))
    db.session.flush()
    progress(f"Created {len(OFFERS)} services of the service list and {len(RULES)} entries of the negative list.")


def tag_complaints(progress=print) -> None:
    """A couple of 作风问题 tickets tagged against the negative list."""
    rules = {r.code: r for r in db.session.scalars(select(ConductRule))}
    found = db.session.execute(select(Ticket.id, Ticket.registered_at).where(Ticket.category == "conduct")
                               .order_by(Ticket.id.desc()).limit(3)).all()
    for (ticket_id, registered_at), code in zip(found, ("5", "1", "5")):
        if code in rules:
            db.session.add(TicketConductTag(ticket_id=ticket_id, rule_id=rules[code].id, tagged_at=clock.now(),
                                            registered_at=registered_at))
    db.session.commit()
    progress(f"Tagged {len(found)} 作风问题 tickets against the negative list.")

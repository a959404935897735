"""The demo's knowledge base (政策咨询, 法治宣传) and two legal-education sessions
(法治宣教, 送法进企业): short texts written for the demo, not real documents."""
from datetime import timedelta

from sqlalchemy import select

from core import clock
from core.extensions import db
from core.knowledge.models import KnowledgeArticle
from core.legal_education.models import LegalEducationSession
from core.org.models import Unit, User
from core.registry.models import Enterprise

# (kind, category, title, body)
ARTICLES = (
    ("procedure", "service", "企业变更登记涉及公安业务办事指南",
     "企业法定代表人、名称或住所变更后，涉及公章刻制备案、保安员证等公安业务的，可通过“助企直通车”线上申请，"
     "或到护企优商服务中心窗口办理。\n\n需提交：营业执照副本复印件、变更登记通知书、经办人身份证件。\n\n"
     "材料齐全的，窗口当场受理，一般3个工作日内办结。"),
    ("procedure", "service", "新刻公章备案办理流程",
     "企业新刻或补刻公章，应到具备资质的印章刻制单位办理，刻制单位当场录入公安备案系统。\n\n"
     "企业无需另行到公安机关备案；备案情况可在服务中心窗口查询。"),
    ("policy", "consultation", "涉企警务“首问负责”和“限时办结”制度",
     "企业向公安机关反映的诉求，首位接待的民警或窗口负责登记、解答或转交，不得推诿。\n\n"
     "一般诉求在5个工作日内答复；情况复杂的，经批准可以延长，并告知企业延长理由。"),
    ("policy", "consultation", "助企警务联络官机制说明",
     "每家重点企业都有一名助企警务联络官，负责定期走访、排查风险、收集诉求、宣传法律。\n\n"
     "企业可在门户“我的诉求”中查看联络官姓名和联系方式，有事直接联系。"),
    ("education", "crime", "警惕冒充领导、客服的电信网络诈骗",
     "不法分子常冒充企业老板或上级领导添加财务人员为好友，以紧急付款为由要求转账。\n\n"
     "凡是通过网络、电话要求转账汇款的，务必当面或电话向本人核实；遇到可疑情况，拨打96110或110咨询。"),
    ("education", "crime", "合同诈骗的常见手法与防范",
     "常见手法有：虚构履约能力骗取预付款、以小额交易取信后大额赊购、伪造担保材料等。\n\n"
     "企业签约前应核实对方主体资格和履约能力，大额交易分期结算，保留往来凭证；发现被骗及时报警。"),
    ("faq", "safety", "企业发现安全隐患应向哪里反映？",
     "可通过门户“提出诉求”选择“安全隐患”类别提交，或联系辖区派出所和助企警务联络官。\n\n"
     "紧急情况请直接拨打110。"),
)

SESSIONS = (
    ("防范电信网络诈骗——财务人员专场", "服务中心二楼报告厅", "园区企业财务、出纳人员", 46, 30,
     "讲解冒充老板、客服诈骗典型案例；发放《反诈宣传手册》。"),
    ("合同诈骗与企业合规经营", "企业会议室", "企业管理层和销售人员", 18, 12,
     "结合本地合同诈骗案例，讲解签约前审查要点。"),
)


def build(progress=print) -> None:
    centre = db.session.scalar(select(Unit).where(Unit.kind == "centre").order_by(Unit.id))
    if centre is None:
        return
    desk = db.session.scalar(select(User).where(User.username == "desk"))
    leader = db.session.scalar(select(User).where(User.username == "leader"))
    now = clock.now()
    articles = []
    for n, (kind, category, title, body) in enumerate(ARTICLES):
        at = now - timedelta(days=60 - n * 7)
        article = KnowledgeArticle(unit_id=centre.id, kind=kind, category=category, title=title, body=body,
                                   published=True, published_at=at, version=1,
                                   created_by_id=desk.id if desk else None, created_at=at,
                                   updated_by_id=desk.id if desk else None, updated_at=at)
        db.session.add(article)
        articles.append(article)
    speakers = [u for u in (leader, desk) if u is not None]
    enterprises = list(db.session.scalars(select(Enterprise).order_by(Enterprise.id).limit(4)))
    for n, (topic, place, audience, headcount, days_ago, material) in enumerate(SESSIONS):
        held = (now - timedelta(days=days_ago)).date()
        attending = enterprises[n * 2:n * 2 + 2] if n == 1 else enterprises[:3]
        if n == 1 and attending:
            place = f"{attending[0].name}{place}"
        db.session.add(LegalEducationSession(
            unit_id=centre.id, held_on=held, place=place, topic=topic, audience=audience, headcount=headcount,
            material=material, version=1, speakers=speakers[: n + 1], enterprises=attending,
            articles=[articles[4 + n]], created_by_id=desk.id if desk else None, created_at=now,
            updated_by_id=desk.id if desk else None, updated_at=now))
    db.session.flush()
    progress(f"Created {len(ARTICLES)} knowledge-base articles and {len(SESSIONS)} legal-education sessions.")

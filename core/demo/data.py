"""Demo data: a small county-level city with its centre, brigades, stations,
sub-centres, liaison rooms, users for every role and its enterprises.

Enterprise names, people and codes are invented; codes carry valid check
characters. ``build(enterprises=100_000)`` is fast enough for benchmarks
because enterprises are inserted in bulk, not one service call each.
"""
import random

from sqlalchemy import func, insert, select

from core import clock
from core.audit import services as audit
from core.extensions import db
from core.org.actor import shell_actor
from core.org.models import Unit, User, UserRole
from core.org.services import hash_password
from core.plugins.models import UnitPlugin
from core.plugins.services import call_for_unit
from core.registry import pinyin, search_index
from core.registry.credit_code import with_check_character
from core.departments.models import OutsideDepartment
from core.registry.models import Enterprise
from core.routing.models import RoutingRule

DEMO_PASSWORD = "anqi-demo-2026"
DIVISION = "330681"  # the administrative division code in the credit codes

BRIGADES = [  # code, name, document prefix, plugins
    ("JZ", "经侦大队", "诸公经", ["risk_assessment"]),
    ("ZA", "治安大队", "诸公治", ["inspection", "project_officer"]),
    ("CRJ", "出入境管理大队", "诸公出", ["exit_entry"]),
    ("SYH", "食药环知森大队", "诸公食", ["ip_protection"]),
    ("FZ", "法制大队", "诸公法", ["inspection"]),
]
STATIONS = [  # code, station, districts
    ("JY", "暨阳派出所", ["暨阳街道", "暨南街道"]),
    ("HD", "浣东派出所", ["浣东街道"]),
    ("TZ", "陶朱派出所", ["陶朱街道", "次坞镇"]),
    ("DK", "店口派出所", ["店口镇"]),
    ("DT", "大唐派出所", ["大唐街道"]),
    ("FQ", "枫桥派出所", ["枫桥镇", "璜山镇"]),
    ("SXH", "山下湖派出所", ["山下湖镇"]),
]
INDUSTRIES = [  # industry, word in the name
    ("纺织服装", "纺织"), ("袜业", "袜业"), ("珍珠", "珍珠"), ("五金机械", "机械"), ("汽车零部件", "汽配"),
    ("管道阀门", "管业"), ("电子信息", "电子"), ("新材料", "新材料"), ("生物医药", "医药"),
    ("食品加工", "食品"), ("建筑建材", "建材"), ("物流运输", "物流"), ("批发零售", "贸易"),
    ("住宿餐饮", "酒店管理"), ("信息技术", "科技"),
]
PREFIXES = ["浙江", "诸暨市", "诸暨", "绍兴"]
TRADE_NAMES = list("华达海盛兴宏鑫瑞丰嘉恒泰隆永信安远通辰越新天明光富源旺德宇盈佳和荣昌顺锦弘卓凯")
SURNAMES = list("王李张刘陈杨黄赵周吴徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾")
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰涛明超秀华平刚桂英建国志红晓东海燕")
ROAD = ["望云路", "艮塔路", "浣纱路", "暨阳路", "东二路", "解放路", "友谊路", "江东路", "建工东路", "永利路"]
LEGAL_FORMS = ["有限公司", "有限公司", "有限公司", "股份有限公司", "有限责任公司"]
# 转交办: the register of outside departments (name, contact person, office phone, address, note).
DEPARTMENTS = [
    ("市场监管局", "周科长", "0575-87012315", "诸暨市暨阳街道东二路18号", "商标仿冒、产品质量、价格投诉"),
    ("人力社保局", "陈主任", "0575-87012333", "诸暨市暨阳街道艮塔西路138号", "欠薪、劳动争议、社保"),
    ("住建局", "王科长", "0575-87012345", "诸暨市暨阳街道浣纱南路1号", "工地施工、房屋安全"),
    ("生态环境分局", "李科长", "0575-87012369", "诸暨市陶朱街道望云路9号", "噪声、排污"),
    ("税务局", "赵科长", "0575-87012366", "诸暨市暨阳街道东一路55号", "发票、涉税咨询"),
    ("应急管理局", "孙科长", "0575-87012350", "诸暨市暨阳街道解放路77号", "安全生产、危化品"),
    ("12345热线", "", "", "", "政务服务便民热线：跨部门事项"),
]


def is_empty() -> bool:
    return not db.session.scalar(select(func.count(Unit.id)))


def _person(rng) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _org_code(n: int) -> str:
    """A 9-character organisation code (GB 11714) with its check digit."""
    body = f"{n:08d}"
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    check = 11 - sum(int(c) * w for c, w in zip(body, weights)) % 11
    return body + {10: "X", 11: "0"}.get(check, str(check))


class _Builder:
    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.password_hash = hash_password(DEMO_PASSWORD)
        self.logins = []

    def unit(self, code, name, kind, parent=None, doc_prefix=None) -> Unit:
        unit = Unit(code=code, name=name, kind=kind, parent_id=parent.id if parent else None, doc_prefix=doc_prefix)
        db.session.add(unit)
        db.session.flush()
        unit.path = (parent.path if parent else "/") + f"{unit.id}/"
        return unit

    def user(self, username, unit, *roles, name=None) -> User:
        user = User(username=username, name=name or _person(self.rng), password_hash=self.password_hash,
                    unit_id=unit.id, role_rows=[UserRole(role=r) for r in roles])
        db.session.add(user)
        self.logins.append((username, "+".join(roles), unit.name))
        return user

    def enable(self, unit, *plugins):
        for plugin in plugins:
            db.session.add(UnitPlugin(unit_id=unit.id, plugin=plugin, enabled=True))


def build(enterprises: int = 300, seed: int = 7110, progress=print) -> list[tuple[str, str, str]]:
    """Create the demo city; return (username, roles, unit) for every login."""
    b = _Builder(seed)
    city = b.unit("ZJ", "诸暨市公安局", "city_bureau", doc_prefix="诸公")
    centre = b.unit("ZJ-HQ", "护企优商服务中心", "centre", city, doc_prefix="诸公企")
    b.enable(centre, "inspection", "exit_entry", "ip_protection", "project_officer", "risk_assessment")
    b.user("admin", city, "admin", name="系统管理员")
    b.user("auditor", city, "auditor", name="安全审计员")
    # Dispatches the demands escalated to the bureau at intake (提级办, core.tickets.modes).
    b.user("zj.leader", city, "leader", name="周建国")
    b.user("leader", centre, "leader")
    b.user("desk", centre, "desk")
    b.user("desk2", centre, "desk")
    brigades = {}
    for code, name, prefix, plugins in BRIGADES:
        brigade = b.unit(f"ZJ-{code}", name, "brigade", city, doc_prefix=prefix)
        b.enable(brigade, *plugins)
        b.user(f"{code.lower()}.leader", brigade, "leader")
        brigades[code] = (brigade, b.user(f"{code.lower()}.officer", brigade, "officer"))
    stations, officers_by_station = [], {}
    for code, name, districts in STATIONS:
        station = b.unit(f"ZJ-{code}", name, "station", city, doc_prefix=f"诸公{name[0]}")
        b.enable(station, "inspection", "project_officer")
        sub_centre = b.unit(f"ZJ-{code}-FZX", name.replace("派出所", "") + "护企优商服务分中心", "sub_centre", station)
        b.unit(f"ZJ-{code}-LLS", districts[0] + "警企联络室", "liaison_room", sub_centre)
        b.user(f"{code.lower()}.leader", station, "leader")
        officers = [b.user(f"{code.lower()}.officer{i}", station, "officer") for i in (1, 2, 3)]
        stations.append((station, districts))
        officers_by_station[station.id] = officers
    for name, person, phone, address, note in DEPARTMENTS:
        db.session.add(OutsideDepartment(unit_id=city.id, name=name, contact_person=person, office_phone=phone,
                                         address=address, note=note, active=True, version=1))
    db.session.flush()
    progress(f"Created {len(STATIONS) + len(BRIGADES) + 2 + 2 * len(STATIONS)} units and {len(b.logins)} users.")
    _routing_rules(city, *brigades["CRJ"])
    from core.service_lists import demo as demo_lists  # 点单式服务 and 负面清单

    demo_lists.build(progress)
    _enterprises(b.rng, enterprises, stations, {k: [o.id for o in v] for k, v in officers_by_station.items()},
                 progress)
    from core.demo import knowledge

    knowledge.build(progress)
    _visits(b.rng, officers_by_station, progress)
    audit.record(shell_actor(), "demo.build", detail={"enterprises": enterprises})
    db.session.commit()
    return b.logins


HEARD = (
    ("园区道路夜间照明不足，员工下班路上不安全，希望协调增设路灯。", "已记录，约定两周内回复。"),
    ("厂区周边货车乱停，影响进出货，希望交警加强管理。", "当场联系交警中队，约定巡查时间。"),
    ("新招外地员工较多，希望上门办理居住登记。", "已登记人数，安排流动人口管理员上门。"),
    ("仓库曾发生小额盗窃，希望指导安装监控。", "现场查看，给出监控点位建议。"),
    ("企业运转正常，暂无诉求。", ""),
)


def _visits(rng, officers_by_station, progress) -> None:
    """走访纳谏: each station's first officer has visited a few of the enterprises
    they serve in the last months, and plans to visit every key one each quarter
    (core/liaison), so that the visit pages and the overdue card are not empty."""
    from datetime import timedelta

    from core.liaison.models import LiaisonVisit, VisitPlan
    from core.tickets.deadlines import local_date

    now = clock.now()
    today = local_date(now)
    made = 0
    for officers in officers_by_station.values():
        officer = officers[0]
        db.session.add(VisitPlan(officer_id=officer.id, interval="quarter", created_at=now - timedelta(days=120)))
        served = list(db.session.scalars(select(Enterprise.id).where(Enterprise.liaison_officer_id == officer.id)
                                         .order_by(Enterprise.is_key.desc(), Enterprise.id).limit(4)))
        for enterprise_id in served[:3]:
            heard, done = rng.choice(HEARD)
            db.session.add(LiaisonVisit(enterprise_id=enterprise_id, officer_id=officer.id, heard=heard, done=done,
                                        visited_on=today - timedelta(days=rng.randint(3, 150)),
                                        recorded_by_id=officer.id, recorded_at=now))
            made += 1
    db.session.flush()
    progress(f"Created {made} liaison visits and {len(officers_by_station)} visit plans.")


def _routing_rules(city, brigade, officer) -> None:
    """属事: the demands of the 出入境 categories (those the exit-entry brigade's
    plugins bring) go to the exit-entry brigade and its officer, wherever the
    enterprise is (``core.routing``)."""
    now = clock.now()
    for item in call_for_unit("anqi_ticket_categories", brigade.id, unit=brigade):
        db.session.add(RoutingRule(root_unit_id=city.id, category=item.code, district="", industry="",
                                   unit_id=brigade.id, officer_id=officer.id, created_at=now, changed_at=now))


def _enterprises(rng, count, stations, officer_ids, progress, batch=5000):
    now = clock.now()
    serials = rng.sample(range(10_000_000, 99_999_999), count)
    rows = []
    for i, serial in enumerate(serials):
        station, districts = rng.choice(stations)
        industry, word = rng.choice(INDUSTRIES)
        roll = rng.random()
        if roll < 0.02:   # farmers' cooperatives: registered by agriculture, code starts with N
            name = f"诸暨市{rng.choice(TRADE_NAMES)}{rng.choice(TRADE_NAMES)}{word}专业合作社"
            first = "N2"
        elif roll < 0.03:  # other registration authorities: Y
            name = f"诸暨市{rng.choice(TRADE_NAMES)}{rng.choice(TRADE_NAMES)}{word}服务中心"
            first = "Y1"
        else:
            name = (rng.choice(PREFIXES) + rng.choice(TRADE_NAMES) + rng.choice(TRADE_NAMES) + word
                    + rng.choice(LEGAL_FORMS))
            first = "91"
        officers = officer_ids[station.id]
        rows.append({
            "unit_id": station.id, "name": name, "name_pinyin": pinyin.sort_key(name),
            "name_initials": pinyin.initials(name),
            "credit_code": with_check_character(first + DIVISION + _org_code(serial)),
            "legal_representative": _person(rng),
            "address": f"诸暨市{rng.choice(districts)}{rng.choice(ROAD)}{rng.randint(1, 999)}号",
            "district": rng.choice(districts), "industry": industry,
            "above_scale": rng.random() < 0.25, "is_key": rng.random() < 0.08,
            "liaison_officer_id": rng.choice(officers) if rng.random() < 0.7 else None,
            "tags_text": ",出口企业," if rng.random() < 0.15 else "", "notes": "",
            "created_at": now, "updated_at": now, "version": 1,
        })
        if len(rows) >= batch:
            db.session.execute(insert(Enterprise), rows)
            rows = []
            progress(f"  {i + 1:,} enterprises …")
    if rows:
        db.session.execute(insert(Enterprise), rows)
    search_index.rebuild(db.session.connection())   # the bulk inserts passed the ORM's flush listener
    progress(f"Created {count:,} enterprises.")

"""The demo city's exit-entry green channel: each unit of the plugin opens a
window with its slots month by month; the centre's desk books enterprises'
staff into them and, on the day, takes their applications, which go through
the steps to collection (the last weeks' still on the way); frozen accounts
of cross-border trade are followed up; foreign experts get their permits and
an officer each."""
from datetime import timedelta

from stdnum.cn import ric

from sqlalchemy import select

from core.errors import Conflict
from core.extensions import db
from core.registry.models import Enterprise
from plugins.exit_entry import applications, appointments, frozen, talent
from plugins.exit_entry.models import Slot

WINDOWS = {"centre": "企业服务绿色通道窗口", "brigade": "出入境业务受理一号窗口"}
TIMES = [("09:00", "10:00"), ("10:00", "11:00"), ("14:30", "15:30")]
PURPOSES = [("商务考察", "德国"), ("参加广交会海外分展", "阿联酋"), ("洽谈出口订单", "美国"), ("设备验收", "越南"),
            ("参加展会", "日本"), ("拜访客户", "中国香港"), ("商务洽谈", "中国澳门"), ("技术交流", "韩国"),
            ("海外工厂管理", "柬埔寨"), ("参加行业论坛", "新加坡"), ("考察供应商", "中国台湾")]
DOC_BY_PLACE = {"中国香港": "hk_macau", "中国澳门": "hk_macau", "中国台湾": "taiwan"}
BOOKING_PURPOSES = ["办理员工因公出国护照", "港澳商务签注集中办理", "外贸业务员护照换发", "赴台参展证件办理"]
SURNAMES = list("王李张刘陈杨黄赵周吴徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾")
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰涛明超秀华平刚桂英建国志红晓东海燕")


def citizen_id(rng, serial: int) -> str:
    """An invented resident ID number of Zhuji (the code of 诸暨 since 1989, so born after it), its check character."""
    born = f"{rng.randint(1990, 2003)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    body = f"330681{born}{serial % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")      # it takes the number with a place for its check character


def build(context) -> None:
    rng = context.random("exit_entry")
    units = context.units_with("exit_entry")
    handlers = {u.id: (context.users_of(u.id, "desk") or context.users_of(u.id, "leader")) for u in units}
    windows = []
    for unit in units:
        if not handlers[unit.id]:
            continue
        actor_name = handlers[unit.id][0]
        with context.at(context.first_day, 8, 30):
            window = appointments.add_window(context.actor(actor_name), WINDOWS.get(unit.kind, WINDOWS["brigade"]))
            windows.append((window.id, actor_name))
        day = context.first_day
        while day <= context.last_day:          # a month at a time, the last one reaching past today
            last = day + timedelta(days=30)
            with context.at(day, 8, 30):
                appointments.open_slots(context.actor(actor_name), window.id, day, last, TIMES, 3)
            day = last + timedelta(days=1)
    desk_units = [u for u in units if context.enterprises_under(u) and context.users_of(u.id, "desk")]
    if not desk_units or not windows:
        return
    desk = context.users_of(desk_units[0].id, "desk")[0]
    enterprises = context.enterprises_under(desk_units[0])
    exporters = list(db.session.scalars(select(Enterprise.id).where(
        Enterprise.unit_id.in_(context.units_under(desk_units[0])), Enterprise.tags_text.contains(",出口企业,"))
        .order_by(Enterprise.id)))
    serial = 0
    for booked_on in context.days(rng, 30, last=context.last_day + timedelta(days=7)):
        window_id, _ = rng.choice(windows)
        enterprise_id = rng.choice(exporters if exporters and rng.random() < 0.6 else enterprises)
        wanted = booked_on + timedelta(days=rng.randint(2, 8))
        slot = db.session.scalar(select(Slot).where(Slot.window_id == window_id, Slot.day >= wanted,
                                                    Slot.booked < Slot.capacity).order_by(Slot.day, Slot.starts))
        if slot is None:
            continue
        people = rng.choice((1, 1, 1, 2, 3))
        with context.at(min(booked_on, context.last_day), 9, rng.randint(0, 50)):
            try:
                appointment = appointments.book(context.actor(desk), enterprise_id, slot.id, people,
                                                rng.choice(BOOKING_PURPOSES))
            except Conflict:            # the enterprise holds this slot already: no second booking
                continue
        if slot.day >= context.last_day:
            continue                    # still to come
        serial += people
        _apply(context, rng, desk, enterprise_id, appointment.id, slot.day, slot.starts, people, serial)
    _coming_week(context, rng, desk, windows, enterprises)
    _frozen(context, rng, desk, enterprises)
    _talents(context, rng, desk, enterprises)


def _coming_week(context, rng, desk, windows, enterprises) -> None:
    """Bookings made today for the coming working days: the desk's list of what is to come."""
    for n in range(4):
        window_id, _ = windows[n % len(windows)]
        slot = db.session.scalar(select(Slot).where(Slot.window_id == window_id, Slot.day > context.last_day,
                                                    Slot.booked < Slot.capacity)
                                 .order_by(Slot.day, Slot.starts).offset(n))
        if slot is not None:
            with context.at(context.last_day, 9, n):
                appointments.book(context.actor(desk), rng.choice(enterprises), slot.id, rng.choice((1, 2)),
                                  rng.choice(BOOKING_PURPOSES))


FROZEN = [("中国工商银行诸暨支行", "386500.00", "外地公安机关", "境外客户货款经第三方账户转入，涉嫌涉诈资金流入被冻结。"),
          ("浙江诸暨农村商业银行", "125000.00", "某市公安局反诈中心", "跨境贸易回款账户接收可疑资金，被整户冻结。")]
FROZEN_STEPS = ["已联系冻结机关核实冻结原因，指导企业准备贸易合同、报关单等证明材料。",
                "协助企业向冻结机关提交解冻申请及资金来源说明。"]


def _frozen(context, rng, desk, enterprises) -> None:
    """跨境贸易账户被冻结: cases taken on by the desk, followed step by step, the older one closed."""
    handlers = context.users_of(context.unit("ZJ-CRJ").id, "officer") if "ZJ-CRJ" in context.units else []
    for n, (bank, amount, authority, reason) in enumerate(FROZEN):
        day = context.days(rng, 1, first=context.last_day - timedelta(days=150 - 110 * n),
                           last=context.last_day - timedelta(days=120 - 110 * n))[0]
        with context.at(day, 10):
            case = frozen.open_case(context.actor(desk), rng.choice(enterprises), frozen.CaseInput(
                bank=bank, amount=amount, reason=reason, authority=authority, frozen_on=day - timedelta(days=3)))
            case_id, ticket_id = case.id, case.ticket_id
        if handlers:
            context.work_ticket(ticket_id, desk, handlers[0], day, day + timedelta(days=20),
                                "已协助企业提交解冻材料，冻结机关已审查解除冻结。", "resolved")
        for k, text in enumerate(FROZEN_STEPS):
            with context.at(min(day + timedelta(days=2 + 7 * k), context.last_day), 15):
                frozen.add_step(context.actor(desk), case_id, text)
        if n == 0:
            with context.at(day + timedelta(days=21), 10):
                frozen.close(context.actor(desk), case_id, "unfrozen", "冻结机关已解除冻结，资金恢复使用。")


TALENTS = [("Michael Weber", "德国", "foreign_expert", "技术总监"), ("Kim Min-jun", "韩国", "foreign_expert", "工艺工程师"),
           ("陈家豪", "中国香港", "overseas_talent", "海外市场总监")]


def _talents(context, rng, desk, enterprises) -> None:
    """Foreign experts and overseas talents of the enterprises, their permits, officers paired with them."""
    actor_officers = talent.officers(context.actor(desk))
    for n, (name, nationality, kind, position) in enumerate(TALENTS):
        arrived = context.days(rng, 1, last=context.first_day + timedelta(days=120))[0]
        with context.at(arrived + timedelta(days=3), 10):
            row = talent.add(context.actor(desk), rng.choice(enterprises), name, nationality, kind, position, arrived)
            permit = talent.apply_permit(context.actor(desk), row.id, "work_residence", arrived + timedelta(days=3),
                                         "企业协助办理工作类居留许可。")
            talent.pair(context.actor(desk), row.id, actor_officers[n % len(actor_officers)].id,
                        arrived + timedelta(days=3), "一对一联系服务。")
        with context.at(arrived + timedelta(days=12), 10):
            talent.decide_permit(context.actor(desk), permit.id, True, arrived + timedelta(days=12))
    with context.at(context.last_day - timedelta(days=40), 15):
        talent.add_event(context.actor(desk), "外籍人才政策宣讲暨座谈会", context.last_day - timedelta(days=40),
                         "护企优商服务中心会议室", 26)


def _apply(context, rng, desk, enterprise_id, appointment_id, day, starts, people, serial) -> None:
    rows = []
    for n in range(people):
        purpose, place = rng.choice(PURPOSES)
        doc = DOC_BY_PLACE.get(place, "passport")
        if rng.random() < 0.3:
            doc += "_renewal"
        leaves = day + timedelta(days=rng.randint(20, 60))
        rows.append(applications.ApplicantInput(
            name=rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2)))),
            id_number=citizen_id(rng, serial * 10 + n), relation=rng.choice(
                ["legal_representative", "manager", "employee", "employee", "technician"]),
            doc_type=doc, purpose=purpose, destination=place, travel_from=leaves,
            travel_to=leaves + timedelta(days=rng.randint(5, 20)), urgency="urgent" if rng.random() < 0.2 else "normal"))
    hour, minute = int(starts[:2]), int(starts[3:])
    with context.at(day, hour, minute + 10):
        application = applications.register(context.actor(desk), enterprise_id, rows,
                                            note="企业预约办理，材料齐全。", appointment_id=appointment_id)
        applicant_ids = [a.id for a in application.applicants]
    for applicant_id in applicant_ids:
        moment = day
        for step, after in (("materials_checked", 0), ("submitted", 1), ("ready", rng.randint(3, 9)),
                            ("collected", rng.randint(1, 6))):
            moment = moment + timedelta(days=after)
            if moment >= context.last_day:
                break
            with context.at(moment, 16 if after == 0 else 10):
                applications.advance(context.actor(desk), applicant_id, step)

"""The demo city's exit-entry green channel: each unit of the plugin opens a
window with its slots month by month; the centre's desk books enterprises'
staff into them and, on the day, takes their applications, which go through
the steps to collection (the last weeks' still on the way)."""
from datetime import timedelta

from stdnum.cn import ric

from sqlalchemy import select

from core.errors import Conflict
from core.extensions import db
from core.registry.models import Enterprise
from plugins.exit_entry import applications, appointments
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
    exporters = sorted(set(enterprises) & set(db.session.scalars(
        select(Enterprise.id).where(Enterprise.tags_text.contains(",出口企业,")))))
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

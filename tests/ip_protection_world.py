"""A small world for the ip_protection plugin's tests: the plugin enabled for
station A (and B), a leader and three officers at A, two enterprises at A (one
with a legal representative and a contact), and a document prefix."""
from dataclasses import dataclass
from datetime import datetime

from core import clock
from core.extensions import db
from core.org.actor import shell_actor
from core.org.services import save_user
from core.plugins import services as plugin_services
from core.registry import services as registry
from tests.conftest import PASSWORD, actor_for, enrol_second_factor
from tests.helpers import code

NAME = "诸暨市华达管业有限公司"


@dataclass
class World:
    enterprise: object
    other: object
    officers: list          # user ids of officer_a, officer_a2, officer_a3


def build(city, at=datetime(2026, 3, 2, 2, 0)) -> World:
    clock.freeze(at)
    shell = shell_actor()
    for unit in ("STA", "STB"):
        plugin_services.set_enabled(shell, unit, "ip_protection", True)
    city.station_a.doc_prefix = "甲公"
    db.session.commit()
    save_user(shell, {"username": "leader_a", "name": "甲所长", "unit_id": city.station_a.id, "roles": ["leader"],
                      "password": PASSWORD})
    enrol_second_factor("leader_a")
    ids = [city.users["officer_a"].id]
    for n in (2, 3):
        ids.append(save_user(shell, {"username": f"officer_a{n}", "name": f"知产民警{n}", "unit_id": city.station_a.id,
                                     "roles": ["officer"], "password": PASSWORD}).id)
    desk = actor_for("desk_a")
    enterprise = registry.create(desk, {
        "name": NAME, "credit_code": code(300), "legal_representative": "王建国", "industry": "管道阀门",
        "address": "浙江省诸暨市店口镇工业区8号", "contacts": [{"name": "李秀英", "phone": "13800138000", "title": "法务"}]})
    other = registry.create(desk, {"name": "诸暨市恒泰袜业有限公司", "credit_code": code(301), "industry": "袜业"})
    return World(enterprise, other, ids)

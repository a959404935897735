"""A small world for the inspection plugin's tests: the plugin enabled for
station A (and B), a leader and four officers at A, enterprises at A with
liaison officers, and the standard catalogue loaded."""
from dataclasses import dataclass
from datetime import date, datetime

from core import clock
from core.org.actor import shell_actor
from core.org.services import save_user
from core.plugins import services as plugin_services
from core.registry import services as registry
from tests.conftest import PASSWORD, actor_for, enrol_second_factor
from tests.helpers import code


@dataclass
class World:
    enterprises: list
    officers: list
    form_id: int


def build(city, enterprises=6, officers=4) -> World:
    clock.freeze(datetime(2026, 3, 2, 2, 0))
    shell = shell_actor()
    for unit in ("STA", "STB"):
        plugin_services.set_enabled(shell, unit, "inspection", True)
    save_user(shell, {"username": "leader_a", "name": "甲所长", "unit_id": city.station_a.id, "roles": ["leader"],
                      "password": PASSWORD})
    enrol_second_factor("leader_a")
    names = []
    for n in range(2, 2 + officers - 1):
        names.append(save_user(shell, {"username": f"officer_a{n}", "name": f"民警{n}", "unit_id": city.station_a.id,
                                       "roles": ["officer"], "password": PASSWORD}).id)
    names.insert(0, city.users["officer_a"].id)
    desk = actor_for("desk_a")
    made = []
    for n in range(enterprises):
        made.append(registry.create(desk, {"name": f"甲区测试企业{n}号", "credit_code": code(100 + n),
                                           "district": "暨阳街道", "industry": "住宿餐饮",
                                           "liaison_officer_id": names[n % len(names)]}).id)
    from plugins.inspection import catalogue

    catalogue.load_standard(actor_for("leader_a"))
    form_id = next(f.id for f in catalogue.forms(actor_for("leader_a")) if f.name == "住宿业监管一件事")
    return World(made, names, form_id)


def plan_input(world, city, **changes):
    from plugins.inspection.plans import PlanInput

    values = dict(title="2026年住宿业综合查一次", form_id=world.form_id, police_types=["public_order", "exit_entry", "cyber"],
                  unit_ids=[city.station_a.id], period_start=date(2026, 3, 1), period_end=date(2026, 6, 30),
                  selection="draw", industry="住宿餐饮", draw_count=2, inspectors_per_target=2)
    values.update(changes)
    return PlanInput(**values)

"""A small world for the project officers' tests: the plugin enabled for
stations A and B, a leader of the city bureau, two leaders and two officers at
station A, enterprises of A and B, and one key project of A."""
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
    enterprise_a: int
    enterprise_b: int
    project_id: int


def user_id(username) -> int:
    return actor_for(username).user_id


def build(city, start=datetime(2026, 3, 2, 2, 0)) -> World:
    clock.freeze(start)
    shell = shell_actor()
    for unit in ("STA", "STB"):
        plugin_services.set_enabled(shell, unit, "project_officer", True)
    for username, unit, roles in (("city_leader", city.city, ["leader"]), ("leader_a", city.station_a, ["leader"]),
                                  ("leader_a2", city.station_a, ["leader"]), ("officer_a2", city.station_a, ["officer"]),
                                  ("leader_b", city.station_b, ["leader"])):
        save_user(shell, {"username": username, "name": {"city_leader": "市局王局长", "leader_a": "甲所李所长",
                                                         "leader_a2": "甲所赵教导员", "officer_a2": "民警钱二",
                                                         "leader_b": "乙所孙所长"}[username],
                          "unit_id": unit.id, "roles": roles, "password": PASSWORD})
        if "leader" in roles:
            enrol_second_factor(username)
    enterprise_a = registry.create(actor_for("desk_a"), {"name": "诸暨高铁新城建设有限公司", "credit_code": code(301),
                                                         "district": "暨阳街道", "industry": "建筑业"}).id
    enterprise_b = registry.create(actor_for("desk_b"), {"name": "乙区建设集团", "credit_code": code(302),
                                                         "district": "陶朱街道", "industry": "建筑业"}).id
    from plugins.project_officer import projects

    project = projects.create(actor_for("desk_a"), project_input(enterprise_a))
    return World(enterprise_a, enterprise_b, project.id)


def project_input(enterprise_id, **changes):
    from plugins.project_officer.projects import ProjectInput

    values = dict(name="杭诸高铁诸暨站综合枢纽工程", enterprise_id=enterprise_id, location="暨阳街道高铁新城",
                  investment="285000", stage="construction", starts_on=date(2026, 1, 5), ends_on=date(2028, 6, 30),
                  officer_id=user_id("officer_a"), leader_id=user_id("leader_a"), visit_interval_months=1)
    values.update(changes)
    return ProjectInput(**values)

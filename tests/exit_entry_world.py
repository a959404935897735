"""A small world for the exit-entry plugin's tests: the plugin enabled for
station A (and B), a leader at A, enterprises at A, a window with slots, and
valid citizen ID numbers made with python-stdnum's check character."""
from dataclasses import dataclass
from datetime import date, datetime

from stdnum.cn import ric

from core import clock
from core.org.actor import shell_actor
from core.org.services import save_user
from core.plugins import services as plugin_services
from core.registry import services as registry
from tests.conftest import PASSWORD, actor_for, enrol_second_factor
from tests.helpers import code

# 2026-09-30 10:00 in Beijing, a Wednesday, the last working day before National Day (1–7 October).
BEFORE_NATIONAL_DAY = datetime(2026, 9, 30, 2, 0)


def citizen_id(n: int, birth: str = "19850312") -> str:
    """A valid 18-character resident ID number, different for each ``n`` (0–999)."""
    first = f"110105{birth}{n:03d}"
    return first + ric.calc_check_digit(first + "0")


@dataclass
class World:
    enterprises: list


def build(city, enterprises=3, at=BEFORE_NATIONAL_DAY) -> World:
    clock.freeze(at)
    shell = shell_actor()
    for unit in ("STA", "STB"):
        plugin_services.set_enabled(shell, unit, "exit_entry", True)
    save_user(shell, {"username": "leader_a", "name": "甲所长", "unit_id": city.station_a.id, "roles": ["leader"],
                      "password": PASSWORD})
    enrol_second_factor("leader_a")
    desk = actor_for("desk_a")
    made = [registry.create(desk, {"name": f"甲区外贸企业{n}号", "credit_code": code(300 + n),
                                   "address": f"暨阳街道外贸路{n}号"}).id for n in range(enterprises)]
    return World(made)


def applicant(n: int, **changes):
    from plugins.exit_entry.applications import ApplicantInput

    values = dict(name=f"员工{n}", id_number=citizen_id(n), relation="employee", doc_type="passport",
                  purpose="商务洽谈", destination="德国", travel_from=date(2026, 11, 1), travel_to=date(2026, 11, 10),
                  urgency="normal")
    values.update(changes)
    return ApplicantInput(**values)

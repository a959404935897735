"""A small world for the risk_assessment plugin's tests: the plugin enabled for
stations A and B, a leader at A (who signs off), station A's document prefix,
and enterprises at A in two industries and two districts."""
from dataclasses import dataclass
from datetime import datetime

from core import clock
from core.extensions import db
from core.org.actor import shell_actor
from core.org.services import save_user, user_by_username
from core.plugins import services as plugin_services
from core.registry import services as registry
from tests.conftest import PASSWORD, actor_for, enrol_second_factor
from tests.helpers import code

FIRMS = [("甲区第一针织有限公司", "袜业", "大唐街道"), ("甲区第二针织有限公司", "袜业", "大唐街道"),
         ("甲区五金机械有限公司", "五金机械", "暨阳街道"), ("甲区珍珠贸易有限公司", "珍珠", "山下湖镇")]


@dataclass
class World:
    enterprises: list


def build(city, now=datetime(2026, 3, 2, 2, 0), plugins=("risk_assessment",)) -> World:
    clock.freeze(now)
    shell = shell_actor()
    for unit in ("STA", "STB"):
        for plugin in plugins:
            plugin_services.set_enabled(shell, unit, plugin, True)
    if user_by_username("leader_a") is None:
        save_user(shell, {"username": "leader_a", "name": "甲所长", "unit_id": city.station_a.id, "roles": ["leader"],
                          "password": PASSWORD})
        enrol_second_factor("leader_a")
    city.station_a.doc_prefix = "甲公"
    db.session.commit()
    desk = actor_for("desk_a")
    made = [registry.create(desk, {"name": name, "credit_code": code(300 + n), "industry": industry,
                                   "district": district}).id
            for n, (name, industry, district) in enumerate(FIRMS)]
    return World(made)


def risk(category="fundraising", likelihood=4, impact=4, area="business_management", title=None, **extra):
    from plugins.risk_assessment.assessments import RiskInput

    return RiskInput(area=area, category=category, title=title or f"{category}风险", likelihood=likelihood,
                     impact=impact, description=extra.pop("description", "以高息为诱饵向员工及社会人员借款。"),
                     evidence=extra.pop("evidence", "借款合同12份。"),
                     measures=extra.pop("measures", "立即停止对外借款，清退资金。"), **extra)

"""Risks and disputes: levels and the rules that give them a responsible unit
and leader, actions until resolved, the link to a core ticket in both
directions, the findings other plugins read, and the periodic analysis."""
from datetime import date

import pytest

from core.errors import Forbidden, NotFound, ValidationError
from core.extensions import db
from core.org.actor import shell_actor
from core.plugins import services as plugin_services
from core.registry import services as registry
from core.tickets import services as tickets
from plugins.project_officer import analysis, risks, rules
from plugins.project_officer.models import ProjectRisk
from tests.conftest import actor_for, login
from tests.helpers import count, fresh_client
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)
from tests.project_officer_world import build, user_id


def _risk(world, level="high", risk_type="obstruction", title="村民阻挠施工车辆进场", found_on=date(2026, 3, 2), who="officer_a"):
    return risks.create(actor_for(who), world.project_id, risks.RiskInput(
        risk_type=risk_type, level=level, title=title, description="约二十名村民围堵工地大门", found_on=found_on))


def test_a_risk_needs_a_level_and_nothing_is_written_without_one(app, city):
    world = build(city)
    before = count(ProjectRisk)
    with pytest.raises(ValidationError) as error:
        _risk(world, level="")
    assert "level" in error.value.errors
    with pytest.raises(ValidationError) as error:
        _risk(world, risk_type="unknown", title="", found_on=date(2026, 3, 3))
    assert {"risk_type", "title", "found_on"} <= set(error.value.errors)
    assert count(ProjectRisk) == before


def test_the_level_gives_the_responsible_unit_and_leader_by_default_and_by_rule(app, city):
    world = build(city)
    high, medium, low = _risk(world, "high"), _risk(world, "medium"), _risk(world, "low")
    # Defaults: high → the unit above and its leader; medium → the unit and its leader; low → the project's leader.
    assert (high.responsible_unit_id, high.responsible_leader_id) == (city.city.id, user_id("city_leader"))
    assert (medium.responsible_unit_id, medium.responsible_leader_id) == (city.station_a.id, user_id("leader_a"))
    assert (low.responsible_unit_id, low.responsible_leader_id) == (city.station_a.id, user_id("leader_a"))
    # On the responsible leaders' queues, the higher level first.
    assert [r.id for r in risks.responsible_for(actor_for("city_leader"))] == [high.id]
    assert [r.id for r in risks.responsible_for(actor_for("leader_a"))] == [medium.id, low.id]
    leader = actor_for("leader_a")
    with pytest.raises(ValidationError) as error:                 # station B is not on station A's branch
        rules.save(leader, "high", city.station_b.id, user_id("leader_b"))
    assert "responsible_unit_id" in error.value.errors
    with pytest.raises(ValidationError) as error:                 # not a leader of the unit named
        rules.save(leader, "high", city.station_a.id, user_id("city_leader"))
    assert "leader_id" in error.value.errors
    with pytest.raises(Forbidden):
        rules.save(actor_for("desk_a"), "high", city.station_a.id, user_id("leader_a2"))
    rule = rules.save(leader, "high", city.station_a.id, user_id("leader_a2"))
    rules.save(leader, "low", city.station_a.id, None)
    assert [(r.level, r.unit_id, r.leader_id, r.rule_id is not None) for r in rules.table(leader)] == [
        ("high", city.station_a.id, user_id("leader_a2"), True),
        ("medium", city.station_a.id, user_id("leader_a"), False),
        ("low", city.station_a.id, None, True)]
    again = _risk(world, "high")
    assert (again.responsible_unit_id, again.responsible_leader_id) == (city.station_a.id, user_id("leader_a2"))
    # Regrading follows the rule of the new level; the old entry keeps what it was given.
    risks.regrade(actor_for("officer_a"), again.id, "medium")
    again = risks.get(actor_for("desk_a"), again.id)
    assert (again.level, again.responsible_leader_id) == ("medium", user_id("leader_a"))
    assert risks.get(actor_for("desk_a"), high.id).responsible_unit_id == city.city.id
    rules.reset(leader, rule.id)
    assert _risk(world, "high").responsible_unit_id == city.city.id


def test_actions_until_resolved(app, city):
    world = build(city)
    risk = _risk(world)
    with pytest.raises(ValidationError):                          # an outcome needs actions first
        risks.resolve(actor_for("officer_a"), risk.id, "已化解")
    risks.add_action(actor_for("officer_a"), risk.id, "action", "会同街道约谈带头村民")
    risks.add_action(actor_for("officer_a2"), risk.id, "follow_up", "复工后回访，秩序正常")
    with pytest.raises(ValidationError):
        risks.add_action(actor_for("officer_a"), risk.id, "action", "")
    with pytest.raises(NotFound):
        risks.add_action(actor_for("officer_b"), risk.id, "action", "乙所介入")
    risks.resolve(actor_for("officer_a"), risk.id, "补偿款发放到位，恢复施工")
    risk = risks.get(actor_for("desk_a"), risk.id)
    assert (risk.status, risk.resolved_on, len(risk.actions)) == ("resolved", date(2026, 3, 2), 2)
    with pytest.raises(ValidationError):
        risks.add_action(actor_for("officer_a"), risk.id, "action", "再次走访")


def test_a_risk_pointing_to_a_crime_links_to_a_ticket_both_ways(app, city):
    world = build(city)
    risk = _risk(world, risk_type="extortion", title="有人以阻工相要挟索要“协调费”")
    with pytest.raises(Forbidden):                               # officers do not register tickets
        risks.register_ticket(actor_for("officer_a"), risk.id)
    ticket = risks.register_ticket(actor_for("desk_a"), risk.id)
    assert ticket.category == risks.TICKET_CATEGORY and ticket.enterprise_id == world.enterprise_a
    assert "索要“协调费”" in ticket.description
    assert risks.get(actor_for("desk_a"), risk.id).ticket_id == ticket.id
    with pytest.raises(ValidationError):                          # once
        risks.register_ticket(actor_for("desk_a"), risk.id)
    # Had the link not been written after the ticket, registering again finds the same ticket.
    db.session.get(ProjectRisk, risk.id).ticket_id = None
    db.session.commit()
    assert risks.register_ticket(actor_for("desk_a"), risk.id).id == ticket.id
    client = fresh_client(app)
    login(client, "desk_a")
    ticket_page = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert 'data-testid="project-officer-ticket-panel"' in ticket_page
    assert f'/p/project_officer/risks/{risk.id}"' in ticket_page
    risk_page = client.get(f"/p/project_officer/risks/{risk.id}").get_data(as_text=True)
    assert f'/tickets/{ticket.id}"' in risk_page
    # The page's button goes through the same service and lands on the ticket.
    other = _risk(world, risk_type="bid_rigging", title="投标单位串通报价")
    response = client.post(f"/p/project_officer/risks/{other.id}/ticket")
    assert response.status_code == 303 and "/tickets/" in response.headers["Location"]
    # A unit without the plugin sees the ticket (the centre coordinates) but no panel.
    centre = fresh_client(app)
    login(centre, "desk")
    page = centre.get(f"/tickets/{ticket.id}")
    assert page.status_code == 200 and 'data-testid="project-officer-ticket-panel"' not in page.get_data(as_text=True)
    assert tickets.get(actor_for("desk"), ticket.id).id == ticket.id


def test_risks_reach_other_plugins_as_findings_of_the_enterprise(app, city):
    world = build(city)
    risk = _risk(world, level="medium", risk_type="wages")
    found = registry.findings(actor_for("desk_a"), world.enterprise_a)
    mine = [f for f in found if f.source == "project_officer.risk"]
    assert [(f.ref, f.title, f.level, f.category, f.is_open, f.endpoint, f.values) for f in mine] == [
        (risk.id, "村民阻挠施工车辆进场", "medium", str(risks.TYPES["wages"]), True, "project_officer.risk",
         {"project_risk_id": risk.id})]
    assert mine[0].found_on == date(2026, 3, 2)
    risks.add_action(actor_for("officer_a"), risk.id, "action", "督促总包单位发放工资")
    risks.resolve(actor_for("officer_a"), risk.id, "工资已发放")
    assert [f.is_open for f in registry.findings(actor_for("desk_a"), world.enterprise_a)
            if f.source == "project_officer.risk"] == [False]
    with pytest.raises(NotFound):
        registry.findings(actor_for("desk_b"), world.enterprise_a)
    plugin_services.set_enabled(shell_actor(), "STA", "project_officer", False)
    assert [f for f in registry.findings(actor_for("desk_a"), world.enterprise_a)
            if f.source == "project_officer.risk"] == []


def test_the_analysis_counts_by_project_type_level_and_month(app, city):
    world = build(city)
    _risk(world, "high", "obstruction", found_on=date(2026, 1, 10))
    _risk(world, "low", "wages", found_on=date(2026, 2, 3))
    resolved = _risk(world, "high", "obstruction", found_on=date(2026, 3, 1))
    risks.add_action(actor_for("officer_a"), resolved.id, "action", "约谈")
    risks.resolve(actor_for("officer_a"), resolved.id, "已化解")
    result = analysis.analyse(actor_for("desk_a"), date(2026, 1, 1), date(2026, 3, 31))
    assert (result.total, result.open) == (3, 2)
    assert result.by_type == [("obstruction", 2, 1), ("wages", 1, 1)]
    assert result.by_level == [("high", 2, 1), ("medium", 0, 0), ("low", 1, 1)]
    assert [(p.id, total, open_, high) for p, total, open_, high in result.by_project] == [(world.project_id, 3, 2, 2)]
    assert result.by_month == [("2026-01", 1, 0), ("2026-02", 1, 0), ("2026-03", 1, 1)]
    assert analysis.analyse(actor_for("desk_b"), date(2026, 1, 1), date(2026, 3, 31)).total == 0
    assert analysis.default_period(date(2026, 3, 2)) == (date(2025, 4, 1), date(2026, 3, 2))
    client = fresh_client(app)
    login(client, "desk_a")
    page = client.get("/p/project_officer/analysis?start=2026-01-01&end=2026-03-31").get_data(as_text=True)
    assert 'data-testid="by-month"' in page and "2026-02" in page

"""Routing by place and matter (属地属事): the dispatch suggestion (the
enterprise's own station and liaison officer, or the narrowest routing rule of
the category), the rules page and who keeps it, the dispatch form (units as
their tree, officers grouped by unit, the suggestion pre-selected), bulk
dispatch by the suggestions, the desk's queue with suggestions, and the API."""
import re

import pytest
from flask_babel import force_locale
from sqlalchemy import event, select

from core.api import auth
from core.audit.models import AuditEntry
from core.errors import Forbidden, ValidationError
from core.extensions import db
from core.org.actor import shell_actor
from core.org.services import save_unit, save_user
from core.registry import services as registry
from core.routing import services as routing
from core.routing.models import RoutingRule
from core.tickets import services as tickets
from core.tickets.models import Ticket
from tests.conftest import PASSWORD, actor_for, enrol_second_factor, login
from tests.helpers import code, count, fresh_client, system_account
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)


@pytest.fixture
def world(city):
    """The test city with an exit-entry brigade (a leader and an officer), a
    second officer in each station, a station leader, and an enterprise in each
    station's area with its liaison officer."""
    shell = shell_actor()
    brigade = save_unit(shell, {"code": "CRJ", "name": "出入境管理大队", "kind": "brigade",
                                "parent_id": city.city.id})
    for username, unit, roles in [("crj_officer", brigade, ["officer"]),
                                  ("officer_a2", city.station_a, ["officer"]),
                                  ("officer_b2", city.station_b, ["officer"]),
                                  ("leader_a", city.station_a, ["leader"])]:
        save_user(shell, {"username": username, "name": username.upper(), "unit_id": unit.id, "roles": roles,
                          "password": PASSWORD})
    enrol_second_factor("leader_a")
    a = registry.create(actor_for("desk_a"), {"name": "甲所辖区华达纺织有限公司", "credit_code": code(1),
                                              "district": "暨阳街道", "industry": "纺织服装",
                                              "liaison_officer_id": city.user("officer_a").id})
    b = registry.create(actor_for("desk_b"), {"name": "乙所辖区西湖食品有限公司", "credit_code": code(2),
                                              "district": "浣东街道", "industry": "食品加工",
                                              "liaison_officer_id": city.user("officer_b2").id})
    return {"brigade": brigade, "a": a, "b": b}


def register(enterprise, category="dispute", username="desk", **changes) -> Ticket:
    values = dict(enterprise_id=enterprise.id, channel="hotline", category=category, ticket_class="general",
                  handling_mode="follow", description="企业反映问题，请求处理。")
    values.update(changes)
    return tickets.register(actor_for(username), tickets.Intake(**values))


def rule(category="dispute", unit=None, officer=None, district="", industry="", username="leader") -> RoutingRule:
    return routing.save_rule(actor_for(username), routing.RuleInput(
        category=category, unit_id=unit.id if unit else None, officer_id=officer.id if officer else None,
        district=district, industry=industry))


def suggestion(ticket, username="desk"):
    return routing.suggest(actor_for(username), ticket.id)


def suggestion_in_english(ticket, username="desk"):
    """The suggestion with its reason worded for an English reader."""
    with force_locale("en"):
        return suggestion(ticket, username)


def client_for(app, username):
    client = fresh_client(app)
    login(client, username)
    return client


# --- the suggestion ------------------------------------------------------------------------------

def test_the_enterprises_own_station_and_liaison_officer_by_default(app, city, world):
    for enterprise, station, officer in [(world["a"], city.station_a, "officer_a"),
                                         (world["b"], city.station_b, "officer_b2")]:
        found = suggestion(register(enterprise))
        assert found.source == routing.ENTERPRISE and found.rule is None
        assert found.unit_id == station.id and found.officer_id == city.user(officer).id
        assert station.name in found.reason and officer.upper() in found.reason


def test_without_a_liaison_officer_of_that_station_the_unit_chooses(app, city, world):
    no_officer = registry.create(actor_for("desk_a"), {"name": "甲所辖区无警官企业有限公司", "credit_code": code(3)})
    ticket = register(no_officer)
    found = suggestion(ticket)
    assert (found.unit_id, found.officer_id) == (city.station_a.id, None)
    assert "未配备助企联络官" in found.reason
    assert "no liaison officer" in suggestion_in_english(ticket).reason
    # A liaison officer who has moved to another unit is not suggested with the station.
    moved = registry.create(actor_for("desk"), {"name": "甲所辖区调岗警官企业有限公司", "credit_code": code(4),
                                                "unit_id": city.station_a.id,
                                                "liaison_officer_id": city.user("officer_b").id})
    found = suggestion(register(moved))
    assert (found.unit_id, found.officer_id) == (city.station_a.id, None)
    assert "OFFICER_B" in found.reason


def test_a_category_rule_overrides_the_station(app, city, world):
    crj = city.user("crj_officer")
    made = rule("consultation", world["brigade"], crj)
    found = suggestion(register(world["a"], "consultation"))
    assert found.source == routing.RULE and found.rule.id == made.id
    assert (found.unit_id, found.officer_id) == (world["brigade"].id, crj.id)
    assert "出入境管理大队" in found.reason and "CRJ_OFFICER" in found.reason
    # Other categories still go to the enterprise's station.
    assert suggestion(register(world["a"], "dispute")).unit_id == city.station_a.id


def test_the_most_specific_rule_wins(app, city, world):
    shell = shell_actor()
    units = {name: save_unit(shell, {"code": name, "name": f"{name}大队", "kind": "brigade", "parent_id": city.city.id})
             for name in ("CAT", "IND", "DIS", "ALL")}
    category_only = rule("crime", units["CAT"])
    by_industry = rule("crime", units["IND"], industry="纺织服装")
    by_district = rule("crime", units["DIS"], district="暨阳街道")
    narrowest = rule("crime", units["ALL"], district="暨阳街道", industry="纺织服装")
    cases = [({"district": "暨阳街道", "industry": "纺织服装"}, narrowest, "category, district and industry"),
             ({"district": "暨阳街道", "industry": "食品加工"}, by_district, "category and district"),
             ({"district": "浣东街道", "industry": "纺织服装"}, by_industry, "category and industry"),
             ({"district": "浣东街道", "industry": "食品加工"}, category_only, "category")]
    for n, (fields, expected, words) in enumerate(cases):
        enterprise = registry.create(actor_for("desk_a"), {"name": f"甲所辖区测试{n}有限公司", "credit_code": code(10 + n),
                                                           **fields})
        found = suggestion_in_english(register(enterprise, "crime"))
        assert found.rule.id == expected.id and found.unit_id == expected.unit_id, fields
        assert f"(matched by {words})" in found.reason, found.reason


def test_a_rule_to_an_inactive_unit_is_passed_over(app, city, world):
    rule("dispute", world["brigade"])
    rule("dispute", city.station_b, district="暨阳街道")
    save_unit(shell_actor(), {"code": "STB", "name": city.station_b.name, "kind": "station",
                              "parent_id": city.city.id, "active": False}, city.station_b.id)
    found = suggestion(register(world["a"]))
    assert found.unit_id == world["brigade"].id and found.rule.district == ""


def test_a_transfer_gets_no_unit(app, city, world):
    ticket = register(world["a"], handling_mode="transfer", external_department="市场监管局")
    found = suggestion(ticket)
    assert found.source == routing.TRANSFER and found.unit is None


def test_the_suggestion_needs_the_dispatch_permission_and_the_ticket_in_scope(app, city, world):
    ticket = register(world["b"], username="desk_b")
    with pytest.raises(Forbidden):
        routing.suggest(actor_for("officer_b"), ticket.id)
    with pytest.raises(Exception) as refused:
        routing.suggest(actor_for("desk_a"), ticket.id)
    assert getattr(refused.value, "status", None) == 404


# --- the demo city -----------------------------------------------------------------------------------

@pytest.fixture
def demo(app):
    from core.demo import data

    data.build(enterprises=120, seed=7110, progress=lambda *_: None)


def test_the_demo_city_suggests_each_station_and_sends_exit_entry_matters_to_the_brigade(app, demo):
    from core.org.models import Unit
    from core.registry.models import Enterprise

    desk = actor_for("desk")
    stations = db.session.scalars(select(Unit).where(Unit.kind == "station").order_by(Unit.id)).all()
    assert len(stations) == 7
    for station in stations:
        enterprise = db.session.scalars(select(Enterprise).where(Enterprise.unit_id == station.id,
                                                                 Enterprise.liaison_officer_id.is_not(None))
                                        .order_by(Enterprise.id)).first()
        ticket = tickets.register(desk, tickets.Intake(
            enterprise_id=enterprise.id, channel="hotline", category="dispute", ticket_class="general",
            handling_mode="follow", description="厂区门口有人堵路。"))
        found = routing.suggest(desk, ticket.id)
        assert (found.source, found.unit_id, found.officer_id) == (
            routing.ENTERPRISE, station.id, enterprise.liaison_officer_id), station.name
    # The seeded rule: the exit-entry brigade's categories go to the brigade, whatever the station.
    seeded = routing.rules(desk)
    assert seeded and {r.unit.name for r in seeded} == {"出入境管理大队"}
    frozen = tickets.register(desk, tickets.Intake(
        enterprise_id=enterprise.id, channel="hotline", category=seeded[0].category, ticket_class="general",
        handling_mode="follow", description="跨境货款账户被冻结。"))
    found = routing.suggest(desk, frozen.id)
    assert found.source == routing.RULE and found.unit.name == "出入境管理大队" and found.officer is not None


# --- units as their tree, officers by unit -----------------------------------------------------------------

def test_units_are_listed_as_their_tree(app, city, world):
    shell = shell_actor()
    later = [save_unit(shell, {"code": f"ST{n}", "name": f"第{n}派出所", "kind": "station", "parent_id": city.city.id})
             for n in range(8)]                                     # ids past 10: /1/12/ sorts before /1/2/ as text
    sub = save_unit(shell, {"code": "STA-FZX", "name": "甲分中心", "kind": "sub_centre", "parent_id": city.station_a.id})
    names = [u.name for u in routing.units_in_tree(actor_for("desk"))]
    expected = ([city.city.name, city.centre.name, world["brigade"].name, city.station_a.name, sub.name,
                 city.station_b.name] + [u.name for u in later])
    assert names == expected
    html = client_for(app, "desk").get(f"/tickets/{register(world['a']).id}").get_data(as_text=True)
    select_html = re.search(r'<select[^>]*name="dispatch-unit_id".*?</select>', html, re.S).group(0)
    listed = [re.sub(r"^[　\s]+", "", label) for label in re.findall(r"<option[^>]*>([^<]*)</option>", select_html)][1:]
    assert listed == expected
    assert "　" + city.centre.name in select_html and "　　" + sub.name in select_html   # indented under its parent


def test_the_dispatch_form_preselects_the_suggestion_and_groups_officers_by_unit(app, city, world):
    rule("consultation", world["brigade"], city.user("crj_officer"))
    ticket = register(world["a"], "consultation")
    html = client_for(app, "desk").get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert 'data-testid="dispatch-suggestion"' in html and "出入境管理大队" in html
    unit_select = re.search(r'<select[^>]*name="dispatch-unit_id".*?</select>', html, re.S).group(0)
    assert re.search(rf'<option selected value="{world["brigade"].id}"|<option value="{world["brigade"].id}" selected',
                     unit_select)
    officers = re.search(r'<select[^>]*name="dispatch-officer_id"[^>]*>.*?</select>', html, re.S).group(0)
    assert 'data-officers-of="dispatch-unit_id"' in officers
    groups = dict(re.findall(r'<optgroup data-unit="(\d+)" label="([^"]+)">', officers))
    assert groups[str(city.station_a.id)] == city.station_a.name
    station_a = re.search(rf'<optgroup data-unit="{city.station_a.id}".*?</optgroup>', officers, re.S).group(0)
    assert "OFFICER_A" in station_a and "OFFICER_A2" in station_a and "OFFICER_B" not in station_a
    crj = city.user("crj_officer")
    assert re.search(rf'<option data-unit="{world["brigade"].id}" selected value="{crj.id}">', officers)
    assert "/static/routing.js" in html


def test_the_dispatch_service_refuses_an_officer_of_another_unit(app, city, world):
    ticket = register(world["a"])
    with pytest.raises(ValidationError):
        tickets.dispatch(actor_for("desk"), ticket.id, city.station_a.id, city.user("officer_b").id)
    assert db.session.get(Ticket, ticket.id).status == "registered"
    assert count(AuditEntry, AuditEntry.action == "ticket.dispatch", AuditEntry.result != "ok") == 1
    response = client_for(app, "desk").post(f"/tickets/{ticket.id}/dispatch", data={
        "dispatch-unit_id": str(city.station_a.id), "dispatch-officer_id": str(city.user("officer_b").id)})
    assert response.status_code == 400 and db.session.get(Ticket, ticket.id).status == "registered"
    # The form sent again keeps the reason beside it.
    assert 'data-testid="dispatch-suggestion"' in response.get_data(as_text=True)


def test_dispatching_by_the_form_as_suggested(app, city, world):
    ticket = register(world["a"])
    response = client_for(app, "desk").post(f"/tickets/{ticket.id}/dispatch", data={
        "dispatch-unit_id": str(city.station_a.id), "dispatch-officer_id": str(city.user("officer_a").id)})
    assert response.status_code == 302
    ticket = db.session.get(Ticket, ticket.id)
    assert (ticket.status, ticket.handling_unit_id, ticket.handling_officer_id) == (
        "dispatched", city.station_a.id, city.user("officer_a").id)


# --- bulk dispatch ----------------------------------------------------------------------------------------

def test_bulk_dispatch_by_the_suggestions_one_audit_entry_per_ticket(app, city, world):
    crj = city.user("crj_officer")
    rule("consultation", world["brigade"], crj)
    by_station = register(world["a"])
    by_rule = register(world["b"], "consultation")
    changed = register(world["b"])
    gone = register(world["a"])
    left = register(world["a"])
    client = client_for(app, "desk")
    page = client.get("/routing/dispatch")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.count('data-testid="bulk-row"') == 5 and "出入境管理大队" in html
    tickets.dispatch(actor_for("desk"), gone.id, city.station_b.id)       # someone else was quicker
    before = count(AuditEntry, AuditEntry.action == "ticket.dispatch")
    response = client.post("/routing/dispatch", data={
        "ticket": [str(by_station.id), str(by_rule.id), str(changed.id), str(gone.id)],
        f"unit-{by_station.id}": str(city.station_a.id), f"officer-{by_station.id}": str(city.user("officer_a").id),
        f"unit-{by_rule.id}": str(world["brigade"].id), f"officer-{by_rule.id}": str(crj.id),
        # The desk changed this row's unit: the suggested officer stays behind.
        f"unit-{changed.id}": str(city.station_a.id), f"officer-{changed.id}": str(city.user("officer_b2").id),
        f"unit-{gone.id}": str(city.station_a.id), f"officer-{gone.id}": str(city.user("officer_a").id),
        f"unit-{left.id}": str(city.station_a.id)})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count('data-dispatched="yes"') == 3 and html.count('data-dispatched="no"') == 1
    refused = re.search(r'data-dispatched="no">(.*?)</tr>', html, re.S).group(1)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", refused, re.S)
    assert gone.number in cells[0] and cells[2].strip()                  # the number and why
    db.session.rollback()
    rows = {t.id: t for t in db.session.scalars(select(Ticket))}
    assert (rows[by_station.id].handling_unit_id, rows[by_station.id].handling_officer_id) == (
        city.station_a.id, city.user("officer_a").id)
    assert (rows[by_rule.id].handling_unit_id, rows[by_rule.id].handling_officer_id) == (world["brigade"].id, crj.id)
    assert (rows[changed.id].handling_unit_id, rows[changed.id].handling_officer_id) == (city.station_a.id, None)
    assert rows[gone.id].handling_unit_id == city.station_b.id          # untouched by the refused row
    assert rows[left.id].status == "registered"                          # not ticked
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "ticket.dispatch",
                                                          AuditEntry.id > 0).order_by(AuditEntry.id)).all()
    new = entries[before:]
    ok = [e for e in new if e.result == "ok"]
    assert sorted(int(e.object_id) for e in ok) == sorted([by_station.id, by_rule.id, changed.id])
    assert [int(e.object_id) for e in new if e.result != "ok"] == [gone.id]


def test_bulk_dispatch_reports_the_refusals_and_needs_a_tick(app, city, world):
    ticket = register(world["a"])
    client = client_for(app, "desk")
    assert client.post("/routing/dispatch", data={}).status_code == 400
    results = routing.dispatch_many(actor_for("desk"), [routing.BulkChoice(ticket.id, None),
                                                        routing.BulkChoice(10**6, city.station_a.id)])
    assert [r.dispatched for r in results] == [False, False]
    assert results[0].number == ticket.number and results[0].message
    assert results[1].number == f"#{10**6}"
    assert db.session.get(Ticket, ticket.id).status == "registered"
    assert client_for(app, "officer_a").get("/routing/dispatch").status_code == 403


# --- the desk's queue with suggestions ---------------------------------------------------------------

def test_the_desks_queue_shows_each_rows_suggestion_in_a_bounded_number_of_queries(app, city, world):
    rule("consultation", world["brigade"], city.user("crj_officer"))
    rule("crime", city.station_a, city.user("officer_a2"))        # met only by the longer page's rows
    client = client_for(app, "desk")

    def statements(url):
        seen = []

        def record(*_args, **_kwargs):
            seen.append(1)

        event.listen(db.engine, "before_cursor_execute", record)
        try:
            response = client.get(url)
            assert response.status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
        return len(seen), response.get_data(as_text=True)

    register(world["a"])
    register(world["b"], "consultation")
    few, html = statements("/tickets/?queue=to_dispatch")
    cells = re.findall(r'<td data-testid="suggested-unit"[^>]*>(.*?)</td>', html, re.S)
    assert len(cells) == 2 and city.station_a.name in cells[0] and "出入境管理大队" in cells[1]   # oldest first
    for n in range(12):
        register(world["a" if n % 2 else "b"], ("consultation", "dispute", "crime")[n % 3])
    many, html = statements("/tickets/?queue=to_dispatch")
    assert html.count('data-testid="suggested-unit"') == 14
    assert many == few, (few, many)
    assert 'data-testid="suggested-unit"' not in client.get("/tickets/?queue=all").get_data(as_text=True)


# --- the rules page ------------------------------------------------------------------------------------

def test_who_may_keep_the_rules(app, city, world):
    assert client_for(app, "desk").get("/routing/rules").status_code == 403
    assert client_for(app, "officer_a").get("/routing/rules").status_code == 403
    station_leader = client_for(app, "leader_a")
    page = station_leader.get("/routing/rules")
    assert page.status_code == 200 and 'data-testid="read-only"' in page.get_data(as_text=True)
    assert station_leader.get("/routing/rules/new").status_code == 403
    assert station_leader.post("/routing/rules/new", data={"category": "dispute",
                                                           "unit_id": str(city.station_a.id)}).status_code == 403
    assert count(RoutingRule) == 0
    assert count(AuditEntry, AuditEntry.action == "routing.rule_create", AuditEntry.result == "denied") >= 1
    leader = client_for(app, "leader")
    assert leader.get("/routing/admin/rules").status_code == 403          # the administrator's pages
    response = leader.post("/routing/rules/new", data={"category": "consultation", "district": "暨阳街道",
                                                       "unit_id": str(world["brigade"].id),
                                                       "officer_id": str(city.user("crj_officer").id)})
    assert response.status_code == 302
    made = db.session.scalar(select(RoutingRule))
    assert (made.category, made.district, made.industry, made.unit_id) == ("consultation", "暨阳街道", "",
                                                                           world["brigade"].id)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "routing.rule_create",
                                                       AuditEntry.result == "ok"))
    assert entry.detail["unit"] == "CRJ" and entry.detail["officer"] == "crj_officer"
    assert leader.get(f"/routing/rules/{made.id + 1}/edit").status_code == 404
    assert leader.get(f"/routing/rules/{2**40}/edit").status_code == 404
    listed = leader.get("/routing/rules").get_data(as_text=True)
    assert "出入境管理大队" in listed and 'data-testid="edit-rule"' in listed
    # The administrator keeps them too, on the pages of their own permission.
    admin = client_for(app, "admin")
    assert admin.get("/routing/rules").status_code == 403
    assert "出入境管理大队" in admin.get("/routing/admin/rules").get_data(as_text=True)
    response = admin.post(f"/routing/admin/rules/{made.id}/edit", data={
        "category": "consultation", "district": "", "industry": "", "unit_id": str(city.station_b.id)})
    assert response.status_code == 302
    db.session.rollback()
    made = db.session.get(RoutingRule, made.id)
    assert (made.district, made.unit_id, made.officer_id) == ("", city.station_b.id, None)
    assert count(AuditEntry, AuditEntry.action == "routing.rule_update", AuditEntry.result == "ok") == 1
    assert admin.post(f"/routing/admin/rules/{made.id}/delete").status_code == 302
    assert count(RoutingRule) == 0
    assert count(AuditEntry, AuditEntry.action == "routing.rule_delete", AuditEntry.result == "ok") == 1


def test_the_rule_form_shows_every_error_at_once_and_changes_nothing(app, city, world):
    leader = client_for(app, "leader")
    form = leader.get("/routing/rules/new").get_data(as_text=True)
    assert "出入境管理大队" in form and 'data-officers-of="unit_id"' in form
    response = leader.post("/routing/rules/new", data={"category": "nonsense", "unit_id": "",
                                                       "officer_id": str(city.user("officer_a").id)})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert html.count('class="error"') == 3
    response = leader.post("/routing/rules/new", data={"category": "dispute", "unit_id": str(city.station_b.id),
                                                       "officer_id": str(city.user("officer_a").id)})
    assert response.status_code == 400 and html.count('class="error"') >= 1
    assert count(RoutingRule) == 0
    assert count(AuditEntry, AuditEntry.action == "routing.rule_create", AuditEntry.result != "ok") == 2
    rule("dispute", city.station_b)
    with pytest.raises(ValidationError) as caught:
        rule("dispute", world["brigade"])
    assert "category" in caught.value.errors and count(RoutingRule) == 1


def test_a_station_leader_sees_only_the_rules_of_their_units(app, city, world):
    rule("dispute", city.station_b)
    rule("crime", city.station_a)
    assert [r.category for r in routing.rules(actor_for("leader_a"))] == ["crime"]
    assert len(routing.rules(actor_for("leader"))) == 2


# --- the API ------------------------------------------------------------------------------------------

def test_the_api_gives_the_suggestion_and_the_rules(app, city, world):
    rule("consultation", world["brigade"], city.user("crj_officer"), district="暨阳街道")
    ticket = register(world["a"], "consultation", username="desk_a")   # an online demand lands at the station
    foreign = register(world["b"], username="desk_b")
    system_account("sys_a", city.station_a.id, roles=["desk"], leader="leader")
    _row, token = auth.issue(shell_actor(), "sys_a", "test")
    client = fresh_client(app)
    headers = {"Authorization": f"Bearer {token}", "Accept-Language": "en"}
    # A station's system account cannot dispatch to the brigade: it is offered its own station instead.
    body = client.get(f"/api/v1/tickets/{ticket.id}/suggestion", headers=headers).get_json()
    assert body["source"] == "enterprise" and body["unit"]["id"] == city.station_a.id
    assert body["dispatchable"] is True and body["reason"].startswith("The enterprise's own unit")
    assert client.get(f"/api/v1/tickets/{foreign.id}/suggestion", headers=headers).status_code == 404
    assert client.get("/api/v1/routing-rules", headers=headers).get_json() == {"items": []}
    system_account("sys_hq", city.centre.id, roles=["desk"])
    _row, token = auth.issue(shell_actor(), "sys_hq", "test")
    headers["Authorization"] = f"Bearer {token}"
    body = client.get(f"/api/v1/tickets/{ticket.id}/suggestion", headers=headers).get_json()
    assert body["source"] == "rule" and body["unit"]["code"] == "CRJ" and body["officer"]["name"] == "CRJ_OFFICER"
    assert body["rule"]["matched_by"] == "category_district" and "(matched by category and district)" in body["reason"]
    rules = client.get("/api/v1/routing-rules", headers=headers).get_json()["items"]
    assert [(r["category"], r["district"], r["industry"], r["unit"]["code"]) for r in rules] == [
        ("consultation", "暨阳街道", None, "CRJ")]
    system_account("sys_officer", city.centre.id, roles=["officer"])
    _row, token = auth.issue(shell_actor(), "sys_officer", "test")
    headers["Authorization"] = f"Bearer {token}"
    assert client.get(f"/api/v1/tickets/{ticket.id}/suggestion", headers=headers).status_code == 403
    assert client.get("/api/v1/routing-rules", headers=headers).status_code == 403


def test_a_rule_may_route_a_category_of_a_plugin_the_keepers_own_unit_has_not_enabled(app, city, world):
    from core.plugins import services as plugins

    plugins.set_enabled(shell_actor(), "CRJ", "exit_entry", True)          # the brigade's plugin only
    admin, frozen = actor_for("admin"), "exit_entry.frozen_account"
    assert frozen not in tickets.categories(admin) and frozen in routing.rule_categories(admin)
    made = rule(frozen, world["brigade"], username="admin")
    html = client_for(app, "admin").get("/routing/admin/rules").get_data(as_text=True)
    assert "跨境贸易账户冻结" in html and frozen not in html                  # its name, not its code
    assert made.category == frozen

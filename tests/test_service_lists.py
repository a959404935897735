"""The positive service list (点单式服务) and the negative list of conduct (负面清单),
core/service_lists: kept by leaders, audited, every problem at once; an enterprise
orders a service on the portal (a ticket of its category, suggested for dispatch to
its unit with its 办理时限); complaints and 作风问题 tickets tagged against the
negative list by desk or leader, counted per entry on the statistics page."""
from datetime import datetime

import pytest
from sqlalchemy import select

from core import clock
from core.audit.models import AuditEntry
from core.errors import Forbidden, NotFound, ValidationError
from core.extensions import db
from core.org.actor import shell_actor
from core.org.services import save_user
from core.registry import services as registry
from core.service_lists import services as lists
from core.service_lists.models import ConductRule, ServiceOffer, ServiceOrder, TicketConductTag
from core.tickets import services as tickets
from tests.conftest import PASSWORD, actor_for, enrol_second_factor, login
from tests.helpers import code, count, fresh_client
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)
from tests.portal_world import portal, portal_login, verified_account


@pytest.fixture
def world(city):
    clock.freeze(datetime(2026, 11, 20, 2, 0))
    shell = shell_actor()
    for username, unit in (("leader_a", city.station_a), ("leader_b", city.station_b)):
        save_user(shell, {"username": username, "name": username.upper(), "unit_id": unit.id, "roles": ["leader"],
                          "password": PASSWORD})
        enrol_second_factor(username)
    centre_offer = lists.save_offer(actor_for("leader"), lists.OfferInput(
        name="企业安全防范上门指导", description="民警上门指导企业内部安全防范。", unit_id=city.centre.id,
        category="safety", days="5"))
    station_b_offer = lists.save_offer(actor_for("leader_b"), lists.OfferInput(
        name="乙所户籍集中办理", description="上门集中办理户籍业务。", unit_id=city.station_b.id,
        category="service", days="3"))
    rule = lists.save_rule(actor_for("leader"), lists.RuleInput(code="1", text="对企业诉求推诿扯皮、敷衍塞责。"))
    other = lists.save_rule(actor_for("leader"), lists.RuleInput(code="2", text="吃拿卡要，接受企业宴请。"))
    account = verified_account("desk_a", 1, "甲所辖区华达纺织有限公司", "13800000001")
    yield {"centre_offer": centre_offer, "station_b_offer": station_b_offer, "rule": rule, "other": other,
           "account": account}
    clock.freeze(None)


def test_leaders_keep_the_lists_audited_and_others_may_not(app, city, world):
    offer = world["centre_offer"]
    lists.save_offer(actor_for("leader"), lists.OfferInput(
        name=offer.name, description=offer.description, unit_id=city.centre.id, category="safety", days="7",
        active=False), offer.id)
    assert (db.session.get(ServiceOffer, offer.id).days, db.session.get(ServiceOffer, offer.id).active) == (7, False)
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.object_type.in_(
        ("service_offer", "conduct_rule")), AuditEntry.result == "ok").order_by(AuditEntry.id)).all()
    assert actions == ["service_offer.create", "service_offer.create", "conduct_rule.create", "conduct_rule.create",
                       "service_offer.update"]
    with pytest.raises(Forbidden):
        lists.save_offer(actor_for("desk"), lists.OfferInput(name="x"))
    with pytest.raises(NotFound):            # another station's service
        lists.get_offer(actor_for("leader_a"), world["station_b_offer"].id)
    with pytest.raises(Forbidden):           # the negative list is the centre's
        lists.save_rule(actor_for("leader_a"), lists.RuleInput(code="9", text="x"))
    assert count(AuditEntry, AuditEntry.action == "conduct_rule.create", AuditEntry.result == "denied") == 1


def test_every_problem_at_once_and_nothing_saved(app, city, world):
    with pytest.raises(ValidationError) as caught:
        lists.save_offer(actor_for("leader_a"), lists.OfferInput(name="", description="", unit_id=city.station_b.id,
                                                                 category="nonsense", days="0", sort_order="x"))
    assert set(caught.value.errors) == {"name", "description", "unit_id", "category", "days", "sort_order"}
    with pytest.raises(ValidationError) as caught:
        lists.save_rule(actor_for("leader"), lists.RuleInput(code="1", text=""))
    assert set(caught.value.errors) == {"code", "text"}
    assert count(ServiceOffer) == 2 and count(ConductRule) == 2


def test_an_enterprise_orders_a_service_and_the_desk_is_told_its_unit(app, city, world):
    actor = portal(world["account"])
    offers = lists.published_offers(actor.enterprise)
    assert [o.name for o in offers] == ["企业安全防范上门指导"]       # not the other station's
    with pytest.raises(NotFound):
        lists.order(actor, world["station_b_offer"].id, "x")
    ticket = lists.order(actor, world["centre_offer"].id, "请来厂里看看监控布置。", submission_key="k" * 20)
    assert (ticket.category, ticket.channel, ticket.status) == ("safety", "online", "registered")
    assert "企业安全防范上门指导" in ticket.description and "请来厂里看看监控布置。" in ticket.description
    assert lists.order(actor, world["centre_offer"].id, "again", submission_key="k" * 20).id == ticket.id
    assert count(ServiceOrder) == 1
    from core.routing import services as routing

    suggestion = routing.suggest(actor_for("desk"), ticket.id)
    assert (suggestion.source, suggestion.unit_id) == (routing.SERVICE, city.centre.id)
    assert lists.due_on(ticket, world["centre_offer"]).isoformat() == "2026-11-27"   # five working days
    tickets.dispatch(actor_for("desk"), ticket.id, suggestion.unit_id, due_on="2026-11-27")
    assert db.session.get(type(ticket), ticket.id).handling_unit_id == city.centre.id


def test_the_order_pages_on_the_portal(app, city, world):
    client = fresh_client(app)
    assert client.get("/portal/services/negative-list").status_code == 200
    assert "推诿扯皮" in client.get("/portal/services/negative-list").get_data(as_text=True)
    portal_login(client, "13800000001")
    page = client.get("/portal/services/").get_data(as_text=True)
    assert "企业安全防范上门指导" in page and "乙所户籍集中办理" not in page
    assert client.get(f"/portal/services/{world['station_b_offer'].id}/order").status_code == 404
    response = client.post(f"/portal/services/{world['centre_offer'].id}/order",
                           data={"text": "请尽快安排。", "submission_key": "s" * 24})
    assert response.status_code == 303
    ticket_id = db.session.scalar(select(ServiceOrder.ticket_id))
    assert response.headers["Location"].endswith(f"/portal/demands/{ticket_id}")
    assert "企业安全防范上门指导" in client.get("/portal/demands").get_data(as_text=True)


def _complaint(city, category="conduct"):
    enterprise = registry.find_by_credit_code(code(1))
    ticket = tickets.register(actor_for("desk_a"), tickets.Intake(
        enterprise_id=enterprise.id, channel="hotline", category=category, ticket_class="general",
        handling_mode="follow", description="反映窗口办事人员态度生硬。"))
    return ticket


def test_complaints_are_tagged_by_desk_or_leader_and_counted(app, city, world):
    conduct = _complaint(city)
    dispute = _complaint(city, "dispute")
    with pytest.raises(ValidationError):         # neither a complaint nor 作风问题
        lists.tag(actor_for("desk_a"), dispute.id, [str(world["rule"].id)])
    tickets.complain(actor_for("desk_a"), dispute.id, "处理民警吃拿卡要。")
    lists.tag(actor_for("desk_a"), dispute.id, [str(world["other"].id)])
    assert [r.code for r in lists.tag(actor_for("desk_a"), conduct.id, [str(world["rule"].id), str(world["other"].id)])] \
        == ["1", "2"]
    with pytest.raises(Forbidden):
        lists.tag(actor_for("officer_a"), conduct.id, [])
    with pytest.raises(NotFound):                 # another station's ticket
        lists.tag(actor_for("desk_b"), conduct.id, [])
    assert count(AuditEntry, AuditEntry.action == "ticket.conduct_tag", AuditEntry.result == "ok") == 2
    day = clock.now().date()
    counted = {c.rule.code: c.tickets for c in lists.counts(actor_for("desk"), day, day)}
    assert counted == {"1": 1, "2": 2}
    assert {c.rule.code: c.tickets for c in lists.counts(actor_for("desk_b"), day, day)} == {"1": 0, "2": 0}
    lists.tag(actor_for("leader"), conduct.id, [str(world["rule"].id)])   # 2 removed
    assert {c.rule.code: c.tickets for c in lists.counts(actor_for("desk"), day, day)} == {"1": 1, "2": 1}
    assert count(TicketConductTag) == 2


def test_the_ticket_page_tags_and_the_statistics_page_counts(app, city, world):
    conduct = _complaint(city)
    client = fresh_client(app)
    login(client, "desk_a")
    page = client.get(f"/tickets/{conduct.id}").get_data(as_text=True)
    assert 'data-testid="conduct-tag-form"' in page
    response = client.post(f"/service-lists/tickets/{conduct.id}/tags", data={"rule_ids": [str(world["rule"].id)]})
    assert response.status_code == 303
    assert [t.rule_id for t in db.session.scalars(select(TicketConductTag))] == [world["rule"].id]
    stats = client.get("/tickets/stats?preset=month").get_data(as_text=True)
    assert 'data-testid="conduct-counts"' in stats and "推诿扯皮" in stats


def test_the_leaders_pages(app, city, world):
    client = fresh_client(app)
    login(client, "leader")
    assert "企业安全防范上门指导" in client.get("/service-lists/").get_data(as_text=True)
    response = client.post("/service-lists/services/new", data={"name": "", "days": "x"})
    assert response.status_code == 400
    response = client.post("/service-lists/negative-list/new", data={"code": "3", "text": "违规插手经济纠纷。",
                                                                     "active": "y"})
    assert response.status_code == 303
    assert db.session.scalar(select(ConductRule.text).where(ConductRule.code == "3")) == "违规插手经济纠纷。"

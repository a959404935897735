"""转盯办 and 现场办 as workflow.

转盯办: the follower (盯办人) named at dispatch (the liaison officer by default), who
sees the ticket wherever they serve, has a queue of their own, is told, is warned
by the sweep at 80 % of the time and when the ticket goes overdue (controllable
clock, working-day calendar), and is changed by the centre only (audited).

现场办: the on-site result answers the ticket; the enterprise confirms it on the
portal, or the officer records the signed visit record (with a scan checked like
every attachment); the desk sees the confirmation before closing; the statistics
count the confirmed results."""
import io
import re
from datetime import date, datetime

import pytest
from sqlalchemy import select

from core import clock
from core.audit.models import AuditEntry
from core.errors import Forbidden, NotFound, ValidationError
from core.extensions import db
from core.notifications.models import Notification
from core.org.actor import shell_actor
from core.org.models import User
from core.org.services import save_unit, save_user
from core.registry import services as registry
from core.tickets import attachments, deadlines, follow, onsite, queues, statistics
from core.tickets import services as tickets
from core.tickets.models import Ticket, TicketAttachment, TicketEvent
from core.tickets.onsite_models import TicketVisit
from core.tickets.services import IllegalTransition
from core.tickets.sweep import sweep
from tests.conftest import PASSWORD, actor_for, login
from tests.helpers import code, count, fresh_client, system_account
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)
from tests.portal_world import PNG, portal, portal_login, verified_account

MP3 = b"ID3\x03\x00\x00\x00\x00\x00\x00" + bytes(200)


def utc(y, m, d, hh=0, mm=0) -> datetime:
    """A Beijing wall-clock time as the naive UTC the database stores."""
    return datetime(y, m, d, hh, mm).replace(tzinfo=deadlines.LOCAL).astimezone(deadlines.UTC).replace(tzinfo=None)


@pytest.fixture
def firms(city):
    """An enterprise of station A whose liaison officer is officer_a, and one without a liaison officer."""
    clock.freeze(utc(2026, 3, 2, 9))   # Monday 2 March 2026, 09:00 in Beijing
    served = registry.create(actor_for("desk_a"), {"name": "浙江华达科技有限公司", "credit_code": code(1),
                                                   "liaison_officer_id": city.users["officer_a"].id})
    alone = registry.create(actor_for("desk_a"), {"name": "诸暨市永信袜业有限公司", "credit_code": code(2)})
    return served, alone


def register(enterprise, mode="follow", username="desk", **changes) -> Ticket:
    values = dict(enterprise_id=enterprise.id, channel="hotline", category="dispute", ticket_class="general",
                  handling_mode=mode, description="厂区门口有人堵路，影响出货。")
    values.update(changes)
    return tickets.register(actor_for(username), tickets.Intake(**values))


def notices(username, kind=None) -> list[str]:
    db.session.rollback()
    user = db.session.scalar(select(User).where(User.username == username))
    stmt = select(Notification.kind).where(Notification.user_id == user.id)
    if kind:
        stmt = stmt.where(Notification.kind == kind)
    return list(db.session.scalars(stmt.order_by(Notification.id)))


def warned(ticket_id, kind) -> list[str]:
    db.session.rollback()
    return sorted(db.session.get(User, n.user_id).username for n in db.session.scalars(
        select(Notification).where(Notification.ticket_id == ticket_id, Notification.kind == kind)))


def client_for(app, username):
    client = fresh_client(app)
    login(client, username)
    return client


def fresh(ticket_id) -> Ticket:
    db.session.rollback()
    return db.session.get(Ticket, ticket_id)


# --- 转盯办: the follower ---------------------------------------------------------------------

def test_a_follow_ticket_gets_the_liaison_officer_as_follower_who_is_told(city, firms):
    served, _ = firms
    ticket = register(served)
    assert ticket.follower_id is None
    tickets.dispatch(actor_for("desk"), ticket.id, city.station_b.id)
    ticket = fresh(ticket.id)
    assert ticket.follower_id == city.users["officer_a"].id
    # Told once that they follow it (the station it went to is told as a unit).
    assert notices("officer_a") == ["following"]
    assert notices("officer_b") == ["dispatched"]
    event = db.session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id,
                                                         TicketEvent.kind == "follower_set")).one()
    assert event.data == {"follower": city.users["officer_a"].id, "previous": None}
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "ticket.follower")).one()
    assert entry.detail == {"follower": "officer_a", "previous": None} and entry.username == "desk"
    # In their queue "I follow", counted.
    officer = actor_for("officer_a")
    assert [t.id for t in queues.page(officer, "following").items] == [ticket.id]
    assert queues.counts(officer)["following"] == 1
    assert queues.counts(actor_for("officer_b"))["following"] == 0


def test_a_follower_the_centre_names_sees_the_ticket_outside_their_units(app, city, firms):
    served, _ = firms
    ticket = register(served)
    officer_b = actor_for("officer_b")
    with pytest.raises(NotFound):
        tickets.get(officer_b, ticket.id)
    tickets.dispatch(actor_for("desk"), ticket.id, city.station_a.id, follower_id=city.users["officer_b"].id)
    assert fresh(ticket.id).follower_id == city.users["officer_b"].id
    assert notices("officer_b") == ["following"]
    # officer_a is in the unit the ticket went to: the unit's notice only, nothing as follower.
    assert notices("officer_a") == ["dispatched"]
    assert tickets.get(officer_b, ticket.id).id == ticket.id
    client = client_for(app, "officer_b")
    page = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert 'data-testid="follower-name">OFFICER_B<' in page
    assert "change-follower" not in page and 'data-testid="action-follower"' not in page   # the centre's action
    listing = client.get("/tickets/?queue=following").get_data(as_text=True)
    assert ticket.number in listing and 'data-testid="count-following">1<' in listing
    # The centre changes the follower: audited, on the timeline; the old one no longer sees it.
    response = client_for(app, "desk").post(f"/tickets/{ticket.id}/follower", data={
        "follower-follower_id": str(city.users["leader"].id), "follower-note": "提级盯办"})
    assert response.status_code == 302
    assert fresh(ticket.id).follower_id == city.users["leader"].id
    assert "following" in notices("leader")
    with pytest.raises(NotFound):
        tickets.get(officer_b, ticket.id)
    assert [e.detail for e in db.session.scalars(select(AuditEntry).where(AuditEntry.action == "ticket.follower")
                                                  .order_by(AuditEntry.id))] == [
        {"follower": "officer_b", "previous": None}, {"follower": "leader", "previous": "officer_b"}]
    # The handling unit may not change it.
    with pytest.raises(Forbidden):
        follow.change(actor_for("officer_a"), ticket.id, city.users["officer_a"].id)
    assert fresh(ticket.id).follower_id == city.users["leader"].id


def test_only_an_officer_or_leader_of_the_tree_may_follow(city, firms):
    served, _ = firms
    ticket = register(served)
    shell = shell_actor()
    gone = save_user(shell, {"username": "gone", "name": "GONE", "unit_id": city.station_a.id, "roles": ["officer"],
                             "password": PASSWORD})
    gone.active = False
    other_root = save_unit(shell, {"code": "ELSE", "name": "另一市公安局", "kind": "city_bureau"})
    stranger = save_user(shell, {"username": "stranger", "name": "STRANGER", "unit_id": other_root.id,
                                 "roles": ["officer"], "password": PASSWORD})
    robot = system_account("robot", city.station_a.id, roles=["officer"])
    db.session.commit()
    desk = actor_for("desk")
    for user_id in (city.users["desk_a"].id, gone.id, stranger.id, robot.id, 999999, "x"):
        with pytest.raises(ValidationError) as refused:
            follow.change(desk, ticket.id, user_id)
        assert refused.value.errors.keys() == {"follower_id"}
        with pytest.raises(ValidationError):
            tickets.dispatch(desk, ticket.id, city.station_a.id, follower_id=user_id)
    ticket = fresh(ticket.id)
    assert ticket.follower_id is None and ticket.status == "registered"
    assert db.session.scalar(select(AuditEntry.result).where(AuditEntry.action == "ticket.follower")) == "rejected"
    # A 转盯办 ticket keeps a follower; a ticket of another mode may lose it.
    follow.change(desk, ticket.id, city.users["officer_b"].id)
    with pytest.raises(ValidationError):
        follow.change(desk, ticket.id, None)
    other = register(served, mode="listed", follower_id=city.users["officer_b"].id)
    assert other.follower_id == city.users["officer_b"].id
    follow.change(desk, other.id, None)
    assert fresh(other.id).follower_id is None
    with pytest.raises(ValidationError):
        register(served, follower_id=city.users["desk_a"].id)


def test_without_a_liaison_officer_the_ticket_goes_and_asks_for_a_follower(app, city, firms):
    _, alone = firms
    ticket = register(alone)
    page = client_for(app, "desk").get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert 'name="dispatch-follower_id"' in page
    response = client_for(app, "desk").post(f"/tickets/{ticket.id}/dispatch", data={
        "dispatch-unit_id": str(city.station_a.id)}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert fresh(ticket.id).status == "dispatched" and fresh(ticket.id).follower_id is None
    assert 'data-testid="follower-missing"' in page and "flash-success" in page
    assert follow.missing(fresh(ticket.id))


def test_the_dispatch_form_offers_the_liaison_officer_first_chosen(app, city, firms):
    served, _ = firms
    ticket = register(served)
    page = client_for(app, "desk").get(f"/tickets/{ticket.id}").get_data(as_text=True)
    select_html = re.search(r'<select[^>]*name="dispatch-follower_id".*?</select>', page, re.S).group(0)
    assert re.search(rf'<option selected value="{city.users["officer_a"].id}">OFFICER_A（甲派出所）</option>',
                     select_html)
    assert "DESK" not in select_html and "LEADER（护企优商服务中心）" in select_html


def test_the_follower_is_warned_at_80_percent_once_and_when_it_is_overdue(city, firms):
    served, _ = firms
    ticket = register(served)   # Monday 09:00; signing for is due by the end of Tuesday
    tickets.dispatch(actor_for("desk"), ticket.id, city.station_a.id, follower_id=city.users["officer_b"].id)
    clock.freeze(utc(2026, 3, 3, 16, 0))
    assert sweep().warned == 0
    clock.freeze(utc(2026, 3, 3, 16, 15))   # 80 % of the 39 hours: Tuesday 16:12
    assert sweep().warned == 1
    assert warned(ticket.id, "warning") == ["desk_a", "officer_a", "officer_b"]
    clock.freeze(utc(2026, 3, 3, 16, 20))
    assert sweep().warned == 0
    assert warned(ticket.id, "warning") == ["desk_a", "officer_a", "officer_b"]    # once
    clock.freeze(utc(2026, 3, 4, 0, 5))
    assert sweep().overdue == 1
    assert warned(ticket.id, "overdue") == ["desk_a", "leader", "officer_a", "officer_b"]
    clock.freeze(utc(2026, 3, 4, 0, 10))
    sweep()
    assert warned(ticket.id, "overdue") == ["desk_a", "leader", "officer_a", "officer_b"]
    # A follower who has left is not written to.
    other = register(served)
    tickets.dispatch(actor_for("desk"), other.id, city.station_b.id)   # follower: officer_a, the liaison
    user = db.session.get(User, city.users["officer_a"].id)
    user.active = False
    db.session.commit()
    clock.freeze(utc(2026, 3, 6, 0, 5))
    sweep()
    assert "officer_a" not in warned(other.id, "overdue")


def test_the_api_names_the_follower_at_intake_and_changes_it(app, city, firms):
    served, _ = firms
    system_account("sys_desk", city.centre.id, roles=["desk"])
    from core.api import auth as api_auth

    _, token = api_auth.issue(shell_actor(), "sys_desk", "测试")
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    client = fresh_client(app)
    body = {"enterprise_id": served.id, "channel": "government", "category": "dispute", "ticket_class": "general",
            "handling_mode": "listed", "description": "12345转来。", "follower_id": city.users["officer_b"].id}
    created = client.post("/api/v1/tickets", json=body, headers=headers)
    assert created.status_code == 201, created.get_json()
    data = created.get_json()
    assert data["follower"]["name"] == "OFFICER_B" and data["follower"]["unit"]["code"] == "STB"
    refused = client.post("/api/v1/tickets", json={**body, "follower_id": city.users["desk_a"].id}, headers=headers)
    assert refused.status_code == 422 and "follower_id" in refused.get_json()["error"]["fields"]
    response = client.post(f"/api/v1/tickets/{data['id']}/follower", json={"follower_id": city.users["leader"].id},
                           headers=headers)
    assert response.status_code == 200 and response.get_json()["follower"]["name"] == "LEADER"
    response = client.post(f"/api/v1/tickets/{data['id']}/follower", json={"follower_id": None}, headers=headers)
    assert response.status_code == 200 and response.get_json()["follower"] is None
    queue = client.get("/api/v1/tickets?queue=following", headers=headers)
    assert queue.status_code == 200 and queue.get_json()["items"] == []


# --- 现场办: the on-site result ----------------------------------------------------------------

def handled(city, enterprise, mode="on_site", username="desk") -> Ticket:
    ticket = register(enterprise, mode=mode, username=username)
    tickets.dispatch(actor_for(username), ticket.id, city.station_a.id)
    return tickets.sign(actor_for("officer_a"), ticket.id)


def scan(name="签字单.png", data=PNG):
    return attachments.check_uploads([(name, io.BytesIO(data))])


def test_an_onsite_ticket_is_answered_by_its_onsite_result(app, city, firms):
    served, _ = firms
    ticket = handled(city, served)
    officer = actor_for("officer_a")
    found = tickets.available_actions(officer, ticket)
    assert "onsite" in found and "answer" not in found
    with pytest.raises(IllegalTransition):
        tickets.answer(officer, ticket.id, "电话已答复。", "resolved")
    with pytest.raises(ValidationError) as refused:
        onsite.record_result(officer, ticket.id, "2026-03-09", "", " ", "done", signed_record=scan())
    assert set(refused.value.errors) == {"visited_on", "place", "done", "result", "signer_name"}
    with pytest.raises(ValidationError) as early:
        onsite.record_result(officer, ticket.id, date(2026, 3, 1), "厂区门口", "现场疏导。", "resolved")
    assert set(early.value.errors) == {"visited_on"}
    assert fresh(ticket.id).status == "handling" and count(TicketVisit) == 0
    assert db.session.scalar(select(AuditEntry.detail).where(AuditEntry.action == "ticket.onsite")) == {
        "fields": ["done", "place", "result", "signer_name", "visited_on"]}
    # Through the page: the result answers the ticket and waits for the enterprise.
    response = client_for(app, "officer_a").post(f"/tickets/{ticket.id}/onsite", data={
        "onsite-visited_on": "2026-03-02", "onsite-place": "浙江华达科技有限公司厂区门口",
        "onsite-done": "会同交警现场疏导，拆除堵路障碍物。", "onsite-result": "resolved"})
    assert response.status_code == 302
    ticket = fresh(ticket.id)
    assert (ticket.status, ticket.result, ticket.answer) == ("answered", "resolved", "会同交警现场疏导，拆除堵路障碍物。")
    assert ticket.onsite_confirmed_at is None
    visit = db.session.scalars(select(TicketVisit)).one()
    assert (visit.visited_on, visit.place, visit.confirmed_at) == (date(2026, 3, 2), "浙江华达科技有限公司厂区门口", None)
    assert [e.kind for e in ticket.events][-1] == "onsite_answered"
    page = client_for(app, "desk").get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert 'data-testid="onsite-state"' in page and 'data-testid="close-onsite-state"' in page
    assert str(tickets._l("The enterprise has not confirmed the on-site result yet.")) in page
    # The desk may close it anyway; it sees the state first.
    tickets.close(actor_for("desk"), ticket.id)
    # A ticket of another mode takes no on-site result.
    other = handled(city, served, mode="follow")
    assert "onsite" not in tickets.available_actions(officer, other)
    with pytest.raises(IllegalTransition):
        onsite.record_result(officer, other.id, "2026-03-02", "厂区", "现场处置。", "resolved")


@pytest.fixture
def portal_firm(city):
    clock.freeze(utc(2026, 3, 2, 9))
    mine = verified_account("desk_a", 11, "甲精密机械有限公司", "13900139001")
    theirs = verified_account("desk_b", 12, "乙纺织有限公司", "13900139002")
    return mine, theirs


def test_the_enterprise_confirms_the_onsite_result_on_the_portal(app, city, portal_firm):
    mine, theirs = portal_firm
    enterprise = registry.get(actor_for("desk"), mine.enterprise_id)
    ticket = handled(city, enterprise)
    onsite.record_result(actor_for("officer_a"), ticket.id, "2026-03-02", "甲精密机械有限公司车间",
                         "现场调解劳资纠纷，双方达成协议。", "resolved")
    # Staff cannot confirm for the enterprise.
    with pytest.raises(Forbidden):
        onsite.confirm(actor_for("desk"), ticket.id)
    client = fresh_client(app)
    portal_login(client, "13900139001")
    page = client.get(f"/portal/demands/{ticket.id}").get_data(as_text=True)
    assert 'data-testid="onsite-confirm"' in page and "现场调解劳资纠纷" in page
    assert 'data-testid="waiting-demands"' in client.get("/portal/home").get_data(as_text=True)
    response = client.post(f"/portal/demands/{ticket.id}/onsite-confirm")
    assert response.status_code == 302
    ticket = fresh(ticket.id)
    assert ticket.onsite_confirmed_at == utc(2026, 3, 2, 9)
    visit = db.session.scalars(select(TicketVisit)).one()
    assert (visit.confirmed_by, visit.portal_account_id) == ("portal", mine.id)
    page = client.get(f"/portal/demands/{ticket.id}").get_data(as_text=True)
    assert 'data-testid="onsite-confirm"' not in page and "flash-success" in page
    assert str(tickets._l("On-site result confirmed by the enterprise")) in page or \
        "On-site result confirmed by the enterprise" in page
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "ticket.onsite_confirm")
                                 .order_by(AuditEntry.id)).all()
    assert [(e.username, e.result) for e in entries] == [("desk", "denied"), (f"portal:{mine.id}", "ok")]
    assert "onsite_confirmed" in notices("desk")
    # Once only.
    again = client.post(f"/portal/demands/{ticket.id}/onsite-confirm")
    assert again.status_code == 400 and count(TicketVisit, TicketVisit.confirmed_at.is_not(None)) == 1
    # The other enterprise's account finds nothing there.
    other = fresh_client(app)
    portal_login(other, "13900139002")
    assert other.post(f"/portal/demands/{ticket.id}/onsite-confirm").status_code == 404
    # The desk sees the confirmation before closing.
    page = client_for(app, "desk").get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert str(tickets._l("The enterprise has confirmed the on-site result.")) in page
    assert 'data-testid="onsite-confirmation"' in page


def test_the_signed_visit_record_confirms_with_its_scan(app, city, firms):
    served, _ = firms
    officer = actor_for("officer_a")
    ticket = handled(city, served)
    onsite.record_result(officer, ticket.id, "2026-03-02", "厂区门口", "现场疏导。", "resolved",
                         signer_name="王经理", signed_record=scan())
    ticket = fresh(ticket.id)
    visit = db.session.scalars(select(TicketVisit)).one()
    assert (visit.confirmed_by, visit.signer_name) == ("signature", "王经理")
    assert ticket.onsite_confirmed_at is not None
    stored = db.session.get(TicketAttachment, visit.signed_record_id)
    assert stored.ticket_id == ticket.id and stored.original_name == "签字单.png"
    assert (attachments.folder() / stored.stored_name).read_bytes() == PNG
    assert [e.kind for e in ticket.events][-2:] == ["onsite_answered", "onsite_signed"]
    # Later, on another ticket: the signature recorded after the visit, by the page.
    second = handled(city, served)
    onsite.record_result(officer, second.id, "2026-03-02", "厂区", "现场处置。", "partly")
    for name, files, fields in (("王经理", scan("录音.mp3", MP3), {"signed_record"}),
                                ("", scan(), {"signer_name"})):
        with pytest.raises(ValidationError) as refused:
            onsite.record_signature(officer, second.id, name, files)
        assert set(refused.value.errors) == fields
    assert fresh(second.id).onsite_confirmed_at is None
    response = client_for(app, "desk").post(f"/tickets/{second.id}/onsite_signature", data={
        "onsite_signature-signer_name": "李总", "onsite_signature-signed_record": (io.BytesIO(PNG), "回执.png")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    assert fresh(second.id).onsite_confirmed_at is not None
    with pytest.raises(IllegalTransition):
        onsite.record_signature(officer, second.id, "李总")


def test_the_statistics_count_the_confirmed_onsite_results(app, city, portal_firm):
    mine, _ = portal_firm
    enterprise = registry.get(actor_for("desk"), mine.enterprise_id)
    confirmed, waiting = handled(city, enterprise), handled(city, enterprise)
    for ticket in (confirmed, waiting):
        onsite.record_result(actor_for("officer_a"), ticket.id, "2026-03-02", "车间", "现场处置。", "resolved")
    onsite.confirm(portal(mine), confirmed.id)
    period = statistics.period(since=date(2026, 3, 1), until=date(2026, 3, 31))
    leader = actor_for("leader")
    report = statistics.report(leader, period)
    assert report.total.onsite_confirmed == 1 and report.total.received == 2
    page = client_for(app, "leader").get("/tickets/stats?since=2026-03-01&until=2026-03-31").get_data(as_text=True)
    assert 'data-testid="total-onsite-confirmed">1<' in page
    listing = client_for(app, "desk").get(
        "/tickets/?queue=all&since=2026-03-01&until=2026-03-31&onsite=confirmed").get_data(as_text=True)
    assert fresh(confirmed.id).number in listing and fresh(waiting.id).number not in listing
    # Closed, rated dissatisfied, reworked: the new visit waits for its own confirmation.
    tickets.close(actor_for("desk"), confirmed.id)
    tickets.rate(portal(mine), confirmed.id, "dissatisfied", "问题反复")
    assert fresh(confirmed.id).status == "handling"
    onsite.record_result(actor_for("officer_a"), confirmed.id, "2026-03-02", "车间", "再次上门处置。", "resolved")
    assert fresh(confirmed.id).onsite_confirmed_at is None
    assert statistics.report(leader, period).total.onsite_confirmed == 0
    onsite.confirm(portal(mine), confirmed.id)
    assert statistics.report(leader, period).total.onsite_confirmed == 1
    assert count(TicketVisit, TicketVisit.ticket_id == confirmed.id) == 2

"""The staff pages of the demand tickets: intake, the ticket page and its action
forms, the queues with their scoping, filters and paging, the enterprise page,
and the notification inbox."""
import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import event, select

from core import clock
from core.departments import services as departments
from core.extensions import db
from core.notifications.models import Notification
from core.org.actor import shell_actor
from core.registry import services as registry
from core.tickets import queues
from core.tickets import services as tickets
from core.tickets.models import Ticket, TicketComplaint, TicketEvent, TicketExtension
from core.tickets.sweep import sweep
from tests.conftest import actor_for, login
from tests.helpers import code, count, en, fresh_client
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)

A_NAME, B_NAME = "甲所辖区华达科技有限公司", "乙所辖区西湖食品有限公司"


@pytest.fixture
def firms(city):
    """One enterprise in each station's area; officer_a is the liaison officer of A's."""
    a = registry.create(actor_for("desk_a"), {"name": A_NAME, "credit_code": code(1),
                                              "liaison_officer_id": city.users["officer_a"].id,
                                              "contacts": [{"name": "王经理", "phone": "13800000001"}]})
    b = registry.create(actor_for("desk_b"), {"name": B_NAME, "credit_code": code(2)})
    return a.id, b.id


def client_for(app, username):
    client = fresh_client(app)
    login(client, username)
    return client


def intake(enterprise_id, **changes):
    values = dict(enterprise_id=enterprise_id, channel="hotline", category="dispute", ticket_class="general",
                  handling_mode="follow", description="厂区门口有人堵路，影响出货。")
    values.update(changes)
    return tickets.Intake(**values)


def new_ticket(enterprise_id, username="desk", **changes) -> int:
    return tickets.register(actor_for(username), intake(enterprise_id, **changes)).id


def dispatched(city, enterprise_id, **changes) -> int:
    ticket_id = new_ticket(enterprise_id, **changes)
    tickets.dispatch(actor_for("desk"), ticket_id, city.station_a.id)
    return ticket_id


def handling(city, enterprise_id, **changes) -> int:
    ticket_id = dispatched(city, enterprise_id, **changes)
    tickets.sign(actor_for("officer_a"), ticket_id)
    return ticket_id


def reload(ticket_id) -> Ticket:
    db.session.rollback()
    return db.session.get(Ticket, ticket_id)


def form_data(**values):
    return {"channel": "hotline", "category": "dispute", "ticket_class": "general", "handling_mode": "follow",
            "description": "企业反映厂区门口有人堵路。", "contact_name": "王经理", "contact_phone": "13800000001",
            **values}


# --- intake ---------------------------------------------------------------------------

def test_intake_finds_the_enterprise_and_then_shows_the_form(app, firms):
    client = client_for(app, "desk")
    page = client.get("/tickets/new").get_data(as_text=True)
    assert 'data-testid="enterprise-search"' in page and "autofocus" in page
    assert 'data-testid="intake-form"' not in page
    found = client.get("/tickets/new?q=jshd").get_data(as_text=True)  # pinyin initials of 甲所辖区华达
    assert A_NAME in found and f"/tickets/new?enterprise={firms[0]}" in found
    assert A_NAME in client.get(f"/tickets/new?q={code(1)}").get_data(as_text=True)
    chosen = client.get(f"/tickets/new?enterprise={firms[0]}").get_data(as_text=True)
    assert 'data-testid="intake-form"' in chosen
    key = re.search(r'name="submission_key" type="hidden" value="([^"]+)"', chosen).group(1)
    assert len(key) >= 32
    assert re.search(r'<input autofocus id="contact_name"[^>]*value="王经理"', chosen)
    # The enterprise's first contact is filled in, the phone masked (the service puts the number back).
    assert "138****0001" in chosen and "13800000001" not in chosen
    # A second showing of the form has a key of its own.
    again = client.get(f"/tickets/new?enterprise={firms[0]}").get_data(as_text=True)
    assert key not in again


def test_submitting_the_intake_form_twice_makes_one_ticket(app, firms):
    client = client_for(app, "desk")
    data = form_data(enterprise_id=str(firms[0]), submission_key="k" * 32)
    first = client.post("/tickets/new", data=data)
    second = client.post("/tickets/new", data=data)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert count(Ticket) == 1
    page = client.get(first.headers["Location"]).get_data(as_text=True)
    assert A_NAME in page and "厂区门口有人堵路" in page


def test_intake_refusals_show_messages_and_write_nothing(app, firms):
    client = client_for(app, "desk")
    response = client.post("/tickets/new", data=form_data(enterprise_id=str(firms[0]), description="",
                                                          category="", contact_phone="12345"))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    for message in (tickets._l("Describe the demand."), tickets._l("Choose a category."),
                    tickets._l("The phone number is not a mainland mobile or landline number.")):
        assert str(message) in html or en(message) in html
    assert count(Ticket) == 0
    # A transfer needs the receiving department.
    response = client.post("/tickets/new", data=form_data(enterprise_id=str(firms[0]), handling_mode="transfer"))
    assert response.status_code == 400 and count(Ticket) == 0
    # No enterprise, or one outside the area: a message, not an error page.
    response = client.post("/tickets/new", data=form_data(enterprise_id=""))
    assert response.status_code == 400 and count(Ticket) == 0
    response = client_for(app, "desk_a").post("/tickets/new", data=form_data(enterprise_id=str(firms[1])))
    assert response.status_code == 400 and count(Ticket) == 0
    # A doctored submission key is not stored (and is no database error).
    response = client.post("/tickets/new", data=form_data(enterprise_id=str(firms[0]), submission_key="x" * 500))
    assert response.status_code == 302 and reload(1).submission_key is None


def test_officers_cannot_register(app, firms):
    assert client_for(app, "officer_a").get("/tickets/new").status_code == 403


# --- the ticket page ------------------------------------------------------------------------

def actions_on(client, ticket_id) -> set[str]:
    html = client.get(f"/tickets/{ticket_id}").get_data(as_text=True)
    return set(re.findall(r'data-testid="action-([a-z_]+)"', html))


def test_the_page_offers_only_what_the_user_may_do_now(app, city, firms):
    ticket_id = new_ticket(firms[0])
    desk, officer = client_for(app, "desk"), client_for(app, "officer_a")
    assert {"dispatch", "transfer", "complain", "note", "attach"} <= actions_on(desk, ticket_id)
    assert "sign" not in actions_on(desk, ticket_id) and "close" not in actions_on(desk, ticket_id)
    tickets.dispatch(actor_for("desk"), ticket_id, city.station_a.id)
    assert {"sign", "return", "escalate", "extension", "note", "attach"} == actions_on(officer, ticket_id)
    assert "dispatch" not in actions_on(desk, ticket_id)
    assert "supervise" in actions_on(client_for(app, "leader"), ticket_id)
    # Station B neither sees nor acts on it.
    other = client_for(app, "officer_b")
    assert other.get(f"/tickets/{ticket_id}").status_code == 404
    assert other.post(f"/tickets/{ticket_id}/sign").status_code == 404
    assert reload(ticket_id).status == "dispatched"


def test_the_whole_loop_through_the_page(app, city, firms):
    ticket_id = new_ticket(firms[0])
    desk, officer = client_for(app, "desk"), client_for(app, "officer_a")
    page = desk.get(f"/tickets/{ticket_id}").get_data(as_text=True)
    assert 'data-testid="countdown"' in page
    response = desk.post(f"/tickets/{ticket_id}/dispatch", data={
        "dispatch-unit_id": str(city.station_a.id), "dispatch-officer_id": str(city.users["officer_a"].id),
        "dispatch-note": "请尽快处理"})
    assert response.status_code == 302
    ticket = reload(ticket_id)
    assert ticket.status == "dispatched" and ticket.handling_officer_id == city.users["officer_a"].id
    assert 'data-testid="sign-countdown"' in officer.get(f"/tickets/{ticket_id}").get_data(as_text=True)
    assert officer.post(f"/tickets/{ticket_id}/sign").status_code == 302
    assert reload(ticket_id).status == "handling"
    assert officer.post(f"/tickets/{ticket_id}/answer", data={
        "answer-reply": "已协调处置，道路恢复通行。", "answer-result": "resolved"}).status_code == 302
    assert reload(ticket_id).status == "answered"
    assert desk.post(f"/tickets/{ticket_id}/close", data={"close-note": "核实无误"}).status_code == 302
    assert reload(ticket_id).status == "closed"
    assert desk.post(f"/tickets/{ticket_id}/rate", data={"rate-rating": "satisfied",
                                                         "rate-comment": "满意"}).status_code == 302
    ticket = reload(ticket_id)
    assert ticket.status == "rated" and ticket.rating == "satisfied"
    page = desk.get(f"/tickets/{ticket_id}").get_data(as_text=True)
    for kind in ("registered", "dispatched", "signed", "answered", "closed", "rated"):
        assert f'data-testid="event-{kind}"' in page
    assert "已协调处置" in page and "DESK" in page and "甲派出所" in page


def test_side_paths_through_the_page(app, city, firms):
    desk, officer, leader = client_for(app, "desk"), client_for(app, "officer_a"), client_for(app, "leader")
    # Return with a reason, then transfer out and record the reply.
    ticket_id = dispatched(city, firms[0])
    assert officer.post(f"/tickets/{ticket_id}/return", data={"return-reason": "不属本所管辖"}).status_code == 302
    assert reload(ticket_id).status == "returned"
    department = departments.create(shell_actor(), {"name": "市场监管局"}, unit_id=city.centre.id)
    assert desk.post(f"/tickets/{ticket_id}/transfer",
                     data={"transfer-department_id": str(department.id)}).status_code == 302
    assert reload(ticket_id).status == "transferred"
    assert desk.post(f"/tickets/{ticket_id}/transfer_reply", data={
        "transfer_reply-reply": "已处理", "transfer_reply-result": "resolved"}).status_code == 302
    assert reload(ticket_id).status == "answered"
    # Escalate to the parent unit.
    ticket_id = dispatched(city, firms[0])
    assert officer.post(f"/tickets/{ticket_id}/escalate", data={"escalate-reason": "需市局协调"}).status_code == 302
    assert reload(ticket_id).handling_unit_id == city.city.id
    # Supervision with a date, an extension request approved, another refused.
    ticket_id = handling(city, firms[0])
    day = (clock.now() + timedelta(days=3)).date().isoformat()
    assert leader.post(f"/tickets/{ticket_id}/supervise", data={
        "supervise-due_at": day, "supervise-instruction": "三日内办结"}).status_code == 302
    assert reload(ticket_id).supervision_due_at is not None
    assert officer.post(f"/tickets/{ticket_id}/extension", data={
        "extension-days": "3", "extension-reason": "需调取监控"}).status_code == 302
    due = reload(ticket_id).due_at
    assert "decide_extension" in actions_on(leader, ticket_id)
    extension = db.session.scalar(select(TicketExtension))
    assert leader.post(f"/tickets/{ticket_id}/decide_extension", data={
        "decide_extension-extension_id": str(extension.id), "decision": "approve"}).status_code == 302
    assert reload(ticket_id).due_at > due
    officer.post(f"/tickets/{ticket_id}/extension", data={"extension-days": "2", "extension-reason": "再延"})
    pending = db.session.scalar(select(TicketExtension).where(TicketExtension.status == "pending"))
    assert leader.post(f"/tickets/{ticket_id}/decide_extension", data={
        "decide_extension-extension_id": str(pending.id), "decision": "refuse"}).status_code == 302
    assert db.session.get(TicketExtension, pending.id).status == "refused"
    # Complaint and internal note.
    assert desk.post(f"/tickets/{ticket_id}/complain", data={"complain-text": "态度生硬"}).status_code == 302
    assert count(TicketComplaint) == 1
    assert officer.post(f"/tickets/{ticket_id}/note", data={"note-text": "已电话联系企业"}).status_code == 302
    assert count(TicketEvent, TicketEvent.kind == "note", TicketEvent.internal.is_(True)) == 1
    # A complex ticket takes progress reports.
    complex_id = handling(city, firms[0], ticket_class="complex")
    assert "progress" in actions_on(officer, complex_id)
    assert officer.post(f"/tickets/{complex_id}/progress", data={"progress-text": "已约谈双方"}).status_code == 302
    assert count(TicketEvent, TicketEvent.kind == "progress") == 1
    # A dissatisfied rating sends it back for rework.
    tickets.answer(actor_for("officer_a"), ticket_id, "已处理", "resolved")
    tickets.close(actor_for("desk"), ticket_id)
    response = desk.post(f"/tickets/{ticket_id}/rate", data={"rate-rating": "dissatisfied"})
    assert response.status_code == 302 and reload(ticket_id).status == "handling"


def test_refusals_show_the_services_message(app, city, firms):
    desk, officer = client_for(app, "desk"), client_for(app, "officer_a")
    ticket_id = new_ticket(firms[0])
    # Closing a registered ticket: an illegal transition, named.
    response = desk.post(f"/tickets/{ticket_id}/close", data={})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "flash-error" in html
    assert reload(ticket_id).status == "registered"
    # Dispatch without a unit, to an unknown one, with an officer of another unit or a doctored one.
    for unit_id, officer_id in (("", ""), ("99999999999999", ""), (str(city.station_a.id), "99999999999999"),
                                (str(city.station_a.id), str(city.users["officer_b"].id))):
        response = desk.post(f"/tickets/{ticket_id}/dispatch", data={"dispatch-unit_id": unit_id,
                                                                    "dispatch-officer_id": officer_id})
        assert response.status_code == 400, (unit_id, officer_id)
    assert reload(ticket_id).status == "registered"
    # An officer may not dispatch.
    tickets.dispatch(actor_for("desk"), ticket_id, city.station_a.id)
    tickets.sign(actor_for("officer_a"), ticket_id)
    response = officer.post(f"/tickets/{ticket_id}/close", data={})
    assert response.status_code == 403 and "flash-error" in response.get_data(as_text=True)
    # An empty answer: the message on the field, the typed result kept.
    response = officer.post(f"/tickets/{ticket_id}/answer", data={"answer-reply": " ", "answer-result": "partly"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and 'class="error"' in html
    assert re.search(r'<option selected value="partly">|<option value="partly" selected>', html)
    assert reload(ticket_id).status == "handling"
    # A supervision deadline that is no date, and one in the past.
    leader = client_for(app, "leader")
    for value in ("tomorrow", "2020-01-01"):
        response = leader.post(f"/tickets/{ticket_id}/supervise", data={
            "supervise-due_at": value, "supervise-instruction": "尽快"})
        assert response.status_code == 400
    assert reload(ticket_id).supervision_due_at is None
    # An extension of 99 days; a rating on an open ticket.
    response = officer.post(f"/tickets/{ticket_id}/extension", data={"extension-days": "99",
                                                                     "extension-reason": "x"})
    assert response.status_code == 400 and count(TicketExtension) == 0
    response = desk.post(f"/tickets/{ticket_id}/rate", data={"rate-rating": "satisfied"})
    assert response.status_code == 400 and reload(ticket_id).rating == ""
    # An unknown action and a doctored extension id.
    assert desk.post(f"/tickets/{ticket_id}/explode").status_code == 404
    response = client_for(app, "leader").post(f"/tickets/{ticket_id}/decide_extension", data={
        "decide_extension-extension_id": "abc", "decision": "approve"})
    assert response.status_code == 400


def test_countdown_texts():
    now = datetime(2026, 3, 2, 1, 0)
    left = queues.countdown_to(now + timedelta(days=2, hours=3, minutes=5), now)
    assert not left.overdue and "2" in left.text and "3" in left.text
    late = queues.countdown_to(now - timedelta(hours=5), now)
    assert late.overdue and "5" in late.text


# --- queues -----------------------------------------------------------------------------

def test_queues_are_scoped_by_unit(app, city, firms):
    a_id = new_ticket(firms[0], "desk_a")
    b_id = new_ticket(firms[1], "desk_b")
    centre = client_for(app, "desk")
    html = centre.get("/tickets/?queue=all").get_data(as_text=True)
    assert A_NAME in html and B_NAME in html
    for username in ("desk_b", "officer_b"):
        html = client_for(app, username).get("/tickets/?queue=all").get_data(as_text=True)
        assert B_NAME in html and A_NAME not in html
        assert client_for(app, username).get(f"/tickets/{a_id}").status_code == 404
    # Filters never reach outside the scope.
    client = client_for(app, "desk_b")
    for url in (f"/tickets/?unit={city.station_a.id}", f"/tickets/?enterprise={firms[0]}", "/tickets/?q=jshd",
                f"/tickets/?q={reload(a_id).number}"):
        assert A_NAME not in client.get(url).get_data(as_text=True)
    assert queues.counts(actor_for("desk_b"))["to_dispatch"] == 1
    assert queues.counts(actor_for("desk"))["to_dispatch"] == 2
    assert b_id


def test_a_dispatched_ticket_is_in_the_stations_queue(app, city, firms):
    ticket_id = dispatched(city, firms[1])  # B's enterprise, sent to station A
    html = client_for(app, "officer_a").get("/tickets/?queue=to_sign").get_data(as_text=True)
    assert reload(ticket_id).number in html
    assert 'data-testid="count-to_sign">1<' in html
    assert reload(ticket_id).number not in client_for(app, "officer_b").get("/tickets/?queue=all").get_data(
        as_text=True)


def test_queue_membership(app, city, firms):
    clock.freeze(datetime(2026, 3, 2, 1, 0))  # Monday 09:00 in China
    desk = actor_for("desk")
    registered = new_ticket(firms[0])
    signing = dispatched(city, firms[0])
    soon = handling(city, firms[0], ticket_class="instant")       # due 12 hours after registration
    answered = handling(city, firms[0])
    tickets.answer(actor_for("officer_a"), answered, "已处理", "resolved")
    closed = handling(city, firms[0])
    tickets.answer(actor_for("officer_a"), closed, "已处理", "resolved")
    tickets.close(desk, closed)
    returned = dispatched(city, firms[0])
    tickets.return_ticket(actor_for("officer_a"), returned, "不归我所")

    def ids(queue, actor=desk, **filters):
        f, problems = queues.parse_filters(filters)
        assert not problems
        return {t.id for t in queues.page(actor, queue, f, limit=100).items}

    assert ids("to_dispatch") == {registered}
    assert ids("to_sign") == {signing}
    assert ids("handling") == {soon}
    assert ids("answered") == {answered}
    assert ids("closed") == {closed}
    assert ids("returned") == {returned}
    assert ids("due_soon") == {soon}
    assert ids("overdue") == set()
    clock.freeze(datetime(2026, 3, 2, 14, 0))  # 22:00 in China: the instant ticket is late
    assert ids("overdue") == {soon}
    assert ids("all", overdue="1") == {soon}
    counts = queues.counts(desk)
    assert counts["overdue"] == 1 and counts["to_dispatch"] == 1 and counts["closed"] == 1

    def every_count_is_its_list():
        for actor in (desk, actor_for("officer_a"), actor_for("desk_b")):
            counts = queues.counts(actor)
            assert counts == {name: len(ids(name, actor)) for name in counts}, actor.username

    every_count_is_its_list()          # late but not yet swept
    assert sweep().overdue == 1
    every_count_is_its_list()          # flagged by the sweep
    assert queues.counts(desk)["due_soon"] == 0
    # The liaison officer's queue: the tickets of the enterprises they serve.
    assert ids("mine", actor_for("officer_a")) == {registered, signing, soon, answered, closed, returned}
    assert ids("mine", actor_for("officer_b")) == set()


def test_the_list_filters(app, city, firms):
    clock.freeze(datetime(2026, 3, 2, 1, 0))
    first = new_ticket(firms[0], category="safety", channel="online", ticket_class="instant")
    clock.freeze(datetime(2026, 3, 5, 1, 0))
    second = dispatched(city, firms[1])
    tickets.sign(actor_for("officer_a"), second)
    desk = actor_for("desk")

    def ids(**args):
        f, problems = queues.parse_filters(args)
        assert not problems, problems
        return {t.id for t in queues.page(desk, "all", f, limit=100).items}

    assert ids(status="registered") == {first}
    assert ids(status="registered,handling") == {first, second}
    assert ids(category="safety") == {first}
    assert ids(channel="online") == {first}
    assert ids(ticket_class="general") == {second}
    assert ids(unit=str(city.station_a.id)) == {second}
    assert ids(unit=str(city.centre.id)) == {first, second}
    assert ids(since="2026-03-03") == {second}
    assert ids(until="2026-03-02") == {first}
    assert ids(since="2026-03-02", until="2026-03-02") == {first}
    assert ids(enterprise=str(firms[1])) == {second}
    assert ids(officer=str(city.users["officer_a"].id)) == {second}
    assert ids(q=reload(first).number) == {first}
    assert ids(q="yxsp") == {second}  # 乙所辖区西湖食品 by its initials... of the legal form left out
    # The page itself: filters as query arguments, bad values as messages, never a 500.
    client = client_for(app, "desk")
    html = client.get(f"/tickets/?status=handling&unit={city.station_a.id}").get_data(as_text=True)
    assert reload(second).number in html and reload(first).number not in html
    response = client.get("/tickets/?since=2026-13-45&status=nonsense&until=x")
    assert response.status_code == 200 and response.get_data(as_text=True).count("flash-error") == 3
    response = client.get("/tickets/?since=0001-01-01&until=9999-12-31")
    assert response.status_code == 200 and response.get_data(as_text=True).count("flash-error") == 2
    assert client.get("/tickets/?cursor=%%%broken").status_code == 302
    assert client.get("/tickets/?queue=nope&sort=nope&enterprise=99999999999").status_code == 200


def test_keyset_pages_in_every_order(app, city, firms):
    created = [new_ticket(firms[0]) for _ in range(25)]
    desk = actor_for("desk")
    for sort, expected in (("newest", created[::-1]), ("oldest", created), ("due", created)):
        seen, cursor = [], None
        while True:
            page = queues.page(desk, "all", sort=sort, cursor=cursor, limit=10)
            seen += [t.id for t in page.items]
            if not page.next_cursor:
                break
            cursor = page.next_cursor
        assert seen == expected, sort
        back = queues.page(desk, "all", sort=sort, cursor=page.prev_cursor, limit=10)
        assert [t.id for t in back.items] == expected[10:20], sort
    client = client_for(app, "desk")
    html = client.get("/tickets/?queue=all&sort=newest").get_data(as_text=True)
    assert html.count('data-testid="ticket-row"') == 20 and 'data-testid="next-page"' in html
    link = re.search(r'rel="next" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert client.get("/tickets/" + link).get_data(as_text=True).count('data-testid="ticket-row"') == 5


def test_queries_per_page_do_not_grow_with_the_rows(app, city, firms):
    client = client_for(app, "desk")

    def statements(url):
        seen = []

        def record(*_args, **_kwargs):
            seen.append(1)

        event.listen(db.engine, "before_cursor_execute", record)
        try:
            assert client.get(url).status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
        return len(seen)

    for _ in range(2):
        dispatched(city, firms[1])
    few = statements("/tickets/?queue=all")
    for _ in range(15):  # now with officers, liaison officers, another enterprise
        ticket_id = dispatched(city, firms[0])
        tickets.sign(actor_for("officer_a"), ticket_id)
    many = statements("/tickets/?queue=all")
    assert many == few, (few, many)


# --- the enterprise page -------------------------------------------------------------------

def test_the_enterprise_page_lists_its_tickets(app, city, firms):
    ticket_id = new_ticket(firms[0])
    number = reload(ticket_id).number
    html = client_for(app, "desk").get(f"/enterprises/{firms[0]}").get_data(as_text=True)
    assert 'data-testid="enterprise-tickets"' in html and number in html
    assert f"/tickets/new?enterprise={firms[0]}" in html
    assert number not in client_for(app, "desk").get(f"/enterprises/{firms[1]}").get_data(as_text=True)


def test_the_liaison_officer_sees_the_tickets_of_the_enterprises_they_serve(app, city, firms):
    # A's enterprise, registered by the centre and handled by station B: outside
    # officer_a's unit, but officer_a serves the enterprise.
    ticket_id = new_ticket(firms[0])
    tickets.dispatch(actor_for("desk"), ticket_id, city.station_b.id)
    client = client_for(app, "officer_a")
    assert client.get(f"/tickets/{ticket_id}").status_code == 200
    html = client.get("/tickets/?queue=mine").get_data(as_text=True)
    assert reload(ticket_id).number in html
    assert "sign" not in actions_on(client, ticket_id)  # seeing is not handling
    assert client.post(f"/tickets/{ticket_id}/sign").status_code == 403


# --- notifications -----------------------------------------------------------------------

def test_notifications_badge_and_inbox(app, city, firms):
    client = client_for(app, "officer_a")
    assert 'data-testid="unread-count"' not in client.get("/tickets/").get_data(as_text=True)
    ticket_id = dispatched(city, firms[0])
    html = client.get("/tickets/").get_data(as_text=True)
    assert re.search(r'data-testid="unread-count">1<', html)
    inbox = client.get("/notifications/").get_data(as_text=True)
    assert reload(ticket_id).number in inbox
    note = db.session.scalar(select(Notification).where(Notification.user_id == city.users["officer_a"].id))
    # Another user cannot mark it read.
    client_for(app, "officer_b").post(f"/notifications/{note.id}/read")
    assert db.session.get(Notification, note.id).read_at is None
    response = client.post(f"/notifications/{note.id}/read", data={"open": "1"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/tickets/{ticket_id}")
    db.session.rollback()
    assert db.session.get(Notification, note.id).read_at is not None
    assert 'data-testid="unread-count"' not in client.get("/tickets/").get_data(as_text=True)
    for _ in range(2):
        dispatched(city, firms[0])
    assert re.search(r'data-testid="unread-count">2<', client.get("/notifications/").get_data(as_text=True))
    assert client.post("/notifications/read-all").status_code == 302
    assert count(Notification, Notification.user_id == city.users["officer_a"].id,
                 Notification.read_at.is_(None)) == 0
    assert client.post("/notifications/read").status_code in (404, 405)


@pytest.mark.parametrize("status", ["registered", "closed"])
def test_no_action_answers_garbage_with_a_server_error(app, city, firms, status):
    from core.tickets.views import ACTIONS

    ticket_id = new_ticket(firms[0])
    if status != "registered":
        tickets.dispatch(actor_for("desk"), ticket_id, city.station_a.id)
        tickets.sign(actor_for("officer_a"), ticket_id)
    if status == "closed":
        tickets.answer(actor_for("officer_a"), ticket_id, "已处理", "resolved")
        tickets.close(actor_for("desk"), ticket_id)
    garbage = ["", "-1", "99999999999999999999", "２", "a\x00b", "x" * 20000, "0001-01-01"]
    fields = ["unit_id", "officer_id", "note", "reason", "reply", "result", "department", "rating", "comment",
              "due_at", "instruction", "days", "extension_id", "text"]
    for username in ("desk", "leader", "officer_a"):
        client = client_for(app, username)
        for action in ACTIONS:
            for value in garbage:
                data = {f"{action}-{name}": value for name in fields}
                data["decision"] = "approve"
                response = client.post(f"/tickets/{ticket_id}/{action}", data=data)
                assert response.status_code < 500, (username, action, value)

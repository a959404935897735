"""Merging a ticket into another of its enterprise (诉求合并): the rules, what
moves, the timelines, the statistics (the demand received once, the duplicate
never closed on time or rated), the enterprise's view on the portal, the
ticket page's two steps and the JSON API."""
import io
from datetime import date, datetime

import pytest
from sqlalchemy import select

from core import clock
from core.audit.models import AuditEntry
from core.errors import Forbidden, ValidationError
from core.extensions import db
from core.notifications.models import Notification
from core.registry import services as registry
from core.tickets import attachments, merging, queues, statistics, stats
from core.tickets import services as tickets
from core.tickets.merge_models import TicketMerge
from core.tickets.models import Ticket, TicketAttachment, TicketEvent
from tests.conftest import actor_for, login
from tests.helpers import code, count, fresh_client, system_account
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)
from tests.portal_world import PNG, portal, portal_login, verified_account

NOW = datetime(2026, 3, 2, 1, 0)            # 09:00 on Monday 2 March 2026 in China
MARCH = statistics.Period(date(2026, 3, 1), date(2026, 3, 31))
PHONE_FIRST, PHONE_SECOND = "13800000001", "13900000002"


@pytest.fixture
def firm(city):
    return registry.create(actor_for("desk_a"), {"name": "浙江华达科技有限公司", "credit_code": code(1),
                                                 "district": "甲街道"})


def register(enterprise, text="厂区门口有人堵路，影响出货。", contact=("王经理", PHONE_FIRST), files=(), username="desk"):
    return tickets.register(actor_for(username), tickets.Intake(
        enterprise_id=enterprise.id, channel="hotline", category="dispute", ticket_class="general",
        handling_mode="follow", description=text, contact_name=contact[0], contact_phone=contact[1],
        attachments=attachments.check_uploads([(name, io.BytesIO(PNG)) for name in files])))


@pytest.fixture
def pair(city, firm):
    """The first report, dispatched to station A and signed for, and a second
    report of the same matter an hour later, with a photo and another contact."""
    clock.freeze(NOW)
    first = register(firm)
    tickets.dispatch(actor_for("desk"), first.id, city.station_a.id)
    tickets.sign(actor_for("officer_a"), first.id)
    clock.freeze(datetime(2026, 3, 2, 2, 0))
    second = register(firm, "第二次来电：门口仍有人堵路，货车无法出厂。", ("李会计", PHONE_SECOND), files=["门口.png"])
    return first.id, second.id


def get(ticket_id) -> Ticket:
    db.session.rollback()
    return db.session.get(Ticket, ticket_id)


def test_the_duplicate_closes_into_the_survivor_with_its_files_and_contact(city, pair):
    first_id, second_id = pair
    first, second = get(first_id), get(second_id)
    survivor = merging.merge(actor_for("desk"), second_id, first.number, "同一事项，合并处理")
    assert survivor.id == first_id
    second, first = get(second_id), get(first_id)
    assert second.status == "merged" and first.status == "handling"
    merge = db.session.get(TicketMerge, second_id)
    assert (merge.into_id, merge.merged_by_id) == (first_id, city.users["desk"].id)
    assert second.closed_at is None and second.closed_on_time is None and second.rating == ""
    # The photo is the survivor's now.
    assert [a.original_name for a in first.attachments] == ["门口.png"] and second.attachments == []
    # The timelines: the duplicate names the survivor, the survivor lists what came in.
    merged = second.events[-1]
    assert (merged.kind, merged.from_status, merged.to_status) == ("merged", "registered", "merged")
    assert merged.data["number"] == first.number and merged.text == "同一事项，合并处理"
    came_in = [e for e in first.events if e.kind == "merged_in"]
    assert len(came_in) == 1 and not came_in[0].internal
    assert second.number in came_in[0].text and "货车无法出厂" in came_in[0].text and "门口.png" in came_in[0].text
    # The survivor had a contact: the other one is written on its timeline for staff, masked.
    contact, = [e for e in first.events if e.kind == "merged_contact"]
    assert contact.internal and "李会计" in contact.text and PHONE_SECOND not in contact.text
    assert "139****0002" in contact.text
    assert (first.contact_name, first.contact_phone) == ("王经理", PHONE_FIRST)
    # Audited once, without the phone; the station handling the survivor is told.
    entry, = AuditEntry.query.filter_by(action="ticket.merge", result="ok").all()
    assert entry.object_id == str(second_id) and entry.detail["into"] == first_id
    assert entry.detail["files"] == 1 and entry.detail["contact"] == "recorded"
    assert PHONE_SECOND not in str(entry.detail)
    told = Notification.query.filter_by(kind="merged", user_id=city.users["officer_a"].id).one()
    assert told.ticket_id == first_id and second.number in told.text


def test_the_contact_moves_when_the_survivor_has_none(city, firm):
    clock.freeze(NOW)
    first = register(firm, contact=("", ""))
    second = register(firm, contact=("李会计", PHONE_SECOND))
    merging.merge(actor_for("desk"), second.id, first.number)
    first = get(first.id)
    assert (first.contact_name, first.contact_phone) == ("李会计", PHONE_SECOND)
    assert not [e for e in first.events if e.kind == "merged_contact"]


def test_the_demand_is_counted_once_and_the_duplicate_never_as_closed(city, pair):
    first_id, second_id = pair
    desk = actor_for("desk")

    def figures():
        total = statistics.report(desk, MARCH).total
        return total.received, total.closed, total.closed_on_time, total.rated, total.overdue

    assert figures() == (2, 0, 0, 0, 0)
    merging.merge(desk, second_id, get(first_id).number)
    assert figures() == (1, 0, 0, 0, 0)
    tickets.answer(actor_for("officer_a"), first_id, "已协调属地派出所处置，道路已恢复通行。", "resolved")
    tickets.close(desk, first_id)
    tickets.rate(desk, first_id, "satisfied")
    assert figures() == (1, 1, 1, 1, 0)
    # The running counts agree with a recount from the tickets.
    before = statistics.report(desk, MARCH)
    stats.recount()
    db.session.commit()
    assert statistics.report(desk, MARCH).total == before.total
    # The figure's list is the tickets behind it: the duplicate is listed only when asked for.
    args = statistics.ticket_filters(MARCH, None, "received")
    filters, _problems = queues.parse_filters(args_multidict(args))
    listed = queues.page(desk, "all", filters, sort="newest").items
    assert [t.id for t in listed] == [first_id]
    by_number = queues.page(desk, "all", queues.TicketFilter(q=get(second_id).number)).items
    assert [t.id for t in by_number] == [second_id]
    by_status = queues.page(desk, "all", queues.TicketFilter(statuses=("merged",))).items
    assert [t.id for t in by_status] == [second_id]


def args_multidict(args):
    from werkzeug.datastructures import MultiDict

    return MultiDict(args)


def test_a_merged_ticket_cannot_be_rated_and_the_survivor_is_rated_once(city, pair):
    first_id, second_id = pair
    desk = actor_for("desk")
    merging.merge(desk, second_id, get(first_id).number)
    assert "rate" not in tickets.available_actions(desk, get(second_id))
    assert tickets.available_actions(desk, get(second_id)) <= {"note", "complain"}
    with pytest.raises(tickets.IllegalTransition):
        tickets.rate(desk, second_id, "satisfied")
    with pytest.raises(tickets.IllegalTransition):
        tickets.close(desk, second_id)
    tickets.answer(actor_for("officer_a"), first_id, "已处置。", "resolved")
    tickets.close(desk, first_id)
    tickets.rate(desk, first_id, "satisfied")
    assert count(TicketEvent, TicketEvent.kind == "rated") == 1
    assert get(second_id).rated_at is None


@pytest.mark.parametrize("into, message", [
    ("self", "cannot be merged into itself"),
    ("other_enterprise", "another enterprise's"),
    ("closed", "merged only into an open one"),
    ("merged", "was itself merged into"),
    ("nonsense", "Write the number"),
    ("missing", "There is no ticket numbered 2026-999999"),
])
def test_the_survivor_must_be_another_open_ticket_of_the_enterprise(city, firm, into, message):
    from tests.helpers import en

    clock.freeze(NOW)
    desk = actor_for("desk")
    duplicate = register(firm)
    other = registry.create(actor_for("desk_a"), {"name": "诸暨市宏达袜业有限公司", "credit_code": code(2)})
    target = {"self": lambda: duplicate.number,
              "other_enterprise": lambda: register(other).number,
              "closed": lambda: closed_ticket(city, firm).number,
              "merged": lambda: merged_ticket(firm).number,
              "nonsense": lambda: "第一张",
              "missing": lambda: "2026-999999"}[into]()
    with pytest.raises(ValidationError) as refused:
        merging.merge(desk, duplicate.id, target)
    assert message in en(refused.value.message) and refused.value.errors.get("into")
    assert get(duplicate.id).status == "registered" and count(TicketMerge, TicketMerge.ticket_id == duplicate.id) == 0
    assert AuditEntry.query.filter_by(action="ticket.merge", result="rejected",
                                      object_id=str(duplicate.id)).count() == 1


def closed_ticket(city, firm):
    ticket = register(firm)
    tickets.dispatch(actor_for("desk"), ticket.id, city.station_a.id)
    tickets.sign(actor_for("officer_a"), ticket.id)
    tickets.answer(actor_for("officer_a"), ticket.id, "已处置。", "resolved")
    return tickets.close(actor_for("desk"), ticket.id)


def merged_ticket(firm):
    survivor, duplicate = register(firm), register(firm)
    merging.merge(actor_for("desk"), duplicate.id, survivor.number)
    return get(duplicate.id)


def test_only_an_unanswered_duplicate_may_be_merged(city, firm):
    clock.freeze(NOW)
    desk, officer = actor_for("desk"), actor_for("officer_a")
    survivor = register(firm)
    answered = register(firm)
    tickets.dispatch(desk, answered.id, city.station_a.id)
    tickets.sign(officer, answered.id)
    tickets.answer(officer, answered.id, "已处置。", "resolved")
    transferred = register(firm)
    tickets.transfer(desk, transferred.id, "市场监管局")
    for ticket in (answered, transferred):
        with pytest.raises(tickets.IllegalTransition):
            merging.merge(desk, ticket.id, survivor.number)
    # Returned, dispatched and being handled may be merged.
    returned = register(firm)
    tickets.dispatch(desk, returned.id, city.station_a.id)
    tickets.return_ticket(officer, returned.id, "不属本所辖区")
    merging.merge(desk, returned.id, survivor.number)
    assert get(returned.id).status == "merged"


def test_only_the_centre_merges(city, firm):
    clock.freeze(NOW)
    survivor, duplicate = register(firm), register(firm)
    tickets.dispatch(actor_for("desk"), duplicate.id, city.station_a.id)
    for username in ("desk_a", "officer_a"):   # the station's desk sees it, the officer handles it
        with pytest.raises(Forbidden):
            merging.merge(actor_for(username), duplicate.id, survivor.number)
    assert AuditEntry.query.filter_by(action="ticket.merge", result="denied").count() == 2
    merging.merge(actor_for("leader"), duplicate.id, survivor.number)
    assert get(duplicate.id).status == "merged"
    # A station's own tickets are its own centre's business: its desk merges them.
    own_survivor = register(firm, username="desk_a")
    own_duplicate = register(firm, username="desk_a")
    merging.merge(actor_for("desk_a"), own_duplicate.id, own_survivor.number)
    # … but not into a ticket the centre registered.
    third = register(firm, username="desk_a")
    centre_ticket = register(firm)
    tickets.dispatch(actor_for("desk"), centre_ticket.id, city.station_a.id)
    with pytest.raises(ValidationError, match="只有受理工单.*的中心才能将其他工单合并至该工单"):
        merging.merge(actor_for("desk_a"), third.id, centre_ticket.number)


# --- the enterprise's view --------------------------------------------------------------------

def test_the_enterprise_sees_the_merge_once_and_rates_the_survivor(app, city):
    clock.freeze(NOW)
    account = verified_account("desk_a", 1, "甲精密机械有限公司", "13900139001")
    from core.portal import demands

    first = demands.submit(portal(account), "dispute", "厂区门口有人堵路。")
    second = demands.submit(portal(account), "dispute", "门口又被堵了，货车出不去。")
    merging.merge(actor_for("desk_a"), second.id, first.number)
    client = fresh_client(app)
    portal_login(client, "13900139001")
    page = client.get(f"/portal/demands/{second.id}").get_data(as_text=True)
    assert 'data-testid="merged-into"' in page and first.number in page
    assert f'href="/portal/demands/{first.id}"' in page and 'data-testid="rate"' not in page
    survivor_page = client.get(f"/portal/demands/{first.id}").get_data(as_text=True)
    assert 'data-testid="merged-in"' in survivor_page and second.number in survivor_page
    assert "门口又被堵了" in survivor_page          # what came in, on the survivor's timeline
    tickets.dispatch(actor_for("desk_a"), first.id, city.station_a.id)
    tickets.sign(actor_for("officer_a"), first.id)
    tickets.answer(actor_for("officer_a"), first.id, "已处置。", "resolved")
    tickets.close(actor_for("desk_a"), first.id)
    assert [t.id for t in demands.waiting_for_enterprise(portal(account))] == [first.id]
    refused = client.post(f"/portal/demands/{second.id}/rate", data={"rating": "satisfied"})
    assert refused.status_code == 400 and get(second.id).rating == ""
    assert client.post(f"/portal/demands/{first.id}/rate", data={"rating": "satisfied"}).status_code == 302
    assert get(first.id).status == "rated"


# --- the pages --------------------------------------------------------------------------------

def client_for(app, username):
    client = fresh_client(app)
    login(client, username)
    return client


def test_the_ticket_page_merges_in_two_steps(app, city, pair):
    first_id, second_id = pair
    number = get(first_id).number
    client = client_for(app, "desk")
    page = client.get(f"/tickets/{second_id}").get_data(as_text=True)
    assert 'data-testid="action-merge"' in page
    assert f'action="/tickets/{second_id}/merge"' in page
    # Step 1: the number, then a page that shows both tickets and what will happen.
    choose = client.get(f"/tickets/{second_id}/merge").get_data(as_text=True)
    assert 'data-testid="merge-candidates"' in choose and number in choose
    confirm = client.post(f"/tickets/{second_id}/merge", data={"merge-into": number})
    assert confirm.status_code == 200
    body = confirm.get_data(as_text=True)
    assert 'data-testid="merge-survivor"' in body and 'data-testid="confirm-merge"' in body
    assert get(second_id).status == "registered"          # nothing changed yet
    # Step 2: confirmed.
    done = client.post(f"/tickets/{second_id}/merge", data={"into": number, "confirm": "yes", "note": "同一事项"})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/tickets/{first_id}")
    assert get(second_id).status == "merged"
    survivor_page = client.get(f"/tickets/{first_id}").get_data(as_text=True)
    assert get(second_id).number in survivor_page and 'data-testid="merged-in"' in survivor_page
    merged_page = client.get(f"/tickets/{second_id}").get_data(as_text=True)
    assert 'data-testid="merged-into"' in merged_page and 'data-testid="action-merge"' not in merged_page


def test_a_wrong_number_is_shown_on_the_form_and_changes_nothing(app, city, pair):
    _first_id, second_id = pair
    client = client_for(app, "desk")
    response = client.post(f"/tickets/{second_id}/merge", data={"into": "2026-999999", "confirm": "yes"})
    assert response.status_code == 400
    assert "2026-999999" in response.get_data(as_text=True)
    assert get(second_id).status == "registered"
    hostile = client.post(f"/tickets/{second_id}/merge", data={"merge-into": "<script>alert(1)</script>"})
    assert hostile.status_code == 400 and "<script>alert(1)" not in hostile.get_data(as_text=True)
    assert get(second_id).status == "registered"
    station = client_for(app, "officer_a")
    assert station.post(f"/tickets/{second_id}/merge", data={"into": "x", "confirm": "yes"}).status_code in (403,
                                                                                                        404)


# --- the API ----------------------------------------------------------------------------------

def token(username, roles):
    from core.api import auth
    from core.org.actor import shell_actor

    system_account(username, actor_for("desk").unit_id, roles=roles)
    _row, value = auth.issue(shell_actor(), username, "test")
    db.session.commit()
    return {"Authorization": f"Bearer {value}"}


def test_the_api_lists_duplicates_and_merges(app, city, pair):
    first_id, second_id = pair
    number = get(first_id).number
    headers = token("sys_desk", ["desk"])
    client = app.test_client()
    found = client.get(f"/api/v1/tickets/{second_id}/duplicates", headers=headers)
    assert found.status_code == 200
    assert [d["number"] for d in found.get_json()["enterprise"]] == [number]
    assert found.get_json()["enterprise"][0]["open"] is True
    refused = client.post(f"/api/v1/tickets/{second_id}/merge", json={"into": "2026-999999"}, headers=headers)
    assert refused.status_code == 422 and "into" in refused.get_json()["error"]["fields"]
    mismatch = client.post(f"/api/v1/tickets/{second_id}/merge", json={"into": number, "into_id": second_id},
                           headers=headers)
    assert mismatch.status_code == 422
    officer = token("sys_officer", ["officer"])
    assert client.post(f"/api/v1/tickets/{second_id}/merge", json={"into": number},
                       headers=officer).status_code == 403
    done = client.post(f"/api/v1/tickets/{second_id}/merge", json={"into_id": first_id, "note": "合并"},
                       headers=headers)
    assert done.status_code == 200, done.get_data(as_text=True)
    data = done.get_json()
    assert data["merged"]["status"] == "merged" and data["merged"]["merged_into"] == {"id": first_id,
                                                                                     "number": number}
    assert data["survivor"]["id"] == first_id and data["survivor"]["merged_into"] is None
    again = client.post(f"/api/v1/tickets/{second_id}/merge", json={"into_id": first_id}, headers=headers)
    assert again.status_code == 422
    assert count(TicketMerge) == 1
    assert db.session.scalar(select(TicketAttachment.ticket_id)) == first_id


def test_what_waited_on_the_duplicate_waits_no_more(city, pair):
    """Its request for more time is withdrawn, and the units asked for an opinion
    (专家会诊) are told they need not answer: not marked as having missed it."""
    from core.tickets import consultations
    from core.tickets.models import TicketExtension

    first_id, second_id = pair
    get(first_id).ticket_class = "complex"      # 专家会诊 is for the hard cases
    db.session.commit()
    tickets.request_extension(actor_for("officer_a"), first_id, 3, "需要补充调查")
    asked = consultations.invite(actor_for("officer_a"), first_id, [city.station_b.id], "请提出意见", 3)
    assert [i.consultation_id for i in consultations.waiting_for(actor_for("officer_b"))] == [asked.id]
    merging.merge(actor_for("desk"), first_id, get(second_id).number)
    extension = db.session.scalar(select(TicketExtension).where(TicketExtension.ticket_id == first_id))
    assert extension.status == "withdrawn"
    consultation = consultations.of_ticket(first_id)[0]
    assert (consultation.status, consultation.close_reason) == ("closed", "withdrawn")
    assert [i.status for i in consultation.invitations] == ["withdrawn"]
    assert consultations.waiting_for(actor_for("officer_b")) == []
    told = db.session.scalars(select(Notification).where(Notification.user_id == city.users["officer_b"].id,
                                                         Notification.kind == "consultation_closed")).all()
    assert len(told) == 1 and get(second_id).number in told[0].text

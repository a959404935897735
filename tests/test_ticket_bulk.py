"""Bulk actions on the ticket list (core/tickets/bulk.py): dispatch the ticked
tickets by their routing suggestions or all to one unit, close the answered
ones, each ticket on its own with its own audit entry and a refusal reported by
number without undoing the others; the list exported to .xlsx as filtered
(core/tickets/export.py), phones masked; the same through the JSON API."""
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from core.api import auth
from core.audit.models import AuditEntry
from core.errors import Forbidden, ValidationError
from core.extensions import db
from core.org.actor import shell_actor
from core.registry import services as registry
from core.tickets import bulk
from core.tickets import services as tickets
from core.tickets.models import Ticket
from tests.conftest import actor_for, login
from tests.helpers import code, count, fresh_client, system_account
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)


@pytest.fixture
def world(city):
    a = registry.create(actor_for("desk_a"), {"name": "甲所辖区华达纺织有限公司", "credit_code": code(1),
                                              "liaison_officer_id": city.user("officer_a").id})
    b = registry.create(actor_for("desk_b"), {"name": "乙所辖区西湖食品有限公司", "credit_code": code(2),
                                              "liaison_officer_id": city.user("officer_b").id})
    return {"a": a, "b": b}


def register(enterprise, username="desk", category="dispute", **changes) -> Ticket:
    values = dict(enterprise_id=enterprise.id, channel="hotline", category=category, ticket_class="general",
                  handling_mode="follow", description="企业反映门口路灯损坏，请求处理。", contact_name="王经理",
                  contact_phone="13812345678")
    values.update(changes)
    return tickets.register(actor_for(username), tickets.Intake(**values))


def answered(enterprise, unit, officer) -> Ticket:
    ticket = register(enterprise)
    tickets.dispatch(actor_for("desk"), ticket.id, unit.id, officer.id)
    tickets.sign(actor_for(officer.username), ticket.id)
    return tickets.answer(actor_for(officer.username), ticket.id, "已修复路灯。", "resolved")


def entries(action):
    db.session.rollback()
    return db.session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)).all()


def client_for(app, username):
    client = fresh_client(app)
    login(client, username)
    return client


# --- dispatch ---------------------------------------------------------------------------------------

def test_bulk_dispatch_by_suggestion_one_audit_entry_each_and_a_refusal_reported(app, city, world):
    first, second, third = register(world["a"]), register(world["b"]), register(world["a"])
    gone = register(world["a"])
    tickets.dispatch(actor_for("desk"), gone.id, city.station_b.id)       # someone else was quicker
    before = len(entries("ticket.dispatch"))
    outcome = bulk.dispatch(actor_for("desk"), [first.id, second.id, gone.id, third.id])
    assert [r.done for r in outcome.results] == [True, True, False, True]
    refused = outcome.refused[0]
    assert refused.number == gone.number and refused.message
    rows = {t.id: t for t in db.session.scalars(select(Ticket))}
    assert (rows[first.id].handling_unit_id, rows[first.id].handling_officer_id) == (
        city.station_a.id, city.user("officer_a").id)
    assert (rows[second.id].handling_unit_id, rows[second.id].handling_officer_id) == (
        city.station_b.id, city.user("officer_b").id)
    assert rows[gone.id].handling_unit_id == city.station_b.id           # untouched by its refusal
    new = entries("ticket.dispatch")[before:]
    assert sorted(int(e.object_id) for e in new if e.result == "ok") == sorted([first.id, second.id, third.id])
    assert [int(e.object_id) for e in new if e.result != "ok"] == [gone.id]
    message = outcome.summary()
    assert message.startswith("3 个工单已派发；1 个未派发：") and gone.number in message


def test_bulk_dispatch_all_to_one_unit(app, city, world):
    one, two = register(world["a"]), register(world["b"])
    outcome = bulk.dispatch(actor_for("desk"), [one.id, two.id], city.station_b.id)
    assert len(outcome.done) == 2 and not outcome.refused
    db.session.rollback()
    for ticket_id in (one.id, two.id):
        ticket = db.session.get(Ticket, ticket_id)
        assert (ticket.status, ticket.handling_unit_id, ticket.handling_officer_id) == (
            "dispatched", city.station_b.id, None)
    with pytest.raises(ValidationError):
        bulk.dispatch(actor_for("desk"), [register(world["a"]).id], 10**6)      # no such unit
    with pytest.raises(ValidationError):
        bulk.dispatch(actor_for("desk"), [])


def test_another_units_ticket_is_refused_and_officers_may_not_dispatch(app, city, world):
    own = register(world["a"], username="desk_a")
    foreign = register(world["b"], username="desk_b")
    outcome = bulk.dispatch(actor_for("desk_a"), [foreign.id, own.id])
    assert [r.done for r in outcome.results] == [False, True]
    assert outcome.results[0].number == f"#{foreign.id}"                 # not even its number is shown
    assert db.session.get(Ticket, foreign.id).status == "registered"
    with pytest.raises(Forbidden):
        bulk.dispatch(actor_for("officer_a"), [own.id])


def test_close_the_answered_tickets(app, city, world):
    officer = city.user("officer_a")
    done = [answered(world["a"], city.station_a, officer) for _ in range(2)]
    waiting = register(world["a"])
    before = len(entries("ticket.close"))
    outcome = bulk.close(actor_for("desk"), [done[0].id, waiting.id, done[1].id])
    assert [r.done for r in outcome.results] == [True, False, True]
    db.session.rollback()
    assert [db.session.get(Ticket, t.id).status for t in done] == ["closed", "closed"]
    assert db.session.get(Ticket, waiting.id).status == "registered"
    new = entries("ticket.close")[before:]
    assert sorted(int(e.object_id) for e in new if e.result == "ok") == sorted(t.id for t in done)
    assert outcome.summary().startswith("2 个工单已办结；1 个未办结：")


def test_the_list_page_bulk_form(app, city, world):
    one, two = register(world["a"]), register(world["b"])
    client = client_for(app, "desk")
    page = client.get("/tickets/?queue=to_dispatch").get_data(as_text=True)
    assert f'name="ticket" value="{one.id}"' in page and 'data-testid="bulk-dispatch-suggested"' in page
    response = client.post("/tickets/bulk", data={"ticket": [str(one.id), str(two.id)], "action": "dispatch_suggested",
                                                  "return_to": "/tickets/?queue=to_dispatch"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/tickets/?queue=to_dispatch")
    assert "2 个工单已派发" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert {db.session.get(Ticket, t.id).status for t in (one, two)} == {"dispatched"}
    # Elsewhere than the ticket pages, the form goes back to the list.
    response = client.post("/tickets/bulk", data={"ticket": [str(one.id)], "action": "close",
                                                  "return_to": "https://example.com/"})
    assert response.headers["Location"].endswith("/tickets/")
    officer_page = client_for(app, "officer_a").get("/tickets/").get_data(as_text=True)
    assert 'data-testid="bulk-dispatch-suggested"' not in officer_page and 'data-testid="bulk-export"' in officer_page


# --- export ---------------------------------------------------------------------------------------

def read_back(content: bytes):
    sheet = load_workbook(io.BytesIO(content), read_only=True).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    return rows[0], rows[1:]


def test_the_filtered_list_exported_and_read_back(app, city, world):
    register(world["a"], username="desk_a", category="dispute")
    wanted = register(world["b"], category="crime", description="=HYPERLINK(\"http://x\")")
    register(world["b"], category="dispute")
    client = client_for(app, "desk")
    response = client.get("/tickets/export.xlsx?queue=all&category=crime")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    head, rows = read_back(response.data)
    assert head[0] == "工单编号" and len(rows) == 1
    row = dict(zip(head, rows[0]))
    assert row["工单编号"] == wanted.number and row["企业"] == world["b"].name
    assert row["联系电话"] == "138****5678"                              # masked, as in the registry's export
    assert row["诉求"].startswith("'=")                               # a formula stays text
    assert entries("ticket.export")[-1].detail["rows"] == 1
    # The same filters as the page: a station's desk gets its own station's tickets only.
    _head, rows = read_back(client_for(app, "desk_a").get("/tickets/export.xlsx?queue=all").data)
    assert [r[0] for r in rows] == [t.number for t in db.session.scalars(
        select(Ticket).where(Ticket.enterprise_id == world["a"].id))]


def test_the_ticked_tickets_exported(app, city, world):
    one, two, _three = (register(world["a"], username="desk_a") for _ in range(3))
    client = client_for(app, "desk_a")
    response = client.post("/tickets/bulk", data={"ticket": [str(one.id), str(two.id)], "action": "export"})
    _head, rows = read_back(response.data)
    assert sorted(r[0] for r in rows) == sorted([one.number, two.number])


def test_the_export_is_capped(app, city, world):
    for _ in range(3):
        register(world["a"])
    app.config["TICKET_EXPORT_MAX_ROWS"] = 2
    client = client_for(app, "desk")
    response = client.get("/tickets/export.xlsx?queue=all")
    assert response.status_code == 302
    assert "最多导出 2 个" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert count(AuditEntry, AuditEntry.action == "ticket.export") == 0


# --- the API ----------------------------------------------------------------------------------------

def test_the_api_dispatches_and_reports_refusals(app, city, world):
    own = register(world["a"], username="desk_a")
    foreign = register(world["b"], username="desk_b")
    system_account("sys_a", city.station_a.id, roles=["desk"], leader="leader")
    _row, token = auth.issue(shell_actor(), "sys_a", "test")
    client = fresh_client(app)
    headers = {"Authorization": f"Bearer {token}", "Accept-Language": "en"}
    body = client.post("/api/v1/tickets/bulk", json={"action": "dispatch", "ticket_ids": [own.id, foreign.id]},
                       headers=headers).get_json()
    assert [d["number"] for d in body["done"]] == [own.number]
    assert [r["ticket_id"] for r in body["refused"]] == [foreign.id] and body["refused"][0]["reason"]
    assert body["message"].startswith("1 ticket dispatched; 1 not dispatched")
    bad = client.post("/api/v1/tickets/bulk", json={"action": "dispatch", "ticket_ids": "1"}, headers=headers)
    assert bad.status_code == 422

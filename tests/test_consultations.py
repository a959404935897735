"""专家会诊: the handling unit of a complex ticket asks other units for their
opinion by a deadline in working days; the invited units read the ticket while
the consultation is open (and no other unit does), write their opinions onto
the timeline; the last opinion or the deadline closes it, and the sweep tells
the late ones. Pages, the home page and the JSON API."""
import pytest
from sqlalchemy import select

from core.api import auth as api_auth
from core.audit.models import AuditEntry
from core.errors import Forbidden, NotFound, ValidationError
from core.extensions import db
from core.org.actor import shell_actor
from core.org.services import save_unit
from core.supervision.sweep import sweep
from core.tickets import consultations, queues
from core.tickets import services as tickets
from core.tickets.consultation_models import ConsultationInvitation, TicketConsultation
from core.tickets.models import TicketEvent
from tests.conftest import actor_for, login
from tests.helpers import count, en, fresh_client, system_account
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)
from tests.registers_world import add_user, at, enterprise_of, handling, notified, utc


@pytest.fixture
def world(city):
    station_c = save_unit(shell_actor(), {"code": "STC", "name": "丙派出所", "kind": "station", "parent_id": city.city.id})
    add_user("officer_c", station_c, ["officer"])
    add_user("leader_b", city.station_b, ["leader"])
    ticket = handling(enterprise_of("station_a"), city.station_a, ticket_class="complex")   # Monday 2 March, 09:00
    return {"ticket": ticket, "station_c": station_c}


def ask(ticket, units, days=2, who="officer_a", question="涉及跨区域合同诈骗，请提出侦办意见。"):
    return consultations.invite(actor_for(who), ticket.id, [u.id for u in units], question, days)


def events(ticket_id, kind) -> list[TicketEvent]:
    db.session.rollback()
    return list(db.session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket_id,
                                                             TicketEvent.kind == kind)))


def test_the_handler_asks_other_units_by_a_deadline_in_working_days(city, world):
    ticket = world["ticket"]
    at(2026, 3, 2, 10)
    consultation = ask(ticket, [city.station_b, city.centre], days=2)
    assert consultation.due_at == utc(2026, 3, 4, 23, 59).replace(second=59)    # the end of Wednesday
    assert sorted(i.unit_id for i in consultation.invitations) == sorted([city.station_b.id, city.centre.id])
    assert all(i.status == "pending" for i in consultation.invitations)
    [opened] = events(ticket.id, "consultation_opened")
    assert opened.internal and opened.text == "涉及跨区域合同诈骗，请提出侦办意见。"
    assert notified(ticket.id, "consultation") == ["desk", "desk_b", "leader", "leader_b", "officer_b"]
    assert count(AuditEntry, AuditEntry.action == "ticket.consult", AuditEntry.result == "ok") == 1
    with pytest.raises(ValidationError) as refused:
        ask(ticket, [city.station_b])
    assert "already open" in en(refused.value.message)


def test_the_deadline_skips_the_holidays(city, world):
    ticket = handling(enterprise_of("station_a", 2), city.station_a, ticket_class="complex", when=(2026, 4, 30, 10))
    consultation = ask(ticket, [city.station_b], days=1)
    assert consultation.due_at == utc(2026, 5, 6, 23, 59).replace(second=59)    # after the Labour Day holiday


def test_who_may_ask_and_what(city, world):
    ticket = world["ticket"]
    with pytest.raises(Forbidden):                      # the centre's desk does not handle it
        ask(ticket, [city.station_b], who="desk")
    with pytest.raises(NotFound):
        ask(ticket, [city.station_a], who="officer_b")
    general = handling(enterprise_of("station_a", 2), city.station_a)
    with pytest.raises(ValidationError) as refused:
        ask(general, [city.station_b])
    assert "complex" in en(refused.value.message)
    dispatched = tickets.dispatch(actor_for("desk"), tickets.register(actor_for("desk"), tickets.Intake(
        enterprise_id=general.enterprise_id, channel="hotline", category="dispute", ticket_class="complex",
        handling_mode="follow", description="疑难诉求。")).id, city.station_a.id)
    with pytest.raises(ValidationError) as refused:
        ask(dispatched, [city.station_b])
    assert "sign for it" in en(refused.value.message)
    with pytest.raises(ValidationError) as refused:
        consultations.invite(actor_for("officer_a"), ticket.id, [city.station_a.id, "x"], " ", 11)
    assert set(refused.value.errors) == {"unit_ids", "question", "working_days"}
    with pytest.raises(ValidationError) as refused:
        consultations.invite(actor_for("officer_a"), ticket.id, [], "问题", 0)
    assert set(refused.value.errors) == {"unit_ids", "working_days"}
    with pytest.raises(ValidationError) as refused:   # its own unit, or one of another tree, is no choice
        consultations.invite(actor_for("officer_a"), ticket.id, [city.station_a.id], "问题", 3)
    assert set(refused.value.errors) == {"unit_ids"}
    assert count(TicketConsultation) == 0


def test_an_invited_unit_reads_the_ticket_while_invited_and_another_unit_never(city, world):
    ticket = world["ticket"]
    with pytest.raises(NotFound):
        tickets.get(actor_for("officer_b"), ticket.id)
    consultation = ask(ticket, [city.station_b])
    assert tickets.get(actor_for("officer_b"), ticket.id).id == ticket.id
    with pytest.raises(NotFound):
        tickets.get(actor_for("officer_c"), ticket.id)      # not invited
    with pytest.raises(NotFound):
        consultations.give_opinion(actor_for("officer_c"), consultation.id, "意见")
    # The invitation opens this one ticket, not the station's queues, and no loop action.
    assert queues.page(actor_for("officer_b"), "all").items == []
    assert tickets.available_actions(actor_for("officer_b"), tickets.get(actor_for("officer_b"), ticket.id)) <= {"note"}
    with pytest.raises(Forbidden):
        tickets.answer(actor_for("officer_b"), ticket.id, "越权答复", "resolved")
    with pytest.raises(Forbidden):                      # nor a citizen's phone, which its desk could reveal at home
        tickets.reveal_contact_phone(actor_for("desk_b"), ticket.id)
    assert count(AuditEntry, AuditEntry.action == "personal_data.reveal", AuditEntry.result == "denied") == 1
    consultations.give_opinion(actor_for("officer_b"), consultation.id, "建议提级至经侦大队。")
    # The last opinion closed the consultation: the invited station reads the ticket no more.
    with pytest.raises(NotFound):
        tickets.get(actor_for("officer_b"), ticket.id)


def test_opinions_go_on_the_timeline_and_the_last_closes_the_consultation(city, world):
    ticket = world["ticket"]
    at(2026, 3, 2, 10)
    consultation = ask(ticket, [city.station_b, city.centre])
    at(2026, 3, 3, 9)
    consultations.give_opinion(actor_for("officer_b"), consultation.id, "建议提级至经侦大队。")
    with pytest.raises(ValidationError) as refused:
        consultations.give_opinion(actor_for("desk_b"), consultation.id, "再次意见")
    assert "already" in en(refused.value.message)
    with pytest.raises(ValidationError):
        consultations.give_opinion(actor_for("desk"), consultation.id, "   ")
    assert consultations.get(actor_for("officer_a"), consultation.id).status == "open"
    assert notified(ticket.id, "consultation_opinion") == ["desk_a", "officer_a"]
    consultations.give_opinion(actor_for("leader"), consultation.id, "同意提级。")
    db.session.rollback()
    consultation = db.session.get(TicketConsultation, consultation.id)
    assert consultation.status == "closed" and consultation.close_reason == "answered"
    assert [e.text for e in events(ticket.id, "consultation_opinion")] == ["建议提级至经侦大队。", "同意提级。"]
    assert all(e.internal for e in events(ticket.id, "consultation_opinion"))
    [closed] = events(ticket.id, "consultation_closed")
    assert closed.data["reason"] == "answered"
    with pytest.raises(ValidationError) as refused:
        consultations.give_opinion(actor_for("leader"), consultation.id, "迟到的意见")
    assert "closed" in en(refused.value.message)
    # The portal and the API's timeline leave the opinions out (staff only).
    from core.api import services as api_services

    detail = api_services.ticket_detail(tickets.get(actor_for("desk"), ticket.id), {})
    assert not any(e["kind"].startswith("consultation") for e in detail["timeline"])
    # A new consultation may follow.
    ask(ticket, [city.station_b])


def test_the_sweep_closes_a_consultation_at_its_deadline_and_tells_the_late_units(city, world):
    ticket = world["ticket"]
    at(2026, 3, 2, 10)
    consultation = ask(ticket, [city.station_b, world["station_c"]], days=1)     # due by the end of Tuesday
    consultations.give_opinion(actor_for("officer_c"), consultation.id, "无异议。")
    at(2026, 3, 3, 23, 55)
    assert sweep().consultations_closed == 0
    at(2026, 3, 4, 0, 5)
    summary = sweep()
    assert summary.consultations_closed == 1 and sweep().consultations_closed == 0
    db.session.rollback()
    consultation = db.session.get(TicketConsultation, consultation.id)
    assert consultation.status == "closed" and consultation.close_reason == "expired"
    assert {i.unit_id: i.status for i in consultation.invitations} == {city.station_b.id: "missed",
                                                                       world["station_c"].id: "answered"}
    assert notified(ticket.id, "consultation_missed") == ["desk_b", "leader_b", "officer_b"]
    assert notified(ticket.id, "consultation_closed") == ["desk_a", "officer_a"]
    [closed] = events(ticket.id, "consultation_closed")
    assert closed.data["missed"] == ["STB"] and "乙派出所" in closed.text
    assert count(AuditEntry, AuditEntry.action == "ticket.consultation_close") == 1
    with pytest.raises(NotFound):
        tickets.get(actor_for("officer_b"), ticket.id)


def test_the_pages_walk_a_consultation(app, city, world):
    ticket = world["ticket"]
    at(2026, 3, 2, 10)
    handler = fresh_client(app)
    login(handler, "officer_a")
    page = handler.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert 'data-testid="consult"' in page and 'name="consult-unit_ids"' in page
    response = handler.post(f"/consultations/tickets/{ticket.id}/invite", data={"consult-question": "",
                                                                               "consult-working_days": "x"})
    assert response.status_code == 400 and response.get_data(as_text=True).count('class="error"') == 3
    assert count(TicketConsultation) == 0
    response = handler.post(f"/consultations/tickets/{ticket.id}/invite", data={
        "consult-unit_ids": [str(city.station_b.id)], "consult-question": "请提出意见。", "consult-working_days": "3"})
    assert response.status_code == 302 and response.headers["Location"].endswith("#consultations")
    consultation_id = db.session.scalar(select(TicketConsultation.id))
    invited = fresh_client(app)
    login(invited, "officer_b")
    home = invited.get("/").get_data(as_text=True)
    assert 'data-testid="consultations-panel"' in home and ticket.number in home
    assert ticket.number in invited.get("/consultations/").get_data(as_text=True)
    page = invited.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert 'data-testid="opinion"' in page and "请提出意见。" in page
    outsider = fresh_client(app)
    login(outsider, "officer_c")
    assert outsider.get(f"/tickets/{ticket.id}").status_code == 404
    assert outsider.post(f"/consultations/{consultation_id}/opinion",
                         data={f"opinion{consultation_id}-opinion": "x"}).status_code == 404
    response = invited.post(f"/consultations/{consultation_id}/opinion", data={f"opinion{consultation_id}-opinion": ""})
    assert response.status_code == 400
    response = invited.post(f"/consultations/{consultation_id}/opinion",
                            data={f"opinion{consultation_id}-opinion": "建议报经侦大队。"})
    # The last opinion closed it: the invited station goes back to its list, not to a ticket it no longer reads.
    assert response.status_code == 302 and response.headers["Location"].endswith("/consultations/")
    page = handler.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "建议报经侦大队。" in page and 'data-testid="consultation-closed"' in page
    assert count(ConsultationInvitation, ConsultationInvitation.status == "answered") == 1


def test_the_api_asks_and_answers(app, city, world):
    ticket = world["ticket"]
    at(2026, 3, 2, 10)
    system_account("sys_a", city.station_a.id, roles=["officer"])
    system_account("sys_b", city.station_b.id, roles=["officer"])
    tokens = {}
    for username in ("sys_a", "sys_b"):
        _row, token = api_auth.issue(shell_actor(), username, "t")
        tokens[username] = {"Authorization": f"Bearer {token}"}
    db.session.commit()
    client = fresh_client(app)
    url = f"/api/v1/tickets/{ticket.id}/consultations"
    response = client.post(url, json={"unit_ids": [True], "question": "", "working_days": 30}, headers=tokens["sys_a"])
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {"working_days"}
    response = client.post(url, json={"unit_ids": "x", "question": "", "working_days": 3}, headers=tokens["sys_a"])
    assert response.status_code == 422 and set(response.get_json()["error"]["fields"]) == {"unit_ids", "question"}
    assert client.post(url, json={"unit_ids": [city.station_a.id], "question": "问", "working_days": 3},
                       headers=tokens["sys_b"]).status_code == 404
    response = client.post(url, json={"unit_ids": [city.station_b.id], "question": "请提出意见。", "working_days": 3},
                           headers=tokens["sys_a"])
    assert response.status_code == 201, response.get_data(as_text=True)
    created = response.get_json()
    assert created["status"] == "open" and created["invitations"][0]["status"] == "pending"
    listed = client.get("/api/v1/consultations", headers=tokens["sys_b"]).get_json()["items"]
    assert [c["id"] for c in listed] == [created["id"]]
    response = client.post(f"/api/v1/consultations/{created['id']}/opinions", json={"opinion": "同意。"},
                           headers=tokens["sys_b"])
    assert response.status_code == 200 and response.get_json()["status"] == "closed"
    assert response.get_json()["invitations"][0]["opinion"] == "同意。"
    assert client.post(f"/api/v1/consultations/{created['id']}/opinions", json={"opinion": "再次"},
                       headers=tokens["sys_b"]).status_code == 404    # closed: the ticket is out of its reach again

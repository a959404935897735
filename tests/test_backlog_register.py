"""积案: open tickets beyond the configured working days since registration, or
reopened twice, listed for the leaders with their history, from one query on
an index; a leader takes one up (包案) and that is recorded."""
import re

import pytest
from sqlalchemy import select, update

from core.api import auth as api_auth
from core.audit.models import AuditEntry
from core.errors import Forbidden, NotFound, ValidationError
from core.extensions import db
from core.org.actor import shell_actor
from core.supervision import backlog
from core.supervision.models import BacklogAssignment
from core.tickets import services as tickets
from core.tickets.models import Ticket, TicketEvent
from tests.conftest import actor_for, login, on_databases
from tests.helpers import count, en, fresh_client, system_account
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)
from tests.registers_world import add_user, at, enterprise_of, handling, notified, registered, utc


@pytest.fixture
def app_config():
    return {"BACKLOG_WORKING_DAYS": 5}


def ids(actor="leader", **kwargs) -> list[int]:
    return [t.id for t in backlog.page(actor_for(actor), **kwargs).items]


def test_the_age_counts_working_days_from_the_day_after_registration(city):
    """Registered on Thursday 30 April 2026: 1–5 May are the Labour Day holiday
    and Saturday 9 May a working day, so the 5th working day is Monday 11 May."""
    ticket = registered(enterprise_of("station_a"), when=(2026, 4, 30, 23, 30))
    at(2026, 5, 11, 23, 59)
    assert ids() == [] and not backlog.is_backlog(ticket)
    at(2026, 5, 12, 0, 1)
    assert ids() == [ticket.id] and backlog.reasons(ticket, backlog.threshold()) == ["age"]
    assert backlog.count(actor_for("leader")) == 1


def test_the_count_goes_back_across_the_new_year(city):
    """Registered on Tuesday 30 December 2025: 1–3 January are the New Year
    holiday and Sunday 4 January a working day; the 5th working day is Wednesday 7 January."""
    ticket = registered(enterprise_of("station_a"), when=(2025, 12, 30, 15))
    at(2026, 1, 7, 23, 59)
    assert ids() == []
    at(2026, 1, 8, 0, 1)
    assert ids() == [ticket.id]


def test_the_default_is_thirty_working_days(make_app):
    app = make_app()
    with app.app_context():
        assert app.config["BACKLOG_WORKING_DAYS"] == 30 and backlog.working_days_setting() == 30


def test_reopened_twice_is_on_the_register_whatever_its_age(city):
    ticket = handling(enterprise_of("station_a"), city.station_a, when=(2026, 3, 2, 9))
    db.session.execute(update(Ticket).where(Ticket.id == ticket.id).values(rework_count=2))
    db.session.commit()
    at(2026, 3, 3, 9)
    assert ids() == [ticket.id] and backlog.reasons(db.session.get(Ticket, ticket.id), backlog.threshold()) == [
        "reopened"]


def test_only_open_tickets_of_the_leaders_area(city):
    add_user("leader_b", city.station_b, ["leader"])
    old = handling(enterprise_of("station_a", 1), city.station_a, when=(2026, 3, 2, 9))
    done = handling(enterprise_of("station_a", 2), city.station_a, when=(2026, 3, 2, 10))
    tickets.answer(actor_for("officer_a"), done.id, "已处置。", "resolved")
    tickets.close(actor_for("desk"), done.id)
    at(2026, 3, 2, 11)
    other = tickets.register(actor_for("desk_b"), tickets.Intake(
        enterprise_id=enterprise_of("station_b", 3).id, channel="hotline", category="dispute",
        ticket_class="general", handling_mode="follow", description="乙所辖区企业诉求。"))
    at(2026, 4, 1, 9)
    assert ids() == [old.id, other.id]                  # the centre's leader: the whole city, oldest first
    assert ids("leader_b") == [other.id]                 # a station's leader: its own area
    with pytest.raises(Forbidden):
        backlog.page(actor_for("auditor"))


def test_paging_goes_through_every_ticket_once(city):
    made = [handling(enterprise_of("station_a", n), city.station_a, when=(2026, 3, 2, 9 + n)).id for n in range(3)]
    at(2026, 4, 1, 9)
    first = backlog.page(actor_for("leader"), limit=2)
    second = backlog.page(actor_for("leader"), cursor=first.next_cursor, limit=2)
    assert [t.id for t in first.items] + [t.id for t in second.items] == made and second.next_cursor is None


@on_databases("sqlite")  # the plan is checked on SQLite
def test_the_register_is_read_from_the_status_index_not_the_whole_table(city):
    at(2026, 4, 1, 9)
    stmt = backlog._select(actor_for("leader"), backlog.threshold()).with_only_columns(Ticket.id).order_by(Ticket.id)
    sql = str(stmt.compile(db.engine, compile_kwargs={"literal_binds": True}))
    plan = " ".join(row[3] for row in db.session.execute(db.text("EXPLAIN QUERY PLAN " + sql)))
    assert "ix_ticket_status_registered" in plan and not re.search(r"\bSCAN ticket\b", plan), plan


def test_the_history_summary(city):
    ticket = handling(enterprise_of("station_a"), city.station_a, when=(2026, 3, 2, 9))
    tickets.return_ticket(actor_for("officer_a"), ticket.id, "不属本所管辖。")
    tickets.dispatch(actor_for("desk"), ticket.id, city.station_a.id)
    at(2026, 4, 1, 9)
    summary = backlog.summaries([ticket.id])[ticket.id]
    assert summary.counts == [("dispatched", 2), ("returned", 1)] and summary.last.kind == "dispatched"
    assert summary.events == 5


# --- 包案 -------------------------------------------------------------------------------------

def test_a_leader_takes_a_ticket_up_for_another_leader(city):
    add_user("leader_a", city.station_a, ["leader"])
    ticket = handling(enterprise_of("station_a"), city.station_a, when=(2026, 3, 2, 9))
    at(2026, 4, 1, 9)
    assignment = backlog.take_up(actor_for("leader"), ticket.id, actor_for("leader_a").user_id,
                                 "由甲所所长包案，两周内化解。")
    assert assignment.responsible_id == actor_for("leader_a").user_id and assignment.assigned_at == utc(2026, 4, 1, 9)
    event = db.session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)
                               .order_by(TicketEvent.id.desc())).first()
    assert event.kind == "backlog_taken_up" and event.internal and event.text == "由甲所所长包案，两周内化解。"
    assert count(AuditEntry, AuditEntry.action == "supervision.backlog_take_up", AuditEntry.result == "ok") == 1
    assert notified(ticket.id, "backlog_taken_up") == ["leader_a"]
    # A later take-up replaces it; both stay in the history.
    backlog.take_up(actor_for("leader"), ticket.id, actor_for("leader").user_id, "改由中心领导包案。")
    assert backlog.current_assignment(ticket.id).responsible_id == actor_for("leader").user_id
    assert count(BacklogAssignment) == 2


def test_taking_up_is_refused_when_it_should_be(city):
    ticket = handling(enterprise_of("station_a"), city.station_a, when=(2026, 3, 2, 9))
    add_user("leader_b", city.station_b, ["leader"])
    at(2026, 3, 3, 9)
    with pytest.raises(ValidationError) as refused:   # too young, not reopened
        backlog.take_up(actor_for("leader"), ticket.id, actor_for("leader").user_id, "x")
    assert "not on the backlog" in en(refused.value.message)
    at(2026, 4, 1, 9)
    with pytest.raises(Forbidden):
        backlog.take_up(actor_for("desk"), ticket.id, actor_for("leader").user_id, "x")
    with pytest.raises(NotFound):
        backlog.take_up(actor_for("leader_b"), ticket.id, actor_for("leader_b").user_id, "x")
    with pytest.raises(ValidationError) as refused:
        backlog.take_up(actor_for("leader"), ticket.id, actor_for("officer_a").user_id, " ")
    assert set(refused.value.errors) == {"responsible_id", "note"}
    assert count(BacklogAssignment) == 0
    assert count(AuditEntry, AuditEntry.action == "supervision.backlog_take_up", AuditEntry.result != "ok") == 3


def test_the_backlog_page_and_the_take_up_form(app, city):
    ticket = handling(enterprise_of("station_a"), city.station_a, when=(2026, 3, 2, 9))
    at(2026, 4, 1, 9)
    leader = fresh_client(app)
    login(leader, "leader")
    page = leader.get("/supervision/backlog").get_data(as_text=True)
    assert ticket.number in page and 'data-testid="backlog-history"' in page
    assert 'data-testid="backlog-taken-up"' not in page
    detail = leader.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert 'data-testid="backlog-reasons"' in detail and 'data-testid="take-up"' in detail
    response = leader.post(f"/supervision/tickets/{ticket.id}/take-up", data={"take_up-responsible_id": "",
                                                                             "take_up-note": ""})
    assert response.status_code == 400 and response.get_data(as_text=True).count('class="error"') == 2
    response = leader.post(f"/supervision/tickets/{ticket.id}/take-up", data={
        "take_up-responsible_id": str(actor_for("leader").user_id), "take_up-note": "本人包案。"})
    assert response.status_code == 302
    page = leader.get("/supervision/backlog").get_data(as_text=True)
    assert 'data-testid="backlog-taken-up"' in page and "本人包案。" in page
    officer = fresh_client(app)
    login(officer, "officer_a")
    assert officer.get("/supervision/backlog").status_code == 403
    assert officer.post(f"/supervision/tickets/{ticket.id}/take-up", data={"take_up-note": "x"}).status_code == 403
    assert count(BacklogAssignment) == 1


def test_the_api_lists_the_backlog_in_the_tokens_area(app, city):
    ticket = handling(enterprise_of("station_a"), city.station_a, when=(2026, 3, 2, 9))
    at(2026, 4, 1, 9)
    backlog.take_up(actor_for("leader"), ticket.id, actor_for("leader").user_id, "本人包案。")
    system_account("sys_hq", city.centre.id, roles=["desk"])
    system_account("sys_b", city.station_b.id, roles=["desk"])
    client = fresh_client(app)
    tokens = {}
    for username in ("sys_hq", "sys_b"):
        _row, tokens[username] = api_auth.issue(shell_actor(), username, "t")
    db.session.commit()
    response = client.get("/api/v1/supervision/backlog", headers={"Authorization": f"Bearer {tokens['sys_hq']}"})
    assert response.status_code == 200, response.get_data(as_text=True)
    [item] = response.get_json()["items"]
    assert item["ticket"]["id"] == ticket.id and item["reasons"] == ["age"]
    assert item["history"]["counts"] == {"dispatched": 1} and item["taken_up"]["responsible_leader"]["name"] == "LEADER"
    response = client.get("/api/v1/supervision/backlog", headers={"Authorization": f"Bearer {tokens['sys_b']}"})
    assert response.status_code == 200 and response.get_json()["items"] == []

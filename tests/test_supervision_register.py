"""挂牌督办: a leader lists a ticket with a deadline and a responsible leader; the
handling unit writes weekly progress; the sweep reminds once a week when none
comes; the ticket leaves the register when it is closed or a leader takes it
off. The register page, the ticket page's forms, the leaders' home page and
the JSON API."""
from datetime import date, timedelta

import pytest
from flask_babel import gettext
from sqlalchemy import select

from core import tasks
from core.api import auth as api_auth
from core.audit.models import AuditEntry
from core.errors import Forbidden, NotFound, ValidationError
from core.extensions import db
from core.org.actor import shell_actor
from core.supervision import services as supervision
from core.supervision.models import SupervisionEntry, SupervisionProgress
from core.supervision.sweep import sweep
from core.tickets import services as tickets
from core.tickets.models import TicketEvent
from tests.conftest import actor_for, login
from tests.helpers import count, en, fresh_client, system_account
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)
from tests.registers_world import add_user, at, enterprise_of, handling, notified, registered, utc


@pytest.fixture
def world(city):
    add_user("leader_a", city.station_a, ["leader"])
    enterprise = enterprise_of("station_a")
    ticket = handling(enterprise, city.station_a)       # Monday 2 March 2026, 09:00 in Beijing
    return {"ticket": ticket, "enterprise": enterprise}


def listed(ticket, responsible="leader", due=date(2026, 3, 20), note="请每周报告进展，3月20日前化解。"):
    return supervision.list_ticket(actor_for("leader"), ticket.id, due, actor_for(responsible).user_id, note)


def kinds(ticket_id) -> list[str]:
    db.session.rollback()
    return [e.kind for e in db.session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket_id)
                                               .order_by(TicketEvent.id))]


def audited(action, result="ok") -> int:
    return count(AuditEntry, AuditEntry.action == action, AuditEntry.result == result)


# --- listing ------------------------------------------------------------------------------

def test_a_leader_lists_a_ticket_with_a_deadline_and_a_responsible_leader(city, world):
    ticket = world["ticket"]
    at(2026, 3, 2, 10)
    entry = listed(ticket, responsible="leader_a")
    assert entry.due_at == utc(2026, 3, 20, 23, 59) + timedelta(seconds=59)   # the end of the day in Beijing
    assert entry.responsible_id == actor_for("leader_a").user_id and entry.closed_at is None
    assert entry.progress_due_at == utc(2026, 3, 9, 10)                         # a week after the listing
    assert kinds(ticket.id)[-1] == "listed" and audited("supervision.list") == 1
    # The responsible leader and the handling unit are told; the leader who listed it is not.
    assert notified(ticket.id, "listed") == ["desk_a", "leader_a", "officer_a"]
    register = supervision.register(actor_for("leader"))
    assert [row.entry.ticket_id for row in register.open] == [ticket.id] and register.lacking == 0
    # The handling station sees its listed ticket too; the other station does not.
    assert [row.entry.ticket_id for row in supervision.register(actor_for("officer_a")).open] == [ticket.id]
    assert supervision.register(actor_for("officer_b")).open == []


def test_bad_input_is_refused_all_at_once_and_nothing_is_written(city, world):
    ticket = world["ticket"]
    at(2026, 3, 2, 10)
    with pytest.raises(ValidationError) as refused:
        supervision.list_ticket(actor_for("leader"), ticket.id, date(2026, 3, 1), actor_for("desk").user_id, "x" * 2001)
    assert set(refused.value.errors) == {"due_on", "responsible_id", "note"}
    with pytest.raises(ValidationError) as refused:
        supervision.list_ticket(actor_for("leader"), ticket.id, None, "9999999999999", "")
    assert set(refused.value.errors) == {"due_on", "responsible_id"}
    with pytest.raises(ValidationError) as refused:
        supervision.list_ticket(actor_for("leader"), ticket.id, date(2027, 6, 1), actor_for("leader").user_id)
    assert set(refused.value.errors) == {"due_on"}
    assert count(SupervisionEntry) == 0 and "listed" not in kinds(ticket.id)
    assert audited("supervision.list", "rejected") == 3


def test_only_a_leader_of_the_tickets_area_lists_it_and_only_once(city, world):
    ticket = world["ticket"]
    add_user("leader_b", city.station_b, ["leader"])
    with pytest.raises(Forbidden):
        supervision.list_ticket(actor_for("desk"), ticket.id, date(2026, 3, 20), actor_for("leader").user_id)
    with pytest.raises(NotFound):   # another station's leader: the ticket is not there at all
        supervision.list_ticket(actor_for("leader_b"), ticket.id, date(2026, 3, 20), actor_for("leader_b").user_id)
    assert audited("supervision.list", "denied") == 1
    # The station's own leader may; a leader of the other station cannot be made responsible.
    with pytest.raises(ValidationError) as refused:
        supervision.list_ticket(actor_for("leader_a"), ticket.id, date(2026, 3, 20), actor_for("leader_b").user_id)
    assert set(refused.value.errors) == {"responsible_id"}
    supervision.list_ticket(actor_for("leader_a"), ticket.id, date(2026, 3, 20), actor_for("leader").user_id)
    with pytest.raises(ValidationError) as refused:
        listed(ticket)
    assert "already" in en(refused.value.message)
    assert count(SupervisionEntry) == 1


def test_a_closed_ticket_cannot_be_listed(city, world):
    ticket = world["ticket"]
    tickets.answer(actor_for("officer_a"), ticket.id, "已处置。", "resolved")
    tickets.close(actor_for("desk"), ticket.id)
    with pytest.raises(ValidationError):
        listed(ticket)
    assert count(SupervisionEntry) == 0


# --- weekly progress and the sweep ----------------------------------------------------------------

def test_the_handling_unit_or_the_responsible_leader_writes_the_progress(city, world):
    ticket = world["ticket"]
    at(2026, 3, 2, 10)
    entry = listed(ticket, responsible="leader_a")
    at(2026, 3, 5, 16)
    supervision.record_progress(actor_for("officer_a"), ticket.id, "已约谈双方，本周完成调解。")
    db.session.rollback()
    entry = db.session.get(SupervisionEntry, entry.id)
    assert entry.last_progress_at == utc(2026, 3, 5, 16) and entry.progress_due_at == utc(2026, 3, 12, 16)
    assert kinds(ticket.id)[-1] == "listing_progress" and notified(ticket.id, "listing_progress") == ["leader_a"]
    supervision.record_progress(actor_for("leader_a"), ticket.id, "已督促。")
    # The centre's desk neither handles it nor answers for it; another station does not see it.
    with pytest.raises(Forbidden):
        supervision.record_progress(actor_for("desk"), ticket.id, "x")
    with pytest.raises(NotFound):
        supervision.record_progress(actor_for("officer_b"), ticket.id, "x")
    with pytest.raises(ValidationError):
        supervision.record_progress(actor_for("officer_a"), ticket.id, "   ")
    assert count(SupervisionProgress) == 2 and audited("supervision.progress") == 2


def test_no_progress_for_seven_days_is_flagged_and_reminded_once_a_week(city, world):
    ticket = world["ticket"]
    at(2026, 3, 2, 10)
    entry_id = listed(ticket, responsible="leader_a").id
    at(2026, 3, 9, 9, 55)
    assert sweep().reminded == 0
    assert not supervision.lacks_progress(db.session.get(SupervisionEntry, entry_id))
    at(2026, 3, 9, 10, 5)                               # 7 days and 5 minutes without a note
    summary = sweep()
    assert summary.reminded == 1
    assert notified(ticket.id, "listing_reminder") == ["desk_a", "leader_a", "officer_a"]
    assert supervision.dashboard(actor_for("leader")).lacking == 1
    at(2026, 3, 12, 10)
    assert sweep().reminded == 0                        # once a week
    at(2026, 3, 16, 10, 10)
    assert sweep().reminded == 1                        # a second week without a note
    assert kinds(ticket.id).count("listing_reminder") == 2
    supervision.record_progress(actor_for("officer_a"), ticket.id, "已化解。")
    assert supervision.dashboard(actor_for("leader")).lacking == 0
    at(2026, 3, 20, 10)
    assert sweep().reminded == 0                        # the note started a new week
    assert audited("supervision.sweep") == 2


def test_a_passed_register_deadline_is_told_once(city, world):
    ticket = world["ticket"]
    at(2026, 3, 2, 10)
    listed(ticket, responsible="leader_a", due=date(2026, 3, 3))
    supervision.record_progress(actor_for("officer_a"), ticket.id, "处理中。")
    at(2026, 3, 3, 23, 0)
    assert sweep().deadlines_passed == 0
    at(2026, 3, 4, 0, 5)
    assert sweep().deadlines_passed == 1 and sweep().deadlines_passed == 0
    assert notified(ticket.id, "listing_overdue") == ["desk_a", "leader_a", "officer_a"]
    assert "listing_overdue" in kinds(ticket.id)


def test_the_sweep_runs_every_five_minutes(app):
    from datetime import datetime

    assert "anqi.supervision.sweep" in [t.name for t in tasks.huey.read_periodic(datetime(2026, 3, 4, 0, 5))]


def test_anqi_supervision_sweep_prints_the_counts(app, city, world):
    at(2026, 3, 2, 10)
    listed(world["ticket"])
    at(2026, 3, 9, 11)
    result = app.test_cli_runner().invoke(args=["supervision", "sweep"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == gettext(
        "%(reminded)d register entries reminded of their weekly progress, %(deadlines_passed)d past "
        "their deadline; %(consultations_closed)d consultations closed; %(notified)d notifications sent.",
        reminded=1, deadlines_passed=0, consultations_closed=0, notified=4)
    assert count(TicketEvent, TicketEvent.kind == "listing_reminder") == 1


# --- taking off -----------------------------------------------------------------------------------

def test_closing_the_ticket_takes_it_off_the_register(city, world):
    ticket = world["ticket"]
    at(2026, 3, 2, 10)
    entry_id = listed(ticket, responsible="leader_a").id
    tickets.answer(actor_for("officer_a"), ticket.id, "已处置。", "resolved")
    assert supervision.open_entry(ticket.id) is not None     # answered is not closed yet
    at(2026, 3, 3, 9)
    tickets.close(actor_for("desk"), ticket.id)
    db.session.rollback()
    entry = db.session.get(SupervisionEntry, entry_id)
    assert entry.closed_at == utc(2026, 3, 3, 9) and entry.close_reason == "ticket_closed"
    assert entry.closed_by_id == actor_for("desk").user_id
    assert kinds(ticket.id)[-2:] == ["closed", "delisted"]
    assert notified(ticket.id, "delisted") == ["leader_a"]
    register = supervision.register(actor_for("leader"))
    assert register.open == [] and [r.entry.id for r in register.closed] == [entry_id]
    assert count(AuditEntry, AuditEntry.action == "supervision.take_off") == 1


def test_a_leader_takes_a_ticket_off_with_a_note(city, world):
    ticket = world["ticket"]
    listed(ticket)
    with pytest.raises(Forbidden):
        supervision.take_off(actor_for("officer_a"), ticket.id, "不再督办")
    with pytest.raises(ValidationError) as refused:
        supervision.take_off(actor_for("leader"), ticket.id, " ")
    assert refused.value.errors == {"note": [refused.value.message]}
    entry = supervision.take_off(actor_for("leader"), ticket.id, "企业已撤回诉求，销号。")
    assert entry.close_reason == "leader" and entry.close_note == "企业已撤回诉求，销号。"
    assert ticket.status == "handling" and kinds(ticket.id)[-1] == "delisted"
    with pytest.raises(ValidationError):
        supervision.take_off(actor_for("leader"), ticket.id, "again")
    listed(ticket, due=date(2026, 3, 27))                    # it may be listed again
    assert count(SupervisionEntry) == 2


# --- the pages --------------------------------------------------------------------------------------

def test_the_ticket_page_the_register_and_the_home_page(app, city, world):
    ticket = world["ticket"]
    at(2026, 3, 2, 10)
    leader = fresh_client(app)
    login(leader, "leader")
    page = leader.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert 'data-testid="list-supervision"' in page and 'name="listing-due_on"' in page
    # Bad input: the page again, every error on its field, nothing written.
    response = leader.post(f"/supervision/tickets/{ticket.id}/list",
                           data={"listing-due_on": "2026-02-30", "listing-responsible_id": "x"})
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert text.count('class="error"') == 2 and count(SupervisionEntry) == 0
    response = leader.post(f"/supervision/tickets/{ticket.id}/list", data={
        "listing-due_on": "2026-03-20", "listing-responsible_id": str(actor_for("leader_a").user_id),
        "listing-note": "限期化解"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/tickets/{ticket.id}#supervision")
    page = leader.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert 'data-testid="supervision-entry"' in page and "LEADER_A" in page and 'data-testid="take-off"' in page
    assert 'data-testid="event-listed"' in page
    # The handling officer writes the week's progress on the ticket page.
    officer = fresh_client(app)
    login(officer, "officer_a")
    response = officer.post(f"/supervision/tickets/{ticket.id}/progress", data={"listing_progress-text": "已调解。"})
    assert response.status_code == 302
    register = officer.get("/supervision/").get_data(as_text=True)
    assert ticket.number in register and "已调解。" in register and "LEADER_A" in register
    assert 'data-testid="supervision-panel"' not in officer.get("/").get_data(as_text=True)
    home = leader.get("/").get_data(as_text=True)
    assert 'data-testid="supervision-panel"' in home and ticket.number in home and "已调解。" in home
    # An officer may not list or take off (403); another station's officer does not find the ticket (404).
    assert officer.post(f"/supervision/tickets/{ticket.id}/take-off", data={"take_off-note": "x"}).status_code == 403
    other = fresh_client(app)
    login(other, "officer_b")
    assert other.post(f"/supervision/tickets/{ticket.id}/progress",
                      data={"listing_progress-text": "x"}).status_code == 404
    assert count(SupervisionProgress) == 1


def test_a_ticket_taken_in_as_listed_waits_on_the_register_for_a_leader(city, world):
    waiting = registered(world["enterprise"], mode="listed")
    register = supervision.register(actor_for("leader"))
    assert [t.id for t in register.awaiting] == [waiting.id]
    assert supervision.register(actor_for("desk")).awaiting == []        # for leaders
    listed(waiting)
    assert supervision.register(actor_for("leader")).awaiting == []


# --- the JSON API ------------------------------------------------------------------------------

def test_the_api_lists_the_register_in_the_tokens_area(app, city, world):
    ticket = world["ticket"]
    at(2026, 3, 2, 10)
    listed(ticket, responsible="leader_a")
    system_account("sys_b", city.station_b.id, roles=["desk"])
    system_account("sys_hq", city.centre.id, roles=["desk"])
    client = fresh_client(app)

    def items(username, query=""):
        _row, token = api_auth.issue(shell_actor(), username, "t")
        db.session.commit()
        response = client.get(f"/api/v1/supervision/register{query}", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()["items"]

    assert items("sys_b") == []                          # another station's token sees none of it
    [item] = items("sys_hq")
    assert item["ticket"]["number"] == ticket.number and item["due_on"] == "2026-03-20"
    assert item["responsible_leader"]["name"] == "LEADER_A" and item["lacks_progress"] is False
    assert item["last_progress"] is None and item["closed_at"] is None
    assert items("sys_hq", "?state=closed") == []
    supervision.take_off(actor_for("leader"), ticket.id, "销号")
    [item] = items("sys_hq", "?state=closed")
    assert item["close_reason"] == "leader"
    assert client.get("/api/v1/supervision/register").status_code == 401

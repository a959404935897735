"""Liaison visits (走访纳谏, core/liaison/visits.py) and visit plans (visit_plans.py):
an officer records a visit with photos; a demand heard there becomes a ticket of
channel "visit" through the intake, linked to the visit; the visits are the
enterprise's unit's; a plan makes visits due and the overdue ones reach the
officer's home page."""
import io
from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from core import clock
from core.audit.models import AuditEntry
from core.errors import NotFound, ValidationError
from core.extensions import db
from core.liaison import visit_plans, visits
from core.liaison.models import LiaisonVisit, LiaisonVisitPhoto, LiaisonVisitTicket
from core.registry import services as registry
from core.tickets.models import Ticket
from tests.conftest import actor_for, csrf_token, login
from tests.helpers import code
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(300)
WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(100)


def _enterprise(unit, n, officer=None, is_key=False):
    data = {"name": f"走访企业{n}有限公司", "credit_code": code(n), "unit_id": unit.id, "is_key": is_key}
    if officer is not None:
        data["liaison_officer_id"] = officer.id
    return registry.create(actor_for("desk"), data)


def _audited(action) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action))


def test_an_officer_records_a_visit_and_registers_the_demand_heard_as_a_ticket(city):
    enterprise = _enterprise(city.station_a, 1, city.user("officer_a"))
    officer = actor_for("officer_a")
    assert not officer.can("ticket.register") and officer.can("visit.record")
    prepared = visits.attachments.check_uploads([("厂区.jpg", io.BytesIO(JPEG))])
    visit = visits.record(officer, visits.VisitInput(
        enterprise_id=enterprise.id, visited_on=visits.today(), heard="园区道路夜间照明不足，员工下班不安全。",
        done="已记录，向属地反映。", photos=prepared))
    assert visit.officer_id == city.user("officer_a").id and len(visit.photos) == 1
    assert _audited("visit.record") == 1

    ticket = visits.register_demand(officer, visit.id, visits.DemandInput(
        category="dispute", description=visit.heard), submission_key="k" * 20)
    assert ticket.channel == "visit" and ticket.enterprise_id == enterprise.id
    assert ticket.description == visit.heard and ticket.registered_by_id == city.user("officer_a").id
    assert [link.ticket_id for link in db.session.get(LiaisonVisit, visit.id).tickets] == [ticket.id]
    assert visits.of_visit_ticket(ticket.id).id == visit.id
    # Sent again (the same key): the same ticket, linked once.
    again = visits.register_demand(officer, visit.id, visits.DemandInput(category="dispute", description="x"),
                                   submission_key="k" * 20)
    assert again.id == ticket.id
    assert db.session.scalar(select(func.count()).select_from(LiaisonVisitTicket)) == 1
    assert _audited("visit.register_demand") == 1 and _audited("ticket.register") == 1


def test_the_visit_is_checked_and_scoped_by_the_enterprises_unit(city):
    enterprise_b = _enterprise(city.station_b, 2)
    officer = actor_for("officer_a")
    with pytest.raises(ValidationError) as refused:
        visits.record(officer, visits.VisitInput(enterprise_id=enterprise_b.id, visited_on="2099-01-01", heard=""))
    assert {"enterprise_id", "visited_on", "heard"} <= set(refused.value.errors)
    sound = visits.attachments.check_uploads([("a.wav", io.BytesIO(WAV))])
    enterprise_a = _enterprise(city.station_a, 3)
    with pytest.raises(ValidationError) as refused:
        visits.record(officer, visits.VisitInput(enterprise_id=enterprise_a.id, visited_on=visits.today(),
                                                 heard="好", photos=sound))
    assert "photos" in refused.value.errors
    visit = visits.record(actor_for("desk"), visits.VisitInput(enterprise_id=enterprise_b.id,
                                                               visited_on=visits.today(), heard="好"))
    with pytest.raises(NotFound):
        visits.get(officer, visit.id)
    assert visits.get(actor_for("officer_b"), visit.id).id == visit.id
    assert db.session.scalar(select(func.count()).select_from(LiaisonVisit)) == 1


def test_a_wrong_demand_writes_neither_the_visit_nor_the_ticket(city):
    enterprise = _enterprise(city.station_a, 4)
    with pytest.raises(ValidationError) as refused:
        visits.record_with_demand(actor_for("officer_a"), visits.VisitInput(
            enterprise_id=enterprise.id, visited_on=visits.today(), heard="停车难"),
            visits.DemandInput(category="", description="停车难"))
    assert "demand_category" in refused.value.errors
    assert db.session.scalar(select(func.count()).select_from(LiaisonVisit)) == 0
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 0


def test_the_pages_record_a_visit_with_a_demand_in_one_submit_and_keep_photos_across_a_failure(city, client):
    enterprise = _enterprise(city.station_a, 5, city.user("officer_a"))
    login(client, "officer_a")
    page = client.get(f"/liaison/visits/new?enterprise={enterprise.id}")
    assert page.status_code == 200
    token = csrf_token(page.data)
    form = {"csrf_token": token, "enterprise_id": enterprise.id, "submission_key": "s" * 24,
            "visited_on": visits.today().isoformat(), "officer_id": city.user("officer_a").id,
            "heard": "", "done": "", "with_demand": "y", "demand_category": "dispute"}
    failed = client.post("/liaison/visits/new", data={**form, "photos": (io.BytesIO(JPEG), "门口.jpg")},
                         content_type="multipart/form-data")
    assert failed.status_code == 400
    text = failed.get_data(as_text=True)
    assert "门口.jpg" in text     # held for the next submit
    held_token = text.split('name="held" value="')[1].split('"')[0]
    done = client.post("/liaison/visits/new", data={**form, "heard": "希望增派巡逻", "held": held_token},
                       content_type="multipart/form-data")
    assert done.status_code == 303
    visit = db.session.scalar(select(LiaisonVisit))
    assert [p.original_name for p in visit.photos] == ["门口.jpg"]
    ticket = visit.tickets[0].ticket
    assert ticket.channel == "visit" and ticket.description == "希望增派巡逻"
    shown = client.get(done.headers["Location"]).get_data(as_text=True)
    assert ticket.number in shown and "走访收集" in shown
    photo = client.get(f"/liaison/visits/{visit.id}/photos/{visit.photos[0].id}")
    assert photo.status_code == 200 and photo.data == JPEG
    ticket_page = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert f"/liaison/visits/{visit.id}" in ticket_page
    enterprise_page = client.get(f"/enterprises/{enterprise.id}").get_data(as_text=True)
    assert "希望增派巡逻" in enterprise_page
    assert "希望增派巡逻" in client.get("/liaison/visits").get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(LiaisonVisitPhoto)) == 1


def test_a_visit_is_corrected_from_its_page_and_two_corrections_do_not_overwrite_each_other(city, client, app):
    enterprise = _enterprise(city.station_a, 7, city.user("officer_a"))
    visit = visits.record(actor_for("officer_a"), visits.VisitInput(
        enterprise_id=enterprise.id, visited_on=visits.today(), heard="路灯不亮。"))
    login(client, "officer_a")
    page = client.get(f"/liaison/visits/{visit.id}")
    assert f"/liaison/visits/{visit.id}/edit" in page.get_data(as_text=True)
    edit = client.get(f"/liaison/visits/{visit.id}/edit").get_data(as_text=True)
    assert "路灯不亮。" in edit and 'name="version" type="hidden" value="1"' in edit
    form = {"csrf_token": csrf_token(page.data), "visited_on": visits.today().isoformat(),
            "officer_id": city.user("officer_a").id, "version": "1", "done": ""}
    refused = client.post(f"/liaison/visits/{visit.id}/edit", data={**form, "heard": "", "visited_on": "2999-01-01"})
    assert refused.status_code == 400 and refused.get_data(as_text=True).count('class="error"') == 2
    done = client.post(f"/liaison/visits/{visit.id}/edit", data={
        **form, "heard": "园区东门路灯不亮。", "photos": (io.BytesIO(JPEG), "东门.jpg")},
        content_type="multipart/form-data")
    assert done.status_code == 303
    db.session.expire_all()
    corrected = db.session.get(LiaisonVisit, visit.id)
    assert corrected.heard == "园区东门路灯不亮。" and [p.original_name for p in corrected.photos] == ["东门.jpg"]
    assert corrected.enterprise_id == enterprise.id and corrected.version == 2
    results = db.session.scalars(select(AuditEntry.result).where(AuditEntry.action == "visit.update")
                                 .order_by(AuditEntry.id)).all()
    assert results == ["rejected", "ok"]
    # A second form built from version 1: told of the correction, nothing overwritten.
    clash = client.post(f"/liaison/visits/{visit.id}/edit", data={**form, "heard": "旧的内容。"})
    assert clash.status_code == 409 and 'data-testid="visit-conflict"' in clash.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(LiaisonVisit, visit.id).heard == "园区东门路灯不亮。"
    other = app.test_client()
    login(other, "officer_b")
    assert other.get(f"/liaison/visits/{visit.id}/edit").status_code == 404


def test_the_demand_form_of_a_visit_registers_a_ticket(city, client):
    enterprise = _enterprise(city.station_a, 6, city.user("officer_a"))
    visit = visits.record(actor_for("officer_a"), visits.VisitInput(
        enterprise_id=enterprise.id, visited_on=visits.today(), heard="申请消防检查指导"))
    login(client, "officer_a")
    page = client.get(f"/liaison/visits/{visit.id}").get_data(as_text=True)
    assert "申请消防检查指导" in page
    answer = client.post(f"/liaison/visits/{visit.id}/demand", data={
        "csrf_token": csrf_token(page.encode()), "submission_key": "d" * 24, "demand_category": "dispute",
        "demand_description": "申请消防检查指导"})
    assert answer.status_code == 303
    assert db.session.get(LiaisonVisit, visit.id).tickets[0].ticket.channel == "visit"


def test_the_officers_visits_page_by_page_newest_first(city):
    enterprise = _enterprise(city.station_a, 7)
    officer = actor_for("officer_a")
    for day in range(1, 8):
        visits.record(officer, visits.VisitInput(enterprise_id=enterprise.id, visited_on=date(2026, 1, day),
                                                 heard=f"第{day}次"))
    first = visits.of_officer(officer, city.user("officer_a").id, limit=3)
    assert [v.visited_on.day for v in first.items] == [7, 6, 5]
    second = visits.of_officer(officer, city.user("officer_a").id, cursor=first.next_cursor, limit=3)
    assert [v.visited_on.day for v in second.items] == [4, 3, 2]
    third = visits.of_officer(officer, city.user("officer_a").id, cursor=second.next_cursor, limit=3)
    assert [v.visited_on.day for v in third.items] == [1] and third.next_cursor is None
    with pytest.raises(ValidationError):
        visits.of_officer(officer, city.user("officer_a").id, cursor="broken")


def test_due_dates_and_calendar_periods():
    assert visit_plans.add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert visit_plans.period_end(date(2026, 5, 3), "quarter") == date(2026, 6, 30)
    assert visit_plans.period_end(date(2026, 8, 3), "half_year") == date(2026, 12, 31)
    assert visit_plans.period_end(date(2026, 2, 3), "month") == date(2026, 2, 28)
    assert visit_plans.due_on(None, "quarter", date(2026, 1, 5)) == date(2026, 3, 31)
    assert visit_plans.due_on(date(2026, 1, 5), "quarter", date(2025, 1, 1)) == date(2026, 4, 5)


def test_a_plan_of_key_enterprises_makes_visits_due_and_the_overdue_reach_the_home_page(city, client):
    officer_user = city.user("officer_a")
    key = _enterprise(city.station_a, 8, officer_user, is_key=True)
    visited = _enterprise(city.station_a, 9, officer_user, is_key=True)
    _enterprise(city.station_a, 10, officer_user)                  # not key: not in the plan
    officer = actor_for("officer_a")
    with clock.pinned(datetime(2026, 1, 10, 2)):
        visit_plans.add(officer, None, "quarter")
        visits.record(officer, visits.VisitInput(enterprise_id=visited.id, visited_on=date(2026, 1, 9), heard="好"))
    with pytest.raises(ValidationError):
        visit_plans.add(officer, None, "month")                   # the same plan twice
    with clock.pinned(datetime(2026, 3, 1, 2)):
        due = visit_plans.due(officer)
        assert [(d.enterprise.id, d.due_on, d.overdue) for d in due] == [
            (key.id, date(2026, 3, 31), False), (visited.id, date(2026, 4, 9), False)]
        assert visit_plans.home_card(officer) is None
    with clock.pinned(datetime(2026, 4, 2, 2)):
        card = visit_plans.home_card(officer)
        assert card.count == 1 and card.rows[0].enterprise.id == key.id
        login(client, "officer_a")
        home = client.get("/").get_data(as_text=True)
        assert 'data-testid="visits-overdue"' in home and key.name in home
        plan_page = client.get("/liaison/plan").get_data(as_text=True)
        assert key.name in plan_page and visited.name in plan_page
    # Another station's officer's plan is not this desk's to see.
    with pytest.raises(NotFound):
        visit_plans.due(actor_for("desk_b"), officer_user.id)
    assert _audited("visit_plan.create") == 1


def test_a_plan_of_one_enterprise_and_removing_it(city):
    enterprise = _enterprise(city.station_a, 11)
    desk = actor_for("desk_a")
    with clock.pinned(datetime(2026, 5, 10, 2)):
        plan = visit_plans.add(desk, city.user("officer_a").id, "month", enterprise.id)
        assert [d.due_on for d in visit_plans.due(desk, city.user("officer_a").id)] == [date(2026, 5, 31)]
    visit_plans.remove(desk, plan.id)
    assert visit_plans.plans(desk, city.user("officer_a").id) == []
    assert _audited("visit_plan.delete") == 1

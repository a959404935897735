"""Meetings (座谈, 联席会议, core/meetings): recorded by the desk and the leaders of a unit,
read by its officers, scoped by unit, audited; every problem of a form at once; the
enterprises taking part chosen from the registry; each demand raised becomes a ticket
of channel ``meeting`` through the ticket service, linked back to the meeting and shown
on the ticket's page, the meeting's page and the enterprise's page."""
import io
from datetime import datetime, timedelta

from flask_babel import force_locale

import pytest
from sqlalchemy import select

from core import clock
from core.audit.models import AuditEntry
from core.errors import Forbidden, NotFound, ValidationError
from core.extensions import db
from core.meetings import services as meetings
from core.meetings.models import Meeting, MeetingTicket
from core.registry import services as registry
from core.tickets import statistics
from core.tickets.deadlines import local_date
from core.tickets.models import Ticket
from core.tickets.vocabulary import CHANNELS
from tests import pdfs
from tests.conftest import actor_for, login
from tests.helpers import code, count, en, fresh_client
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)

PDF = pdfs.PLAIN


@pytest.fixture
def firms(city):
    desk = actor_for("desk_a")
    return [registry.create(desk, {"name": name, "credit_code": code(n)})
            for n, name in ((1, "甲所辖区华达纺织有限公司"), (2, "甲所辖区东方机械有限公司"), (3, "甲所辖区远航物流有限公司"))]


def symposium(username="desk_a", unit=None, **changes):
    actor = actor_for(username)
    values = dict(kind="symposium", title="服务企业周警企座谈会", starts_at="2026-03-18T09:30", place="甲派出所会议室",
                  unit_id=(unit or actor.user.unit).id, organisations="市工商联\n纺织行业商会",
                  officer_ids=[str(actor_for("officer_a").user_id)], minutes="企业反映夜间周边治安问题。")
    values.update(changes)
    return meetings.save(actor, meetings.MeetingInput(**values))


def demand(meeting, enterprise, username="desk_a", **changes):
    values = dict(enterprise_id=str(enterprise.id), category="dispute", ticket_class="general",
                  handling_mode="follow", description="厂区周边夜间有人偷盗电缆，请求加强巡逻。")
    values.update(changes)
    return meetings.raise_demand(actor_for(username), meeting.id, meetings.DemandInput(**values))


def test_the_channel_in_words():
    assert "meeting" in CHANNELS
    assert en(CHANNELS["meeting"]) == "At a meeting"


def test_a_symposium_with_its_participants_and_a_demand_as_a_ticket(app, city, firms):
    meeting = symposium()
    assert meeting.starts_at == datetime(2026, 3, 18, 1, 30)   # China time, kept as UTC
    assert [o.name for o in meeting.organisations] == ["市工商联", "纺织行业商会"]
    assert [o.user_id for o in meeting.officers] == [actor_for("officer_a").user_id]
    for firm in firms[:2]:
        meetings.add_enterprise(actor_for("desk_a"), meeting.id, firm.id)
    meetings.add_enterprise(actor_for("desk_a"), meeting.id, firms[0].id)   # twice: once on the list
    assert [p.enterprise_id for p in db.session.get(Meeting, meeting.id).enterprises] == [firms[0].id, firms[1].id]

    ticket = demand(meeting, firms[1])
    assert (ticket.channel, ticket.enterprise_id, ticket.status) == ("meeting", firms[1].id, "registered")
    assert db.session.scalar(select(MeetingTicket.meeting_id).where(MeetingTicket.ticket_id == ticket.id)) \
        == meeting.id
    assert meetings.for_ticket(actor_for("officer_a"), ticket.id).id == meeting.id
    # The same form sent twice makes one ticket and one link.
    again = demand(meeting, firms[1], submission_key="k" * 24)
    assert demand(meeting, firms[1], submission_key="k" * 24).id == again.id
    assert count(MeetingTicket) == 2
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "meeting",
                                                                 AuditEntry.result == "ok")
                                 .order_by(AuditEntry.id)).all()
    assert actions == ["meeting.create", "meeting.add_enterprise", "meeting.add_enterprise",
                       "meeting.raise_demand", "meeting.raise_demand"]
    # An enterprise with a demand raised stays on the list; another may be taken off.
    with pytest.raises(ValidationError):
        meetings.remove_enterprise(actor_for("desk_a"), meeting.id, firms[1].id)
    meetings.remove_enterprise(actor_for("desk_a"), meeting.id, firms[0].id)
    assert [m.id for m in meetings.for_enterprise(actor_for("desk_a"), firms[1].id)] == [meeting.id]
    # The statistics by channel count them under the channel's words.
    today = local_date(clock.now())
    report = statistics.report(actor_for("desk_a"), statistics.Period(today - timedelta(days=1), today))
    assert [(line.key, line.figures.received) for line in report.by_channel] == [("meeting", 2)]
    with force_locale("en"):
        assert statistics.report(actor_for("desk_a"), statistics.Period(today, today)).by_channel[0].label \
            == "At a meeting"


def test_every_problem_at_once_and_nothing_saved(app, city, firms):
    with pytest.raises(ValidationError) as caught:
        symposium(kind="party", title="", starts_at="明天", unit=city.station_b, organisations="x" * 101,
                  officer_ids=[str(actor_for("officer_b").user_id)], minutes="x" * 20001)
    assert set(caught.value.errors) == {"kind", "title", "starts_at", "unit_id", "organisations", "officer_ids",
                                        "minutes"}
    assert count(Meeting) == 0
    meeting = symposium()
    with pytest.raises(ValidationError) as caught:
        demand(meeting, firms[2], category="", description="", handling_mode="immediate")
    # Not a participant; the ticket service's own problems beside it.
    assert set(caught.value.errors) == {"enterprise_id", "category", "description", "handling_mode"}
    assert count(Ticket) == 0


def test_scoped_by_unit_and_who_records(app, city, firms):
    meeting = symposium()
    theirs = symposium("desk_b", title="乙所联席会议", kind="federation", officer_ids=[])
    assert [m.id for m in meetings.listing(actor_for("officer_a")).items] == [meeting.id]
    assert {m.id for m in meetings.listing(actor_for("leader")).items} == {meeting.id, theirs.id}
    with pytest.raises(NotFound):
        meetings.get(actor_for("officer_a"), theirs.id)
    with pytest.raises(Forbidden):
        symposium("officer_a")
    with pytest.raises(Forbidden):
        meetings.add_enterprise(actor_for("officer_a"), meeting.id, firms[0].id)
    assert db.session.scalar(select(AuditEntry.result).where(AuditEntry.action == "meeting.create")
                             .order_by(AuditEntry.id.desc()).limit(1)) == "denied"


def test_newest_first_by_kind_with_keyset_pages(app, city, firms):
    made = [symposium(title=f"座谈会{n}", starts_at=f"2026-03-{n + 10:02d}T09:00",
                      kind="symposium" if n % 2 else "departments") for n in range(1, 6)]
    first = meetings.listing(actor_for("desk_a"), limit=2)
    assert [m.title for m in first.items] == ["座谈会5", "座谈会4"]
    second = meetings.listing(actor_for("desk_a"), cursor=first.next_cursor, limit=2)
    assert [m.title for m in second.items] == ["座谈会3", "座谈会2"]
    back = meetings.listing(actor_for("desk_a"), cursor=second.prev_cursor, limit=2)
    assert [m.title for m in back.items] == ["座谈会5", "座谈会4"]
    assert [m.id for m in meetings.listing(actor_for("desk_a"), "symposium").items] == [
        made[4].id, made[2].id, made[0].id]
    with pytest.raises(ValidationError):
        meetings.listing(actor_for("desk_a"), cursor="broken")


def test_the_pages(app, city, firms):
    client = fresh_client(app)
    login(client, "desk_a")
    response = client.post("/meetings/new", data={
        "kind": "symposium", "title": "", "starts_at": "", "unit_id": str(city.station_a.id),
        "minutes_file": (io.BytesIO(b"not a pdf"), "纪要.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert html.count('class="error"') == 3        # the title, the time and the file, together
    response = client.post("/meetings/new", data={
        "kind": "symposium", "title": "警企座谈会", "starts_at": "2026-03-18T09:30", "unit_id": str(city.station_a.id),
        "organisations": "市工商联", "minutes": "纪要", "minutes_file": (io.BytesIO(PDF), "纪要.pdf")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    meeting = db.session.scalar(select(Meeting))
    assert meeting.file_name == "纪要.pdf"
    page = client.get(f"/meetings/{meeting.id}?q={firms[0].credit_code}").get_data(as_text=True)
    assert firms[0].name in page and 'data-testid="pick-enterprise"' in page
    assert client.post(f"/meetings/{meeting.id}/enterprises", data={"enterprise_id": firms[0].id}).status_code == 302
    response = client.post(f"/meetings/{meeting.id}/demands", data={
        "enterprise_id": str(firms[0].id), "category": "", "ticket_class": "general", "handling_mode": "follow",
        "description": ""})
    assert response.status_code == 400 and response.get_data(as_text=True).count('class="error"') == 2
    response = client.post(f"/meetings/{meeting.id}/demands", data={
        "enterprise_id": str(firms[0].id), "category": "dispute", "ticket_class": "general",
        "handling_mode": "follow", "description": "请求加强巡逻。"}, follow_redirects=True)
    assert response.status_code == 200 and 'data-testid="meeting-demand"' in response.get_data(as_text=True)
    ticket = db.session.scalar(select(Ticket))
    page = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert 'data-testid="ticket-meeting"' in page and "警企座谈会" in page
    assert "警企座谈会" in client.get(f"/enterprises/{firms[0].id}").get_data(as_text=True)
    assert client.get(f"/meetings/{meeting.id}/minutes").data == PDF
    # The intake form does not offer the channel: a meeting's demand is registered from its page.
    intake = client.get(f"/tickets/new?enterprise={firms[0].id}").get_data(as_text=True)
    assert 'value="walk_in"' in intake and 'value="meeting"' not in intake
    listing = client.get("/meetings/?kind=symposium").get_data(as_text=True)
    assert 'data-testid="meeting-row"' in listing
    officer = fresh_client(app)
    login(officer, "officer_a")
    assert officer.get(f"/meetings/{meeting.id}").status_code == 200
    assert officer.get("/meetings/new").status_code == 403
    other = fresh_client(app)
    login(other, "desk_b")
    assert other.get(f"/meetings/{meeting.id}").status_code == 404


def test_two_people_editing_one_meeting_do_not_overwrite_each_other(app, city, firms):
    """Both open the form at version 1; the second save is told of the first's, keeps
    its entries and its chosen file, and applies them only when sent again."""
    meeting = symposium()
    first, second = fresh_client(app), fresh_client(app)
    login(first, "desk_a")
    login(second, "desk_a")
    form = {"kind": "symposium", "starts_at": "2026-03-18T09:30", "unit_id": str(city.station_a.id),
            "organisations": "市工商联", "version": "1"}
    assert 'name="version" type="hidden" value="1"' in first.get(f"/meetings/{meeting.id}/edit").get_data(as_text=True)
    assert first.post(f"/meetings/{meeting.id}/edit", data={**form, "title": "甲的标题"}).status_code == 302
    clash = second.post(f"/meetings/{meeting.id}/edit", data={**form, "title": "乙的标题", "minutes_file": (
        io.BytesIO(PDF), "纪要.pdf")}, content_type="multipart/form-data")
    page = clash.get_data(as_text=True)
    assert clash.status_code == 409 and 'data-testid="meeting-conflict"' in page and "甲的标题" in page
    assert 'value="乙的标题"' in page and "纪要.pdf" in page and 'name="version" type="hidden" value="2"' in page
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).title == "甲的标题"
    held_token = page.split('name="held" value="')[1].split('"')[0]
    again = second.post(f"/meetings/{meeting.id}/edit", data={**form, "title": "乙的标题", "version": "2",
                                                              "held": held_token})
    assert again.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Meeting, meeting.id)
    assert (saved.title, saved.file_name, saved.version) == ("乙的标题", "纪要.pdf", 3)


def test_the_demo_records_meetings_and_a_demand(app):
    result = app.test_cli_runner().invoke(args=["demo", "--enterprises", "10", "--no-plugin-data"])
    assert result.exit_code == 0, result.output + repr(result.exception)
    assert count(Meeting) == 3
    ticket = db.session.scalar(select(Ticket).where(Ticket.channel == "meeting"))
    assert ticket is not None and count(MeetingTicket) == 1
    symposium = db.session.scalar(select(Meeting).where(Meeting.kind == "symposium"))
    assert len(symposium.enterprises) == 3 and symposium.demands[0].ticket_id == ticket.id

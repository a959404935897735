"""Demands from the portal: the same loop as the desk's tickets, the
enterprise's view of it (never an internal note), requests for more
information, rating and complaints; letters and their electronic delivery."""
import io
from datetime import datetime

import pytest

from core import clock
from core.audit.models import AuditEntry
from core.documents.models import DocumentDelivery
from core.errors import NotFound
from core.notifications.models import Notification
from core.tickets import services as tickets
from core.tickets.models import Ticket, TicketComplaint
from tests.conftest import actor_for, login
from tests.helpers import fresh_client
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)
from tests.portal_world import PNG, answer_and_close, demand, letter_to, portal, portal_login, verified_account


@pytest.fixture
def two(app, city):
    clock.freeze(datetime(2026, 11, 20, 2, 0))
    mine = verified_account("desk_a", 1, "甲精密机械有限公司", "13900139001")
    theirs = verified_account("desk_b", 2, "乙纺织有限公司", "13900139002")
    client = fresh_client(app)
    portal_login(client, "13900139001")
    return mine, theirs, client


def test_a_demand_from_the_portal_enters_the_desks_loop(two, city):
    mine, _, client = two
    response = client.post("/portal/demands/new", data={
        "category": "dispute", "description": "厂区门口有人堵路，影响出货。", "submission_key": "k" * 24,
        "attachments": [(io.BytesIO(PNG), "门口.png")]}, content_type="multipart/form-data")
    assert response.status_code == 302
    ticket = Ticket.query.one()
    assert (ticket.channel, ticket.enterprise_id, ticket.registering_unit_id) == ("online", mine.enterprise_id,
                                                                                 city.station_a.id)
    assert ticket.registered_by_id is None and ticket.due_at is not None and len(ticket.attachments) == 1
    assert ticket.contact_name == "王经理" and ticket.contact_phone == "13900139001"
    # Sent twice (a double tap): one ticket.
    client.post("/portal/demands/new", data={"category": "dispute", "description": "厂区门口有人堵路，影响出货。",
                                             "submission_key": "k" * 24}, content_type="multipart/form-data")
    assert Ticket.query.count() == 1
    # The desk sees it in its queue, told by a notification, and dispatches it like any other.
    assert Notification.query.filter_by(kind="online", user_id=city.users["desk_a"].id).count() == 1
    assert tickets.get(actor_for("desk_a"), ticket.id).id == ticket.id
    answer_and_close(ticket.id)
    body = client.get(f"/portal/demands/{ticket.id}").get_data(as_text=True)
    assert "已协调消防部门" in body and 'data-testid="rate"' in body
    assert 'data-testid="waiting-demands"' in client.get("/portal/home").get_data(as_text=True)
    # The enterprise rates it through the same service as the desk would.
    response = client.post(f"/portal/demands/{ticket.id}/rate", data={"rating": "satisfied", "comment": "很快"})
    assert response.status_code == 302
    assert (ticket.status, ticket.rating, ticket.rating_comment) == ("rated", "satisfied", "很快")
    assert 'data-testid="waiting-demands"' not in client.get("/portal/home").get_data(as_text=True)
    assert AuditEntry.query.filter_by(action="ticket.rate", object_id=str(ticket.id)).one().username == \
        f"portal:{mine.id}"


def test_the_enterprise_sees_its_desk_tickets_but_never_internal_notes(two, city):
    mine, _, client = two
    ticket = tickets.register(actor_for("desk_a"), tickets.Intake(
        enterprise_id=mine.enterprise_id, channel="hotline", category="dispute", ticket_class="general",
        handling_mode="follow", description="电话反映：夜间噪声扰民。"))
    tickets.add_note(actor_for("desk_a"), ticket.id, "内部：该企业去年有过类似投诉，注意核实")
    tickets.dispatch(actor_for("desk_a"), ticket.id, city.station_a.id, note="派单备注：请尽快处理")
    listing = client.get("/portal/demands").get_data(as_text=True)
    assert ticket.number in listing
    body = client.get(f"/portal/demands/{ticket.id}").get_data(as_text=True)
    assert "夜间噪声扰民" in body
    assert "内部：" not in body and "派单备注" not in body
    assert "OFFICER_A" not in body and "DESK_A" not in body      # the unit is named, not the officer


def test_the_police_ask_for_more_information_and_the_enterprise_answers(two, city):
    mine, _, client = two
    ticket = demand(mine)
    tickets.dispatch(actor_for("desk_a"), ticket.id, city.station_a.id)
    tickets.sign(actor_for("officer_a"), ticket.id)
    officer = fresh_client(pytest.importorskip("flask").current_app._get_current_object())
    login(officer, "officer_a")
    assert 'data-testid="action-request_info"' in officer.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    response = officer.post(f"/tickets/{ticket.id}/request_info", data={"request_info-text": "请补充现场照片和时间。"})
    # The request pauses the clock while the enterprise is asked (core/tickets/pausing.py).
    assert response.status_code == 302 and [e.kind for e in ticket.events][-2:] == ["info_requested", "paused"]
    body = client.get(f"/portal/demands/{ticket.id}").get_data(as_text=True)
    assert 'data-testid="information-request"' in body and "请补充现场照片" in body
    assert ticket.number in client.get("/portal/home").get_data(as_text=True).split('data-testid="waiting-demands"')[1]
    response = client.post(f"/portal/demands/{ticket.id}/information", data={
        "text": "11月19日晚十点，照片见附件。", "attachments": [(io.BytesIO(PNG), "夜间.png")]},
        content_type="multipart/form-data")
    assert response.status_code == 302
    assert [e.kind for e in ticket.events][-2:] == ["info_supplied", "resumed"] and len(ticket.attachments) == 1
    assert tickets.awaiting_information(ticket) is None
    assert Notification.query.filter_by(kind="info_supplied", user_id=city.users["officer_a"].id).count() == 1
    # Nothing is asked now: a second answer is refused with a message.
    response = client.post(f"/portal/demands/{ticket.id}/information", data={"text": "再补充"})
    assert response.status_code == 400


def test_a_complaint_reaches_the_centres_leader(two, city):
    mine, _, client = two
    ticket = demand(mine)
    response = client.post(f"/portal/demands/{ticket.id}/complain", data={"text": "三天没人联系我们。"})
    assert response.status_code == 302
    assert TicketComplaint.query.one().text == "三天没人联系我们。"
    assert Notification.query.filter_by(kind="complaint", user_id=city.users["leader"].id).count() == 1
    leader = fresh_client(pytest.importorskip("flask").current_app._get_current_object())
    login(leader, "leader")
    page = leader.get("/portal-desk/complaints").get_data(as_text=True)
    assert "三天没人联系我们。" in page and ticket.number in page


def test_bad_attachments_are_refused_with_a_message_and_no_ticket(two, app):
    _, _, client = two
    app.config["ATTACHMENT_MAX_BYTES"] = 1000
    for name, data, words in (("大.png", PNG + b"\x00" * 2000, "larger than"), ("病毒.exe", b"MZ" + PNG, "only photos"),
                              ("假.png", b"%PDF-1.4 not an image", "named as")):
        response = client.post("/portal/demands/new", data={
            "category": "dispute", "description": "附件测试", "attachments": [(io.BytesIO(data), name)]},
            content_type="multipart/form-data")
        assert response.status_code == 400, name
        assert 'data-testid="error-attachments"' in response.get_data(as_text=True)
    assert Ticket.query.count() == 0


def test_browser_recordings_and_phone_videos_are_accepted():
    from core.tickets.attachments import EXTENSIONS

    webm = b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\xf2\x81\x04\x42\xf3\x81\x08\x42\x82\x84webm"
    mov = b"\x00\x00\x00\x14ftypqt  \x00\x00\x02\x00qt  "
    assert EXTENSIONS["weba"].check(webm) and EXTENSIONS["weba"].kind == "audio"
    assert EXTENSIONS["mov"].check(mov) and EXTENSIONS["3gp"].check(b"\x00\x00\x00\x14ftyp3gp4\x00\x00\x02\x00")
    assert EXTENSIONS["ogg"].check(b"OggS\x00\x02") and EXTENSIONS["m4a"].check(b"\x00\x00\x00\x1cftypM4A ")


def test_another_enterprises_ticket_is_404_audited_and_cannot_be_rated(two, city):
    mine, theirs, client = two
    foreign = demand(theirs)
    answer_and_close(foreign.id, desk="desk_b", officer="officer_b")
    for method, url in (("GET", f"/portal/demands/{foreign.id}"), ("POST", f"/portal/demands/{foreign.id}/rate")):
        response = client.open(url, method=method, data={"rating": "dissatisfied"})
        assert response.status_code == 404, url
    assert foreign.status == "closed" and foreign.rating == ""
    assert AuditEntry.query.filter_by(action="portal.not_found", object_id=str(foreign.id)).count() == 2
    with pytest.raises(NotFound):
        tickets.rate(portal(mine), foreign.id, "satisfied")


def test_opening_a_letter_and_confirming_records_electronic_delivery_once(two, city):
    mine, theirs, client = two
    city.centre.doc_prefix = "诸公"
    letter = letter_to("desk", "leader", mine.enterprise_id)
    other = letter_to("desk", "leader", theirs.enterprise_id, title="他人的函")
    inbox = client.get("/portal/letters").get_data(as_text=True)
    assert "风险提示函" in inbox and "他人的函" not in inbox
    body = client.get(f"/portal/letters/{letter.id}").get_data(as_text=True)
    assert 'data-testid="letter-confirm"' in body
    assert DocumentDelivery.query.count() == 0           # opening alone records nothing but the reading
    assert AuditEntry.query.filter_by(action="document.view", object_id=str(letter.id)).count() == 1
    assert client.post(f"/portal/letters/{letter.id}/confirm").status_code == 302
    assert client.post(f"/portal/letters/{letter.id}/confirm").status_code == 302
    delivery = DocumentDelivery.query.one()
    assert (delivery.document_id, delivery.method, delivery.recorded_by_id) == (letter.id, "electronic", None)
    assert "王经理" in delivery.recipient and letter.status == "delivered"
    assert client.get(f"/portal/letters/{letter.id}/pdf").headers["Content-Type"] == "application/pdf"
    # Another enterprise's letter: 404, audited, and nothing delivered.
    for method, url in (("GET", f"/portal/letters/{other.id}"), ("POST", f"/portal/letters/{other.id}/confirm"),
                        ("GET", f"/portal/letters/{other.id}/pdf")):
        assert client.open(url, method=method).status_code == 404, url
    assert DocumentDelivery.query.count() == 1
    assert AuditEntry.query.filter_by(action="portal.not_found", object_id=str(other.id)).count() == 3

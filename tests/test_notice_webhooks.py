"""Outbound webhooks and the 12345 return, against real HTTP servers on
127.0.0.1 started by the tests (tests/webhook_receiver.py): signed posts per
subscribed event, retries with back-off, failure, replay, the allow list, the
12345 referral through the API, and the administrator's pages."""
import json
import logging
import re
from datetime import datetime, timedelta, timezone

import pytest
from flask import current_app
from sqlalchemy import select

from core import clock, tasks
from core.api import auth as api_auth
from core.audit.models import AuditEntry
from core.errors import Forbidden, ValidationError
from core.extensions import db
from core.notices import webhooks
from core.notices.models import WebhookDelivery, WebhookEndpoint
from core.org.actor import shell_actor
from core.registry import services as registry
from core.tickets import services as tickets
from core.tickets.models import Ticket
from tests.conftest import actor_for, login
from tests.helpers import code, count, fresh_client, system_account
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)
from tests.webhook_receiver import Listener, Receiver, verify

START = datetime(2026, 3, 2, 1, 0)     # Monday 09:00 in China
PHONE = "13800138000"
PHONES_OR_EMAILS = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)|[\w.+-]+@[\w-]+\.[\w.]+")
TICKET_EVENTS = ["ticket.registered", "ticket.dispatched", "ticket.answered", "ticket.closed", "ticket.rated"]


@pytest.fixture
def receiver():
    server = Receiver().start()
    yield server
    server.stop()


@pytest.fixture
def app_config(receiver):
    return {"NOTICE_ALLOWED_HOSTS": [f"127.0.0.1:{receiver.port}"], "NOTICE_TIMEOUT_SECONDS": 2,
            "NOTICE_ATTEMPTS": 6, "NOTICE_RETRY_SECONDS": 30}


@pytest.fixture
def enterprise(city):
    clock.freeze(START)
    return registry.create(actor_for("desk"), {"name": "浙江华达科技有限公司", "credit_code": code(1)})


def add_endpoint(receiver, events, path="/hook", hotline=False, name="市大数据平台"):
    endpoint, secret = webhooks.save_endpoint(actor_for("admin"), {
        "name": name, "url": receiver.url(path), "events": events, "hotline": hotline})
    receiver.secret = secret
    return endpoint


def register(enterprise, **changes):
    values = dict(enterprise_id=enterprise.id, channel="hotline", category="dispute", ticket_class="general",
                  handling_mode="follow", description="厂区门口有人堵路，影响出货。", contact_name="王经理",
                  contact_phone=PHONE)
    values.update(changes)
    return tickets.register(actor_for("desk"), tickets.Intake(**values))


def handle(city, ticket_id, reply="已协调属地派出所处置，道路已恢复通行。"):
    desk, officer = actor_for("desk"), actor_for("officer_a")
    tickets.dispatch(desk, ticket_id, city.station_a.id)
    tickets.sign(officer, ticket_id)
    tickets.answer(officer, ticket_id, reply, "resolved")
    tickets.close(desk, ticket_id)


def rows(**where) -> list[WebhookDelivery]:
    db.session.rollback()
    stmt = select(WebhookDelivery).order_by(WebhookDelivery.id)
    for name, value in where.items():
        stmt = stmt.where(getattr(WebhookDelivery, name) == value)
    return list(db.session.scalars(stmt))


def later(seconds):
    clock.freeze(clock.now() + timedelta(seconds=seconds))


# --- the posts --------------------------------------------------------------------------

def test_each_subscribed_event_is_posted_signed_and_without_personal_data(app, city, enterprise, receiver,
                                                                          caplog):
    caplog.set_level(logging.DEBUG)
    endpoint = add_endpoint(receiver, TICKET_EVENTS)
    closing_only = add_endpoint(receiver, ["ticket.closed"], path="/closed", name="督查平台")
    receiver.secret = webhooks.get_endpoint(actor_for("admin"), endpoint.id).secret
    ticket = register(enterprise)
    handle(city, ticket.id)
    tickets.rate(actor_for("desk"), ticket.id, "satisfied", "处理及时")

    to_first = [p for p in receiver.posts if p.path == "/hook"]
    assert [p.event for p in to_first] == TICKET_EVENTS        # signing for the ticket posts nothing
    assert all(p.signed and p.answered == 200 for p in to_first)
    for post in to_first:
        body = post.json
        assert post.headers["Content-Type"].startswith("application/json")
        assert body["event"] == post.event and body["id"] == post.delivery
        assert body["ticket"]["number"] == "2026-000001" and body["ticket"]["channel"] == "hotline"
        assert body["ticket"]["enterprise"] == {"name": "浙江华达科技有限公司", "credit_code": code(1)}
        assert body["occurred_at"].endswith("+08:00")
        assert post.headers["X-Anqi-Signature"].startswith("t=")
        text = post.body.decode()
        assert PHONE not in text and "王经理" not in text and not PHONES_OR_EMAILS.search(text)
    answered = to_first[2].json
    assert answered["ticket"]["answer"] == "已协调属地派出所处置，道路已恢复通行。"
    assert answered["ticket"]["result"] == "resolved" and answered["ticket"]["handling_unit"] == "甲派出所"
    assert answered["occurred_at"] == "2026-03-02T09:00:00+08:00"
    assert to_first[3].json["ticket"]["closed_at"] == "2026-03-02T09:00:00+08:00"
    assert to_first[4].json["ticket"]["rating"] == "satisfied"
    # The second endpoint asked for the closing only; it verifies with its own secret.
    closed = [p for p in receiver.posts if p.path == "/closed"]
    assert [p.event for p in closed] == ["ticket.closed"] and not closed[0].signed
    secret = webhooks.get_endpoint(actor_for("admin"), closing_only.id).secret
    assert verify(secret, closed[0].headers["X-Anqi-Signature"], closed[0].body)
    assert all(r.status == "sent" and r.attempts == 1 and r.delivered_at == START
               for r in rows(endpoint_id=endpoint.id))
    # No phone number or email address in any log line of the whole loop.
    assert caplog.records and not [r.getMessage() for r in caplog.records if PHONES_OR_EMAILS.search(r.getMessage())]


def test_the_signature_is_hmac_of_time_and_body_and_fails_with_another_secret(app, city, enterprise, receiver):
    add_endpoint(receiver, ["ticket.registered"])
    right = receiver.secret
    receiver.secret = "not-the-secret"
    register(enterprise)
    post = receiver.posts[0]
    assert not post.signed and post.answered == 401
    header = post.headers["X-Anqi-Signature"]
    timestamp = int(START.replace(tzinfo=timezone.utc).timestamp())
    assert header.startswith(f"t={timestamp},v1=")
    assert verify(right, header, post.body) and not verify("not-the-secret", header, post.body)
    assert not verify(right, header, post.body + b" ")
    assert verify(right, header, post.body, tolerance=300, now=timestamp + 299)
    assert not verify(right, header, post.body, tolerance=300, now=timestamp + 301)
    # The refusal is an error like any other: tried again later, the answer kept.
    [row] = rows()
    assert row.status == "queued" and row.attempts == 1 and row.response_status == 401
    assert row.last_error == "status: HTTP 401 Unauthorized" and row.not_before == START + timedelta(seconds=30)


def test_a_post_that_fails_twice_is_delivered_by_the_third_attempt_with_back_off(app, city, enterprise, receiver):
    add_endpoint(receiver, ["ticket.registered"])
    receiver.fail_next(2)
    register(enterprise)
    [row] = rows()
    assert (row.status, row.attempts, row.response_status) == ("queued", 1, 500)
    assert row.not_before == START + timedelta(seconds=30)
    assert any(task.args == (row.id,) for task in tasks.huey.scheduled())   # the retry's job
    later(20)
    assert webhooks.sweep() == 0                      # not due yet: nothing is posted early
    assert webhooks.attempt(row.id) is None and len(receiver.posts) == 1
    later(11)
    assert webhooks.sweep() == 1                      # due: the second attempt, failing too
    [row] = rows()
    assert (row.status, row.attempts) == ("queued", 2)
    assert row.not_before == START + timedelta(seconds=31 + 60)   # twice the first wait
    later(61)
    webhooks.sweep()
    [row] = rows()
    assert (row.status, row.attempts, row.response_status, row.last_error) == ("sent", 3, 200, "")
    assert row.delivered_at == clock.now() and row.not_before is None
    assert [p.answered for p in receiver.posts] == [500, 500, 200]
    assert {p.delivery for p in receiver.posts} == {row.id}          # the same delivery each time
    assert len({p.body for p in receiver.posts}) == 1
    assert len(receiver.accepted()) == 1 and count(WebhookDelivery) == 1
    assert webhooks.sweep() == 0


def test_when_every_attempt_fails_the_post_is_failed_and_shown_so(app, city, enterprise, receiver):
    current_app.config["NOTICE_ATTEMPTS"] = 2
    endpoint = add_endpoint(receiver, ["ticket.registered"])
    receiver.fail_next(5, status=503)
    register(enterprise)
    later(31)
    webhooks.sweep()
    [row] = rows()
    assert (row.status, row.attempts, row.response_status) == ("failed", 2, 503)
    assert row.last_error == "status: HTTP 503 Service Unavailable" and row.not_before is None
    later(3600)
    assert webhooks.sweep() == 0 and len(receiver.posts) == 2
    client = fresh_client(app)
    login(client, "admin")
    page = client.get(f"/admin/webhooks/{endpoint.id}/deliveries").get_data(as_text=True)
    failed = re.search(r'<tr data-testid="delivery-row" data-delivery="(\d+)" class="delivery-failed">(.*?)</tr>',
                       page, re.S)
    assert failed and int(failed.group(1)) == row.id
    assert "503" in failed.group(2) and "2026-000001" in failed.group(2)
    assert "接收端返回了错误。" in failed.group(2)
    assert "ticket.registered" not in page and "status:" not in page     # words, not codes
    assert 'data-testid="delivery-replay"' in failed.group(2)


def test_replay_posts_the_same_body_again_under_a_new_delivery(app, city, enterprise, receiver):
    endpoint = add_endpoint(receiver, ["ticket.registered"])
    register(enterprise)
    [first] = rows()
    replayed = webhooks.replay(actor_for("admin"), first.id)
    assert replayed.replay_of_id == first.id and replayed.id != first.id
    assert [p.answered for p in receiver.posts] == [200, 200]
    assert receiver.posts[1].body == receiver.posts[0].body
    assert receiver.posts[1].delivery == replayed.id and receiver.posts[0].delivery == first.id
    assert rows(id=replayed.id)[0].status == "sent"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "notice.webhook_replay"))
    assert entry.object_id == str(replayed.id) and entry.detail["replay_of"] == first.id
    # Only the administrator replays; a post still waiting is not replayed.
    with pytest.raises(Forbidden):
        webhooks.replay(actor_for("desk"), first.id)
    receiver.fail_next(1)
    register(enterprise)
    waiting = rows()[-1]
    assert waiting.status == "queued"
    with pytest.raises(ValidationError):
        webhooks.replay(actor_for("admin"), waiting.id)
    # From the page: a button, a confirmation, the same body once more.
    client = fresh_client(app)
    login(client, "admin")
    response = client.post(f"/admin/webhooks/deliveries/{first.id}/replay")
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"/admin/webhooks/{endpoint.id}/deliveries")
    assert receiver.posts[-1].body == receiver.posts[0].body and receiver.posts[-1].delivery not in (
        first.id, replayed.id)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "已重新排队推送" in page
    assert client.post(f"/admin/webhooks/deliveries/{waiting.id}/replay").status_code == 302
    assert "该条仍在推送中" in client.get(response.headers["Location"]).get_data(as_text=True)


# --- the allow list ------------------------------------------------------------------------

def test_an_address_off_the_allow_list_is_refused_at_saving_and_never_connected(app, city, enterprise, receiver):
    listener = Listener()
    try:
        for url in (f"http://127.0.0.1:{listener.port}/", "http://127.0.0.1:6379/", "http://localhost:"
                    f"{receiver.port}/hook", "ftp://127.0.0.1/", f"http://user:pw@127.0.0.1:{receiver.port}/"):
            with pytest.raises(ValidationError) as refused:
                webhooks.save_endpoint(actor_for("admin"), {"name": "Redis", "url": url,
                                                            "events": ["ticket.registered"]})
            assert set(refused.value.errors) == {"url"}
        assert "NOTICE_ALLOWED_HOSTS" in str(refused.value.errors["url"][0]) or "http://" in str(
            refused.value.errors["url"][0])
        assert count(WebhookEndpoint) == 0
        assert count(AuditEntry, AuditEntry.action == "notice.webhook_create", AuditEntry.result == "rejected") == 5
        # An endpoint saved while its host was listed, and the list narrowed since: checked again before
        # connecting, failed at once, never connected.
        endpoint = add_endpoint(receiver, ["ticket.registered"])
        endpoint.url = f"http://127.0.0.1:{listener.port}/hook"
        db.session.commit()
        current_app.config["NOTICE_ALLOWED_HOSTS"] = ["sms.gaj.zj"]
        register(enterprise)
        [row] = rows()
        assert (row.status, row.attempts, row.response_status) == ("failed", 1, None)
        assert row.last_error.startswith("not_allowed")
        assert listener.connections() == 0 and receiver.posts == []
        with pytest.raises(ValidationError):
            webhooks.replay(actor_for("admin"), row.id)
    finally:
        listener.close()


def test_a_redirect_is_not_followed(app, city, enterprise, receiver):
    add_endpoint(receiver, ["ticket.registered"])
    receiver.fail_next(1, status=302)
    register(enterprise)
    [row] = rows()
    assert (row.status, row.response_status) == ("queued", 302) and row.last_error.startswith("redirect")
    assert len(receiver.posts) == 1


# --- the 12345 platform --------------------------------------------------------------------------

@pytest.fixture
def hotline_token(city, enterprise):
    system_account("sys12345", city.centre.id, roles=["desk"])
    _row, token = api_auth.issue(shell_actor(), "sys12345", "12345")
    db.session.commit()
    return token


def referral(**changes):
    body = {"credit_code": code(1), "channel": "government", "category": "dispute", "ticket_class": "general",
            "handling_mode": "follow", "description": "12345转来：企业反映厂区门口有人堵路。",
            "contact_name": "王经理", "contact_phone": PHONE, "referral_number": "ZJ12345-20260302-0001"}
    body.update(changes)
    return body


def test_a_12345_referral_has_its_answer_and_closing_posted_back(app, city, enterprise, receiver, hotline_token):
    add_endpoint(receiver, [], path="/12345", hotline=True, name="12345平台")
    hotline_secret = receiver.secret
    general = add_endpoint(receiver, ["ticket.answered"], path="/hook")
    client = fresh_client(app)
    response = client.post("/api/v1/tickets", json=referral(), headers={"Authorization": f"Bearer {hotline_token}"})
    assert response.status_code == 201, response.get_data(as_text=True)
    created = response.get_json()
    assert created["referral_number"] == "ZJ12345-20260302-0001"
    ticket = db.session.get(Ticket, created["id"])
    assert ticket.referral_number == "ZJ12345-20260302-0001" and ticket.channel == "government"
    handle(city, ticket.id, reply="已协调处置，道路已恢复通行。")
    tickets.rate(actor_for("desk"), ticket.id, "satisfied")

    returned = [p for p in receiver.posts if p.path == "/12345"]
    assert [p.event for p in returned] == ["12345.answered", "12345.closed"]
    assert all(verify(hotline_secret, p.headers["X-Anqi-Signature"], p.body) for p in returned)
    assert returned[0].json == {
        "referral_number": "ZJ12345-20260302-0001", "ticket_number": "2026-000001", "event": "answered",
        "answer": "已协调处置，道路已恢复通行。", "result": "resolved", "handling_unit": "甲派出所",
        "answered_at": "2026-03-02T09:00:00+08:00"}
    assert returned[1].json == {**returned[0].json, "event": "closed", "closed_at": "2026-03-02T09:00:00+08:00"}
    assert all(PHONE not in p.body.decode() for p in receiver.posts)
    # The general endpoint gets the general format, which names the referral too.
    [general_post] = [p for p in receiver.posts if p.path == "/hook"]
    assert general_post.json["ticket"]["referral_number"] == "ZJ12345-20260302-0001"
    assert rows(endpoint_id=general.id)[0].status == "sent"
    # The ticket's page shows the referral number beside the channel.
    desk = fresh_client(app)
    login(desk, "desk")
    page = desk.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert re.search(r'data-testid="referral-number">[^<]*ZJ12345-20260302-0001<', page)


def test_a_12345_referral_handled_at_intake_posts_registration_answer_and_closing(app, city, enterprise, receiver,
                                                                                  hotline_token):
    add_endpoint(receiver, [], path="/12345", hotline=True)
    add_endpoint(receiver, TICKET_EVENTS, path="/hook", name="市大数据平台")
    client = fresh_client(app)
    response = client.post("/api/v1/tickets", headers={"Authorization": f"Bearer {hotline_token}"}, json=referral(
        handling_mode="immediate", answer="已当场解答。", result="resolved", ticket_class="instant"))
    assert response.status_code == 201, response.get_data(as_text=True)
    assert [p.event for p in receiver.posts if p.path == "/hook"] == [
        "ticket.registered", "ticket.answered", "ticket.closed"]
    assert [p.event for p in receiver.posts if p.path == "/12345"] == ["12345.answered", "12345.closed"]


def test_a_referral_number_is_checked_at_intake(app, city, enterprise, hotline_token):
    client = fresh_client(app)
    headers = {"Authorization": f"Bearer {hotline_token}"}
    for body, field in ((referral(channel="hotline"), "referral_number"),
                        (referral(referral_number="12345/2026 01"), "referral_number"),
                        (referral(referral_number="A" * 41), "referral_number")):
        response = client.post("/api/v1/tickets", json=body, headers=headers)
        assert response.status_code == 422 and field in response.get_json()["error"]["fields"], response.data
    assert count(Ticket) == 0
    # Without a number, a referral is registered as before.
    assert client.post("/api/v1/tickets", json=referral(referral_number=None), headers=headers).status_code == 201
    assert db.session.scalar(select(Ticket.referral_number)) == ""


def test_no_endpoint_no_post_and_no_rows(app, city, enterprise, receiver):
    ticket = register(enterprise, channel="government", referral_number="A-1")
    handle(city, ticket.id)
    assert count(WebhookDelivery) == 0 and receiver.posts == []


# --- a document issued ----------------------------------------------------------------------------

def test_an_issued_document_is_posted(app, city, enterprise, receiver, monkeypatch):
    from types import SimpleNamespace

    from core.documents import services as documents

    # The PDF's rendering and signing are tested with the documents; here only the post matters.
    monkeypatch.setattr("core.documents.rendering.render", lambda plain: b"%PDF-1.7\n%%EOF\n")
    monkeypatch.setattr("core.documents.signing.prepare",
                        lambda actor, unit: SimpleNamespace(subject="CN=test", fingerprint="0" * 64))
    monkeypatch.setattr("core.documents.signing.sign", lambda signer, content: content)
    city.centre.doc_prefix = "示公企"
    db.session.commit()
    add_endpoint(receiver, ["document.issued", "ticket.closed"])
    draft = documents.create(actor_for("desk"), documents.Draft(
        doc_type="letter", title="提示函", addressees=[enterprise.name], body=[("p", "请加强管理。")],
        enterprise_id=enterprise.id))
    documents.submit(actor_for("desk"), draft.id)
    documents.sign_off(actor_for("leader"), draft.id)
    issued = documents.issue(actor_for("desk"), draft.id)
    [post] = receiver.posts
    assert post.event == "document.issued" and post.signed
    assert post.json["document"]["number"] == issued.number and post.json["document"]["title"] == "提示函"
    assert post.json["document"]["enterprise"]["credit_code"] == code(1)
    assert post.json["document"]["issuing_unit"] == "护企优商服务中心"


# --- endpoints and the pages ---------------------------------------------------------------------

def test_endpoints_are_the_administrators_and_audited_without_the_secret(app, city, receiver):
    with pytest.raises(Forbidden):
        webhooks.save_endpoint(actor_for("leader"), {"name": "x", "url": receiver.url(), "events": TICKET_EVENTS})
    with pytest.raises(Forbidden):
        webhooks.endpoints(actor_for("desk"))
    with pytest.raises(ValidationError) as refused:
        webhooks.save_endpoint(actor_for("admin"), {"name": "", "url": "", "events": ["ticket.lost"]})
    assert set(refused.value.errors) == {"name", "url", "events"}
    first, secret = webhooks.save_endpoint(actor_for("admin"), {"name": "12345平台", "url": receiver.url("/a"),
                                                                "events": [], "hotline": True})
    assert len(secret) == 64 and first.secret == secret
    with pytest.raises(ValidationError) as refused:
        webhooks.save_endpoint(actor_for("admin"), {"name": "又一个", "url": receiver.url("/b"), "events": [],
                                                    "hotline": True})
    assert set(refused.value.errors) == {"hotline"}
    changed, kept = webhooks.save_endpoint(actor_for("admin"), {"name": "12345平台", "url": receiver.url("/c"),
                                                                "events": ["ticket.closed"], "hotline": True},
                                           first.id)
    assert kept is None and changed.secret == secret and changed.url.endswith("/c")
    _, renewed = webhooks.save_endpoint(actor_for("admin"), {"name": "12345平台", "url": receiver.url("/c"),
                                                             "events": ["ticket.closed"], "hotline": True,
                                                             "new_secret": True}, first.id)
    assert renewed and renewed != secret
    webhooks.deactivate(actor_for("admin"), first.id)
    assert not webhooks.get_endpoint(actor_for("admin"), first.id).active
    entries = list(db.session.scalars(select(AuditEntry).where(AuditEntry.action.like("notice.webhook%"))))
    assert [(e.action, e.result) for e in entries] == [
        ("notice.webhook_create", "rejected"), ("notice.webhook_create", "ok"),
        ("notice.webhook_create", "rejected"), ("notice.webhook_update", "ok"), ("notice.webhook_update", "ok"),
        ("notice.webhook_deactivate", "ok")]
    assert entries[4].detail["new_secret"] is True
    assert not any(s in json.dumps(e.detail, ensure_ascii=False) for e in entries for s in (secret, renewed))
    # The secret is stored encrypted.
    stored = db.session.execute(db.text("SELECT secret_encrypted FROM notice_webhook")).scalar()
    assert renewed not in stored


def test_the_administrators_pages(app, city, receiver):
    client = fresh_client(app)
    login(client, "admin")
    assert client.get("/admin/webhooks/").status_code == 200
    form = client.get("/admin/webhooks/new").get_data(as_text=True)
    key = re.search(r'name="submission_key"[^>]*value="([^"]+)"', form).group(1)
    # Every problem at once, next to its field.
    response = client.post("/admin/webhooks/new", data={"name": "", "url": "http://127.0.0.1:6379/",
                                                         "submission_key": key})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert page.count('class="error"') == 3 and "NOTICE_ALLOWED_HOSTS" in page
    data = {"name": "市大数据平台", "url": receiver.url(), "events": ["ticket.registered", "ticket.closed"],
            "submission_key": key}
    response = client.post("/admin/webhooks/new", data=data)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    secret = re.search(r'data-testid="secret-value">([0-9a-f]+)<', page).group(1)
    endpoint = db.session.scalar(select(WebhookEndpoint))
    assert endpoint.secret == secret and endpoint.events == ["ticket.registered", "ticket.closed"]
    assert "市大数据平台" in page and 'flash-success' in page
    # Sent twice: one endpoint, and the secret is not shown again.
    again = client.post("/admin/webhooks/new", data=data)
    assert again.status_code == 302 and count(WebhookEndpoint) == 1
    listing = client.get("/admin/webhooks/").get_data(as_text=True)
    edit = client.get(f"/admin/webhooks/{endpoint.id}/edit").get_data(as_text=True)
    log = client.get(f"/admin/webhooks/{endpoint.id}/deliveries").get_data(as_text=True)
    assert all(secret not in p for p in (listing, edit, log))
    assert "市大数据平台" in listing and "ticket.registered" not in listing   # the events in words
    assert 'data-testid="deliveries-empty"' in log
    # Regenerating shows the new secret once; an edit without it goes back to the list.
    response = client.post(f"/admin/webhooks/{endpoint.id}/edit", data={**data, "new_secret": "y"})
    renewed = re.search(r'data-testid="secret-value">([0-9a-f]+)<', response.get_data(as_text=True)).group(1)
    assert renewed != secret and webhooks.get_endpoint(actor_for("admin"), endpoint.id).secret == renewed
    response = client.post(f"/admin/webhooks/{endpoint.id}/edit", data={**data, "name": "大数据平台"})
    assert response.status_code == 302 and "大数据平台" in client.get("/admin/webhooks/").get_data(as_text=True)
    response = client.post(f"/admin/webhooks/{endpoint.id}/deactivate")
    assert response.status_code == 302
    assert 'data-testid="webhook-activate"' in client.get("/admin/webhooks/").get_data(as_text=True)
    assert client.post(f"/admin/webhooks/{endpoint.id}/activate").status_code == 302
    assert client.get("/admin/webhooks/99999/deliveries").status_code == 404
    # A business user reaches none of it.
    desk = fresh_client(app)
    login(desk, "desk")
    for method, url in (("GET", "/admin/webhooks/"), ("GET", "/admin/webhooks/new"),
                        ("GET", f"/admin/webhooks/{endpoint.id}/deliveries"),
                        ("POST", f"/admin/webhooks/{endpoint.id}/deactivate"),
                        ("POST", "/admin/webhooks/deliveries/1/replay")):
        assert desk.open(url, method=method).status_code in (403, 404), url
    assert webhooks.get_endpoint(actor_for("admin"), endpoint.id).active


def test_the_delivery_log_is_paged_newest_first(app, city, enterprise, receiver):
    endpoint = add_endpoint(receiver, ["ticket.registered"])
    for _ in range(3):
        register(enterprise)
    first, next_before = webhooks.deliveries(actor_for("admin"), endpoint.id, limit=2)
    assert [subject for subject in map(webhooks.subject, first)] == ["2026-000003", "2026-000002"]
    rest, last = webhooks.deliveries(actor_for("admin"), endpoint.id, before_id=next_before, limit=2)
    assert [webhooks.subject(r) for r in rest] == ["2026-000001"] and last is None


# --- queued once committed, and the sweep ------------------------------------------------------------

def test_the_job_is_queued_once_the_transaction_commits_and_the_sweep_finds_lost_ones(app, city, enterprise,
                                                                                      receiver, monkeypatch):
    from tests.helpers import ended_process_owner

    add_endpoint(receiver, ["ticket.dispatched"])
    ticket = register(enterprise)
    queued, deliver = [], webhooks.deliver
    monkeypatch.setattr(webhooks, "deliver", queued.append)
    ticket = db.session.get(Ticket, ticket.id)
    [made] = webhooks.ticket_event(ticket, "dispatched")
    assert queued == [] and made.id                    # written, not yet queued
    db.session.rollback()
    assert queued == [] and count(WebhookDelivery) == 0
    ticket = db.session.get(Ticket, ticket.id)
    with db.session.begin_nested():                    # a savepoint released is not yet a commit
        [made] = webhooks.ticket_event(ticket, "dispatched")
    assert queued == []
    db.session.commit()
    assert queued == [made.id]
    # The job was lost (queued while the queue was unreachable, say): the sweep queues it once it is overdue.
    queued.clear()
    assert webhooks.sweep() == 0
    later(121)
    assert webhooks.sweep() == 1 and queued == [made.id]
    # A post whose run died while sending is taken over.
    queued.clear()
    db.session.execute(db.update(WebhookDelivery).values(status="sending", claimed_by=ended_process_owner(),
                                                         claimed_at=clock.now(), attempts=1))
    db.session.commit()
    assert webhooks.sweep() == 1
    monkeypatch.setattr(webhooks, "deliver", deliver)
    webhooks.deliver(made.id)
    [row] = rows()
    assert (row.status, row.attempts) == ("sent", 2) and receiver.posts[-1].delivery == made.id

"""The JSON API (/api/v1): tokens, scoping, intake from another system,
idempotency, errors as JSON in the caller's language, and the OpenAPI document."""
import hashlib
import json
import logging
import re

import pytest
from flask import Blueprint
from flask_babel import force_locale
from sqlalchemy import select

from core.api import auth, openapi
from core.api.models import ApiToken
from core.audit.models import AuditEntry
from core.errors import NotFound, ValidationError
from core.extensions import db
from core.org.actor import shell_actor
from core.org.services import save_user
from core.registry import services as registry
from core.tickets import queues
from core.tickets import services as tickets
from core.tickets.models import Ticket
from core.tickets.vocabulary import STATUSES
from tests.conftest import PASSWORD, actor_for, csrf_token, login
from tests.helpers import code, count, en, fresh_client, system_account
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)

A_NAME, B_NAME = "甲所辖区华达科技有限公司", "乙所辖区西湖食品有限公司"
NOT_FOUND_ZH = "您所在单位辖区内没有这张工单。"


@pytest.fixture
def world(city):
    """An enterprise in each station's area, a ticket for A's registered by A's
    desk, and a system user for the 12345 hotline at the centre."""
    a = registry.create(actor_for("desk_a"), {"name": A_NAME, "credit_code": code(1)})
    b = registry.create(actor_for("desk_b"), {"name": B_NAME, "credit_code": code(2)})
    ticket = tickets.register(actor_for("desk_a"), intake(a.id))
    system_account("sys12345", city.centre.id, roles=["desk"])
    return {"a": a.id, "b": b.id, "ticket": ticket.id}


def intake(enterprise_id, **changes):
    values = dict(enterprise_id=enterprise_id, channel="hotline", category="dispute", ticket_class="general",
                  handling_mode="follow", description="厂区门口有人堵路，影响出货。")
    values.update(changes)
    return tickets.Intake(**values)


def token_for(username, name="test") -> str:
    """A token for ``username`` if it is a system account; for a person, a token of a
    system account of the person's unit granted the person's business roles (desk,
    officer) and, as the person has it, the personal-data permission."""
    from core.org.permissions import has_permission
    from core.org.services import user_by_username

    user = user_by_username(username)
    if user is not None and not user.is_system:
        mirror = user_by_username(f"sys_{username}") or system_account(
            f"sys_{username}", user.unit_id, roles=sorted(user.roles & {"desk", "officer"}),
            reveal=has_permission(user, "personal_data.reveal"))
        username = mirror.username
    _row, token = auth.issue(shell_actor(), username, name)
    return token


def call(client, method, url, token=None, language=None, **kwargs):
    headers = kwargs.pop("headers", {})
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if language:
        headers["Accept-Language"] = language
    return client.open(url, method=method, headers=headers, **kwargs)


def referral(**changes):
    body = {"credit_code": code(1), "channel": "government", "category": "dispute", "ticket_class": "general",
            "handling_mode": "follow", "description": "12345转来：企业反映厂区门口有人堵路。",
            "contact_name": "王经理", "contact_phone": "13800138000"}
    body.update(changes)
    return body


def assert_error(response, status, code_):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert error["code"] == code_ and error["message"]
    return error


# --- tokens --------------------------------------------------------------------------

def test_a_token_is_stored_only_as_a_hash_and_a_prefix(app, city, world):
    row, token = auth.issue(shell_actor(), "sys12345", "12345 hotline")
    assert token.startswith("anqi_") and len(token) > 40
    db.session.rollback()
    stored = db.session.get(ApiToken, row.id)
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert stored.prefix == token[:12] and stored.name == "12345 hotline" and stored.user.username == "sys12345"
    assert all(token not in str(value) for value in (stored.token_hash, stored.prefix, stored.name))
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "api_token.issue"))
    assert entry.result == "ok" and token not in json.dumps(entry.detail)


def test_verify_and_revoke(app, city, world):
    row, token = auth.issue(shell_actor(), "sys12345", "x")
    found, reason = auth.verify(token)
    assert reason == "ok" and found.id == row.id and found.last_used_at is not None
    assert auth.verify(token + "x") == (None, "unknown")
    assert auth.verify("") == (None, "missing")
    assert auth.verify("anqi_" + "a" * 500) == (None, "unknown")
    auth.revoke(shell_actor(), row.id)
    found, reason = auth.verify(token)
    assert reason == "revoked"
    with pytest.raises(ValidationError):
        auth.revoke(shell_actor(), row.id)
    with pytest.raises(NotFound):
        auth.revoke(shell_actor(), 99999)
    assert count(AuditEntry, AuditEntry.action == "api_token.revoke", AuditEntry.result == "ok") == 1


def test_only_the_administrator_issues_and_lists_tokens(app, city, world):
    from core.errors import Forbidden

    with pytest.raises(Forbidden):
        auth.issue(actor_for("desk"), "sys12345")
    with pytest.raises(Forbidden):
        auth.tokens(actor_for("leader"))
    with pytest.raises(ValidationError):
        auth.issue(shell_actor(), "nobody")
    row, _token = auth.issue(actor_for("admin"), "sys12345")
    assert [t.id for t in auth.tokens(actor_for("admin"))] == [row.id]


def test_an_inactive_users_token_is_refused(app, city, world, client):
    token = token_for("sys12345")
    user = city.user("sys12345")
    user.active = False
    db.session.commit()
    assert_error(call(client, "GET", "/api/v1/tickets", token), 401, "unauthorized")


# --- authentication and permission ------------------------------------------------------

@pytest.mark.parametrize("header", [None, "Bearer anqi_wrong", "Basic ZGVzazpwdw==", "Bearer "])
def test_no_or_a_wrong_token_is_401_audited(app, world, client, header):
    response = client.get("/api/v1/tickets", headers={"Authorization": header} if header else {})
    assert_error(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "api.auth"))
    assert entry.result == "denied" and entry.detail["path"] == "/api/v1/tickets"
    assert "anqi_wrong" not in json.dumps(entry.detail)


def test_a_revoked_token_is_401_and_the_token_is_never_logged(app, world, client, caplog):
    row, token = auth.issue(shell_actor(), "sys12345", "x")
    assert call(client, "GET", "/api/v1/tickets", token).status_code == 200
    auth.revoke(shell_actor(), row.id)
    with caplog.at_level(logging.DEBUG):
        assert_error(call(client, "GET", "/api/v1/tickets", token), 401, "unauthorized")
    assert token not in caplog.text
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "api.auth")).one()
    assert entry.object_id == str(row.id) and entry.username == "sys12345" and entry.detail["reason"] == "revoked"
    for entry in db.session.scalars(select(AuditEntry)):
        assert token not in json.dumps(entry.detail or {}) and token not in (entry.object_id or "")


def test_a_user_without_the_permission_gets_403(app, city, world, client):
    system_account("sys_nothing", city.centre.id, roles=())
    token = token_for("sys_nothing")  # a system account no leader has granted anything
    for method, url in [("GET", "/api/v1/tickets"), ("GET", f"/api/v1/tickets/{world['ticket']}"),
                        ("GET", "/api/v1/enterprises"), ("POST", "/api/v1/tickets")]:
        assert_error(call(client, method, url, token, json=referral()), 403, "forbidden")
    officer = token_for("officer_a")  # reads, but does not register
    assert call(client, "GET", "/api/v1/tickets", officer).status_code == 200
    assert_error(call(client, "POST", "/api/v1/tickets", officer, json=referral()), 403, "forbidden")
    assert count(AuditEntry, AuditEntry.action == "access.denied", AuditEntry.object_id == "api.create_ticket") == 2
    assert count(Ticket) == 1


def test_the_api_ignores_the_session_cookie(app, world):
    client = fresh_client(app)
    login(client, "desk")
    assert_error(client.get("/api/v1/tickets"), 401, "unauthorized")


# --- scoping -----------------------------------------------------------------------------

def test_station_b_cannot_read_station_as_tickets_or_enterprises(app, world, client):
    b, a = token_for("desk_b"), token_for("desk_a")
    assert_error(call(client, "GET", f"/api/v1/tickets/{world['ticket']}", b), 404, "not_found")
    assert_error(call(client, "GET", f"/api/v1/enterprises/{world['a']}", b), 404, "not_found")
    assert call(client, "GET", "/api/v1/tickets", b).get_json()["items"] == []
    listed = call(client, "GET", "/api/v1/enterprises", b).get_json()["items"]
    assert [e["name"] for e in listed] == [B_NAME]
    assert call(client, "GET", f"/api/v1/enterprises?q={code(1)}", b).get_json()["items"] == []
    # Station A reads both.
    ticket = call(client, "GET", f"/api/v1/tickets/{world['ticket']}", a).get_json()
    assert ticket["enterprise"]["name"] == A_NAME and ticket["status"] == "registered"
    assert call(client, "GET", f"/api/v1/enterprises/{world['a']}", a).get_json()["credit_code"] == code(1)
    # Station B cannot register a ticket for A's enterprise either.
    response = call(client, "POST", "/api/v1/tickets", b, json=referral())
    assert "credit_code" in assert_error(response, 422, "validation_failed")["fields"]
    response = call(client, "POST", "/api/v1/tickets", b, json=referral(credit_code=None, enterprise_id=world["a"]))
    assert "enterprise_id" in assert_error(response, 422, "validation_failed")["fields"]
    assert count(Ticket) == 1


def test_the_centre_sees_every_station(app, world, client):
    desk = token_for("desk")
    ids = [t["id"] for t in call(client, "GET", "/api/v1/tickets", desk).get_json()["items"]]
    assert ids == [world["ticket"]]
    names = {e["name"] for e in call(client, "GET", "/api/v1/enterprises", desk).get_json()["items"]}
    assert names == {A_NAME, B_NAME}


# --- intake from another system --------------------------------------------------------------

def test_a_12345_referral_lands_in_the_desks_queue(app, world, client):
    token = token_for("sys12345", "12345 hotline")
    response = call(client, "POST", "/api/v1/tickets", token, json=referral())
    assert response.status_code == 201, response.get_data(as_text=True)
    created = response.get_json()
    assert created["channel"] == "government" and created["status"] == "registered"
    assert created["enterprise"]["credit_code"] == code(1)
    assert created["registering_unit"]["code"] == "HQ"
    assert response.headers["Location"].endswith(f"/api/v1/tickets/{created['id']}")
    assert created["timeline"][0]["kind"] == "registered" and created["deadlines"]["due_at"]
    assert "13800138000" not in response.get_data(as_text=True)  # the contact's phone is not echoed
    # The centre's desk sees it waiting to be dispatched, as a government referral.
    page = queues.page(actor_for("desk"), "to_dispatch", queues.TicketFilter(channel="government"))
    assert [t.id for t in page.items] == [created["id"]]
    desk = token_for("desk")
    listed = call(client, "GET", "/api/v1/tickets?queue=to_dispatch&channel=government", desk).get_json()
    assert [t["id"] for t in listed["items"]] == [created["id"]]
    ticket = db.session.get(Ticket, created["id"])
    assert ticket.registered_by_id == city_user_id("sys12345") and ticket.contact_phone == "13800138000"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "ticket.register",
                                                       AuditEntry.username == "sys12345"))
    assert entry.result == "ok"


def city_user_id(username):
    from core.org.services import user_by_username

    return user_by_username(username).id


def test_create_by_enterprise_id(app, world, client):
    token = token_for("desk")
    body = referral(credit_code=None, enterprise_id=world["b"], channel="online", ticket_class="instant")
    response = call(client, "POST", "/api/v1/tickets", token, json=body)
    assert response.status_code == 201 and response.get_json()["enterprise"]["id"] == world["b"]
    conflicting = referral(enterprise_id=world["b"])  # credit code of A, id of B
    assert "enterprise_id" in assert_error(call(client, "POST", "/api/v1/tickets", token, json=conflicting),
                                           422, "validation_failed")["fields"]


@pytest.mark.parametrize("how", ["header", "body"])
def test_the_same_key_returns_the_same_ticket(app, world, client, how):
    token = token_for("sys12345")
    body = referral(submission_key="12345-20260302-0001") if how == "body" else referral()
    headers = {"Idempotency-Key": "12345-20260302-0001"} if how == "header" else {}
    first = call(client, "POST", "/api/v1/tickets", token, json=body, headers=dict(headers))
    second = call(client, "POST", "/api/v1/tickets", token, json=body, headers=dict(headers))
    assert first.status_code == 201 and second.status_code == 200
    assert first.get_json()["id"] == second.get_json()["id"]
    assert count(Ticket, Ticket.channel == "government") == 1
    # Another system's identical key is another ticket.
    other = token_for("desk")
    third = call(client, "POST", "/api/v1/tickets", other, json=body, headers=dict(headers))
    assert third.status_code == 201 and third.get_json()["id"] != first.get_json()["id"]


def test_a_key_in_the_body_and_a_different_one_in_the_header_is_refused(app, world, client):
    token = token_for("sys12345")
    response = call(client, "POST", "/api/v1/tickets", token, json=referral(submission_key="a"),
                    headers={"Idempotency-Key": "b"})
    assert "submission_key" in assert_error(response, 422, "validation_failed")["fields"]


def test_bad_input_is_422_by_field_and_nothing_is_written(app, world, client):
    token = token_for("sys12345")
    body = referral(channel="fax", contact_phone="12", description="", category="nope")
    error = assert_error(call(client, "POST", "/api/v1/tickets", token, json=body), 422, "validation_failed")
    assert {"channel", "contact_phone", "description", "category"} <= set(error["fields"])
    error = assert_error(call(client, "POST", "/api/v1/tickets", token,
                              json=referral(enterprise_id="1", description=5)), 422, "validation_failed")
    assert set(error["fields"]) == {"enterprise_id", "description"}
    error = assert_error(call(client, "POST", "/api/v1/tickets", token, json=referral(credit_code="123")),
                         422, "validation_failed")
    assert set(error["fields"]) == {"credit_code"}
    assert count(Ticket) == 1
    assert count(AuditEntry, AuditEntry.action == "ticket.register", AuditEntry.result == "rejected") == 3


def test_a_meetings_channel_is_refused_without_its_meeting(app, world, client):
    """Channel "meeting" belongs to the demands a meeting's page registers and links (core.meetings)."""
    token = token_for("sys12345")
    error = assert_error(call(client, "POST", "/api/v1/tickets", token, json=referral(channel="meeting")),
                         422, "validation_failed")
    assert error["fields"] == {"channel": ["会议上提出的诉求须在该会议的页面上登记。"]}
    assert count(Ticket) == 1


@pytest.mark.parametrize("data", [b"{not json", b"[1, 2]", b"", b"[" * 5000, "\"文本\"".encode()])
def test_a_body_that_is_not_a_json_object_is_400(app, world, client, data):
    token = token_for("sys12345")
    response = call(client, "POST", "/api/v1/tickets", token, data=data, content_type="application/json")
    assert_error(response, 400, "bad_request")


def test_a_huge_body_is_413(app, world, client):
    token = token_for("sys12345")
    response = call(client, "POST", "/api/v1/tickets", token, json=referral(description="字" * 70_000))
    assert_error(response, 413, "payload_too_large")


def test_control_characters_and_nul_are_cleaned_or_refused(app, world, client):
    token = token_for("sys12345")
    response = call(client, "POST", "/api/v1/tickets", token,
                    json=referral(description="堵路\x00了\ud800", contact_name="王\x07"))
    assert response.status_code == 201
    assert response.get_json()["description"] == "堵路了" and response.get_json()["contact_name"] == "王"
    assert_error(call(client, "GET", "/api/v1/tickets?category=a%00b", token), 400, "invalid_parameter")


# --- reading -------------------------------------------------------------------------------

def test_a_tickets_timeline_leaves_out_internal_notes(app, world, client):
    desk_a = actor_for("desk_a")
    tickets.add_note(desk_a, world["ticket"], "内部备注：企业负责人态度强硬")
    token = token_for("desk_a")
    ticket = call(client, "GET", f"/api/v1/tickets/{world['ticket']}", token).get_json()
    assert [e["kind"] for e in ticket["timeline"]] == ["registered"]
    assert "内部备注" not in json.dumps(ticket, ensure_ascii=False)
    with app.test_request_context(), force_locale("zh_Hans_CN"):
        assert ticket["status_label"] == str(STATUSES["registered"])
    english = call(client, "GET", f"/api/v1/tickets/{world['ticket']}", token, "en").get_json()
    assert english["status_label"] == "Registered"


def test_list_filters_and_keyset_paging(app, world, client):
    desk_a = actor_for("desk_a")
    for _ in range(4):
        tickets.register(desk_a, intake(world["a"], channel="online"))
    token = token_for("desk_a")
    first = call(client, "GET", "/api/v1/tickets?channel=online&limit=3&sort=oldest", token).get_json()
    assert len(first["items"]) == 3 and first["next_cursor"]
    second = call(client, "GET", f"/api/v1/tickets?channel=online&limit=3&sort=oldest"
                                 f"&cursor={first['next_cursor']}", token).get_json()
    ids = [t["id"] for t in first["items"] + second["items"]]
    assert len(ids) == 4 and ids == sorted(ids) and world["ticket"] not in ids
    assert second["next_cursor"] is None
    assert call(client, "GET", "/api/v1/tickets?status=closed", token).get_json()["items"] == []
    assert len(call(client, "GET", f"/api/v1/tickets?enterprise={world['a']}&since=2000-01-01&until=2999-12-31",
                    token).get_json()["items"]) == 5
    assert call(client, "GET", "/api/v1/tickets?until=2000-01-01", token).get_json()["items"] == []


@pytest.mark.parametrize("query, field", [
    ("status=lost", "status"), ("limit=0", "limit"), ("limit=abc", "limit"), ("limit=101", "limit"),
    ("since=2026-13-01", "since"), ("since=0001-01-01", "since"), ("enterprise=-1", "enterprise"),
    ("cursor=%%%", "cursor"), ("cursor=eyJrIjpbIngiXSwiYiI6ZmFsc2V9", "cursor"), ("queue=nope", "queue"),
])
def test_bad_query_parameters_are_400_by_field(app, world, client, query, field):
    token = token_for("desk")
    error = assert_error(call(client, "GET", f"/api/v1/tickets?{query}", token), 400, "invalid_parameter")
    assert field in error["fields"]


def test_a_doctored_cursor_with_nul_is_400_not_a_database_error(app, world, client):
    import base64

    for value in ('["\\u0000", 1]', '["\\ud800", 1]'):
        cursor = base64.urlsafe_b64encode(('{"k":%s,"b":false}' % value).encode()).decode().rstrip("=")
        error = assert_error(call(client, "GET", f"/api/v1/enterprises?cursor={cursor}", token_for("desk")),
                             400, "invalid_parameter")
        assert "cursor" in error["fields"]


def test_a_queue_the_role_lacks_is_refused(app, world, client):
    token = token_for("officer_a")
    assert "queue" in assert_error(call(client, "GET", "/api/v1/tickets?queue=to_dispatch", token),
                                   400, "invalid_parameter")["fields"]


def test_enterprise_search_and_paging(app, world, client):
    desk = actor_for("desk")
    for n in range(3, 6):
        registry.create(desk, {"name": f"测试企业{n}有限公司", "credit_code": code(n)})
    token = token_for("desk")
    found = call(client, "GET", "/api/v1/enterprises?q=hdkj", token).get_json()["items"]
    assert [e["name"] for e in found] == [A_NAME]
    first = call(client, "GET", "/api/v1/enterprises?limit=2", token).get_json()
    second = call(client, "GET", f"/api/v1/enterprises?limit=2&cursor={first['next_cursor']}", token).get_json()
    third = call(client, "GET", f"/api/v1/enterprises?limit=2&cursor={second['next_cursor']}", token).get_json()
    ids = [e["id"] for e in first["items"] + second["items"] + third["items"]]
    assert len(ids) == len(set(ids)) == 5 and third["next_cursor"] is None


# --- errors are JSON, in the caller's language -------------------------------------------------

def test_errors_are_in_chinese_by_default_and_in_english_on_request(app, world, client):
    token = token_for("desk")
    zh = assert_error(call(client, "GET", "/api/v1/tickets/999999", token), 404, "not_found")
    assert zh["message"] == NOT_FOUND_ZH
    english = assert_error(call(client, "GET", "/api/v1/tickets/999999", token, "en-US,en;q=0.9"), 404, "not_found")
    assert english["message"] == "There is no such ticket in your units' area."
    assert assert_error(call(client, "GET", "/api/v1/tickets/999999", token, "zh-CN"), 404,
                        "not_found")["message"] == NOT_FOUND_ZH
    assert assert_error(call(client, "GET", "/api/v1/tickets/999999", token, "fr"), 404,
                        "not_found")["message"] == NOT_FOUND_ZH
    # Messages the API writes itself follow the same rule.
    from core.api.views import MESSAGES

    unauthorized = MESSAGES[401][1]
    with app.test_request_context():
        with force_locale("zh_Hans_CN"):
            expected_zh = str(unauthorized)
    assert assert_error(client.get("/api/v1/tickets"), 401, "unauthorized")["message"] == expected_zh
    assert assert_error(call(client, "GET", "/api/v1/tickets", language="en"), 401,
                        "unauthorized")["message"] == en(unauthorized)
    # Field errors too.
    fields = assert_error(call(client, "POST", "/api/v1/tickets", token, "en", json=referral(category="x")),
                          422, "validation_failed")["fields"]
    assert fields["category"] == ["Choose a category."]
    fields = assert_error(call(client, "POST", "/api/v1/tickets", token, json=referral(category="x")),
                          422, "validation_failed")["fields"]
    assert fields["category"] == ["请选择诉求类别。"]


def test_unknown_urls_and_wrong_methods_are_json(app, world, client):
    token = token_for("desk")
    assert_error(call(client, "GET", "/api/v1/nothing-here", token), 404, "not_found")
    assert_error(call(client, "GET", "/api/v1/tickets/abc", token), 404, "not_found")
    assert_error(call(client, "GET", f"/api/v1/tickets/{2**40}", token), 404, "not_found")
    assert_error(call(client, "GET", "/api/v1/tickets/0", token), 404, "not_found")
    response = call(client, "DELETE", "/api/v1/tickets", token)
    assert_error(response, 405, "method_not_allowed")
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}
    assert_error(call(client, "PUT", f"/api/v1/tickets/{world['ticket']}", token), 405, "method_not_allowed")
    assert_error(call(client, "POST", "/api/v1/enterprises", token), 405, "method_not_allowed")
    # The pages keep their HTML errors.
    assert client.get("/no-such-page").mimetype == "text/html"


def test_responses_are_not_cached_and_carry_no_cookie(app, world, client):
    response = call(client, "GET", "/api/v1/tickets", token_for("desk"))
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers


# --- the OpenAPI document ----------------------------------------------------------------------

def test_the_openapi_document_is_valid_and_lists_every_route(app, client):
    import schemathesis

    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    document = response.get_json()
    schema = schemathesis.openapi.from_dict(document)
    schema.validate()  # against the OpenAPI 3.0 meta-schema; raises when invalid
    assert openapi.undocumented(app) == []
    routes = {(rule.rule, method) for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1/")
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes, "the API has no routes"
    documented = {(path, method.upper()) for path, item in document["paths"].items() for method in item}
    expected = {(re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule), method) for rule, method in routes}
    assert documented == expected
    for path, item in document["paths"].items():
        for method, op in item.items():
            assert op["responses"], (path, method)
            if path != "/api/v1/openapi.json":
                assert op["security"] == [{"bearerAuth": []}] and "401" in op["responses"]
    assert {"/api/v1/tickets", "/api/v1/tickets/{ticket_id}", "/api/v1/enterprises",
            "/api/v1/enterprises/{enterprise_id}"} <= set(document["paths"])
    assert set(document["paths"]["/api/v1/tickets"]) == {"get", "post"}


def test_an_invalid_document_would_be_caught():
    import schemathesis

    broken = {"openapi": "3.0.3", "info": {"title": "x"}, "paths": {"/x": {"get": {"responses": "none"}}}}
    with pytest.raises(Exception):
        schemathesis.openapi.from_dict(broken).validate()


def test_a_route_without_a_declaration_is_named(make_app):
    app = make_app()
    extra = Blueprint("api_extra", __name__, url_prefix="/api/v1")

    @extra.get("/undeclared")
    def undeclared():
        return {}

    app.register_blueprint(extra)
    assert openapi.undocumented(app) == ["['GET'] /api/v1/undeclared (api_extra.undeclared)"]
    with app.test_request_context():
        assert "/api/v1/undeclared" not in openapi.document(app)["paths"]


# --- the administrator's page and the command ----------------------------------------------------

def test_the_admin_page_lists_issues_and_revokes(app, city, world):
    row, token = auth.issue(shell_actor(), "sys12345", "12345 hotline")
    client = fresh_client(app)
    login(client, "admin")
    html = client.get("/admin/api-tokens/").get_data(as_text=True)
    assert "sys12345" in html and row.prefix in html and "12345 hotline" in html and token not in html
    system_account("sysportal", city.centre.id, roles=())
    response = client.post("/admin/api-tokens/", data={"user": "sysportal", "name": "portal"})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    new = db.session.scalars(select(ApiToken).where(ApiToken.name == "portal")).one()
    page = response.get_data(as_text=True)
    assert new.prefix in page and 'data-testid="token-value"' in page
    response = client.post(f"/admin/api-tokens/{row.id}/revoke")
    assert response.status_code == 302
    db.session.rollback()
    assert db.session.get(ApiToken, row.id).revoked_at is not None
    assert auth.verify(token)[1] == "revoked"
    assert client.post("/admin/api-tokens/99999/revoke").status_code == 404
    # Nobody else opens it.
    desk = fresh_client(app)
    login(desk, "desk")
    assert desk.get("/admin/api-tokens/").status_code == 403


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_with_csrf_on_the_api_needs_no_form_token_and_the_page_does(app, world):
    client = fresh_client(app)
    assert call(client, "POST", "/api/v1/tickets", token_for("sys12345"), json=referral()).status_code == 201
    row, _token = auth.issue(shell_actor(), "sys12345")
    login(client, "admin")
    assert client.post(f"/admin/api-tokens/{row.id}/revoke").status_code == 400
    page = client.get("/admin/api-tokens/").data
    assert client.post(f"/admin/api-tokens/{row.id}/revoke", data={"csrf_token": csrf_token(page)}).status_code == 302


def test_the_menu_has_the_page_for_the_administrator(app, world):
    client = fresh_client(app)
    login(client, "admin")
    assert "/admin/api-tokens/" in client.get("/admin/users").get_data(as_text=True)


def test_the_command_issues_lists_and_revokes(app, world):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["api-token", "sys12345", "--name", "12345 hotline"])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip().splitlines()[-1]
    assert auth.verify(token)[1] == "ok"
    row = db.session.scalars(select(ApiToken)).one()
    listed = runner.invoke(args=["api-token", "--list"])
    assert listed.exit_code == 0 and row.prefix in listed.output and "sys12345" in listed.output
    assert token not in listed.output
    revoked = runner.invoke(args=["api-token", "--revoke", str(row.id)])
    assert revoked.exit_code == 0 and auth.verify(token)[1] == "revoked"
    assert runner.invoke(args=["api-token", "--revoke", str(row.id)]).exit_code == 1
    assert runner.invoke(args=["api-token", "nobody"]).exit_code == 1
    assert runner.invoke(args=["api-token"]).exit_code == 2
    assert runner.invoke(args=["api-token", "desk", "--list"]).exit_code == 2
    refused = runner.invoke(args=["api-token", "desk"])          # a person: never
    assert refused.exit_code == 1 and ("system account" in refused.output or "系统账号" in refused.output)

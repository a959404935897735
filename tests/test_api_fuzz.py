"""The OpenAPI document, fuzzed against the running app by schemathesis.

Every operation of /api/v1/openapi.json gets schema-conforming (positive) and
schema-breaking (negative) requests, authenticated with a real token of the
centre's desk, on a city with enterprises and tickets in several states; a
second pass aims the path ids at real records and the bodies at a real
enterprise and category, so that the success paths are fuzzed too. No answer
may be a server error, and every error must be the API's JSON error.

Bounded and derandomised (the same examples each run, so CI is stable); set
ANQI_API_FUZZ_EXAMPLES to fuzz harder locally. Never skipped: without
schemathesis installed this module fails to import.
"""
import os

import pytest
import schemathesis
from flask import has_app_context
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from core.api import auth
from core.extensions import db
from core.org.actor import shell_actor
from core.registry import services as registry
from core.tickets import services as tickets
from tests.conftest import actor_for
from tests.helpers import code, system_account
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)

EXAMPLES = int(os.environ.get("ANQI_API_FUZZ_EXAMPLES", "40"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None, phases=[Phase.generate],
                suppress_health_check=list(HealthCheck), print_blob=True)


def isolated(app):
    """The app as a WSGI callable whose every request runs in an application
    context of its own, as in a real server (the test keeps one pushed)."""

    def wsgi(environ, start_response):
        if has_app_context():
            db.session.rollback()  # let go of SQLite's write lock, as FreshClient does
        with app.app_context():
            return app.wsgi_app(environ, start_response)

    return wsgi


@pytest.fixture
def records(city):
    """Enterprises in two stations and tickets in several states; returns their ids."""
    desk, officer = actor_for("desk"), actor_for("officer_a")
    a = registry.create(actor_for("desk_a"), {"name": "浙江华达科技有限公司", "credit_code": code(1),
                                              "district": "甲街道", "industry": "制造业"})
    b = registry.create(actor_for("desk_b"), {"name": "西湖食品有限公司", "credit_code": code(2)})
    ids = []
    for n, (enterprise, ticket_class) in enumerate([(a, "general"), (b, "instant"), (a, "complex")] * 2):
        ticket = tickets.register(desk, tickets.Intake(
            enterprise_id=enterprise.id, channel="government", category="dispute", ticket_class=ticket_class,
            handling_mode="follow", description=f"第{n}件：厂区门口有人堵路。", contact_name="王经理"))
        ids.append(ticket.id)
    tickets.dispatch(desk, ids[0], city.station_a.id)
    tickets.sign(officer, ids[0])
    tickets.answer(officer, ids[0], "已处置。", "resolved")
    tickets.close(desk, ids[0])
    tickets.dispatch(desk, ids[2], city.station_a.id)
    tickets.add_note(desk, ids[1], "内部备注")
    return {"enterprises": [a.id, b.id], "tickets": ids}


@pytest.fixture
def schema(app, records):
    system_account("sys_fuzz", actor_for("desk").unit_id, roles=["desk"], reveal=True)
    _row, token = auth.issue(shell_actor(), "sys_fuzz", "fuzz")
    db.session.commit()
    loaded = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", isolated(app))
    loaded.validate()
    loaded.fuzz_headers = {"Authorization": f"Bearer {token}"}
    return loaded


def operations(schema):
    found = []
    for result in schema.get_all_operations():
        found.append(result.ok())  # raises on an operation schemathesis could not read
    return found


def exchange(case, headers):
    response = case.call(headers=headers)
    case.validate_response(response, checks=[not_a_server_error])
    assert response.status_code < 500, case.as_curl_command()
    if response.status_code >= 400:
        error = response.json()["error"]
        assert error["code"] and error["message"], response.text
    else:
        response.json()
    return response


def test_every_operation_is_fuzzed(schema):
    # All but the document itself, which schemathesis leaves out as the schema's own location.
    documented = {(method.upper(), path) for path, item in schema.raw_schema["paths"].items() for method in item}
    fuzzed = {(op.method.upper(), op.path) for op in operations(schema)}
    assert fuzzed == documented - {("GET", "/api/v1/openapi.json")}
    assert {("GET", "/api/v1/tickets"), ("POST", "/api/v1/tickets"), ("GET", "/api/v1/tickets/{ticket_id}"),
            ("GET", "/api/v1/enterprises"), ("GET", "/api/v1/enterprises/{enterprise_id}")} <= fuzzed


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["positive", "negative"])
def test_no_operation_answers_with_a_server_error(schema, mode):
    statuses = {}
    for op in operations(schema):
        seen = statuses.setdefault(f"{op.method.upper()} {op.path}", set())

        @FUZZ
        @given(case=op.as_strategy(generation_mode=mode))
        def fuzz(case):
            seen.add(exchange(case, schema.fuzz_headers).status_code)

        fuzz()
    assert all(statuses.values()), statuses
    if mode is GenerationMode.NEGATIVE:
        assert statuses["GET /api/v1/tickets"] & {400}, statuses


def test_real_records_and_valid_bodies_are_fuzzed_too(schema, records):
    statuses = {}
    for op in operations(schema):
        seen = statuses.setdefault(f"{op.method.upper()} {op.path}", set())
        if "{ticket_id}" in op.path:
            strategy = st.sampled_from(records["tickets"]).flatmap(
                lambda i, op=op: op.as_strategy(path_parameters={"ticket_id": i}))
        elif "{enterprise_id}" in op.path:
            strategy = st.sampled_from(records["enterprises"]).flatmap(
                lambda i, op=op: op.as_strategy(path_parameters={"enterprise_id": i}))
        else:
            strategy = op.as_strategy()

        @FUZZ
        @given(case=strategy, enterprise=st.sampled_from(records["enterprises"]), valid=st.booleans())
        def fuzz(case, enterprise, valid):
            if op.method.upper() == "POST" and isinstance(case.body, dict) and valid:
                case.body = {**case.body, "enterprise_id": enterprise, "category": "dispute",
                             "handling_mode": "follow", "credit_code": None}
            seen.add(exchange(case, schema.fuzz_headers).status_code)

        fuzz()
    assert 200 in statuses["GET /api/v1/tickets/{ticket_id}"], statuses
    assert 200 in statuses["GET /api/v1/enterprises/{enterprise_id}"], statuses
    assert statuses["POST /api/v1/tickets"] & {200, 201}, statuses

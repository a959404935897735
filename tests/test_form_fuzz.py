"""Hostile input at the forms a desk uses every day — login, enterprise,
ticket intake, import — and at the JSON API: markup, SQL fragments, control
characters, very long strings and odd Unicode. No answer is a server error,
and whatever is stored comes back escaped on the pages that show it.

Bounded and derandomised (the same examples each run); set
ANQI_FORM_FUZZ_EXAMPLES to fuzz harder locally."""
import io
import os
import re

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from core.api import auth as api_auth
from core.org.actor import shell_actor
from core.registry import services as registry
from core.registry.models import Enterprise
from core.extensions import db
from tests.conftest import actor_for, login
from tests.helpers import code, fresh_client, system_account
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)

EXAMPLES = int(os.environ.get("ANQI_FORM_FUZZ_EXAMPLES", "25"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None, phases=[Phase.generate],
                suppress_health_check=list(HealthCheck), print_blob=True)

MARKUP = "<script>alert(1)</script>"
HOSTILE = [
    MARKUP, '"><img src=x onerror=alert(1)>', "' OR '1'='1' --", "1; DROP TABLE enterprise; --",
    "\x00\x01\x1b[31m", "\u202eevil\u202c", "Z\u0351\u0358\u0360A\u0353L\u0348G\u0354O", "𠀀𪚥🙂‍↔️",
    "\ufeff\u200b", "%00%2e%2e%2f", "{{7*7}}", "${jndi:ldap://x}", "\r\nSet-Cookie: x=1", "ａｂｃ　全角",
    "A" * 20_000, "诉" * 6_000,
]
# Any text a form field can carry: no lone surrogates (a browser cannot send them).
TEXT = st.one_of(st.sampled_from(HOSTILE),
                 st.text(st.characters(exclude_categories=("Cs",)), max_size=300),
                 st.builds(lambda a, b: a + b, st.sampled_from(HOSTILE), st.text(max_size=40)))


def _ok(response, where):
    assert response.status_code < 500, (where, response.status_code)
    body = response.get_data(as_text=True)
    assert MARKUP not in body, where                 # markup never comes back raw
    assert "Traceback" not in body, where


@pytest.fixture
def desk(app, city):
    client = fresh_client(app)
    login(client, "desk")
    return client


@FUZZ
@given(username=TEXT, password=TEXT)
def test_login_takes_anything_without_an_error(app, city, username, password):
    response = fresh_client(app).post("/login", data={"username": username, "password": password})
    _ok(response, "login")
    assert response.status_code != 302               # none of these is a real account's password


@FUZZ
@given(name=TEXT, address=TEXT, notes=TEXT, tags=TEXT, contact=TEXT, phone=TEXT, n=st.integers(1, 10**6))
def test_the_enterprise_form_stores_hostile_text_safely(app, desk, city, name, address, notes, tags, contact,
                                                        phone, n):
    data = {"name": name, "credit_code": code(n), "address": address, "district": "甲街道", "industry": "制造业",
            "unit_id": city.centre.id, "liaison_officer_id": 0, "notes": notes, "tags": tags,
            "contacts-0-name": contact, "contacts-0-phone": phone, "contacts-0-title": contact}
    response = desk.post("/enterprises/new", data=data)
    _ok(response, "enterprise form")
    if response.status_code == 302:
        page = desk.get(response.headers["Location"])
        _ok(page, "enterprise page")
        stored = db.session.scalar(select(Enterprise).where(Enterprise.credit_code == code(n)))
        assert stored is not None and not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", stored.name + stored.address)
    _ok(desk.get("/enterprises/?q=" + name[:200]), "enterprise search")


@FUZZ
@given(description=TEXT, contact=TEXT, phone=TEXT, department=TEXT, channel=TEXT)
def test_the_intake_form_takes_hostile_text_safely(app, desk, city, description, contact, phone, department,
                                                   channel):
    enterprise = registry.create(actor_for("desk"), {"name": "浙江华达科技有限公司", "credit_code": code(7)}) \
        if registry.find_by_credit_code(code(7)) is None else registry.find_by_credit_code(code(7))
    data = {"enterprise_id": enterprise.id, "channel": channel if len(channel) < 5 else "hotline",
            "category": "dispute", "ticket_class": "general", "handling_mode": "follow",
            "description": description, "contact_name": contact, "contact_phone": phone,
            "external_department": department, "attachments": [(io.BytesIO(description.encode()[:500]), "x.png")]}
    response = desk.post("/tickets/new", data=data, content_type="multipart/form-data")
    _ok(response, "intake")
    if response.status_code == 302:
        _ok(desk.get(response.headers["Location"]), "ticket page")
    data.pop("attachments")
    response = desk.post("/tickets/new", data=data)
    _ok(response, "intake without files")
    if response.status_code == 302:
        _ok(desk.get(response.headers["Location"]), "ticket page")
        _ok(desk.get("/tickets/?q=" + description[:100]), "ticket search")


@FUZZ
@given(cells=st.lists(TEXT, min_size=1, max_size=8), raw=st.binary(max_size=2000))
def test_the_import_takes_hostile_files_without_an_error(app, desk, city, cells, raw):
    header = "企业名称,统一社会信用代码,地址,所属街道\n"
    row = ",".join('"' + c.replace('"', '""') + '"' for c in cells)
    for name, content in (("hostile.csv", (header + row + "\n").encode("utf-8", "surrogatepass")),
                          ("random.csv", raw), ("random.xlsx", raw)):
        response = desk.post("/enterprises/import", data={"file": (io.BytesIO(content), name)},
                             content_type="multipart/form-data")
        _ok(response, f"import {name}")
        if response.status_code == 303:      # taken: the import's page, its check done by then
            _ok(desk.get(response.headers["Location"]), f"import {name}, checked")


@FUZZ
@given(body=st.dictionaries(st.sampled_from(["enterprise_id", "channel", "category", "description", "contact_name",
                                             "contact_phone", "ticket_class", "handling_mode", "submission_key"]),
                            st.one_of(TEXT, st.integers(), st.none(), st.booleans(), st.lists(TEXT, max_size=3)),
                            max_size=9))
def test_the_api_takes_hostile_json_without_an_error(app, city, body):
    token = getattr(app, "_fuzz_token", None)
    if token is None:
        system_account("sys_fuzz", actor_for("desk").unit_id, roles=["desk"], reveal=True)
        _, token = api_auth.issue(shell_actor(), "sys_fuzz", "fuzz")
        app._fuzz_token = token
    response = fresh_client(app).post("/api/v1/tickets", json=body, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code < 500, (body, response.status_code)
    assert response.is_json

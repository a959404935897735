"""Personal data: phone and citizen ID numbers checked, encrypted at rest with a
keyed lookup hash, masked on pages, exports and the API unless revealed by a
role that may (audited), key rotation while the app reads, the migration that
encrypted the existing rows, and no number in the audit trail or the logs."""
import io
import json
import logging
import os
import re
from pathlib import Path

import pytest
from flask_babel import force_locale
from openpyxl import load_workbook
from sqlalchemy import select, text

from core.api import auth
from core.audit.models import AuditEntry
from core.errors import ValidationError
from core.extensions import db
from core.org.actor import shell_actor
from core.privacy import masking, rotation, validation
from core.privacy.fields import keyring, lookup
from core.privacy.keys import PersonalDataKeyError, new_secret
from core.registry import importer
from core.registry import services as registry
from core.registry.models import EnterpriseContact
from core.tickets import services as tickets
from core.tickets.models import Ticket
from tests.conftest import actor_for, login
from tests.helpers import code, fresh_client, system_account
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)

MOBILE, LANDLINE, OTHER = "13800138000", "0575-87654321", "13912345678"
ID_NUMBER = "11010519491231002X"


@pytest.fixture
def firm(city):
    enterprise = registry.create(actor_for("desk_a"), {
        "name": "浙江华达科技有限公司", "credit_code": code(1),
        "contacts": [{"name": "李娜", "phone": "138 0013 8000", "title": "行政主管"},
                     {"name": "王伟", "phone": "(0575) 8765 4321"}]})
    return enterprise.id


@pytest.fixture
def ticket_id(firm):
    ticket = tickets.register(actor_for("desk_a"), tickets.Intake(
        enterprise_id=firm, channel="hotline", category="dispute", ticket_class="general",
        handling_mode="follow", description="厂区门口有人堵路。", contact_name="李娜", contact_phone=OTHER))
    return ticket.id


def client_for(app, username):
    client = fresh_client(app)
    login(client, username)
    return client


def contact_ids(enterprise_id):
    db.session.rollback()
    return [c.id for c in db.session.scalars(select(EnterpriseContact).where(
        EnterpriseContact.enterprise_id == enterprise_id).order_by(EnterpriseContact.id))]


def audit_entries(action):
    db.session.rollback()
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


# --- validation and masking ---------------------------------------------------------------

@pytest.mark.parametrize("typed, stored", [
    ("13800138000", MOBILE), ("138 0013 8000", MOBILE), ("+86 138-0013-8000", MOBILE), ("１３８００１３８０００", MOBILE),
    ("0575-87654321", LANDLINE), ("(0575) 8765 4321", LANDLINE), ("057587654321", LANDLINE),
    ("0575-8765-4321", LANDLINE),
    ("010-12345678", "010-12345678"), ("02112345678", "021-12345678"), ("0575-87654321-123", "0575-87654321-123"),
    ("87654321", "87654321"), ("400 123 4567", "400-123-4567"), ("", ""),
])
def test_phone_numbers_are_normalised(typed, stored):
    assert validation.phone(typed) == stored


@pytest.mark.parametrize("typed", ["12345", "23800138000", "1380013800", "0575-123", "电话", "138001380001"])
def test_a_bad_phone_number_is_refused(app, typed):
    with pytest.raises(ValidationError):
        validation.phone(typed)


@pytest.mark.parametrize("typed, fragment", [
    ("11010519491231002", "18 characters"),
    ("110105194912310021", "check character"),
    ("110105194913310021", "region or date of birth"),   # the 31st of a 13th month, right check digit
    ("1101051949123100AX", "17 digits"),
])
def test_a_bad_citizen_id_number_gets_a_clear_message_without_the_number(app, typed, fragment):
    with pytest.raises(ValidationError) as caught:
        validation.citizen_id(typed)
    with force_locale("en"):
        message = str(caught.value.message)
    assert fragment in message and typed not in message and typed[:6] not in message


def test_a_good_citizen_id_number_is_kept_upper_case():
    assert validation.citizen_id(" 11010519491231002x ") == ID_NUMBER


def test_masks():
    assert masking.mask("phone", MOBILE) == "138****8000"
    assert masking.mask("phone", LANDLINE) == "0575-****4321"
    assert masking.mask("phone", "87654321") == "****4321"
    assert masking.mask("citizen_id", ID_NUMBER) == "110105********002X"
    assert masking.mask("phone", "") == ""


# --- encryption at rest ---------------------------------------------------------------------

def test_values_round_trip_and_the_rows_hold_no_plain_text(app, firm, ticket_id):
    db.session.rollback()
    enterprise = registry.get(actor_for("desk_a"), firm)
    assert [c.phone for c in enterprise.contacts] == [MOBILE, LANDLINE]
    assert db.session.get(Ticket, ticket_id).contact_phone == OTHER
    db.session.rollback()
    rows = db.session.execute(text("SELECT * FROM enterprise_contact")).mappings().all()
    rows += db.session.execute(text("SELECT * FROM ticket")).mappings().all()
    dump = json.dumps([dict(r) for r in rows], default=str)
    for number in (MOBILE, LANDLINE, OTHER, "87654321", "8765", "0013"):
        assert number not in dump
    stored = db.session.execute(text("SELECT phone_encrypted, phone_hash FROM enterprise_contact")).all()
    assert all(re.fullmatch(r"v1:[A-Za-z0-9+/=]{40,}", value) and len(digest) == 64 for value, digest in stored)
    # A fresh nonce each time: the same number twice is stored twice differently.
    registry.create(actor_for("desk_a"), {"name": "杭州西湖食品有限公司", "credit_code": code(2),
                                          "contacts": [{"name": "张敏", "phone": MOBILE}]})
    values = [v for (v,) in db.session.execute(text("SELECT phone_encrypted FROM enterprise_contact"))]
    assert len(set(values)) == 3


def test_the_key_file_is_made_once_readable_by_the_owner_only(app, firm):
    path = keyring().path
    assert path.parent == Path(app.instance_path)
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert keyring().versions() == [1]


def test_lookup_by_keyed_hash_finds_the_row_however_the_number_is_typed(app, firm, ticket_id):
    found = db.session.scalars(select(EnterpriseContact).where(lookup(EnterpriseContact.phone, "+86 138 0013 8000")))
    assert [c.name for c in found] == ["李娜"]
    found = db.session.scalars(select(EnterpriseContact).where(lookup(EnterpriseContact.phone, "057587654321")))
    assert [c.name for c in found] == ["王伟"]
    assert db.session.scalars(select(Ticket.id).where(lookup(Ticket.contact_phone, OTHER))).all() == [ticket_id]
    assert db.session.scalars(select(Ticket.id).where(lookup(Ticket.contact_phone, MOBILE))).all() == []
    assert db.session.scalars(select(Ticket.id).where(lookup(Ticket.contact_phone, ""))).all() == []


def test_keys_from_the_configuration_and_a_missing_key(make_app, city):
    app = make_app(PERSONAL_DATA_KEYS={"3": new_secret()})
    with app.app_context():
        # (The city's second factors were set up by the app with the key file.)
        key_file = keyring().path
        before = key_file.read_bytes() if key_file.exists() else None
        registry.create(actor_for("desk_a"), {"name": "浙江华达科技有限公司", "credit_code": code(1),
                                              "contacts": [{"name": "李娜", "phone": MOBILE}]})
        assert db.session.execute(text("SELECT phone_encrypted FROM enterprise_contact")).scalar().startswith("v3:")
        # nothing written when the keys are configured
        assert (key_file.read_bytes() if key_file.exists() else None) == before
    other = make_app(PERSONAL_DATA_KEYS={"1": new_secret()})
    with other.app_context():
        with pytest.raises(PersonalDataKeyError, match="version 3 is not configured"):
            db.session.scalars(select(EnterpriseContact)).all()


def test_a_key_that_is_not_the_one_the_data_was_written_with_is_named(make_app, city, tmp_path):
    app = make_app()
    with app.app_context():
        registry.create(actor_for("desk_a"), {"name": "浙江华达科技有限公司", "credit_code": code(1),
                                              "contacts": [{"name": "李娜", "phone": MOBILE}]})
    impostor = make_app(PERSONAL_DATA_KEYS={"1": new_secret()})
    with impostor.app_context():
        with pytest.raises(PersonalDataKeyError, match="does not decrypt with key version 1") as caught:
            db.session.scalars(select(EnterpriseContact)).all()
        assert MOBILE not in str(caught.value)


# --- masked on pages, exports and the API; revealed on request, audited ------------------------

def test_the_enterprise_page_shows_phones_masked_and_reveals_one_on_request(app, firm):
    client = client_for(app, "desk_a")
    page = client.get(f"/enterprises/{firm}").get_data(as_text=True)
    assert "138****8000" in page and "0575-****4321" in page
    assert MOBILE not in page and "87654321" not in page
    assert page.count('data-testid="reveal"') == 2
    first, second = contact_ids(firm)
    response = client.post(f"/enterprises/{firm}/reveal", data={"ref": str(second)})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert LANDLINE in page and "138****8000" in page and MOBILE not in page  # only the one asked for
    entry, = audit_entries("personal_data.reveal")
    assert (entry.username, entry.object_type, entry.object_id, entry.result) == (
        "desk_a", "enterprise_contact", str(second), "ok")
    assert entry.detail == {"field": "phone", "enterprise_id": firm}
    # Showing it again is another entry; a contact of another enterprise is not found here.
    client.post(f"/enterprises/{firm}/reveal", data={"ref": str(first)})
    assert len(audit_entries("personal_data.reveal")) == 2
    assert client.post(f"/enterprises/{firm}/reveal", data={"ref": "999999"}).status_code == 404
    assert client.post(f"/enterprises/{firm}/reveal", data={"ref": "x"}).status_code == 404


def test_a_role_without_the_permission_sees_masked_values_and_cannot_reveal(app, firm, ticket_id):
    client = client_for(app, "officer_a")
    page = client.get(f"/enterprises/{firm}").get_data(as_text=True)
    assert "138****8000" in page and MOBILE not in page and 'data-testid="reveal"' not in page
    first, _second = contact_ids(firm)
    response = client.post(f"/enterprises/{firm}/reveal", data={"ref": str(first)})
    assert response.status_code == 403 and MOBILE not in response.get_data(as_text=True)
    ticket_page = client.get(f"/tickets/{ticket_id}")
    assert ticket_page.status_code == 200 and "139****5678" in ticket_page.get_data(as_text=True)
    response = client.post(f"/tickets/{ticket_id}/reveal")
    assert response.status_code == 403 and OTHER not in response.get_data(as_text=True)
    denied = audit_entries("personal_data.reveal")
    assert [(e.username, e.result, e.object_type) for e in denied] == [
        ("officer_a", "denied", "enterprise_contact"), ("officer_a", "denied", "ticket")]
    # Another station's desk does not even find the enterprise.
    assert client_for(app, "desk_b").post(f"/enterprises/{firm}/reveal", data={"ref": str(first)}).status_code == 404


def test_the_ticket_page_masks_the_phone_and_reveals_it_audited(app, ticket_id):
    client = client_for(app, "desk_a")
    page = client.get(f"/tickets/{ticket_id}").get_data(as_text=True)
    assert "139****5678" in page and OTHER not in page and 'data-testid="reveal"' in page
    response = client.post(f"/tickets/{ticket_id}/reveal")
    assert response.status_code == 200 and OTHER in response.get_data(as_text=True)
    entry, = audit_entries("personal_data.reveal")
    assert (entry.object_type, entry.object_id, entry.detail) == ("ticket", str(ticket_id), {"field": "contact_phone"})


def test_forms_show_the_phone_masked_and_keep_the_stored_number_when_it_comes_back(app, firm):
    client = client_for(app, "desk_a")
    form = client.get(f"/enterprises/{firm}/edit").get_data(as_text=True)
    assert "138****8000" in form and MOBILE not in form
    version = re.search(r'name="version" type="hidden" value="(\d+)"', form).group(1)
    response = client.post(f"/enterprises/{firm}/edit", data={
        "name": "浙江华达科技有限公司（新）", "credit_code": code(1), "unit_id": "", "version": version,
        "contacts-0-name": "李娜", "contacts-0-phone": "138****8000", "contacts-0-title": "行政主管",
        "contacts-1-name": "王伟", "contacts-1-phone": "0575-****4321", "contacts-1-title": ""})
    assert response.status_code in (200, 302), response.get_data(as_text=True)[:2000]
    db.session.rollback()
    enterprise = registry.get(actor_for("desk_a"), firm)
    assert [c.phone for c in enterprise.contacts] == [MOBILE, LANDLINE]
    # A masked number that stands for none of the stored ones is refused, not stored.
    with pytest.raises(ValidationError):
        registry.update(actor_for("desk_a"), firm, {"contacts": [{"name": "李娜", "phone": "138****0000"}]})
    with pytest.raises(ValidationError):
        registry.create(actor_for("desk_a"), {"name": "杭州西湖食品有限公司", "credit_code": code(2),
                                              "contacts": [{"name": "张敏", "phone": "138****8000"}]})
    # The intake form is filled in with the contact's phone masked; the ticket gets the number.
    intake = client.get(f"/tickets/new?enterprise={firm}").get_data(as_text=True)
    assert "138****8000" in intake and MOBILE not in intake
    ticket = tickets.register(actor_for("desk_a"), tickets.Intake(
        enterprise_id=firm, channel="hotline", category="dispute", ticket_class="general",
        handling_mode="follow", description="堵路。", contact_name="李娜", contact_phone="138****8000"))
    assert ticket.contact_phone == MOBILE


def test_the_export_masks_phones_unless_asked_in_full_which_is_audited(app, firm):
    client = client_for(app, "desk_a")

    def exported(query=""):
        response = client.get("/enterprises/export.xlsx" + query)
        assert response.status_code == 200
        rows = list(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))
        return response.data, dict(zip(rows[0], rows[1]))

    content, row = exported()
    assert row["联系人"] == "李娜\n王伟" and row["联系电话"] == "138****8000\n0575-****4321"
    assert MOBILE.encode() not in content
    assert audit_entries("personal_data.export") == []
    # The masked file imports back unchanged: the masked phones stand for the stored ones.
    report = importer.plan(actor_for("desk_a"), "企业名录.xlsx", content)
    assert report.counts["unchanged"] == 1, [(r.action, r.reasons) for r in report.rows]
    _content, row = exported("?reveal=1")
    assert row["联系电话"] == f"{MOBILE}\n{LANDLINE}"
    entry, = audit_entries("personal_data.export")
    assert (entry.username, entry.object_type, entry.detail) == (
        "desk_a", "enterprise", {"fields": ["contact_phone"], "rows": 1})
    assert 'data-testid="export-unmasked"' in client.get("/enterprises/").get_data(as_text=True)


def test_the_api_masks_phones_unless_the_user_may_reveal_and_asks(app, firm, ticket_id, client):
    # System accounts of station A: one with the desk role and the personal-data permission its
    # leader granted, one with the officer role only.
    system_account("sys_desk", actor_for("desk_a").unit_id, roles=["desk"], reveal=True)
    system_account("sys_officer", actor_for("desk_a").unit_id, roles=["officer"])
    desk = auth.issue(shell_actor(), "sys_desk", "test")[1]
    officer = auth.issue(shell_actor(), "sys_officer", "test")[1]

    def get(url, token):
        return client.get(url, headers={"Authorization": f"Bearer {token}"})

    body = get(f"/api/v1/tickets/{ticket_id}", desk).get_json()
    assert body["contact_phone"] == "139****5678"
    body = get(f"/api/v1/enterprises/{firm}", desk).get_json()
    assert [c["phone"] for c in body["contacts"]] == ["138****8000", "0575-****4321"]
    assert audit_entries("personal_data.reveal") == []
    assert get(f"/api/v1/tickets/{ticket_id}?reveal=true", desk).get_json()["contact_phone"] == OTHER
    revealed = get(f"/api/v1/enterprises/{firm}?reveal=true", desk).get_json()
    assert [c["phone"] for c in revealed["contacts"]] == [MOBILE, LANDLINE]
    entries = audit_entries("personal_data.reveal")
    assert [(e.object_type, e.detail["field"]) for e in entries] == [
        ("ticket", "contact_phone"), ("enterprise_contact", "phone"), ("enterprise_contact", "phone")]
    assert all("api_token" in e.detail for e in entries)
    response = get(f"/api/v1/tickets/{ticket_id}?reveal=true", officer)
    assert response.status_code == 403 and OTHER not in response.get_data(as_text=True)
    assert get(f"/api/v1/enterprises/{firm}?reveal=true", officer).status_code == 403


# --- nothing leaks into the audit trail or the logs ------------------------------------------------

def test_no_number_reaches_the_audit_trail_or_the_logs(app, firm, caplog):
    caplog.set_level(logging.DEBUG)
    client = client_for(app, "desk_a")
    intake = client.get(f"/tickets/new?enterprise={firm}").get_data(as_text=True)
    key = re.search(r'name="submission_key" type="hidden" value="([^"]+)"', intake).group(1)
    response = client.post("/tickets/new", data={
        "enterprise_id": str(firm), "channel": "hotline", "category": "dispute", "ticket_class": "general",
        "handling_mode": "follow", "description": "企业反映厂区门口有人堵路。", "contact_name": "王经理",
        "contact_phone": "139 1234 5678", "submission_key": key})
    assert response.status_code == 302
    locations = [response.headers["Location"]]
    ticket_id = int(locations[0].rstrip("/").rsplit("/", 1)[1])
    bad = client.post("/tickets/new", data={"enterprise_id": str(firm), "contact_phone": "1391234567",
                                            "description": "x"})
    assert bad.status_code == 400 and "1391234567" in bad.get_data(as_text=True)  # the form keeps what was typed
    assert client.post(f"/tickets/{ticket_id}/reveal").status_code == 200
    first, _second = contact_ids(firm)
    assert client.post(f"/enterprises/{firm}/reveal", data={"ref": str(first)}).status_code == 200
    system_account("sys_desk", actor_for("desk_a").unit_id, roles=["desk"], reveal=True)
    token = auth.issue(shell_actor(), "sys_desk", "test")[1]
    api = fresh_client(app)
    created = api.post("/api/v1/tickets", headers={"Authorization": f"Bearer {token}"}, json={
        "enterprise_id": firm, "channel": "government", "category": "dispute", "ticket_class": "general",
        "handling_mode": "follow", "description": "12345转来。", "contact_phone": "0575-8765-4321"})
    assert created.status_code == 201, created.get_data(as_text=True)
    locations.append(created.headers["Location"])
    rejected = api.post("/api/v1/tickets", headers={"Authorization": f"Bearer {token}"}, json={
        "enterprise_id": firm, "channel": "government", "category": "dispute", "ticket_class": "general",
        "handling_mode": "follow", "description": "12345转来。", "contact_phone": "1391234567"})
    assert rejected.status_code == 422 and "1391234567" not in rejected.get_data(as_text=True)
    db.session.rollback()
    trail = json.dumps([{c.name: getattr(e, c.name) for c in AuditEntry.__table__.c}
                        for e in db.session.scalars(select(AuditEntry))], default=str, ensure_ascii=False)
    logs = caplog.text + "\n".join(locations)
    for number in ("13912345678", "1391234567", MOBILE, LANDLINE, "87654321"):
        assert number not in trail and number not in logs
    assert '"personal_data.reveal"' in trail


# --- key rotation ----------------------------------------------------------------------------

def test_rotation_re_encrypts_in_batches_while_another_worker_keeps_reading(app, make_app, city):
    for n in range(1, 6):
        registry.create(actor_for("desk_a"), {"name": f"第{n}企业有限公司", "credit_code": code(n),
                                              "contacts": [{"name": "联系人", "phone": f"1380013800{n}"}]})
    worker = make_app()   # another process: its own key ring on the same key file
    seen = []

    def read_during(label, done):
        with worker.app_context():
            reader = client_for(worker, "desk_a")
            page = reader.get("/enterprises/").get_data(as_text=True)
            contacts = db.session.scalars(select(EnterpriseContact).order_by(EnterpriseContact.id)).all()
            seen.append((label, done, [c.phone for c in contacts], "第5企业有限公司" in page))
            db.session.rollback()

    assert keyring().add_version() == 2
    report = rotation.rotate(batch_size=2, on_batch=read_during)
    assert report.rewritten == {"enterprise_contact.phone": 5, "user_totp.secret": 2}   # the city's second factors too
    assert [done for label, done, _phones, _page in seen if label == "enterprise_contact.phone"] == [2, 4, 5]
    assert all(phones == [f"1380013800{n}" for n in range(1, 6)] and page for _l, _d, phones, page in seen)
    lines = {line.label: dict(line.versions) for line in rotation.status()}
    core = {"enterprise_contact.phone": {2: 5}, "portal_account.phone": {}, "ticket.contact_phone": {},
            "user_totp.secret": {2: 2}}
    assert {label: lines[label] for label in core} == core
    assert all(not versions for label, versions in lines.items() if label not in core)   # plugins' columns: no rows here
    # The lookup hash follows the key: the rows are still found by number.
    db.session.rollback()
    assert db.session.scalars(select(EnterpriseContact.phone).where(
        lookup(EnterpriseContact.phone, "13800138003"))).all() == ["13800138003"]
    # With nothing left on version 1, its key can go.
    path = keyring().path
    path.write_text("\n".join(line for line in path.read_text().splitlines() if not line.startswith("1 ")) + "\n")
    db.session.rollback()
    fresh = make_app()
    with fresh.app_context():
        assert [c.phone for c in db.session.scalars(select(EnterpriseContact).order_by(EnterpriseContact.id))] == [
            f"1380013800{n}" for n in range(1, 6)]


def test_rotation_leaves_a_value_changed_meanwhile_alone(app, firm):
    keyring().add_version()
    first, _second = contact_ids(firm)

    def someone_saves(label, done):
        if label == "enterprise_contact.phone" and done == 1:
            registry.update(actor_for("desk_a"), firm, {"contacts": [{"name": "李娜", "phone": OTHER}]})

    rotation.rotate(batch_size=1, on_batch=someone_saves)
    db.session.rollback()
    assert [c.phone for c in registry.get(actor_for("desk_a"), firm).contacts] == [OTHER]
    assert {line.label: dict(line.versions) for line in rotation.status()}["enterprise_contact.phone"] == {2: 1}


def test_the_rotate_key_and_status_commands(app, firm, ticket_id):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["privacy", "status"])
    assert result.exit_code == 0, result.output
    assert "current version 1" in result.output and "v1: 2" in result.output and "v1: 1" in result.output
    result = runner.invoke(args=["privacy", "rotate-key", "--batch-size", "1"])
    assert result.exit_code == 0, result.output
    assert "Added key version 2" in result.output and "Re-encrypted 5 values with key version 2" in result.output
    assert "Key version 1: 0 values; may be removed" in result.output
    entry, = audit_entries("personal_data.rotate_key")
    assert entry.detail["rewritten"] == {"enterprise_contact.phone": 2, "ticket.contact_phone": 1, "user_totp.secret": 2}
    assert MOBILE not in result.output and OTHER not in result.output


def test_rotate_key_with_configured_keys_asks_for_the_new_version_in_the_configuration(make_app, city):
    app = make_app(PERSONAL_DATA_KEYS={"1": new_secret()})
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["privacy", "rotate-key"])
        assert result.exit_code == 2 and "PERSONAL_DATA_KEYS" in result.output


# --- the migration ---------------------------------------------------------------------------

def test_the_migration_encrypts_existing_rows_and_its_downgrade_decrypts_them(app, firm, ticket_id):
    import flask_migrate

    timeline = db.session.execute(text("SELECT count(*) FROM ticket_event")).scalar()
    assert timeline > 0
    db.session.remove()
    flask_migrate.downgrade(revision="core_0007")
    try:
        plain = db.session.execute(text("SELECT phone FROM enterprise_contact ORDER BY id")).scalars().all()
        assert plain == [MOBILE, LANDLINE]
        assert db.session.execute(text("SELECT contact_phone FROM ticket")).scalar() == OTHER
        db.session.execute(text("UPDATE enterprise_contact SET phone = '138 0013 8000' WHERE phone = :p"),
                           {"p": MOBILE})  # written before the numbers were normalised
        db.session.commit()
        db.session.remove()
    finally:
        flask_migrate.upgrade(revision="heads")
    db.session.remove()
    dump = json.dumps([list(r) for r in db.session.execute(text(
        "SELECT * FROM enterprise_contact")).all()] + [list(r) for r in db.session.execute(text(
            "SELECT * FROM ticket")).all()], default=str)
    assert MOBILE not in dump and "0013" not in dump and OTHER not in dump and "87654321" not in dump
    db.session.rollback()
    assert [c.phone for c in registry.get(actor_for("desk_a"), firm).contacts] == ["138 0013 8000", LANDLINE]
    assert db.session.get(Ticket, ticket_id).contact_phone == OTHER
    # rebuilding the ticket table on the way down kept the timeline that refers to it
    assert db.session.execute(text("SELECT count(*) FROM ticket_event")).scalar() == timeline
    assert db.session.scalars(select(EnterpriseContact.name).where(
        lookup(EnterpriseContact.phone, MOBILE))).all() == ["李娜"]
    assert os.stat(keyring().path).st_mode & 0o077 == 0

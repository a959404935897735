"""Logging in and out, passwords, CSRF, the language switch, and the append-only
audit trail that records every change and every login attempt."""
import re

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import delete, select, update

from core.audit import services as audit
from core.audit.models import AuditEntry
from core.errors import Forbidden, ValidationError
from core.extensions import db
from core.org.models import User
from core.org.services import hash_password  # the real one, imported before any test patches it
from core.registry import services as registry
from core.registry.models import Enterprise
from tests.conftest import PASSWORD, actor_for, csrf_token, login
from tests.helpers import code, count, fresh_client
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)


def entries(action, **where):
    db.session.rollback()
    stmt = select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
    for key, value in where.items():
        stmt = stmt.where(getattr(AuditEntry, key) == value)
    return list(db.session.scalars(stmt))


def as_text(entry: AuditEntry) -> str:
    return repr({c.key: getattr(entry, c.key) for c in AuditEntry.__table__.columns})


def english_client(app):
    client = fresh_client(app)
    client.post("/lang", data={"lang": "en"})
    return client


# --- logging in and out ---------------------------------------------------------------

def test_wrong_password_is_refused_audited_and_the_password_is_not_kept(app, city):
    client = english_client(app)
    response = client.post("/login", data={"username": "desk_a", "password": "Wrong-Secret-123"})
    assert response.status_code == 200
    assert "The user name or password is wrong." in response.get_data(as_text=True)
    assert client.get("/").status_code == 302  # still logged out
    [entry] = entries("auth.login")
    assert (entry.result, entry.username, entry.object_id) == ("denied", "desk_a", str(city.user("desk_a").id))
    assert entry.address == "127.0.0.1"
    assert "Wrong-Secret-123" not in as_text(entry)


def test_unknown_and_inactive_users_get_the_same_message(app, city):
    from core.org.actor import shell_actor
    from core.org.services import save_user

    user = city.user("desk_b")
    save_user(shell_actor(), {"name": user.name, "unit_id": user.unit_id, "roles": ["desk"], "active": False},
              user_id=user.id)
    client = english_client(app)
    for username, password in (("nobody", "whatever-123"), ("desk_b", PASSWORD)):
        response = client.post("/login", data={"username": username, "password": password})
        assert response.status_code == 200
        assert "The user name or password is wrong." in response.get_data(as_text=True)
    denied = entries("auth.login", result="denied")
    assert [(e.username, e.detail["reason"]) for e in denied] == [("nobody", "unknown user"),
                                                                  ("desk_b", "inactive")]
    assert all(PASSWORD not in as_text(e) and "whatever-123" not in as_text(e) for e in denied)


def test_login_and_logout_are_audited(app, city):
    client = fresh_client(app)
    login(client, "Desk_A ")  # user names are not case-sensitive and are trimmed
    assert client.get("/enterprises/").status_code == 200
    [entry] = entries("auth.login")
    assert (entry.result, entry.username, entry.object_id) == ("ok", "desk_a", str(city.user("desk_a").id))

    assert client.get("/logout").status_code == 405  # only a form (POST) logs out
    response = client.post("/logout")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    [entry] = entries("auth.logout")
    assert entry.username == "desk_a" and entry.result == "ok"
    assert client.get("/enterprises/").status_code == 302


def test_login_only_redirects_within_the_site(app, city):
    client = fresh_client(app)
    response = client.post("/login?next=//evil.example/x", data={"username": "desk_a", "password": PASSWORD})
    assert response.headers["Location"] in ("/", "http://localhost/")
    client = fresh_client(app)
    response = client.post("/login?next=/enterprises/", data={"username": "desk_a", "password": PASSWORD})
    assert response.headers["Location"].endswith("/enterprises/")


def test_passwords_are_hashed_with_a_modern_scheme(app, city):
    assert hash_password("Passw0rd-test").startswith("scrypt:")
    stored = db.session.scalars(select(User.password_hash)).all()
    assert stored and all(PASSWORD not in h for h in stored)


def test_change_password(app, city):
    client = english_client(app)
    login(client, "desk_a")
    response = client.post("/account/password", data={"current": "not-it", "new": "N3w-password", "repeat": "N3w-password"})
    assert response.status_code == 200 and "The current password is wrong." in response.get_data(as_text=True)
    response = client.post("/account/password", data={"current": PASSWORD, "new": "short", "repeat": "short"})
    assert response.status_code == 200 and "at least 8 characters" in response.get_data(as_text=True)
    assert [e.result for e in entries("auth.password")] == ["rejected", "rejected"]
    response = client.post("/account/password", data={"current": PASSWORD, "new": "N3w-password",
                                                       "repeat": "N3w-password"})
    assert response.status_code == 302
    assert entries("auth.password")[-1].result == "ok"
    client.post("/logout")
    assert fresh_client(app).post("/login", data={"username": "desk_a", "password": PASSWORD}).status_code == 200
    login(fresh_client(app), "desk_a", "N3w-password")
    assert all("N3w-password" not in as_text(e) for e in entries("auth.password"))


# --- the audit trail ---------------------------------------------------------------------

def test_every_enterprise_create_and_update_is_audited(app, city):
    actor = actor_for("desk_a")
    enterprise = registry.create(actor, {"name": "浙江华达科技有限公司", "credit_code": code(1)})
    enterprise_id = enterprise.id
    [created] = entries("enterprise.create")
    assert (created.object_type, created.object_id, created.username, created.unit_id, created.result) == (
        "enterprise", str(enterprise_id), "desk_a", city.station_a.id, "ok")
    assert created.detail == {"credit_code": code(1)}

    registry.update(actor, enterprise_id, {"district": "暨阳街道", "notes": "新"})
    [updated] = entries("enterprise.update")
    assert updated.object_id == str(enterprise_id) and sorted(updated.detail["fields"]) == ["district", "notes"]

    registry.update(actor, enterprise_id, {"district": "暨阳街道"})  # nothing changes, nothing to record
    assert len(entries("enterprise.update")) == 1

    with pytest.raises(ValidationError):
        registry.update(actor, enterprise_id, {"name": ""})
    assert [e.result for e in entries("enterprise.update")] == ["ok", "rejected"]


def test_changes_through_the_form_are_audited_with_the_address(app, city):
    client = fresh_client(app)
    client.environ_base["REMOTE_ADDR"] = "10.1.2.3"
    login(client, "desk_a")
    response = client.post("/enterprises/new", data={"name": "浙江华达科技有限公司", "credit_code": code(1),
                                                     "unit_id": city.station_a.id, "liaison_officer_id": 0})
    assert response.status_code == 302
    [entry] = entries("enterprise.create")
    assert entry.address == "10.1.2.3" and entry.username == "desk_a"
    enterprise_id = int(entry.object_id)
    response = client.post(f"/enterprises/{enterprise_id}/edit", data={
        "name": "浙江华达科技股份有限公司", "credit_code": code(1), "unit_id": city.station_a.id,
        "liaison_officer_id": 0, "version": 1})
    assert response.status_code == 302
    [entry] = entries("enterprise.update")
    assert entry.detail["fields"] == ["name"]


def test_audit_entries_cannot_be_changed_or_deleted_through_the_orm(app, city):
    registry.create(actor_for("desk_a"), {"name": "浙江华达科技有限公司", "credit_code": code(1)})
    entry = entries("enterprise.create")[0]
    entry_id = entry.id

    entry.result = "denied"
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.commit()
    db.session.rollback()

    db.session.delete(db.session.get(AuditEntry, entry_id))
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.commit()
    db.session.rollback()

    with pytest.raises(RuntimeError, match="append-only"):
        db.session.execute(update(AuditEntry).where(AuditEntry.id == entry_id).values(result="denied"))
    db.session.rollback()
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.execute(delete(AuditEntry))
    db.session.rollback()

    assert db.session.get(AuditEntry, entry_id).result == "ok"
    assert count(AuditEntry) >= 1


def test_only_auditors_read_the_trail(app, city):
    with pytest.raises(Forbidden):
        audit.search(actor_for("desk"))
    with pytest.raises(Forbidden):
        audit.search(actor_for("admin"))
    assert audit.search(actor_for("auditor"))  # the city fixture's set-up is recorded


def test_the_audit_page_filters(app, city):
    fresh_client(app).post("/login", data={"username": "desk_a", "password": "wrong-wrong"})
    registry.create(actor_for("desk_b"), {"name": "乙所企业有限公司", "credit_code": code(2)})
    auditor = fresh_client(app)
    login(auditor, "auditor")
    html = auditor.get("/audit/?result=denied").get_data(as_text=True)
    rows = re.findall(r'<tr class="result-(\w+)">', html)
    assert rows and set(rows) == {"denied"}
    html = auditor.get("/audit/?username=desk_b").get_data(as_text=True)
    assert "enterprise.create" in html and "auth.login" not in html
    html = auditor.get("/audit/?action=enterprise").get_data(as_text=True)
    assert "enterprise.create" in html and "user.create" not in html
    # An entry's action and record type are shown in words; each is a link that filters by its code.
    assert ">enterprise.create<" not in html and ">enterprise<" not in html
    filtered = re.search(r'<a href="([^"]*action=enterprise\.create[^"]*)"', html).group(1).replace("&amp;", "&")
    rows = re.findall(r'<tr class="result-\w+">', auditor.get("/audit/" + filtered).get_data(as_text=True))
    assert len(rows) == 1
    assert auditor.get("/audit/?since=not-a-date&before=abc").status_code == 200


# --- CSRF -----------------------------------------------------------------------------------

@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_a_form_without_its_csrf_token_is_refused_and_audited(app, city):
    client = fresh_client(app)
    assert client.post("/lang", data={"lang": "en"}).status_code == 400  # refused too: no token
    response = client.post("/login", data={"username": "desk_a", "password": PASSWORD})
    assert response.status_code == 400
    with force_locale("zh_Hans_CN"):  # the page's language, whether or not the catalogue is compiled
        expected = gettext("The form was sent without its security token or the token has "
                           "expired. Reload the page and try again.")
    assert expected in response.get_data(as_text=True)
    assert entries("auth.login") == []  # the password was never even checked
    assert entries("csrf.rejected")

    # Log in properly, with the token from the form.
    token = csrf_token(client.get("/login").data)
    assert client.post("/login", data={"username": "desk_a", "password": PASSWORD,
                                       "csrf_token": token}).status_code == 302
    token = csrf_token(client.get("/enterprises/new").data)
    client.post("/lang", data={"lang": "en", "csrf_token": token})
    response = client.post("/enterprises/new", data={"name": "无令牌企业", "credit_code": code(1),
                                                     "unit_id": city.station_a.id, "liaison_officer_id": 0})
    assert response.status_code == 400
    assert "sent without its security token" in response.get_data(as_text=True)
    assert count(Enterprise) == 0
    entry = entries("csrf.rejected")[-1]
    assert (entry.username, entry.result, entry.object_id) == ("desk_a", "denied", "registry.create")

    response = client.post("/enterprises/new", data={"name": "有令牌企业", "credit_code": code(1),
                                                     "unit_id": city.station_a.id, "liaison_officer_id": 0,
                                                     "csrf_token": "forged" + token[6:]})
    assert response.status_code == 400 and count(Enterprise) == 0
    response = client.post("/enterprises/new", data={"name": "有令牌企业", "credit_code": code(1),
                                                     "unit_id": city.station_a.id, "liaison_officer_id": 0,
                                                     "csrf_token": token})
    assert response.status_code == 302 and count(Enterprise) == 1


# --- the language switch --------------------------------------------------------------------

def html_lang(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.get_data(as_text=True)).group(1)


def test_chinese_by_default_and_english_after_switching(app, city):
    client = fresh_client(app)
    assert html_lang(client.get("/login")) == "zh-CN"
    response = client.post("/lang", data={"lang": "en", "next": "/login"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    page = client.get("/login")
    assert html_lang(page) == "en"
    assert "Log in" in page.get_data(as_text=True)
    client.post("/lang", data={"lang": "xx"})  # an unknown language changes nothing
    assert html_lang(client.get("/login")) == "en"
    client.post("/lang", data={"lang": "zh_Hans_CN"})
    assert html_lang(client.get("/login")) == "zh-CN"
    assert fresh_client(app).post("/lang", data={"lang": "en", "next": "//evil.example"}).headers[
        "Location"] in ("/", "http://localhost/")


def test_a_users_language_follows_them_to_a_new_session(app, city):
    client = fresh_client(app)
    login(client, "desk_a")
    assert html_lang(client.get("/")) == "zh-CN"
    client.post("/lang", data={"lang": "en"})
    assert html_lang(client.get("/")) == "en"
    db.session.rollback()
    assert city.user("desk_a").locale == "en"
    other = fresh_client(app)
    login(other, "desk_a")
    assert html_lang(other.get("/enterprises/")) == "en"
    login(fresh_client(app), "desk_b")
    stranger = fresh_client(app)
    login(stranger, "desk_b")
    assert html_lang(stranger.get("/")) == "zh-CN"

"""三权分立: the administrator, the auditor and the business roles are held by
different people; the administrator reads no business record, the auditor
only the audit trail; the permission matrix is one table, shown as a page."""
import re

import pytest
from sqlalchemy import select

from core.errors import ValidationError
from core.extensions import db
from core.org import permissions
from core.org.actor import shell_actor
from core.org.roles import ADMIN, AUDITOR, BUSINESS_ROLES
from core.org.services import save_user
from tests.conftest import PASSWORD, login
from tests.helpers import fresh_client
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)


@pytest.mark.parametrize("roles", [["admin", "desk"], ["auditor", "leader"], ["admin", "auditor"]])
def test_the_three_powers_cannot_be_combined_in_one_account(app, city, roles):
    with pytest.raises(ValidationError) as caught:
        save_user(shell_actor(), {"username": "mixed", "name": "MIXED", "unit_id": city.centre.id,
                                  "roles": roles, "password": PASSWORD})
    assert "roles" in caught.value.errors
    with pytest.raises(ValidationError):
        save_user(shell_actor(), {"name": "ADMIN", "unit_id": city.city.id, "roles": roles},
                  user_id=city.users["admin"].id)
    assert city.user("admin").roles == {"admin"}


def test_business_roles_combine_freely(app, city):
    user = save_user(shell_actor(), {"username": "both", "name": "BOTH", "unit_id": city.centre.id,
                                     "roles": ["desk", "leader"], "password": PASSWORD})
    assert user.roles == {"desk", "leader"}


def test_the_matrix_gives_admin_and_auditor_no_business_permission(app):
    matrix = permissions.matrix()
    held = {role: {p for p, roles in matrix.items() if role in roles} for role in (ADMIN, AUDITOR)}
    # Configuration only: accounts and settings, the matrix itself, the list of ticket categories, the
    # register of outside departments (转交办), the routing rules (on pages of their own: the leaders keep
    # them under another permission), the notices' templates, webhooks and delivery log (without texts).
    assert held[ADMIN] == {"system.manage", "permissions.read", "ticket.categories", "department.configure",
                           "routing.configure", "notice.manage"}
    assert held[AUDITOR] == {"audit.read", "permissions.read"}
    for permission in held[ADMIN]:
        assert not matrix[permission] & BUSINESS_ROLES, permission
    assert matrix["system.manage"] == {ADMIN}


def test_a_plugin_cannot_grant_the_auditor_anything():
    merged = permissions.build_matrix([{"inspection.read": ["auditor", "officer"]}])
    assert merged["inspection.read"] == {"officer"}


def test_the_matrix_page_shows_every_permission_to_admin_and_auditor_only(app, city):
    for username in ("admin", "auditor"):
        client = fresh_client(app)
        login(client, username)
        page = client.get("/admin/permissions/").get_data(as_text=True)
        for permission in permissions.matrix():
            assert f'data-permission="{permission}"' in page, permission
        assert "/admin/users" in page and "/tickets/&lt;int:ticket_id&gt;" in page
    for username in ("desk", "leader", "officer_a"):
        client = fresh_client(app)
        login(client, username)
        assert client.get("/admin/permissions/").status_code == 403


# --- API tokens: system accounts only, business access granted by a leader ------------------------

def _admin_page(app):
    client = fresh_client(app)
    login(client, "admin")
    return client


def _api(client, url, token):
    return client.get(url, headers={"Authorization": f"Bearer {token}"})


@pytest.fixture
def firm(city):
    from core.registry import services as registry
    from tests.conftest import actor_for
    from tests.helpers import code

    return registry.create(actor_for("desk_a"), {
        "name": "浙江华达科技有限公司", "credit_code": code(1),
        "contacts": [{"name": "李娜", "phone": "138 0013 8000", "title": "行政主管"}]}).id


def test_the_administrator_cannot_issue_a_token_for_a_business_user(app, city):
    """Before: ``admin`` issued a token for ``leader`` and read phone numbers in full with it."""
    from core.api import auth
    from core.api.models import ApiToken
    from tests.helpers import count, en

    admin = _admin_page(app)
    response = admin.post("/admin/api-tokens/", data={"user": "leader", "name": "mine"})
    assert response.status_code == 302
    assert count(ApiToken) == 0
    page = admin.get("/admin/api-tokens/").get_data(as_text=True)
    assert '<option value="leader">' not in page           # persons are not even offered
    with pytest.raises(ValidationError) as refused:
        auth.issue(shell_actor(), "leader")                 # nor at the shell (anqi api-token leader)
    assert "only for system accounts" in en(refused.value.message)
    result = app.test_cli_runner().invoke(args=["api-token", "leader"])
    assert result.exit_code == 1 and count(ApiToken) == 0


def test_a_system_accounts_token_reads_only_what_a_leader_granted(app, city, firm):
    from core.api import auth
    from core.audit.models import AuditEntry
    from tests.helpers import count

    admin = _admin_page(app)
    response = admin.post("/admin/users/new", data={"username": "sys12345", "kind": "system", "name": "12345热线",
                                                    "unit_id": city.station_a.id, "active": "y"})
    assert response.status_code == 302, response.get_data(as_text=True)
    account = city.user("sys12345")
    assert account.is_system and account.roles == frozenset() and not account.may_reveal
    page = admin.post("/admin/api-tokens/", data={"user": "sys12345", "name": "12345"}).get_data(as_text=True)
    token = re.search(r'data-testid="token-value">([^<]+)<', page).group(1)
    api = fresh_client(app)
    assert _api(api, f"/api/v1/enterprises/{firm}", token).status_code == 403      # nothing granted yet
    # The administrator cannot grant: not on the leader's page, not through the user form.
    assert admin.get("/system-accounts/").status_code == 403
    assert admin.post(f"/system-accounts/{account.id}/access", data={"roles": ["desk"], "may_reveal": "1"}
                      ).status_code == 403
    admin.post(f"/admin/users/{account.id}/edit", data={"name": "12345热线", "unit_id": city.station_a.id,
                                                         "roles": ["desk"], "active": "y",
                                                         "version": str(account.version)})
    db.session.expire_all()
    assert city.user("sys12345").roles == frozenset()
    from core.errors import Forbidden
    from core.org import system_accounts

    with pytest.raises(Forbidden):                 # nor the operator at the shell
        system_accounts.set_access(shell_actor(), account.id, ["desk"], True)
    # A leader whose scope holds the account's unit grants the desk role: masked phones only.
    leader = fresh_client(app)
    login(leader, "leader")
    assert "sys12345" in leader.get("/system-accounts/").get_data(as_text=True)
    assert leader.post(f"/system-accounts/{account.id}/access", data={"roles": ["desk"]}).status_code == 302
    body = _api(api, f"/api/v1/enterprises/{firm}", token).get_json()
    assert body["contacts"][0]["phone"] == "138****8000"
    assert _api(api, f"/api/v1/enterprises/{firm}?reveal=true", token).status_code == 403
    # … then, explicitly, personal data; and revokes it all again.
    leader.post(f"/system-accounts/{account.id}/access", data={"roles": ["desk"], "may_reveal": "1"})
    revealed = _api(api, f"/api/v1/enterprises/{firm}?reveal=true", token).get_json()
    assert revealed["contacts"][0]["phone"] == "13800138000"
    leader.post(f"/system-accounts/{account.id}/access", data={})
    assert _api(api, f"/api/v1/enterprises/{firm}", token).status_code == 403
    grants = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "system_account.grant")
                                .order_by(AuditEntry.id)).all()
    assert [(e.username, e.detail["after"]) for e in grants] == [
        ("leader", {"roles": ["desk"], "reveal": False}), ("leader", {"roles": ["desk"], "reveal": True}),
        ("leader", {"roles": [], "reveal": False})]
    assert count(AuditEntry, AuditEntry.action == "personal_data.reveal", AuditEntry.result == "ok") == 1


def test_another_stations_leader_does_not_reach_the_account(app, city):
    from tests.conftest import enrol_second_factor
    from tests.helpers import system_account

    save_user(shell_actor(), {"username": "leader_b", "name": "乙所长", "unit_id": city.station_b.id,
                              "roles": ["leader"], "password": PASSWORD})
    enrol_second_factor("leader_b")
    account = system_account("sys_a", city.station_a.id, roles=())
    other = fresh_client(app)
    login(other, "leader_b")
    assert "sys_a" not in other.get("/system-accounts/").get_data(as_text=True)
    assert other.post(f"/system-accounts/{account.id}/access", data={"roles": ["desk"]}).status_code == 404
    person = city.user("desk_b")                    # a person is no system account, even in the unit
    assert other.post(f"/system-accounts/{person.id}/access", data={"roles": ["desk"]}).status_code == 404
    db.session.expire_all()
    assert city.user("sys_a").roles == frozenset() and city.user("desk_b").roles == {"desk"}


def test_a_system_account_cannot_log_in_and_is_locked_like_anyone(app, city):
    """Refused exactly like a wrong password (the message, the count towards the lock)."""
    from core.auth.lockout import AccountLocked
    from core.auth import services as auth_services
    from core.org.actor import Actor
    from tests.helpers import en, system_account

    system_account("sys_a", city.station_a.id)
    visitor = Actor(user=None, address="127.0.0.1")
    messages = []
    for username in ("sys_a", "desk_a"):
        with pytest.raises(ValidationError) as refused:
            auth_services.authenticate(visitor, username, "Anything-9x")
        messages.append(en(refused.value.message))
    assert messages[0] == messages[1] == "The user name or password is wrong."
    with pytest.raises(ValidationError) as refused:       # not even with the hash it stands for
        auth_services.authenticate(visitor, "sys_a", "")
    for _ in range(3):
        with pytest.raises(ValidationError):
            auth_services.authenticate(visitor, "sys_a", "Anything-9x")
    with pytest.raises(AccountLocked):
        auth_services.authenticate(visitor, "sys_a", "Anything-9x")
    result = app.test_cli_runner().invoke(args=["users", "password", "sys_a", "--password", "Sh3ll-chosen"])
    assert result.exit_code == 1
    with pytest.raises(ValidationError):
        save_user(shell_actor(), {"username": "sys_b", "kind": "system", "name": "B", "unit_id": city.centre.id,
                                  "password": "Sh3ll-chosen"})
    with pytest.raises(ValidationError):
        save_user(shell_actor(), {"username": "sys_c", "kind": "system", "name": "C", "unit_id": city.centre.id,
                                  "roles": ["desk"]})


def test_a_token_issued_for_a_person_before_the_rule_is_refused_at_use_and_audited(app, city):
    """Tokens of person accounts made before this version: 401 with a message that says why."""
    from core import clock
    from core.api import auth
    from core.api.models import ApiToken
    from core.audit.models import AuditEntry

    token = auth.TOKEN_PREFIX + "legacy-token-of-a-person-account-0000000000"
    db.session.add(ApiToken(user_id=city.user("desk").id, name="old", token_hash=auth.digest(token),
                            prefix=token[:auth.PREFIX_LENGTH], created_at=clock.now()))
    db.session.commit()
    response = fresh_client(app).get("/api/v1/tickets", headers={"Authorization": f"Bearer {token}",
                                                                 "Accept-Language": "en"})
    assert response.status_code == 401 and "system account" in response.get_json()["error"]["message"]
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "api.auth")).one()
    assert entry.result == "denied" and entry.detail["reason"] == "person_account"
    page = _admin_page(app).get("/admin/api-tokens/").get_data(as_text=True)
    assert "refused: a person" in page or "已拒用" in page

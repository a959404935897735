"""Identity (等保 level 3): password rules and history, lockout and its expiry,
the login rate limit, server-side sessions (timeouts, a new session at login,
ended on disable, password change and by the administrator), the TOTP second
factor with recovery codes, and the forced password change."""
import os
import re
import uuid
from datetime import datetime, timedelta

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import event, select

from core import clock
from core.api import auth as api_auth
from core.audit.models import AuditEntry
from core.auth import passwords, second_factor, services
from core.auth.guard import SESSION_KEY
from core.auth.models import LoginThrottle, PasswordHistory, RecoveryCode, UserSession, UserTotp
from core.errors import ValidationError
from core.extensions import db
from core.org.actor import shell_actor
from core.org.services import save_user
from tests.conftest import PASSWORD, actor_for, enrol_second_factor, login, totp_code
from tests.helpers import count, en, fresh_client, system_account
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)

T0 = datetime(2026, 3, 2, 1, 0)  # 09:00 in Beijing
# The real rules, not the test suite's relaxed ones (conftest switches timeouts and the rate limit off).
REAL = {"AUTH_IDLE_MINUTES": 30, "AUTH_ABSOLUTE_HOURS": 12}


@pytest.fixture
def frozen():
    clock.freeze(T0)
    yield T0
    clock.freeze(None)


def at(delta: timedelta) -> None:
    clock.freeze(T0 + delta)


def entries(action, **where):
    db.session.rollback()
    stmt = select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
    for key, value in where.items():
        stmt = stmt.where(getattr(AuditEntry, key) == value)
    return list(db.session.scalars(stmt))


def post_login(client, username, password=PASSWORD):
    return client.post("/login", data={"username": username, "password": password})


def logged_in(client) -> bool:
    return client.get("/account/password").status_code == 200


def session_key(client) -> str | None:
    with client.session_transaction() as session:
        return session.get(SESSION_KEY)


def session_rows(username):
    db.session.rollback()
    user_id = actor_for(username).user_id
    return list(db.session.scalars(select(UserSession).where(UserSession.user_id == user_id)
                                   .order_by(UserSession.id)))


def forget_last_code(username):
    totp = db.session.get(UserTotp, actor_for(username).user_id)
    totp.last_step = None
    db.session.commit()


# --- password rules ----------------------------------------------------------------------------

@pytest.mark.parametrize("password, ok", [
    ("Ab1-", False),               # too short
    ("abcdefgh1", False),          # two classes
    ("ABCDEFGH-", False),          # two classes
    ("abcdEFGH1", True),           # lower, upper, digit
    ("abcd1234-", True),           # lower, digit, other
    ("安全密码abc12", True),        # Chinese characters count as "other"
    ("Xdesk_a-2026", False),       # contains the user name
    ("DESK_A-2026x", False),       # … in any case
])
def test_the_password_rules(app, password, ok):
    if ok:
        passwords.check_new_password(password, "desk_a")
    else:
        with pytest.raises(ValidationError) as caught:
            passwords.check_new_password(password, "desk_a")
        assert caught.value.field == "password"


@pytest.mark.parametrize("password", ["Password1", "PASSword1", "Passw0rd!", "P@ssw0rd", "P@ssw0rd2026",
                                      "1qaz@WSX", "Qwer1234", "Iloveyou!"])
def test_common_passwords_are_refused(app, password):
    """zxcvbn's list of the 30,000 most common passwords, in any case and with digits
    or symbols added around one. Before: ``Password1`` was accepted."""
    with pytest.raises(ValidationError) as caught:
        passwords.check_new_password(password, "desk_a")
    assert caught.value.field == "password" and "most common passwords" in en(caught.value.message)


@pytest.mark.parametrize("password", [PASSWORD, "anqi-demo-2026", "Qiye#2026ok", "Wang-li-2026", "Sh3ll-chosen"])
def test_the_suites_and_the_demos_passwords_are_not_common(app, password):
    passwords.check_new_password(password, "desk_a")


def test_the_initial_password_and_one_set_at_the_shell_enter_the_history(app, city):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "password", "desk_a", "--password", "Sh3ll-chosen"])
    assert result.exit_code == 0, result.output
    services.change_password(actor_for("desk_a"), "Sh3ll-chosen", "Ch4nge-1x", "Ch4nge-1x")
    for reused in ("Sh3ll-chosen", PASSWORD):      # set at the shell; given when the account was made
        with pytest.raises(ValidationError) as caught:
            services.change_password(actor_for("desk_a"), "Ch4nge-1x", reused, reused)
        assert caught.value.field == "new"
    result = runner.invoke(args=["users", "password", "desk_a", "--password", PASSWORD])
    assert result.exit_code == 1 and ("last 5" in result.output or "最近 5" in result.output)


def test_a_short_user_name_is_not_searched_for_but_still_refused_whole(app):
    passwords.check_new_password("Wang-li-2026", "li")
    with pytest.raises(ValidationError):
        passwords.check_new_password("Li", "li")


def test_none_of_the_last_five_passwords_may_be_taken_again(app, city):
    old = [f"Ch4nge-{n}x" for n in range(1, 6)]
    current = PASSWORD
    for new in old:
        services.change_password(actor_for("desk_a"), current, new, new)
        current = new
    user = city.user("desk_a")
    assert count(PasswordHistory, PasswordHistory.user_id == user.id) == passwords.HISTORY
    for reused in old:  # the current one and the four before it
        with pytest.raises(ValidationError) as caught:
            services.change_password(actor_for("desk_a"), current, reused, reused)
        assert caught.value.field == "new"
    assert [e.result for e in entries("auth.password")][-5:] == ["rejected"] * 5
    services.change_password(actor_for("desk_a"), current, PASSWORD, PASSWORD)  # the sixth newest is free again


def test_the_admin_form_applies_the_rules_and_the_history(app, city):
    client = fresh_client(app)
    login(client, "admin")
    form = {"username": "newbie", "name": "新人", "unit_id": city.station_a.id, "roles": ["desk"],
            "password": "alllowercase", "active": "y"}
    response = client.post("/admin/users/new", data=form)
    assert response.status_code == 200 and 'aria-invalid="true"' in response.get_data(as_text=True)
    assert city.user("newbie") is None
    user = city.user("desk_a")
    response = client.post(f"/admin/users/{user.id}/edit", data={
        "name": user.name, "unit_id": user.unit_id, "roles": ["desk"], "password": PASSWORD, "active": "y"})
    assert response.status_code == 200  # the user's current password cannot be set again
    assert entries("user.save")[-1].result == "rejected"


# --- lockout -----------------------------------------------------------------------------------

def test_five_failures_lock_the_account_for_thirty_minutes(app, city, frozen):
    client = fresh_client(app)
    client.post("/lang", data={"lang": "en"})
    for _ in range(4):
        assert "The user name or password is wrong." in post_login(client, "desk_a", "Wrong-1x").get_data(True)
    html = post_login(client, "desk_a", "Wrong-1x").get_data(as_text=True)
    assert "locked until 2026-03-02 09:30" in html  # Beijing time
    [lock] = entries("auth.lockout")
    assert (lock.username, lock.result, lock.detail["failures"]) == ("desk_a", "denied", 5)

    at(timedelta(minutes=29))
    assert "locked until" in post_login(client, "desk_a").get_data(as_text=True)  # the right password too
    assert not logged_in(client)
    assert entries("auth.login")[-1].detail == {"reason": "locked"}

    at(timedelta(minutes=30))
    assert post_login(client, "desk_a").status_code == 302
    assert logged_in(client)
    [unlock] = entries("auth.unlock")
    assert unlock.detail["reason"] == "expired" and unlock.object_id == "desk_a"
    assert count(LoginThrottle) == 0  # the success forgot the failures


def test_a_success_resets_the_count(app, city, frozen):
    client = fresh_client(app)
    for _ in range(4):
        post_login(client, "desk_a", "Wrong-1x")
    login(client, "desk_a")
    client.post("/logout")
    for _ in range(4):
        post_login(client, "desk_a", "Wrong-1x")
    assert login(client, "desk_a").status_code == 302
    assert entries("auth.lockout") == []


def test_failures_far_apart_do_not_add_up(app, city, frozen):
    client = fresh_client(app)
    for n in range(6):
        at(timedelta(minutes=31 * n))
        post_login(client, "desk_a", "Wrong-1x")
    assert entries("auth.lockout") == []


def test_an_unknown_name_is_locked_like_a_real_one(app, city, frozen):
    """The answers do not tell whether an account exists."""
    answers = {}
    for username in ("desk_b", "nobody"):
        client = fresh_client(app)
        client.post("/lang", data={"lang": "en"})
        answers[username] = [post_login(client, username, "Wrong-1x").get_data(as_text=True) for _ in range(6)]
    for real, unknown in zip(answers["desk_b"], answers["nobody"]):
        message = re.compile(r'<p class="error">(.*?)</p>')
        assert message.findall(real) == message.findall(unknown)
    assert "locked until" in answers["nobody"][-1]


def test_a_name_with_control_characters_is_refused_like_any_other(app, city):
    client = fresh_client(app)
    response = post_login(client, "desk_a\x00\x1b", "Wrong-1x")
    assert response.status_code == 200 and not logged_in(client)
    assert entries("auth.login")[-1].username == "desk_a"


def test_the_shell_unlocks_an_account(app, city, frozen):
    client = fresh_client(app)
    for _ in range(5):
        post_login(client, "desk_a", "Wrong-1x")
    result = app.test_cli_runner().invoke(args=["users", "unlock", "desk_a"])
    assert result.exit_code == 0, result.output
    assert post_login(client, "desk_a").status_code == 302
    assert entries("auth.unlock")[-1].detail["reason"] == "by hand"


# --- the rate limit per address -------------------------------------------------------------------

def test_too_many_logins_from_one_address_get_429_in_chinese(make_app, city):
    app = make_app(RATELIMIT_ENABLED=True, AUTH_LOGIN_RATE_LIMIT="3 per minute")
    with app.app_context():
        client = fresh_client(app)
        for _ in range(3):
            assert post_login(client, "desk_a", "Wrong-1x").status_code == 200
        for _ in range(2):
            response = post_login(client, "desk_a", PASSWORD)
            assert response.status_code == 429
        html = response.get_data(as_text=True)
        with force_locale("zh_Hans_CN"):
            message = gettext("Too many login attempts from your address. Wait a minute, then try again.")
        assert message in html and '<html lang="zh' in html
        assert "Retry-After" in response.headers
        assert client.get("/login").status_code == 200  # only the attempts are counted
        other = fresh_client(app)
        other.environ_base["REMOTE_ADDR"] = "10.0.0.9"
        assert post_login(other, "desk_b").status_code == 302  # another address is not held up
        [entry] = entries("auth.rate_limited")  # audited once per address and minute
        assert (entry.address, entry.result) == ("127.0.0.1", "denied")


SHARED_LIMIT_STORES = ["memory"] + (["redis"] if os.environ.get("ANQI_TEST_REDIS_URL") else [])


@pytest.mark.parametrize("store", SHARED_LIMIT_STORES)
def test_the_rate_limit_counts_across_worker_processes_only_in_a_shared_store(make_app, city, store):
    """Two apps stand for two worker processes: with Redis they count one address's
    attempts together; in memory each counts alone (hence Redis when several serve)."""
    uri = os.environ.get("ANQI_TEST_REDIS_URL") if store == "redis" else "memory://"
    settings = dict(RATELIMIT_ENABLED=True, AUTH_LOGIN_RATE_LIMIT="3 per minute", RATELIMIT_STORAGE_URI=uri,
                    RATELIMIT_KEY_PREFIX=f"anqi-test-{uuid.uuid4().hex}")
    first, second = make_app(**settings), make_app(**settings)
    with first.app_context():
        for _ in range(3):
            assert post_login(fresh_client(first), "desk_a", "Wrong-1x").status_code == 200
    with second.app_context():
        response = post_login(fresh_client(second), "desk_a", PASSWORD)
    assert response.status_code == (429 if store == "redis" else 302)


# --- sessions --------------------------------------------------------------------------------------

@pytest.mark.parametrize("app_config", [REAL])
def test_a_session_ends_after_thirty_idle_minutes(app, city, frozen):
    client = fresh_client(app)
    login(client, "desk_a")
    [row] = session_rows("desk_a")
    at(timedelta(seconds=30))
    assert logged_in(client)
    assert session_rows("desk_a")[0].last_seen_at == T0  # not written on every request
    at(timedelta(minutes=29))
    assert logged_in(client)
    assert session_rows("desk_a")[0].last_seen_at == T0 + timedelta(minutes=29)
    at(timedelta(minutes=58))
    assert logged_in(client)
    at(timedelta(minutes=88))
    response = client.get("/enterprises/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    [row] = session_rows("desk_a")
    assert (row.ended_reason, row.ended_at) == ("idle", T0 + timedelta(minutes=88))
    assert entries("auth.session_end")[-1].detail["reason"] == "idle"
    assert not logged_in(client)


@pytest.mark.parametrize("app_config", [REAL])
def test_noting_the_last_use_costs_a_page_no_second_transaction(app, city, frozen):
    """On SQLite each transaction waits its turn for the one writer: a page that
    notes its session's last use must still begin only one (the note is written
    at the end, in the page's own transaction), and the note is kept."""
    client = fresh_client(app)
    login(client, "desk_a")
    began = []
    listener = lambda _connection: began.append(1)  # noqa: E731
    event.listen(db.engine, "begin", listener)
    try:
        at(timedelta(minutes=5))
        db.session.rollback()
        began.clear()
        assert client.get("/tickets/").status_code == 200
        assert len(began) == 1
    finally:
        event.remove(db.engine, "begin", listener)
    assert session_rows("desk_a")[0].last_seen_at == T0 + timedelta(minutes=5)


def test_the_password_is_hashed_outside_any_transaction(app, city, monkeypatch):
    """Hashing takes a tenth of a second; on SQLite an open transaction holds the
    one write lock, which every other request would wait for meanwhile."""
    from core.auth import services as auth_services

    seen = []

    def checked(stored, password):
        seen.append(db.session().in_transaction())
        return passwords_check(stored, password)

    passwords_check = auth_services.check_password_hash
    monkeypatch.setattr(auth_services, "check_password_hash", checked)
    assert post_login(fresh_client(app), "desk_a").status_code == 302
    assert post_login(fresh_client(app), "desk_a", "Wrong-1x").status_code == 200
    assert seen == [False, False]


@pytest.mark.parametrize("app_config", [REAL])
def test_a_session_ends_twelve_hours_after_the_login_however_busy(app, city, frozen):
    client = fresh_client(app)
    login(client, "desk_a")
    for minutes in range(20, 12 * 60, 20):
        at(timedelta(minutes=minutes))
        assert logged_in(client), minutes
    at(timedelta(hours=12))
    assert not logged_in(client)
    assert session_rows("desk_a")[0].ended_reason == "absolute"


def test_each_login_gets_a_new_session_and_keeps_nothing_from_before(app, city):
    client = fresh_client(app)
    with client.session_transaction() as session:  # what an attacker planted before the login
        session[SESSION_KEY] = "planted-key"
        session["planted"] = "x"
    login(client, "desk_a")
    first = session_key(client)
    with client.session_transaction() as session:
        assert "planted" not in session and first != "planted-key"
    stolen_cookie = client.get_cookie("session").value
    client.post("/logout")
    login(client, "desk_a")
    assert session_key(client) not in (None, first)
    assert [r.ended_reason for r in session_rows("desk_a")] == ["logout", None]

    replay = fresh_client(app)  # the cookie of the ended session no longer opens anything
    replay.set_cookie("session", stolen_cookie)
    assert not logged_in(replay)


def test_a_cookie_without_a_session_row_is_not_logged_in(app, city):
    client = fresh_client(app)
    login(client, "desk_a")
    with client.session_transaction() as session:
        session.pop(SESSION_KEY)
    assert not logged_in(client)


def test_disabling_a_user_ends_their_sessions(app, city):
    client = fresh_client(app)
    login(client, "desk_a")
    user = city.user("desk_a")
    save_user(actor_for("admin"), {"name": user.name, "unit_id": user.unit_id, "roles": ["desk"], "active": False},
              user_id=user.id)
    assert [r.ended_reason for r in session_rows("desk_a")] == ["disabled"]
    assert not logged_in(client)


def test_changing_the_password_ends_the_other_sessions_only(app, city):
    here, there = fresh_client(app), fresh_client(app)
    login(here, "desk_a")
    login(there, "desk_a")
    response = here.post("/account/password", data={"current": PASSWORD, "new": "N3w-password",
                                                     "repeat": "N3w-password"})
    assert response.status_code == 302
    assert logged_in(here) and not logged_in(there)
    assert sorted(str(r.ended_reason) for r in session_rows("desk_a")) == ["None", "password"]
    assert entries("auth.password")[-1].detail == {"sessions_ended": 1}


def test_the_administrator_lists_and_ends_sessions(app, city):
    desk = fresh_client(app)
    desk.environ_base["HTTP_USER_AGENT"] = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
                                            "(KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36")
    login(desk, "desk_a")
    admin = fresh_client(app)
    login(admin, "admin")
    html = admin.get("/admin/sessions").get_data(as_text=True)
    assert html.count('data-testid="session-row"') == 2
    assert "desk_a" in html and "甲派出所" in html and "Chrome 120 · Windows" in html
    [row] = session_rows("desk_a")
    assert admin.post(f"/admin/sessions/{row.id}/end").status_code == 302
    assert not logged_in(desk)
    entry = entries("auth.session_end")[-1]
    assert (entry.username, entry.detail["reason"], entry.object_id) == ("admin", "admin", str(row.id))
    assert admin.post(f"/admin/sessions/{row.id}/end").status_code == 404  # ended already
    assert 'data-testid="session-row"' in admin.get("/admin/sessions").get_data(as_text=True)  # the admin's own
    assert "/admin/sessions" in admin.get("/admin/users").get_data(as_text=True)  # in the menu

    login(desk, "desk_a")
    assert desk.get("/admin/sessions").status_code == 403
    assert desk.post(f"/admin/sessions/{row.id}/end").status_code == 403


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_ending_a_session_needs_the_form_token(app, city):
    desk, admin = fresh_client(app), fresh_client(app)
    login(desk, "desk_a")
    login(admin, "admin")
    [row] = session_rows("desk_a")
    assert admin.post(f"/admin/sessions/{row.id}/end").status_code == 400
    assert logged_in(desk)


def test_the_api_keeps_its_bearer_tokens(app, city):
    system_account("sys_a", city.station_a.id)
    _row, token = api_auth.issue(shell_actor(), "sys_a")
    client = fresh_client(app)
    login(client, "desk_a")
    [row] = session_rows("desk_a")
    db.session.get(UserSession, row.id).ended_at = clock.now()
    db.session.commit()
    response = client.get("/api/v1/tickets", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200  # with the cookie of an ended session beside it
    assert fresh_client(app).get("/api/v1/tickets", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert fresh_client(app).get("/api/v1/tickets").status_code == 401


# --- the second factor ---------------------------------------------------------------------------

def test_enrolment_shows_the_secret_once_and_activates_on_a_right_code(app, city):
    client = fresh_client(app)
    login(client, "desk_a")  # a desk needs no second factor, but may set one up
    assert 'data-testid="start-second-factor"' in client.get("/account/second-factor").get_data(as_text=True)
    assert count(UserTotp) == 2  # the city's admin and leader: opening the page changed nothing
    assert client.post("/account/second-factor/start").status_code == 302
    page = client.get("/account/second-factor")
    html = page.get_data(as_text=True)
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7 ]+)<', html).group(1).replace(" ", "")
    assert "<svg" in html and "<script" not in html.split("<main>")[1]
    assert page.headers["Cache-Control"] == "no-store"
    again = client.get("/account/second-factor").get_data(as_text=True)
    assert re.search(r'data-testid="totp-secret">([A-Z2-7 ]+)<', again).group(1).replace(" ", "") == secret

    wrong = str((int(totp_code(secret)) + 1) % 1_000_000).zfill(6)
    assert client.post("/account/second-factor", data={"code": wrong}).status_code == 200
    assert not second_factor.is_enrolled(city.user("desk_a"))
    response = client.post("/account/second-factor", data={"code": totp_code(secret)})
    codes = re.findall(r'data-testid="recovery-code">([a-z0-9-]+)<', response.get_data(as_text=True))
    assert len(codes) == 10 and len(set(codes)) == 10
    assert response.headers["Cache-Control"] == "no-store"
    assert second_factor.is_enrolled(city.user("desk_a"))
    stored = db.session.scalars(select(RecoveryCode.code_hash)).all()
    assert all(c not in stored and c.replace("-", "") not in stored for c in codes)

    html = client.get("/account/second-factor").get_data(as_text=True)
    assert 'data-testid="second-factor-status"' in html and secret[:8] not in html.replace(" ", "")
    assert [e.result for e in entries("auth.second_factor_enrol", username="desk_a")] == ["rejected", "ok"]


def test_login_with_the_second_factor(app, city):
    client = fresh_client(app)
    client.post("/lang", data={"lang": "en"})
    response = post_login(client, "leader")
    assert response.headers["Location"].endswith("/login/second-factor")
    assert not logged_in(client)  # the password alone does not log in
    assert session_rows("leader") == []

    forget_last_code("leader")
    wrong = str((int(totp_code()) + 500_000) % 1_000_000).zfill(6)
    response = client.post("/login/second-factor", data={"code": wrong})
    assert response.status_code == 200 and "The code is wrong" in response.get_data(as_text=True)
    assert entries("auth.second_factor")[-1].result == "denied"
    assert db.session.get(LoginThrottle, "leader").failures == 1  # counts towards the lockout

    code = totp_code()
    response = client.post("/login/second-factor", data={"code": code})
    assert response.status_code == 302 and logged_in(client)
    assert entries("auth.login")[-1].detail["second_factor"] is True
    assert db.session.get(LoginThrottle, "leader") is None

    again = fresh_client(app)  # the same code cannot be used twice
    post_login(again, "leader")
    assert again.post("/login/second-factor", data={"code": code}).status_code == 200
    assert not logged_in(again)


def test_wrong_codes_lock_the_account(app, city, frozen):
    client = fresh_client(app)
    post_login(client, "leader", "Wrong-1x")
    post_login(client, "leader", "Wrong-1x")
    post_login(client, "leader")
    wrong = str((int(totp_code()) + 500_000) % 1_000_000).zfill(6)
    for _ in range(2):
        assert client.post("/login/second-factor", data={"code": wrong}).status_code == 200
    response = client.post("/login/second-factor", data={"code": wrong})
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert entries("auth.lockout")[-1].username == "leader"
    assert post_login(client, "leader").status_code == 200  # locked, the right password too


def test_the_second_step_waits_five_minutes(app, city, frozen):
    client = fresh_client(app)
    post_login(client, "leader")
    at(timedelta(minutes=6))
    forget_last_code("leader")
    response = client.post("/login/second-factor", data={"code": totp_code()})
    assert response.headers["Location"].endswith("/login")
    assert not logged_in(client)
    assert fresh_client(app).get("/login/second-factor").headers["Location"].endswith("/login")


def test_a_recovery_code_works_once(app, city):
    codes = enrol_second_factor("desk")
    client = fresh_client(app)
    post_login(client, "desk")
    response = client.post("/login/second-factor", data={"code": codes[3].upper()})  # as typed from paper
    assert response.status_code == 302 and logged_in(client)
    assert entries("auth.second_factor")[-1].detail == {"kind": "recovery"}
    client.post("/logout")
    post_login(client, "desk")
    assert client.post("/login/second-factor", data={"code": codes[3]}).status_code == 200
    assert not logged_in(client)
    assert client.post("/login/second-factor", data={"code": codes[4].replace("-", "")}).status_code == 302
    assert second_factor.recovery_codes_left(city.user("desk")) == 8


def test_a_role_that_needs_it_must_enrol_before_anything_else(app, city):
    save_user(shell_actor(), {"username": "leader2", "name": "LEADER2", "unit_id": city.centre.id,
                              "roles": ["leader"], "password": PASSWORD})
    client = fresh_client(app)
    response = post_login(client, "leader2")
    assert response.status_code == 302  # logged in with the password …
    for path in ("/", "/tickets/", "/enterprises/", "/account/password"):
        response = client.get(path)  # … but sent to the set-up from everywhere
        assert response.status_code == 302 and response.headers["Location"].endswith("/account/second-factor")
    assert client.post("/tickets/new", data={}).headers["Location"].endswith("/account/second-factor")
    assert 'data-testid="enrol-required"' in client.get("/account/second-factor").get_data(as_text=True)
    assert client.post("/account/second-factor/start").headers["Location"].endswith("/account/second-factor")
    html = client.get("/account/second-factor").get_data(as_text=True)
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7 ]+)<', html).group(1).replace(" ", "")
    client.post("/account/second-factor", data={"code": totp_code(secret)})
    assert client.get("/tickets/").status_code == 200


def test_the_administrator_sets_the_roles_and_resets_a_second_factor(app, city):
    assert second_factor.policy() == {"admin": True, "auditor": False, "leader": True, "desk": False,
                                      "officer": False}
    admin = fresh_client(app)
    login(admin, "admin")
    html = admin.get("/admin/second-factor").get_data(as_text=True)
    assert 'data-testid="second-factor-policy"' in html and html.count('data-testid="reset-second-factor"') == 2
    assert admin.post("/admin/second-factor/policy", data={"roles": ["admin", "leader", "auditor"]}).status_code == 302
    assert second_factor.policy()["auditor"] is True
    assert entries("auth.second_factor_policy")[-1].detail == {"before": ["admin", "leader"],
                                                               "after": ["admin", "auditor", "leader"]}
    auditor = fresh_client(app)
    post_login(auditor, "auditor")
    assert auditor.get("/audit/").headers["Location"].endswith("/account/second-factor")

    leader = city.user("leader")
    assert admin.post(f"/admin/second-factor/{leader.id}/reset").status_code == 302
    assert not second_factor.is_enrolled(leader) and count(RecoveryCode, RecoveryCode.user_id == leader.id) == 0
    assert entries("auth.second_factor_reset")[-1].detail == {"user": "leader", "had_one": True}
    client = fresh_client(app)
    # No code asked: the login goes straight to a new set-up, its QR code shown at once.
    assert post_login(client, "leader").headers["Location"].endswith("/account/second-factor")
    assert client.get("/").headers["Location"].endswith("/account/second-factor")
    html = client.get("/account/second-factor").get_data(as_text=True)
    assert 'data-testid="totp-qr"' in html and 'class="side"' not in html

    assert admin.post("/admin/second-factor/policy", data={"roles": ["nonsense"]}).status_code == 302
    assert entries("auth.second_factor_policy")[-1].result == "rejected"
    desk = fresh_client(app)
    login(desk, "desk")
    assert desk.get("/admin/second-factor").status_code == 403


def test_the_shell_resets_a_second_factor_and_sets_a_password(app, city):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "reset-second-factor", "admin"])
    assert result.exit_code == 0, result.output
    assert not second_factor.is_enrolled(city.user("admin"))
    client = fresh_client(app)
    login(client, "desk_a")
    result = runner.invoke(args=["users", "password", "desk_a"], input="short\nshort\n")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert logged_in(client)  # nothing changed
    result = runner.invoke(args=["users", "password", "desk_a", "--password", "Sh3ll-chosen"])
    assert result.exit_code == 0, result.output
    assert not logged_in(client)
    assert not city.user("desk_a").must_change_password  # the operator chose it; not a forced change
    login(fresh_client(app), "desk_a", "Sh3ll-chosen")
    assert entries("user.password")[-1].username == "cli"


# --- forced password change ------------------------------------------------------------------------

def test_an_account_the_administrator_creates_must_change_its_password(app, city):
    admin = fresh_client(app)
    login(admin, "admin")
    response = admin.post("/admin/users/new", data={
        "username": "newbie", "name": "新人", "unit_id": city.station_a.id, "roles": ["desk"],
        "password": "Fr0m-the-admin", "active": "y"})
    assert response.status_code == 302
    assert city.user("newbie").must_change_password
    assert not city.user("desk_a").must_change_password  # the shell's accounts are not flagged

    client = fresh_client(app)
    login(client, "newbie", "Fr0m-the-admin")
    for path in ("/", "/tickets/", "/enterprises/", "/account/second-factor"):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"].endswith("/account/password")
    assert 'data-testid="must-change-password"' in client.get("/account/password").get_data(as_text=True)
    response = client.post("/account/password", data={"current": "Fr0m-the-admin", "new": "Fr0m-the-admin",
                                                      "repeat": "Fr0m-the-admin"})
    assert response.status_code == 200  # not the same one again
    response = client.post("/account/password", data={"current": "Fr0m-the-admin", "new": "My-0wn-choice",
                                                      "repeat": "My-0wn-choice"})
    assert response.status_code == 302
    assert client.get("/tickets/").status_code == 200
    assert not city.user("newbie").must_change_password
    assert client.post("/logout").status_code == 302


def test_a_password_reset_by_the_administrator_is_forced_and_ends_sessions(app, city):
    desk = fresh_client(app)
    login(desk, "desk_a")
    user = city.user("desk_a")
    save_user(actor_for("admin"), {"name": user.name, "unit_id": user.unit_id, "roles": ["desk"],
                                   "password": "Res3t-by-admin"}, user_id=user.id)
    assert not logged_in(desk)
    assert [r.ended_reason for r in session_rows("desk_a")] == ["password"]
    login(desk, "desk_a", "Res3t-by-admin")
    assert desk.get("/tickets/").headers["Location"].endswith("/account/password")
    entry = entries("user.update")[-1]
    assert entry.detail["must_change_password"] is True and entry.detail["sessions_ended"] == 1


def test_the_second_factors_secret_is_stored_encrypted(app, city):
    from sqlalchemy import text

    from tests.conftest import TOTP_SECRET

    stored = db.session.execute(text("SELECT secret_encrypted FROM user_totp WHERE user_id = :u"),
                                {"u": city.users["leader"].id}).scalar()
    assert stored.startswith("v") and TOTP_SECRET not in stored
    client = fresh_client(app)
    login(client, "leader")           # the code made from the decrypted secret still logs in
    assert client.get("/").status_code in (200, 302)

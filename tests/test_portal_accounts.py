"""The enterprise portal's accounts: registering with the credit code and the
registry's name, verification by the desk or the liaison officer, signing in,
and the wall between portal sessions and staff pages."""
import re
from datetime import datetime

import pytest
from core import clock
from core.audit.models import AuditEntry
from core.errors import NotFound, ValidationError
from core.extensions import db
from core.notifications.models import Notification
from core.portal import accounts, names
from core.portal.models import PENDING, REFUSED, VERIFIED, PortalAccount
from core.registry import services as registry
from tests.conftest import actor_for, login
from tests.helpers import code, en, fresh_client
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)
from tests.portal_world import (PORTAL_PASSWORD, enterprise, portal_login, registration, verified_account,
                                visitor)


@pytest.fixture(autouse=True)
def _frozen():
    clock.freeze(datetime(2026, 11, 20, 2, 0))


def test_names_match_across_widths_spaces_and_the_two_forms_of_limited_company():
    assert names.same("诸暨市（浙江）精密机械有限公司", "诸暨市(浙江)精密机械有限公司")
    assert names.same("诸暨市 精密机械 有限责任公司", "诸暨市精密机械有限公司")
    assert names.same("ＡＢＣ科技有限公司", "abc科技有限公司")
    assert not names.same("诸暨市精密机械股份有限公司", "诸暨市精密机械有限公司")
    assert not names.same("诸暨市精密机构有限公司", "诸暨市精密机械有限公司")
    assert not names.same("", "")


def test_registration_waits_for_the_desk_who_verifies_it(app, city):
    found = enterprise("desk_a", 1, "诸暨市精密机械有限公司")
    account = accounts.register(visitor(), registration(1, "诸暨市精密机械有限责任公司", "13800138001"))
    assert account.status == PENDING and account.is_manager and account.enterprise_id == found.id
    assert account.unit_id == city.station_a.id
    assert account.phone_hash and "13800138001" not in str(db_row(account.id))
    notified = {n.user_id for n in Notification.query.filter_by(kind="portal_account")}
    assert city.users["desk_a"].id in notified
    # The desk of another station does not see it; the station's desk does.
    assert accounts.waiting(actor_for("desk_b")) == []
    with pytest.raises(NotFound):
        accounts.decide(actor_for("desk_b"), account.id, True)
    assert [a.id for a in accounts.waiting(actor_for("desk_a"))] == [account.id]
    accounts.decide(actor_for("desk_a"), account.id, True)
    assert account.status == VERIFIED and account.decided_by_id == city.users["desk_a"].id
    entry = AuditEntry.query.filter_by(action="portal.verify").one()
    assert entry.object_id == str(account.id) and "13800138001" not in str(entry.detail)
    # The enterprise's page lists its portal accounts, the phone masked.
    staff = fresh_client(pytest.importorskip("flask").current_app._get_current_object())
    login(staff, "desk_a")
    page = staff.get(f"/enterprises/{found.id}").get_data(as_text=True)
    assert 'data-testid="enterprise-portal-accounts"' in page and "138****8001" in page and "13800138001" not in page


def db_row(account_id):
    from sqlalchemy import text

    from core.extensions import db

    return db.session.execute(text("SELECT phone_encrypted FROM portal_account WHERE id = :id"),
                              {"id": account_id}).one()


def test_the_liaison_officer_verifies_and_a_refusal_needs_a_reason(app, city):
    found = enterprise("desk_a", 2, "甲企业有限公司")
    registry.update(actor_for("desk_a"), found.id, {"liaison_officer_id": city.users["officer_a"].id})
    account = accounts.register(visitor(), registration(2, "甲企业有限公司", "13800138002"))
    assert [a.id for a in accounts.waiting(actor_for("officer_a"))] == [account.id]
    assert accounts.waiting(actor_for("officer_b")) == []
    with pytest.raises(ValidationError) as caught:
        accounts.decide(actor_for("officer_a"), account.id, False, "")
    assert "why" in en(caught.value.message)
    accounts.decide(actor_for("officer_a"), account.id, False, "联系人不是本企业员工")
    assert account.status == REFUSED
    # Refused: the enterprise may register again (with the right person).
    again = accounts.register(visitor(), registration(2, "甲企业有限公司", "13800138003"))
    assert again.status == PENDING


def test_bad_registrations_are_refused_with_clear_messages_and_nothing_written(app, city):
    enterprise("desk_a", 3, "乙企业有限公司")
    cases = [
        (registration(3, "乙企业有限公司", "13800138004", credit_code=code(3)[:-1] + ("0" if code(3)[-1] != "0" else "1")),
         "credit_code", "check character"),
        (registration(3, "乙企业有限公司", "0575-87654321"), "phone", "mobile"),
        (registration(3, "乙企业有限公司", "13800138004", repeat="other"), "repeat", "differ"),
        (registration(3, "乙企业有限公司", "13800138004", password="short", repeat="short"), "password", "8"),
        (registration(99, "未登记企业有限公司", "13800138004", unit_id=0), "unit_id", "station"),
        (registration(3, "乙企业有限公司", "13800138004", password="Password1", repeat="Password1"), "password",
         "most common"),
    ]
    for form, field, words in cases:
        with pytest.raises(ValidationError) as caught:
            accounts.register(visitor(), form)
        assert field in caught.value.errors, (field, caught.value.errors)
        assert words in en(caught.value.errors[field][0]), en(caught.value.errors[field][0])
    assert PortalAccount.query.count() == 0
    assert AuditEntry.query.filter_by(action="portal.register", result="rejected").count() == len(cases)


def test_an_enterprise_registers_once(app, city):
    """A second registration of an enterprise while one waits is answered alike but not
    kept (the desk has the first); a verified enterprise or a taken phone is flagged."""
    enterprise("desk_a", 4, "丁企业有限公司")
    first = accounts.register(visitor(), registration(4, "丁企业有限公司", "13800138005"))
    assert accounts.register(visitor(), registration(4, "丁企业有限公司", "13800138006")) is None
    assert PortalAccount.query.count() == 1
    refused = AuditEntry.query.filter_by(action="portal.register", result="rejected").one()
    assert refused.detail["reason"] == "pending_exists"
    accounts.decide(actor_for("desk_a"), first.id, True)
    enterprise("desk_a", 5, "戊企业有限公司")
    again = accounts.register(visitor(), registration(4, "丁企业有限公司", "13800138006"))
    other = accounts.register(visitor(), registration(5, "戊企业有限公司", "13800138005"))
    assert again.flags == ["enterprise_taken"] and other.flags == ["phone_taken"]
    with pytest.raises(ValidationError) as caught:       # the desk cannot verify either
        accounts.decide(actor_for("desk_a"), again.id, True)
    assert "already has a verified account" in en(caught.value.message)
    with pytest.raises(ValidationError):
        accounts.decide(actor_for("desk_a"), other.id, True)


def test_an_enterprise_the_registry_lacks_is_registered_when_verified(app, city):
    account = accounts.register(visitor(), registration(6, "新设企业有限公司", "13800138007",
                                                        unit_id=city.station_b.id))
    assert account.enterprise_id is None and account.unit_id == city.station_b.id
    assert [a.id for a in accounts.waiting(actor_for("desk_b"))] == [account.id]
    accounts.decide(actor_for("desk_b"), account.id, True)
    created = registry.find_by_credit_code(code(6))
    assert created.name == "新设企业有限公司" and created.unit_id == city.station_b.id
    assert account.enterprise_id == created.id


def test_the_pages_register_sign_in_and_keep_portal_and_staff_apart(app, city):
    enterprise("desk_a", 7, "己企业有限公司")
    client = fresh_client(app)
    response = client.post("/portal/register", data={
        "credit_code": code(7), "enterprise_name": "己企业有限公司", "name": "李会计", "phone": "138 0013 8008",
        "unit_id": city.station_a.id, "password": PORTAL_PASSWORD, "repeat": PORTAL_PASSWORD})
    assert response.status_code == 200 and 'data-testid="registered"' in response.get_data(as_text=True)
    # Pending: no sign-in yet, and the page says why.
    response = client.post("/portal/login", data={"phone": "13800138008", "password": PORTAL_PASSWORD})
    assert response.status_code == 400 and 'data-testid="login-error"' in response.get_data(as_text=True)
    assert AuditEntry.query.filter_by(action="portal.login", result="denied").one().detail == {"reason": "pending"}
    account = PortalAccount.query.one()
    accounts.decide(actor_for("desk_a"), account.id, True)
    assert client.post("/portal/login", data={"phone": "13800138008", "password": "wrong"}).status_code == 400
    portal_login(client, "13800138008")
    assert client.get("/portal/home").status_code == 200
    # A portal session opens no staff page …
    for url in ("/", "/tickets/", "/enterprises/", "/documents/", "/portal-desk/accounts"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url
    # … and a staff session no portal page.
    staff = fresh_client(app)
    login(staff, "desk_a")
    assert staff.get("/portal/home").status_code == 403
    assert staff.get("/portal/demands").status_code == 403
    # A staff login in the portal's browser ends the portal session.
    login(client, "desk_a")
    assert client.get("/portal/home").status_code == 403
    # Signing out ends it for good.
    other = fresh_client(app)
    portal_login(other, "13800138008")
    assert other.post("/portal/logout").status_code == 302
    assert other.get("/portal/home").status_code == 302


def test_failed_sign_ins_lock_the_number_and_the_log_never_holds_it(app, city):
    verified_account("desk_a", 8, "庚企业有限公司", "13800138009")
    client = fresh_client(app)
    for _ in range(5):
        client.post("/portal/login", data={"phone": "13800138009", "password": "wrong"})
    response = client.post("/portal/login", data={"phone": "13800138009", "password": PORTAL_PASSWORD})
    assert response.status_code == 400
    assert AuditEntry.query.filter_by(action="auth.lockout").count() == 1
    assert AuditEntry.query.filter_by(action="portal.login", result="ok").count() == 0
    for entry in AuditEntry.query.filter(AuditEntry.action.in_(("portal.login", "auth.lockout"))):
        assert "13800138009" not in f"{entry.username} {entry.object_id} {entry.detail}"


def test_the_manager_adds_users_who_sign_in_at_once(app, city):
    manager = verified_account("desk_a", 9, "辛企业有限公司", "13800138010")
    client = fresh_client(app)
    portal_login(client, "13800138010")
    response = client.post("/portal/users", data={"name": "赵出纳", "phone": "13800138011",
                                                  "password": PORTAL_PASSWORD, "repeat": PORTAL_PASSWORD})
    assert response.status_code == 302
    added = PortalAccount.query.filter_by(name="赵出纳").one()
    assert added.status == VERIFIED and not added.is_manager and added.enterprise_id == manager.enterprise_id
    colleague = fresh_client(app)
    portal_login(colleague, "13800138011")
    assert "13800138010" not in colleague.get("/portal/users").get_data(as_text=True)  # masked
    response = colleague.post("/portal/users", data={"name": "钱", "phone": "13800138012",
                                                     "password": PORTAL_PASSWORD, "repeat": PORTAL_PASSWORD})
    assert response.status_code == 403


def test_the_portals_forms_share_the_login_rate_limit(make_app, city):
    limited = make_app(RATELIMIT_ENABLED=True, AUTH_LOGIN_RATE_LIMIT="3 per minute")
    with limited.app_context():
        client = fresh_client(limited)
        answers = [client.post("/portal/login", data={"phone": "13800138099", "password": "x"}).status_code
                   for _ in range(4)]
        assert answers == [400, 400, 400, 429]
        assert client.get("/portal/login").status_code == 200      # reading the page is not limited
        assert client.post("/portal/register", data={}).status_code == 400


def test_the_manager_disables_a_user_whose_sessions_end(app, city):
    manager = verified_account("desk_a", 10, "壬企业有限公司", "13800138020")
    other = verified_account("desk_b", 11, "癸企业有限公司", "13800138030")
    client = fresh_client(app)
    portal_login(client, "13800138020")
    client.post("/portal/users", data={"name": "孙出纳", "phone": "13800138021", "password": PORTAL_PASSWORD,
                                       "repeat": PORTAL_PASSWORD})
    added = PortalAccount.query.filter_by(name="孙出纳").one()
    colleague = fresh_client(app)
    portal_login(colleague, "13800138021")
    # Not another enterprise's account (404, audited), nor the manager's own.
    assert client.post(f"/portal/users/{other.id}/disable").status_code == 404
    assert client.post(f"/portal/users/{manager.id}/disable").status_code == 404
    assert AuditEntry.query.filter_by(action="portal.not_found", object_type="portal_account").count() == 2
    assert client.post(f"/portal/users/{added.id}/disable").status_code == 302
    assert added.status == "disabled" and other.status == VERIFIED
    assert colleague.get("/portal/home").status_code == 302          # signed out at once
    response = colleague.post("/portal/login", data={"phone": "13800138021", "password": PORTAL_PASSWORD})
    assert response.status_code == 400


def test_changing_the_password_ends_the_other_sessions(app, city):
    verified_account("desk_a", 12, "子企业有限公司", "13800138040")
    first, second = fresh_client(app), fresh_client(app)
    portal_login(first, "13800138040")
    portal_login(second, "13800138040")
    response = first.post("/portal/password", data={"current": PORTAL_PASSWORD, "new": "Xin-mima-2026",
                                                    "repeat": "Xin-mima-2026"})
    assert response.status_code == 302
    assert first.get("/portal/home").status_code == 200 and second.get("/portal/home").status_code == 302
    assert first.post("/portal/password", data={"current": "wrong", "new": "Xin-mima-2027",
                                                "repeat": "Xin-mima-2027"}).status_code == 400
    portal_login(fresh_client(app), "13800138040", "Xin-mima-2026")


def test_the_desks_pages_refuse_with_a_reason_and_publish_notices(app, city):
    enterprise("desk_a", 13, "丑企业有限公司")
    account = accounts.register(visitor(), registration(13, "丑企业有限公司", "13800138050"))
    desk = fresh_client(app)
    login(desk, "desk_a")
    assert "丑企业有限公司" in desk.get("/portal-desk/accounts").get_data(as_text=True)
    desk.post(f"/portal-desk/accounts/{account.id}/decide", data={"decision": "refuse", "reason": ""})
    assert account.status == PENDING
    desk.post(f"/portal-desk/accounts/{account.id}/decide", data={"decision": "refuse", "reason": "非本企业人员"})
    assert (account.status, account.decision_reason) == (REFUSED, "非本企业人员")
    # Notices: a bad one is refused with the form kept; a good one is a draft until published.
    response = desk.post("/portal-desk/notices/new", data={"kind": "news", "title": "", "body": "正文"})
    assert response.status_code == 400 and "正文" in response.get_data(as_text=True)
    assert desk.post("/portal-desk/notices/new", data={"kind": "policy", "title": "减税降费政策解读",
                                                       "body": "第一段。\n第二段。"}).status_code == 302
    from core.portal.models import PortalNotice

    notice = PortalNotice.query.one()
    public = fresh_client(app)
    assert public.get(f"/portal/notices/{notice.id}").status_code == 404
    desk.post(f"/portal-desk/notices/{notice.id}/publish", data={"publish": "1"})
    page = public.get("/portal/notices?kind=policy").get_data(as_text=True)
    assert "减税降费政策解读" in page
    assert public.get(f"/portal/notices/{notice.id}").status_code == 200
    # Another station's desk neither sees nor changes it.
    other = fresh_client(app)
    login(other, "desk_b")
    assert other.get(f"/portal-desk/notices/{notice.id}").status_code == 404
    assert other.post(f"/portal-desk/notices/{notice.id}/publish", data={"publish": "0"}).status_code == 404
    assert AuditEntry.query.filter_by(action="portal.notice_publish").count() == 1


# --- registration tells strangers nothing ------------------------------------------------------------

def _register_page(client, credit_code, enterprise_name, phone, unit_id):
    return client.post("/portal/register", data={
        "credit_code": credit_code, "enterprise_name": enterprise_name, "name": "张三", "phone": phone,
        "unit_id": unit_id, "password": PORTAL_PASSWORD, "repeat": PORTAL_PASSWORD})


def test_registration_answers_the_same_whatever_exists_and_tells_only_the_desk(app, city):
    """Before: a registered number got “该手机号码已有账号，请直接登录”, a wrong name or an
    enterprise with an account got their own messages: the portal told a stranger."""
    verified_account("desk_a", 10, "甲企业有限公司", "13900139010")
    enterprise("desk_a", 11, "乙企业有限公司")
    enterprise("desk_a", 12, "丙企业有限公司")
    enterprise("desk_a", 14, "戊企业有限公司")
    accounts.register(visitor(), registration(12, "丙企业有限公司", "13900139012"))     # one waits already
    unit = city.station_a.id
    attempts = {
        "nothing known": (code(20), "新企业有限公司", "13900139020"),
        "known, right name": (code(11), "乙企业有限公司", "13900139021"),
        "known, wrong name": (code(14), "别的企业有限公司", "13900139022"),
        "phone of a verified account": (code(13), "丁企业有限公司", "13900139010"),
        "enterprise with an account": (code(10), "甲企业有限公司", "13900139023"),
        "enterprise with a registration waiting": (code(12), "丙企业有限公司", "13900139024"),
    }
    answers = {}
    for what, (credit_code, name, phone) in attempts.items():
        response = _register_page(fresh_client(app), credit_code, name, phone, unit)
        page = re.sub(r'name="csrf_token" value="[^"]*"', "", response.get_data(as_text=True))  # per browser
        answers[what] = (response.status_code, page)
    first = answers["nothing known"]
    assert first[0] == 200 and 'data-testid="registered"' in first[1]
    for what, answer in answers.items():
        assert answer == first, what                 # one page, one status, byte for byte
    flags = {a.credit_code + a.name + str(a.id): a.flags for a in PortalAccount.query.filter_by(status=PENDING)}
    assert sorted(sorted(f) for f in flags.values()) == sorted([
        [], [], ["enterprise_taken"], ["name_mismatch"], ["phone_taken", "unknown_code"], ["unknown_code"]])
    desk = fresh_client(app)
    login(desk, "desk_a")
    page = desk.get("/portal-desk/accounts").get_data(as_text=True)
    for flag in ("unknown_code", "name_mismatch", "phone_taken", "enterprise_taken"):
        assert f'data-flag="{flag}"' in page, flag
    # Errors of form alone are still said: they reveal nothing.
    bad = _register_page(fresh_client(app), code(20)[:-1] + "Z", "新企业有限公司", "1390013", unit)
    assert bad.status_code == 400 and 'data-testid="registered"' not in bad.get_data(as_text=True)


def test_two_registrations_of_one_enterprise_at_the_same_instant_leave_one_waiting(app, city):
    """Two threads, each with its own application context and database connection,
    released together: one registration waits, the other gets the same answer (None
    from the service, the same page from the view) and nothing breaks."""
    import threading

    enterprise("desk_a", 30, "并发企业有限公司")
    barrier = threading.Barrier(2)
    results, failures = [], []

    forms = [registration(30, "并发企业有限公司", phone) for phone in ("13900139030", "13900139031")]
    db.session.rollback()          # the test's own transaction would hold SQLite's write lock

    def register(form):
        with app.app_context():
            try:
                barrier.wait(timeout=10)
                results.append(accounts.register(visitor(), form))
            except Exception as exc:          # reported below: the test wants none
                failures.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=register, args=(form,)) for form in forms]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    assert sorted(r is None for r in results) == [False, True]
    assert PortalAccount.query.filter_by(status=PENDING, credit_code=code(30)).count() == 1
    assert AuditEntry.query.filter_by(action="portal.register", result="rejected").one().detail["reason"] == \
        "pending_exists"


# --- password history and the second factor ----------------------------------------------------------

def test_an_accounts_last_five_passwords_and_common_ones_are_refused(app, city):
    """Before: a portal account could take its old password again (no history at all)."""
    account = verified_account("desk_a", 40, "历史企业有限公司", "13900139040")
    with app.test_request_context():            # the change ends the account's other sessions
        _change_passwords(account)


def _change_passwords(account):
    from tests.portal_world import portal

    actor = portal(account)
    old = [f"Qiye#2026-{n}x" for n in range(1, 5)]
    current = PORTAL_PASSWORD
    for new in old:
        accounts.change_password(actor, current, new, new)
        current = new
    for reused in [PORTAL_PASSWORD, *old]:          # the registration's password and the four after it
        with pytest.raises(ValidationError) as caught:
            accounts.change_password(actor, current, reused, reused)
        assert "not used recently" in en(caught.value.errors["new"][0])
    with pytest.raises(ValidationError) as caught:
        accounts.change_password(actor, current, "P@ssw0rd123", "P@ssw0rd123")
    assert "most common" in en(caught.value.errors["new"][0])
    accounts.change_password(actor, current, "Qiye#2026-5x", "Qiye#2026-5x")
    accounts.change_password(actor, "Qiye#2026-5x", PORTAL_PASSWORD, PORTAL_PASSWORD)   # the sixth newest: free


def test_the_account_holder_sets_up_uses_and_removes_a_second_factor(app, city):
    from datetime import timedelta

    from tests.conftest import totp_code

    clock.freeze(datetime(2026, 11, 20, 2, 0))
    verified_account("desk_a", 41, "双重企业有限公司", "13900139041")
    client = fresh_client(app)
    portal_login(client, "13900139041")
    assert 'data-testid="second-factor-off"' in client.get("/portal/second-factor").get_data(as_text=True)
    assert client.post("/portal/second-factor/start").status_code == 302
    page = client.get("/portal/second-factor")
    assert page.headers["Cache-Control"] == "no-store"
    secret = re.search(r'data-testid="totp-secret">([^<]+)<', page.get_data(as_text=True)).group(1).replace(" ", "")
    assert client.post("/portal/second-factor", data={"code": "000000"}).status_code == 400
    done = client.post("/portal/second-factor", data={"code": totp_code(secret)})
    codes = re.findall(r'data-testid="recovery-code">([^<]+)<', done.get_data(as_text=True))
    assert done.status_code == 200 and len(codes) == 10
    client.post("/portal/logout")
    # Signing in now asks for a code after the password; no session until it is right.
    other = fresh_client(app)
    response = other.post("/portal/login", data={"phone": "13900139041", "password": PORTAL_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"].endswith("/portal/login/second-factor")
    assert other.get("/portal/home").status_code == 302
    assert other.post("/portal/login/second-factor", data={"code": "123456"}).status_code == 400
    clock.freeze(datetime(2026, 11, 20, 2, 1))
    assert other.post("/portal/login/second-factor", data={"code": totp_code(secret)}).status_code == 302
    assert other.get("/portal/home").status_code == 200
    # A recovery code works once.
    third = fresh_client(app)
    third.post("/portal/login", data={"phone": "13900139041", "password": PORTAL_PASSWORD})
    assert third.post("/portal/login/second-factor", data={"code": codes[0]}).status_code == 302
    fourth = fresh_client(app)
    fourth.post("/portal/login", data={"phone": "13900139041", "password": PORTAL_PASSWORD})
    assert fourth.post("/portal/login/second-factor", data={"code": codes[0]}).status_code == 400
    # The second step expires; wrong codes count towards the number's lock.
    clock.freeze(datetime(2026, 11, 20, 2, 1) + timedelta(minutes=6))
    expired = fourth.post("/portal/login/second-factor", data={"code": codes[1]})
    assert expired.status_code == 302 and expired.headers["Location"].endswith("/portal/login")
    assert fourth.get("/portal/home").status_code == 302
    assert AuditEntry.query.filter_by(action="portal.second_factor", result="denied").count() == 2
    # Removed by the holder, with the password: the password alone signs in again.
    assert other.post("/portal/second-factor/remove", data={"password": "wrong"}).status_code == 302
    assert 'data-testid="second-factor-on"' in other.get("/portal/second-factor").get_data(as_text=True)
    other.post("/portal/second-factor/remove", data={"password": PORTAL_PASSWORD})
    assert 'data-testid="second-factor-off"' in other.get("/portal/second-factor").get_data(as_text=True)
    portal_login(fresh_client(app), "13900139041")
    assert [e.action for e in AuditEntry.query.filter(AuditEntry.action.like("portal.second_factor_%"))
            .order_by(AuditEntry.id)] == ["portal.second_factor_start", "portal.second_factor_enrol",
                                          "portal.second_factor_enrol", "portal.second_factor_remove",
                                          "portal.second_factor_remove"]

"""Web hardening: the session cookie's flags, HTTPS seen through a trusted
reverse proxy, the security headers."""
from tests.conftest import PASSWORD
from tests.helpers import fresh_client
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)


def _login_cookie(client, **environ) -> str:
    response = client.post("/login", data={"username": "desk", "password": PASSWORD}, **environ)
    assert response.status_code == 302
    return response.headers["Set-Cookie"]


def test_the_session_cookie_is_httponly_lax_and_not_secure_on_plain_http(app, city):
    cookie = _login_cookie(fresh_client(app))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_the_session_cookie_is_secure_over_https(app, city):
    client = fresh_client(app)
    cookie = _login_cookie(client, base_url="https://anqi.example")
    assert "Secure" in cookie
    assert client.get("/login", base_url="https://anqi.example").headers["Strict-Transport-Security"]


def test_behind_a_trusted_proxy_the_forwarded_scheme_and_address_count(make_app, city):
    from core.audit.models import AuditEntry
    from core.extensions import db

    app = make_app(PROXY_FIX=1)
    with app.app_context():
        client = fresh_client(app)
        cookie = _login_cookie(client, headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "10.8.0.7"})
        assert "Secure" in cookie
        entry = db.session.query(AuditEntry).filter_by(action="auth.login").order_by(AuditEntry.id.desc()).first()
        assert entry.address == "10.8.0.7"


def test_without_proxy_fix_forwarded_headers_are_ignored(app, city):
    cookie = _login_cookie(fresh_client(app), headers={"X-Forwarded-Proto": "https"})
    assert "Secure" not in cookie


def test_pages_for_a_signed_in_user_or_enterprise_are_never_stored_and_static_files_are(app, city):
    """Before: pages with phone numbers could be kept by the browser's cache (back
    after logging out) or a proxy."""
    from tests.conftest import login
    from tests.portal_world import portal_login, verified_account

    client = fresh_client(app)
    login(client, "desk")
    for url in ("/tickets/", "/enterprises/", "/account/password"):
        response = client.get(url)
        assert response.status_code == 200 and "no-store" in response.headers.get("Cache-Control", ""), url
    static = client.get("/static/anqi.css")
    assert static.status_code == 200 and "no-store" not in static.headers.get("Cache-Control", "")
    verified_account("desk", 7, "暨阳测试有限公司", "13700137007")
    portal = fresh_client(app)
    portal_login(portal, "13700137007")
    home = portal.get("/portal/home")
    assert home.status_code == 200 and "no-store" in home.headers["Cache-Control"]

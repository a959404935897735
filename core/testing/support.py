"""What a test of anqi or of a plugin uses besides the fixtures: the city's
password and second factor, logging in through the pages, an actor for a
username, a client whose every request has its own application context, and
cheap password hashing. The fixtures themselves are in
core/testing/pytest_plugin.py, which pytest loads for every package installed
beside anqi (``pip install anqi[test]``)."""
import re
from dataclasses import dataclass
from datetime import timezone

import pytest
from flask import has_app_context
from flask.testing import FlaskClient

from core import clock
from core.extensions import db

PASSWORD = "Passw0rd-test"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # the second factor of the city's admin and leader


@pytest.fixture(autouse=True)
def quick_password_hashing(monkeypatch):
    """Scrypt takes about 0.1 s a password and the ``city`` fixture makes eight
    users; a test module imports this fixture to hash them cheaply instead.
    (Logging in still goes through werkzeug's real check_password_hash.)"""
    from werkzeug.security import generate_password_hash

    def quick(password):
        return generate_password_hash(password, method="pbkdf2:sha256:1")

    monkeypatch.setattr("core.org.services.hash_password", quick)
    monkeypatch.setattr("core.auth.services.hash_password", quick)


class FreshClient(FlaskClient):
    """A test client whose every request runs in an application context of its own.

    The ``app`` fixture keeps one application context pushed for the whole test,
    and Flask reuses it for requests, so ``g`` (Flask-Login's current user,
    Flask-Babel's locale) and the database session would leak from one request,
    and one user, to the next. A browser never shares those; neither does this client.
    """

    def open(self, *args, **kwargs):
        if has_app_context():
            # End the test's own transaction: on SQLite every transaction takes
            # the write lock, which the request would otherwise wait for.
            db.session.rollback()
        with self.application.app_context():
            return super().open(*args, **kwargs)


def fresh_client(app) -> FreshClient:
    return FreshClient(app, app.response_class, use_cookies=True)


@dataclass
class City:
    """A small organisation: a city bureau with the centre and two stations."""

    city: object
    centre: object
    station_a: object
    station_b: object
    users: dict

    def user(self, username):
        from core.org.services import user_by_username

        return user_by_username(username)


def enrol_second_factor(username, secret=TOTP_SECRET):
    from core.auth import second_factor

    actor = actor_for(username)
    second_factor.start_enrolment(actor, secret)
    return second_factor.confirm_enrolment(actor, totp_code(secret))


def totp_code(secret=TOTP_SECRET) -> str:
    """The code an authenticator app shows now (by the app's clock, which tests may freeze)."""
    import pyotp

    return pyotp.TOTP(secret).at(clock.now().replace(tzinfo=timezone.utc))


def login(client, username, password=PASSWORD):
    """Log in through the pages (with the form's CSRF token when the app checks it). A user
    with a second factor (the city's admin and leader) also types the current code; tests log
    in faster than one code per 30 s, so the code last used is forgotten first (the guard
    against using a code twice is tested in tests/test_identity.py)."""
    response = client.post("/login", data=_form(client, "/login", username=username, password=password))
    assert response.status_code == 302, response.data[:500]
    if response.headers["Location"].endswith("/login/second-factor"):
        from sqlalchemy import update

        from core.auth.models import UserTotp
        from core.org.services import user_by_username

        db.session.execute(update(UserTotp).where(UserTotp.user_id == user_by_username(username.strip().lower()).id)
                           .values(last_step=None))
        db.session.commit()
        response = client.post("/login/second-factor", data=_form(client, "/login/second-factor", code=totp_code()))
        assert response.status_code == 302, response.data[:500]
    return response


def _form(client, path, **data):
    if client.application.config.get("WTF_CSRF_ENABLED", True):
        data["csrf_token"] = csrf_token(client.get(path).data)
    return data


def actor_for(username):
    from core.org.actor import Actor
    from core.org.services import user_by_username

    return Actor(user=user_by_username(username), address="127.0.0.1")


def csrf_token(html: bytes) -> str:
    return re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', html).group(1).decode()


PORTAL_PASSWORD = "Qiye#2026ok"


def credit_code(n: int, prefix: str = "91330681MA") -> str:
    """A valid unified social credit code (统一社会信用代码), different for each ``n``."""
    from core.registry.credit_code import with_check_character

    return with_check_character(prefix + str(n).zfill(17 - len(prefix)))


def enable_plugin(name: str, *unit_codes: str) -> None:
    """Switch plugin ``name`` on for the units ``unit_codes`` (e.g. ``"STA"``), as ``anqi plugins enable`` does."""
    from core.org.actor import shell_actor
    from core.plugins import services as plugin_services

    for unit_code in unit_codes:
        plugin_services.set_enabled(shell_actor(), unit_code, name, True)


def make_enterprise(desk: str, n: int, name: str | None = None):
    """An enterprise registered by user ``desk`` in their unit, with credit code ``credit_code(n)``."""
    from core.registry import services as registry

    return registry.create(actor_for(desk), {"name": name or f"测试企业{n}有限公司", "credit_code": credit_code(n)})


def portal_account(desk: str, enterprise, phone: str, password: str = PORTAL_PASSWORD):
    """A verified portal account of ``enterprise`` (registered, then approved by user ``desk``)."""
    from core.org.actor import Actor
    from core.portal import accounts

    account = accounts.register(Actor(user=None, address="127.0.0.1"), accounts.Registration(
        credit_code=enterprise.credit_code, enterprise_name=enterprise.name, name="王经理", phone=phone,
        password=password, repeat=password, unit_id=enterprise.unit_id))
    return accounts.decide(actor_for(desk), account.id, True)


def portal_login(client, phone: str, password: str = PORTAL_PASSWORD):
    """Sign in on the enterprise portal with the account's phone and password."""
    response = client.post("/portal/login", data={"phone": phone, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:800]
    return response

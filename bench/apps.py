"""The two applications measured on the same database file: anqi itself, and a
small Flask app that mounts Flask-Admin's list view over the same Enterprise
model (the baseline a team might otherwise pick). Plus a counter of the SQL
statements each request sends."""
import re
from datetime import datetime, timedelta, timezone

from flask import Flask
from sqlalchemy import event

# Transaction control (anqi opens every SQLite transaction with BEGIN IMMEDIATE)
# is not a query; everything else the driver is asked to execute is.
_TRANSACTION = re.compile(r"^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b", re.I)


class QueryCounter:
    """Counts the SQL statements sent through an engine (a before_cursor_execute
    listener); ``record=True`` also keeps them, with their parameters."""

    def __init__(self, engine):
        self.count = 0
        self.record = False
        self.statements: list[tuple[str, object]] = []
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, _conn, _cursor, statement, parameters, _context, _executemany):
        if _TRANSACTION.match(statement):
            return
        self.count += 1
        if self.record:
            self.statements.append((statement, parameters))

    def reset(self, record: bool = False):
        self.count = 0
        self.record = record
        self.statements = []


class Target:
    """One application on one database: a logged-in test client, its engine's
    query counter, and URLs for the scenarios."""

    def __init__(self, name, app, client, counter, urls):
        self.name = name
        self.app = app
        self.client = client
        self.counter = counter
        self.urls = urls

    def get(self, url: str):
        response = self.client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"bench: {self.name} GET {url} answered {response.status_code}:\n"
                             f"{response.get_data(as_text=True)[:800]}")
        return response


def anqi(database: str, username: str = "desk") -> Target:
    """anqi's enterprise list, as ``username`` (by default the centre's desk
    user, who sees the whole city) sees it."""
    from core import create_app
    from core.demo.data import DEMO_PASSWORD
    from core.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}", "WTF_CSRF_ENABLED": False})
    client = app.test_client()
    secret = _second_factor(app, username)
    response = client.post("/login", data={"username": username, "password": DEMO_PASSWORD})
    if response.status_code == 302 and secret and response.headers["Location"].endswith("/login/second-factor"):
        import pyotp

        # The set-up used this step's code, and a code counts once: the next step's is accepted too.
        response = client.post("/login/second-factor", data={"code": pyotp.TOTP(secret).at(_now() + timedelta(seconds=30))})
    if response.status_code != 302:
        raise SystemExit(f"bench: logging in as {username} failed ({response.status_code})")
    with app.app_context():
        counter = QueryCounter(db.engine)
    return Target("anqi", app, client, counter, {
        "page1": "/enterprises/",
        "size20": "/enterprises/?size=20",
        "size200": "/enterprises/?size=200",
        "search": "/enterprises/?q={q}",
        "cursor": "/enterprises/?cursor={cursor}",
    })


def _now() -> datetime:
    """The app's time (a bench may freeze it), as the codes are checked against it."""
    from core import clock

    return clock.now().replace(tzinfo=timezone.utc)


def _second_factor(app, username: str) -> str | None:
    """When the user's role needs a second factor (a leader), set one up with a
    fresh secret on this copy of the database, as the enrolment page would, and
    return the secret; else None."""
    import pyotp

    from core.auth import second_factor
    from core.org.actor import Actor
    from core.org.services import user_by_username

    with app.app_context():
        user = user_by_username(username)
        if not second_factor.required_for(user):
            return None
        if second_factor.is_enrolled(user):
            raise SystemExit(f"bench: {username} already has a second factor on this database; use a fresh copy")
        secret = pyotp.random_base32()
        actor = Actor(user=user, address="bench")
        second_factor.start_enrolment(actor, secret)
        second_factor.confirm_enrolment(actor, pyotp.TOTP(secret).at(_now()))
        return secret


def flask_admin(database: str) -> Target:
    """Flask-Admin's ModelView over core.registry.models.Enterprise, in its own
    small Flask app, with the same SQLite connection settings as anqi."""
    from flask_admin import Admin
    from flask_admin.contrib.sqla import ModelView
    from flask_babel import Babel

    from core import database as anqi_database
    from core.extensions import db
    from core.registry.models import Enterprise

    anqi_database.import_models()  # every model the Enterprise mapper refers to

    class EnterpriseView(ModelView):
        # The columns anqi's list shows, in the same (pinyin) order.
        column_list = ["name", "credit_code", "district", "industry", "unit", "liaison_officer"]
        column_searchable_list = ["name", "credit_code", "name_initials"]
        column_default_sort = ("name_pinyin", False)
        page_size = 20
        can_set_page_size = True
        page_size_options = (20, 200)

    app = Flask("anqi_bench_admin")
    app.config.update(
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{database}",
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True},
        SECRET_KEY="bench-only",
        BABEL_DEFAULT_LOCALE="zh_Hans_CN",
    )
    db.init_app(app)
    Babel(app)
    admin = Admin(app, name="Flask-Admin baseline")
    admin.add_view(EnterpriseView(Enterprise, db.session, endpoint="enterprise"))
    with app.app_context():
        anqi_database._configure_sqlite(db.engine, 10_000)
        counter = QueryCounter(db.engine)
    return Target("Flask-Admin", app, app.test_client(), counter, {
        "page1": "/admin/enterprise/",
        "size20": "/admin/enterprise/?page_size=20",
        "size200": "/admin/enterprise/?page_size=200",
        "search": "/admin/enterprise/?search={q}",
        "page": "/admin/enterprise/?page={page}",  # 0-based
    })

"""`anqi db copy --to URL`: an instance on SQLite copied into an empty database
(another SQLite file, and PostgreSQL when ANQI_TEST_DATABASE_URL names one)
reads the same on the target: the same rows, its pages, its encrypted numbers,
an intact audit chain, ids that go on from the copied ones. A non-empty target,
a source behind the migrations and a failure half-way change nothing."""
import io
import os
import shutil
from datetime import datetime

import pytest
from sqlalchemy import create_engine, func, inspect, select, table, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from core import clock, create_app
from core.audit.models import AuditEntry
from core.audit.verification import verify
from core.backup import database_copy
from core.documents import rendering, signing
from core.documents import services as documents
from core.extensions import db
from core.org.actor import shell_actor
from core.redaction import redact_url
from core.registry import services as registry
from core.registry.models import EnterpriseContact
from core.tickets import attachments
from core.tickets import services as tickets
from core.tickets.models import Ticket, TicketCategory
from tests.conftest import PG_URL, actor_for, login
from tests.helpers import code, fresh_client
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)

MOBILE, OTHER = "13800138000", "13912345678"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(200))
TARGETS = ["sqlite"] + (["postgresql"] if PG_URL else [])


@pytest.fixture
def database_url(tmp_path, sqlite_template):
    """The source is always SQLite (this module's only use of the suite's databases)."""
    path = tmp_path / "anqi.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture(params=TARGETS)
def target_url(request, tmp_path):
    """An empty database to copy into: a new SQLite file, or a PostgreSQL database
    of its own beside the suite's (dropped and made again for each test)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'copy' / 'anqi.db'}"
        return
    url = make_url(PG_URL)
    name = f"{url.database}_copy"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def target_engine(target_url):
    if target_url.startswith("sqlite"):
        os.makedirs(os.path.dirname(make_url(target_url).database), exist_ok=True)
    engine = create_engine(target_url)
    yield engine
    engine.dispose()


@pytest.fixture
def world(city, monkeypatch):
    """An instance in use: an enterprise with encrypted contact phones, tickets
    with their events and an attachment, an issued and delivered document, a
    renamed category (the migrations seed the categories), and the audit trail
    all of it wrote."""
    monkeypatch.setattr(rendering, "render", lambda _letter: b"%PDF-1.7 issued letter")
    monkeypatch.setattr(signing, "sign", lambda _signer, pdf: pdf)     # the stand-in above is no real PDF
    clock.freeze(datetime(2026, 11, 20, 2, 0))
    desk_a, desk = actor_for("desk_a"), actor_for("desk")
    city.centre.doc_prefix = "诸公经"
    db.session.commit()
    enterprise = registry.create(desk_a, {
        "name": "浙江华达科技有限公司", "credit_code": code(1),
        "contacts": [{"name": "李娜", "phone": "138 0013 8000", "title": "行政主管"}]})
    ticket = tickets.register(desk_a, tickets.Intake(
        enterprise_id=enterprise.id, channel="walk_in", category="safety", ticket_class="general",
        handling_mode="follow", description="仓库消防通道被占用。", contact_name="李娜", contact_phone=OTHER,
        attachments=attachments.check_uploads([("photo.png", io.BytesIO(PNG))])))
    tickets.dispatch(desk_a, ticket.id, city.station_a.id)
    for n in range(3):
        tickets.register(desk_a, tickets.Intake(
            enterprise_id=enterprise.id, channel="hotline", category="dispute", ticket_class="general",
            handling_mode="follow", description=f"第{n}件诉求。"))
    document = documents.create(desk, documents.Draft(
        doc_type="letter", title="关于防范非法集资风险的提示函", addressees=["浙江华达科技有限公司"], copies=[],
        body=[("p", "请高度重视。")]))
    documents.submit(desk, document.id)
    documents.sign_off(actor_for("leader"), document.id)
    documents.issue(desk, document.id)
    db.session.execute(update(TicketCategory).where(TicketCategory.code == "safety").values(name_zh="安全生产隐患"))
    db.session.commit()
    clock.freeze(None)
    return {"enterprise_id": enterprise.id, "ticket_id": ticket.id, "document_id": document.id}


def rows_per_table(engine) -> dict[str, int]:
    db.session.commit()   # on SQLite the session's transaction would hold the write lock
    with engine.connect() as connection:
        # The search indexes (core.search, core.registry.search_index; on SQLite FTS5 tables and their
        # shadow tables) are not copied but made afresh from the copied rows: checked on their own below.
        return {name: connection.scalar(select(func.count()).select_from(table(name)))
                for name in inspect(connection).get_table_names() if not name.startswith("search_")}


def contents(engine) -> dict[str, list]:
    """Every table's rows as the model's types read them (decrypted, parsed), by primary key."""
    db.session.commit()
    with engine.connect() as connection:
        return {t.name: [tuple(row) for row in connection.execute(select(t).order_by(*t.primary_key.columns))]
                for t in db.metadata.sorted_tables}


def run_copy(app, url, *args):
    db.session.commit()
    with app.app_context():
        return app.test_cli_runner().invoke(args=["db", "copy", "--to", url, *args])


@pytest.fixture
def target_app(target_url):
    """The copied instance: the same instance folder (and keys), the new database."""
    apps = []

    def build():
        app = create_app({"SQLALCHEMY_DATABASE_URI": target_url, "TESTING": True, "WTF_CSRF_ENABLED": False,
                          "RATELIMIT_ENABLED": False})
        apps.append(app)
        return app

    yield build
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_the_copy_holds_every_row_and_the_copied_instance_works(app, world, target_url, target_engine, target_app):
    source_rows = rows_per_table(db.engine)
    source_contents = contents(db.engine)

    result = run_copy(app, target_url, "--batch", "100")

    assert result.exit_code == 0, result.output
    assert any("ticket_event" in line and str(source_rows["ticket_event"]) in line
               for line in result.output.splitlines())
    assert str(sum(n for name, n in source_rows.items() if name != "alembic_version")) in result.output
    copied_rows = rows_per_table(target_engine)
    assert copied_rows == {**source_rows, "audit_entry": source_rows["audit_entry"] + 1}

    copied = target_app()
    with copied.app_context():
        copied_contents = contents(db.engine)
        assert copied_contents.pop("audit_entry")[:-1] == source_contents.pop("audit_entry")
        assert copied_contents == source_contents
        assert db.session.scalar(select(TicketCategory.name_zh).where(TicketCategory.code == "safety")) == "安全生产隐患"

        last = db.session.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1))
        assert (last.action, last.username, last.detail["rows"]) == (
            "database.copy", shell_actor().username, sum(source_rows.values()) - source_rows["alembic_version"])
        verification = verify()
        assert verification.intact and verification.checked == copied_rows["audit_entry"]

        [contact] = db.session.scalars(select(EnterpriseContact).where(
            EnterpriseContact.enterprise_id == world["enterprise_id"]))
        assert contact.phone == MOBILE
        assert db.session.get(Ticket, world["ticket_id"]).contact_phone == OTHER

        client = fresh_client(copied)
        login(client, "desk_a")
        page = client.get(f"/tickets/{world['ticket_id']}")
        assert page.status_code == 200
        assert "仓库消防通道被占用。" in page.get_data(as_text=True)
        # The text index is made afresh from the copied tickets: a row for each, and the search box finds the demand.
        assert db.session.scalar(text("SELECT count(*) FROM search_ticket_text")) == copied_rows["ticket"]
        listed = client.get("/tickets/", query_string={"q": "消防通道"}).get_data(as_text=True)
        assert "<mark>消防通道</mark>" in listed
        assert db.session.scalar(text("SELECT count(*) FROM search_enterprise")) == copied_rows["enterprise"]

        # The ids go on from the copied ones: no duplicate key on the next insert.
        before = db.session.scalar(select(func.max(Ticket.id)))
        ticket = tickets.register(actor_for("desk_a"), tickets.Intake(
            enterprise_id=world["enterprise_id"], channel="hotline", category="dispute", ticket_class="general",
            handling_mode="follow", description="复制之后的第一件诉求。"))
        enterprise = registry.create(actor_for("desk_a"), {"name": "诸暨恒泰袜业有限公司", "credit_code": code(2)})
        db.session.commit()
        assert ticket.id == before + 1
        assert enterprise.id == world["enterprise_id"] + 1
        assert verify().intact


def test_a_target_that_is_not_empty_is_refused_and_left_as_it_was(app, world, target_url, target_engine):
    with target_engine.begin() as connection:
        connection.execute(text("CREATE TABLE notes (id integer primary key, body varchar(20))"))
        connection.execute(text("INSERT INTO notes VALUES (1, 'keep me')"))

    result = run_copy(app, target_url)

    assert result.exit_code == 1
    assert "notes" in result.output
    assert rows_per_table(target_engine) == {"notes": 1}


def test_a_second_copy_into_the_copied_database_is_refused(app, world, target_url, target_engine):
    assert run_copy(app, target_url).exit_code == 0
    copied = rows_per_table(target_engine)

    with pytest.raises(database_copy.CopyError, match="alembic_version"):
        database_copy.copy_database(shell_actor(), target_url)
    assert rows_per_table(target_engine) == copied


def test_a_source_behind_the_migrations_is_refused(app, world, target_url, target_engine):
    db.session.execute(text("DELETE FROM alembic_version"))
    db.session.commit()

    result = run_copy(app, target_url)

    assert result.exit_code == 1
    assert "anqi db upgrade" in result.output
    assert rows_per_table(target_engine) == {}


def test_a_failure_half_way_leaves_the_target_empty(app, world, target_url, target_engine, monkeypatch):
    def broken(*_args, **_kwargs):
        raise OperationalError("UPDATE", {}, Exception("could not extend file: No space left on device"))

    monkeypatch.setattr(database_copy, "_fill_deferred", broken)

    result = run_copy(app, target_url)

    assert result.exit_code == 1
    assert "No space left on device" in result.output
    assert rows_per_table(target_engine) == {}


def test_an_unreachable_target_is_named_without_its_password(app, world):
    result = run_copy(app, "postgresql+psycopg://anqi:s3cret-pw@127.0.0.1:1/anqi")

    assert result.exit_code == 1
    assert "postgresql+psycopg://anqi:…@127.0.0.1:1/anqi" in result.output
    assert "s3cret-pw" not in result.output


@pytest.mark.parametrize("url, shown", [
    ("postgresql+psycopg://anqi:secret@db:5432/anqi", "postgresql+psycopg://anqi:…@db:5432/anqi"),
    ("redis://:secret@127.0.0.1:6379/0", "redis://:…@127.0.0.1:6379/0"),
    ("postgresql+psycopg://anqi@db/anqi", "postgresql+psycopg://anqi@db/anqi"),
    ("sqlite:////srv/anqi/instance/anqi.db", "sqlite:////srv/anqi/instance/anqi.db"),
])
def test_addresses_are_shown_without_their_password(url, shown):
    assert redact_url(url) == shown


if PG_URL:   # only PostgreSQL checks the lengths SQLite lets through
    @pytest.mark.parametrize("target_url", ["postgresql"], indirect=True)
    def test_a_value_the_target_refuses_names_the_table_and_leaves_it_empty(app, world, target_url, target_engine):
        db.session.execute(text("UPDATE ticket_event SET kind = :kind WHERE id = 1"), {"kind": "k" * 40})
        db.session.commit()

        result = run_copy(app, target_url)

        assert result.exit_code == 1
        assert "ticket_event" in result.output and "varying(24)" in result.output
        assert rows_per_table(target_engine) == {}

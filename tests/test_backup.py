"""Backup and restore: a set taken while another process writes restores into an
empty instance with the same rows and files; a damaged set, a non-empty target
and a missing tool are refused with a message that says what is wrong."""
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, inspect, select, table, text
from sqlalchemy.engine import make_url

from core import clock, create_app
from core.backup import services as backup
from core.backup.contents import FOLDERS
from core.documents import rendering, seals, signing
from core.documents import services as documents
from core.documents.models import UnitSeal
from core.extensions import db
from core.org.actor import shell_actor
from core.registry import services as registry
from core.tickets import attachments
from core.tickets import services as tickets
from core.tickets.models import TicketAttachment
from tests.conftest import actor_for, on_databases
from tests.helpers import code
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)

ROOT = Path(__file__).resolve().parent.parent
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(200))

# Registers tickets with an attachment, one transaction each, through the
# services, until the time is up; says "ready" after the first.
WRITER = """
import io, sys, time
from core import create_app
from core.org.actor import Actor
from core.org.services import user_by_username
from core.tickets import attachments, services as tickets

url, enterprise_id, seconds, png = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), bytes.fromhex(sys.argv[4])
app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
with app.app_context():
    actor = Actor(user=user_by_username("desk_a"), address="127.0.0.1")
    end, n = time.monotonic() + seconds, 0
    while time.monotonic() < end:
        files = attachments.check_uploads([(f"photo{n}.png", io.BytesIO(png + n.to_bytes(4, "big")))])
        tickets.register(actor, tickets.Intake(
            enterprise_id=enterprise_id, channel="walk_in", category="safety", ticket_class="general",
            handling_mode="follow", description=f"writer {n}", attachments=files))
        n += 1
        if n == 1:
            print("ready", flush=True)
    print(n, flush=True)
"""


def cli(app, *args, input=None):
    with app.app_context():
        return app.test_cli_runner().invoke(args=[str(a) for a in args], input=input)


def rows_per_table(engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {name: connection.scalar(select(func.count()).select_from(table(name)))
                for name in inspect(connection).get_table_names()}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def enterprise_id(city):
    enterprise = registry.create(actor_for("desk_a"), {"name": "浙江华达科技有限公司", "credit_code": code(1)})
    return enterprise.id


@pytest.fixture
def stored(city, enterprise_id, monkeypatch):
    """An instance with a ticket attachment, an issued PDF and a scanned receipt."""
    monkeypatch.setattr(rendering, "render", lambda _letter: b"%PDF-1.7 issued letter")
    monkeypatch.setattr(signing, "sign", lambda _signer, pdf: pdf)     # the stand-in above is no real PDF
    desk = actor_for("desk")
    city.centre.doc_prefix = "诸公经"
    db.session.commit()
    clock.freeze(datetime(2026, 11, 20, 2, 0))
    tickets.register(actor_for("desk_a"), tickets.Intake(
        enterprise_id=enterprise_id, channel="walk_in", category="safety", ticket_class="general",
        handling_mode="follow", description="仓库消防通道被占用。",
        attachments=attachments.check_uploads([("photo.png", io.BytesIO(PNG))])))
    document = documents.create(desk, documents.Draft(
        doc_type="letter", title="关于防范非法集资风险的提示函", addressees=["浙江华达科技有限公司"], copies=[],
        body=[("p", "请高度重视。")]))
    documents.submit(desk, document.id)
    documents.sign_off(actor_for("leader"), document.id)
    seals.upload(actor_for("admin"), city.centre.id, io.BytesIO(seals.sample(city.centre.name)))
    documents.issue(desk, document.id)       # with the seal; the unit's signing key and the authority made
    [receipt] = attachments.check_uploads([("receipt.png", io.BytesIO(PNG + b"receipt"))])
    documents.deliver(desk, document.id, "王经理", datetime(2026, 11, 20, 2, 0), "in_person", receipt=receipt)
    db.session.commit()


@pytest.fixture
def target_url(database_url, tmp_path):
    """An empty database of the same kind as the test's, for the restore."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored' / 'anqi.db'}"
        return
    url = make_url(database_url)
    name = f"{url.database}_restore"
    admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def target(target_url, tmp_path, monkeypatch):
    """An empty instance: another instance folder and another database."""
    monkeypatch.setenv("ANQI_INSTANCE_PATH", str(tmp_path / "restored"))
    app = create_app({"SQLALCHEMY_DATABASE_URI": target_url, "TESTING": True})
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def take(app, out) -> Path:
    db.session.commit()
    result = cli(app, "backup", "--out", out)
    assert result.exit_code == 0, result.output
    [path] = [p for p in Path(out).iterdir() if p.name in result.output.strip().splitlines()[-1]
              and not p.name.endswith(".partial")]
    return path


def manifest_of(path: Path) -> dict:
    return json.loads((path / "manifest.json").read_text())


# --- the round trip --------------------------------------------------------------------

def test_a_backup_taken_while_another_process_writes_restores_whole(app, stored, enterprise_id, target,
                                                                    database_url, tmp_path):
    db.session.commit()      # no transaction (on SQLite: no write lock) held while the writer runs
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, database_url, str(enterprise_id), "4", PNG.hex()],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "ANQI_INSTANCE_PATH": app.instance_path})
    try:
        assert writer.stdout.readline().strip() == "ready", writer.stderr.read()
        time.sleep(0.5)
        path = take(app, tmp_path / "sets")
        written = int(writer.stdout.readline())
        assert writer.wait(timeout=30) == 0, writer.stderr.read()
    finally:
        writer.kill()
        writer.wait()
    manifest = manifest_of(path)
    rows = manifest["database"]["rows"]
    # The writer went on while the backup was taken: the set holds the first ticket and
    # some of the writer's, not all of them.
    assert 1 < rows["ticket"] < 1 + written
    assert rows_per_table(db.engine)["ticket"] == 1 + written
    assert rows["ticket_attachment"] == rows["ticket"]      # one attachment each
    assert manifest["keys"]["secret_key"] == "included" and manifest["missing"] == []
    # The personal-data key file is taken whenever the instance has made one.
    key_file = Path(app.instance_path) / "personal_data_keys"
    assert manifest["keys"]["personal_data_keys"] == ("included" if key_file.exists() else "no_file")

    result = cli(target, "restore", path, "--yes")
    assert result.exit_code == 0, result.output
    with target.app_context():
        restored = rows_per_table(db.engine)
        assert restored == {**rows, "audit_entry": rows["audit_entry"] + 1}   # + the restore's own entry
        folder = attachments.folder()
        named = db.session.execute(select(TicketAttachment.stored_name, TicketAttachment.sha256)).all()
        assert len(named) == rows["ticket_attachment"]
        for stored_name, digest in named:
            assert sha256(folder / stored_name) == digest
        bases = {f.name: f.path(target) for f in FOLDERS}
        seal_name = db.session.scalar(select(UnitSeal.file_name))
        restored_seal = seals.image(shell_actor(), db.session.scalar(select(UnitSeal.unit_id)))
        restored_key = (Path(target.instance_path) / "secret_key").read_text()
    assert restored_key == (Path(app.instance_path) / "secret_key").read_text()
    for entry in manifest["files"]:
        kind, _, rest = entry["path"].partition("/")
        if kind == "files":
            name, _, inner = rest.partition("/")
            assert sha256(bases[name] / inner) == entry["sha256"], entry["path"]
    assert any(e["path"].startswith("files/documents/receipts/") for e in manifest["files"])
    # The seals and the signing keys, sealed, come back and open with the restored keys.
    listed = {e["path"] for e in manifest["files"]}
    assert f"files/document-seals/{seal_name}" in listed and "files/document-signing/ca-certificate.pem" in listed
    assert "files/document-signing/ca-key.pem.sealed" in listed
    assert restored_seal.startswith(b"\x89PNG")
    assert any(e["path"].endswith(".pdf") for e in manifest["files"])


@on_databases("sqlite")  # the schema check is the same on PostgreSQL; one database is enough
def test_a_set_whose_schema_is_older_restores_and_asks_for_an_upgrade(tmp_path, monkeypatch, target):
    import flask_migrate

    monkeypatch.setenv("ANQI_INSTANCE_PATH", str(tmp_path / "old"))
    old = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'old.db'}", "TESTING": True})
    with old.app_context():
        flask_migrate.upgrade(revision="core_0004")
        path = take(old, tmp_path / "sets")
        db.engine.dispose()
    result = cli(target, "restore", path, "--yes")
    assert result.exit_code == 0, result.output
    assert "anqi db upgrade" in result.output
    with target.app_context():
        assert rows_per_table(db.engine)["alembic_version"] == 1


# --- refusals --------------------------------------------------------------------------------

@pytest.mark.parametrize("damage", ["altered", "removed", "added"])
def test_a_damaged_set_is_refused_naming_the_file(app, stored, target, tmp_path, damage):
    path = take(app, tmp_path / "sets")
    [entry] = [e for e in manifest_of(path)["files"] if e["path"].startswith("files/attachments/")]
    victim = path / entry["path"]
    if damage == "altered":
        victim.write_bytes(victim.read_bytes()[:-1] + b"?")
    elif damage == "removed":
        victim.unlink()
    else:
        victim = path / "files" / "attachments" / "smuggled.png"
        victim.write_bytes(PNG)
    named = victim.relative_to(path).as_posix()

    checked = cli(app, "backup", "verify", path)
    assert checked.exit_code == 1 and named in checked.output
    refused = cli(target, "restore", path, "--yes")
    assert refused.exit_code == 1 and named in refused.output
    with target.app_context():
        assert rows_per_table(db.engine) == {}                 # nothing restored
        assert not any(attachments.folder().iterdir())


def test_a_damaged_manifest_is_refused(app, city, tmp_path):
    path = take(app, tmp_path / "sets")
    manifest = manifest_of(path)
    manifest["database"]["rows"]["enterprise"] += 1
    (path / "manifest.json").write_text(json.dumps(manifest))
    checked = cli(app, "backup", "verify", path)
    assert checked.exit_code == 1 and "manifest.json" in checked.output


def test_restore_into_an_instance_with_data_is_refused(app, stored, tmp_path):
    path = take(app, tmp_path / "sets")
    before = rows_per_table(db.engine)
    result = cli(app, "restore", path, "--yes")
    assert result.exit_code == 1
    db.session.rollback()
    assert rows_per_table(db.engine) == before


def test_restore_into_an_instance_with_stored_files_is_refused(app, stored, target, tmp_path):
    path = take(app, tmp_path / "sets")
    with target.app_context():
        leftover = attachments.folder() / "old.png"
        leftover.write_bytes(PNG)
    result = cli(target, "restore", path, "--yes")
    assert result.exit_code == 1 and str(leftover.parent) in result.output
    with target.app_context():
        assert rows_per_table(db.engine) == {}


def test_restore_asks_first(app, city, target, tmp_path):
    path = take(app, tmp_path / "sets")
    result = cli(target, "restore", path, input="n\n")
    assert result.exit_code == 1
    with target.app_context():
        assert rows_per_table(db.engine) == {}


# --- the command's other answers ----------------------------------------------------------

def test_keys_left_out_are_named_at_restore(app, city, target, tmp_path):
    db.session.commit()
    result = cli(app, "backup", "--out", tmp_path / "sets", "--no-keys")
    assert result.exit_code == 0, result.output
    [path] = list((tmp_path / "sets").iterdir())
    assert manifest_of(path)["keys"]["secret_key"] == "left_out" and not (path / "keys").exists()
    assert manifest_of(path)["keys"]["personal_data_keys"] in ("left_out", "no_file")
    key = Path(target.instance_path) / "secret_key"
    own = key.read_text()
    restored = cli(target, "restore", path, "--yes")
    assert restored.exit_code == 0, restored.output
    assert "secret_key" in restored.output and str(key) in restored.output
    assert key.read_text() == own


def test_a_stored_file_missing_from_the_instance_is_reported(app, stored, tmp_path):
    name = db.session.scalar(select(TicketAttachment.stored_name))
    (attachments.folder() / name).unlink()
    db.session.commit()
    result = cli(app, "backup", "--out", tmp_path / "sets")
    assert result.exit_code == 1 and name in result.output
    [path] = list((tmp_path / "sets").iterdir())
    assert manifest_of(path)["missing"] == [f"files/attachments/{name}"]
    assert cli(app, "backup", "verify", path).exit_code == 0     # the set itself is whole


def test_verify_answers(app, city, tmp_path):
    path = take(app, tmp_path / "sets")
    assert path.parent == tmp_path / "sets" and (path.stat().st_mode & 0o077) == 0
    good = cli(app, "backup", "verify", path)
    assert good.exit_code == 0 and str(len(manifest_of(path)["files"])) in good.output
    assert cli(app, "backup", "verify", tmp_path / "nowhere").exit_code == 1
    archive = tmp_path / "set.tar"
    archive.write_bytes(b"")
    unpack = cli(app, "backup", "verify", archive)
    assert unpack.exit_code == 1 and "tar -xf" in unpack.output
    partial = tmp_path / "sets" / "20260101T000000Z.partial"
    shutil.copytree(path, partial)
    assert cli(app, "backup", "verify", partial).exit_code == 1
    # The default place is the instance's backups folder; a second set in the same second gets its own name.
    db.session.commit()
    first, second = cli(app, "backup"), cli(app, "backup")
    assert first.exit_code == second.exit_code == 0
    assert len(list((Path(app.instance_path) / "backups").iterdir())) == 2


def test_a_folder_the_backup_cannot_write_into_is_named_with_the_fix(app, city, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    result = cli(app, "backup", "--out", blocker / "sets")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert str(blocker / "sets") in result.output and "install -d -o anqi" in result.output
    assert blocker.read_text() == ""


# --- PostgreSQL's tools -----------------------------------------------------------------------

@pytest.fixture
def fake_tool(app, tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()

    def install(name, version):
        tool = bin_dir / name
        tool.write_text(f"#!/bin/sh\necho '{name} (PostgreSQL) {version}'\n")
        tool.chmod(0o755)

    monkeypatch.setenv("PATH", str(bin_dir))
    return install


@on_databases("postgresql")  # pg_dump is used on PostgreSQL only
def test_a_missing_pg_dump_is_named(app, city, fake_tool, tmp_path):
    result = cli(app, "backup", "--out", tmp_path / "sets")
    assert result.exit_code == 1 and "pg_dump" in result.output and "postgresql-client" in result.output
    assert not any((tmp_path / "sets").iterdir())


@on_databases("postgresql")
def test_a_pg_dump_older_than_the_server_is_refused(app, city, fake_tool, tmp_path):
    fake_tool("pg_dump", "9.6")
    result = cli(app, "backup", "--out", tmp_path / "sets")
    assert result.exit_code == 1 and "9.6" in result.output
    assert not any((tmp_path / "sets").iterdir())


def test_the_configuration_file_is_kept_for_reference_only(app, city, target, tmp_path):
    (Path(app.instance_path) / "config.py").write_text("PAGE_SIZE = 50\n")
    path = take(app, tmp_path / "sets")
    assert manifest_of(path)["config"] == ["config.py"]
    assert (path / "config" / "config.py").read_text() == "PAGE_SIZE = 50\n"
    result = cli(target, "restore", path, "--yes")
    assert result.exit_code == 0, result.output
    assert str(path / "config" / "config.py") in result.output
    assert not (Path(target.instance_path) / "config.py").exists()


@on_databases("sqlite")  # files only: the database plays no part
def test_the_licensed_fonts_of_the_documents_are_in_the_set(app, city, target, tmp_path):
    from core.documents import fonts

    font = Path(app.instance_path) / "fonts" / "仿宋_GB2312.ttf"
    font.parent.mkdir(parents=True)
    font.write_bytes(b"\x00\x01\x00\x00 licensed face " * 64)
    path = take(app, tmp_path / "sets")
    listed = {entry["path"]: entry["sha256"] for entry in manifest_of(path)["files"]}
    assert listed["files/fonts/仿宋_GB2312.ttf"] == sha256(font)
    result = cli(target, "restore", path, "--yes")
    assert result.exit_code == 0, result.output
    with target.app_context():
        assert (fonts.folder() / "仿宋_GB2312.ttf").read_bytes() == font.read_bytes()
        assert fonts.folder() == Path(target.instance_path) / "fonts"


# --- the job queue and the pending imports -----------------------------------------------------

REDIS_URL = os.environ.get("ANQI_TEST_REDIS_URL")


@pytest.fixture
def queue_url(database_url, tmp_path):
    """Redis beside PostgreSQL (or beside SQLite when there is no PostgreSQL), else a SQLite queue file."""
    if REDIS_URL and (database_url.startswith("postgresql") or not os.environ.get("ANQI_TEST_DATABASE_URL")):
        return REDIS_URL
    return f"sqlite:///{tmp_path / 'queue' / 'huey.db'}"


def test_a_set_carries_the_queued_jobs_and_the_pending_imports(make_app, city, target_url, queue_url, tmp_path,
                                                              monkeypatch):
    """A batch queued and a job scheduled (on the SQLite queue file, or Redis) and an import file
    waiting are in the set, with checksums; the restore puts the jobs into the new instance's
    queue, where they run, and the file in place. A queue that is not empty is refused."""
    from core import tasks
    from core.config import storage_root
    from core.documents import batches
    from core.documents.models import Document

    monkeypatch.setattr(rendering, "render", lambda _letter: b"%PDF-1.7 issued letter")
    monkeypatch.setattr(signing, "sign", lambda _signer, pdf: pdf)     # the stand-in above is no real PDF
    city.centre.doc_prefix = "诸公经"
    db.session.commit()
    desk, leader = actor_for("desk"), actor_for("leader")
    ids = []
    for n in range(3):
        document = documents.create(desk, documents.Draft(doc_type="letter", title=f"提示函{n}", addressees=["企业"],
                                                          body=[("p", "请高度重视。")]))
        documents.submit(desk, document.id)
        documents.sign_off(leader, document.id)
        ids.append(document.id)
    db.session.commit()
    app = make_app(HUEY_IMMEDIATE=False, HUEY_URL=queue_url)
    tasks.huey.flush()
    tasks.forget_old_form_keys.schedule(delay=3600)         # a job for later: a worker that takes it
    tasks.huey.execute(tasks.huey.dequeue())                # puts it in the schedule
    batch_id = batches.create(desk, ids).id                 # one job, queued: no worker runs
    upload = storage_root(app) / "imports" / "7f3a-enterprises.csv"
    upload.parent.mkdir(parents=True)
    upload.write_bytes("名称,统一社会信用代码\n浙江华达科技有限公司,x\n".encode())
    path = take(app, tmp_path / "sets")
    manifest = manifest_of(path)
    assert manifest["queue"]["kind"] == ("redis" if queue_url.startswith("redis") else "sqlite")
    assert (manifest["queue"]["jobs"], manifest["queue"]["scheduled"]) == (1, 1)
    listed = {entry["path"]: entry["sha256"] for entry in manifest["files"]}
    assert listed[manifest["queue"]["file"]] == sha256(path / manifest["queue"]["file"])
    assert listed["files/imports/7f3a-enterprises.csv"] == sha256(upload)
    tasks.huey.flush()                                      # the queue is lost with the machine

    monkeypatch.setenv("ANQI_INSTANCE_PATH", str(tmp_path / "restored"))
    restored_queue = queue_url if queue_url.startswith("redis") else f"sqlite:///{tmp_path / 'restored-queue.db'}"
    target = create_app({"SQLALCHEMY_DATABASE_URI": target_url, "TESTING": True, "HUEY_IMMEDIATE": False,
                         "HUEY_URL": restored_queue})
    try:
        tasks.forget_old_form_keys()                        # a queue with a job: not an empty instance
        refused = cli(target, "restore", path, "--yes")
        assert refused.exit_code == 1 and "任务队列不是空的" in refused.output
        tasks.huey.flush()
        result = cli(target, "restore", path, "--yes")
        assert result.exit_code == 0, result.output
        assert "Background jobs: 2 put back" in result.output or "后台任务：2 个已放回" in result.output
        with target.app_context():
            assert tasks.huey.pending_count() == 1 and tasks.huey.scheduled_count() == 1
            assert [t.name for t in tasks.huey.scheduled()] == ["anqi.forms.forget_old_keys"]
            assert (storage_root(target) / "imports" / "7f3a-enterprises.csv").read_bytes() == upload.read_bytes()
            tasks.huey.execute(tasks.huey.dequeue())         # a worker of the restored instance runs the job
            assert batches.progress(batch_id).issued == 3
            assert {d.status for d in db.session.scalars(select(Document))} == {"issued"}
            db.session.remove()
    finally:
        tasks.huey.flush()
        with target.app_context():
            db.session.remove()
            db.engine.dispose()

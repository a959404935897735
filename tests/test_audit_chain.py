"""The audit trail proves itself: the hash chain, its verification, the database's
refusal to change or delete entries, retention and signed archives."""
import json
import logging
import stat
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from core import clock
from core.audit import chain, services as audit
from core.audit.archive import ArchiveError, archive, cutoff, verify_archive
from core.audit.models import AuditAnchor, AuditEntry
from core.audit.signing import SigningKeyError
from core.audit.verification import EDITED, UNLINKED, verify
from core.errors import Forbidden
from core.extensions import db
from core.org.actor import Actor, shell_actor
from core.registry import services as registry
from core.tickets import services as tickets
from tests.conftest import actor_for, login, on_databases
from tests.helpers import code, count, fresh_client
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)


def ids(*where) -> list[int]:
    db.session.rollback()
    stmt = select(AuditEntry.id).order_by(AuditEntry.id)
    for clause in where:
        stmt = stmt.where(clause)
    return list(db.session.scalars(stmt))


def tamper(statement: str, **params) -> None:
    """What an attacker with rights on the database does: switch the guard off, change rows, switch it on."""
    db.session.rollback()
    postgres = db.engine.dialect.name == "postgresql"
    if postgres:
        db.session.execute(text("ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_append_only"))
    else:
        db.session.execute(text("DROP TRIGGER audit_entry_no_update"))
        db.session.execute(text("DROP TRIGGER audit_entry_no_delete"))
    db.session.execute(text(statement), params)
    if postgres:  # the PostgreSQL database is shared by the whole session: put the guard back
        db.session.execute(text("ALTER TABLE audit_entry ENABLE TRIGGER audit_entry_append_only"))
    db.session.commit()


def some_work(city):
    """Ordinary use: an enterprise registered and edited, a ticket through its first steps, a login."""
    desk = actor_for("desk")
    enterprise = registry.create(actor_for("desk_a"), {"name": "浙江华达科技有限公司", "credit_code": code(1)})
    registry.update(actor_for("desk_a"), enterprise.id, {"district": "暨阳街道"})
    ticket = tickets.register(desk, tickets.Intake(
        enterprise_id=enterprise.id, channel="hotline", category="dispute", ticket_class="general",
        handling_mode="follow", description="厂区门口有人堵路，影响出货。"))
    tickets.dispatch(desk, ticket.id, city.station_a.id)
    with pytest.raises(Forbidden):
        audit.search(actor_for("desk"))
    audit.record_failure(actor_for("desk"), "audit.read", result=audit.DENIED)


def real_now() -> datetime:
    clock.freeze(None)
    return clock.now()


# --- the chain --------------------------------------------------------------------------------

def test_ordinary_use_builds_one_unbroken_chain(app, city):
    some_work(city)
    client = fresh_client(app)
    login(client, "desk_a")
    db.session.rollback()
    entries = list(db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
    assert len(entries) > 15
    assert entries[0].prev_hash == chain.GENESIS
    for before, entry in zip(entries, entries[1:]):
        assert entry.prev_hash == before.hash
        assert entry.hash == chain.hash_of(entry) and len(entry.hash) == 64
    assert len({e.hash for e in entries}) == len(entries)

    result = verify()
    assert result.intact and result.checked == len(entries)
    assert (result.head_id, result.head_hash) == (entries[-1].id, entries[-1].hash)


def test_entries_added_in_one_transaction_chain_in_id_order(app, city):
    actor = shell_actor()
    for n in range(5):
        audit.record(actor, "test.batch", object_type="test", object_id=n, detail={"n": n, "tuple": (1, 2)})
    db.session.commit()
    rows = db.session.execute(select(AuditEntry.object_id, AuditEntry.detail).where(AuditEntry.action == "test.batch")
                              .order_by(AuditEntry.id)).all()
    assert [r.object_id for r in rows] == ["0", "1", "2", "3", "4"]
    assert rows[0].detail == {"n": 0, "tuple": [1, 2]}  # stored as hashed
    assert verify().intact


# SQLite serialises writers with BEGIN IMMEDIATE; the advisory lock is PostgreSQL's.
@on_databases("postgresql")
def test_concurrent_writers_keep_one_chain(app, city):
    writers, each = 6, 15
    errors, barrier = [], threading.Barrier(writers)

    def write(n):
        try:
            with app.app_context():  # a session of its own
                actor = Actor(user=None, address=f"writer-{n}", is_shell=True)
                barrier.wait()
                for i in range(each):
                    audit.record(actor, "test.concurrent", object_type="test", object_id=f"{n}-{i}")
                    db.session.flush()
                    time.sleep(0.002)  # the business transaction goes on after its entry was written
                    db.session.commit()
                db.session.remove()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert count(AuditEntry, AuditEntry.action == "test.concurrent") == writers * each
    result = verify()
    assert result.intact, result.message
    prevs = db.session.scalars(select(AuditEntry.prev_hash)).all()
    assert len(prevs) == len(set(prevs))  # no two entries follow the same one: no fork


# --- tampering ---------------------------------------------------------------------------------

def test_an_entry_edited_in_the_database_is_named(app, city):
    some_work(city)
    victim = ids(AuditEntry.action == "enterprise.update")[0]
    assert verify().intact
    tamper("UPDATE audit_entry SET username = 'someone_else' WHERE id = :id", id=victim)
    result = verify()
    assert not result.intact
    assert (result.broken_id, result.problem) == (victim, EDITED)
    assert str(victim) in str(result.message)


def test_an_entry_rewritten_with_a_fresh_hash_breaks_the_next_link(app, city):
    some_work(city)
    entries = ids()
    victim, after = entries[5], entries[6]
    row = db.session.get(AuditEntry, victim)
    forged = chain.entry_hash(row.prev_hash, row.at, row.user_id, row.username, row.unit_id, row.address,
                              row.action, row.object_type, row.object_id, "denied", row.detail)
    tamper("UPDATE audit_entry SET result = 'denied', hash = :h WHERE id = :id", h=forged, id=victim)
    result = verify()
    assert (result.intact, result.broken_id, result.problem, result.after_id) == (False, after, UNLINKED, victim)


def test_a_deleted_entry_is_named(app, city):
    some_work(city)
    entries = ids()
    tamper("DELETE FROM audit_entry WHERE id = :id", id=entries[4])
    result = verify()
    assert (result.intact, result.broken_id, result.problem, result.after_id) == (
        False, entries[5], UNLINKED, entries[3])
    assert str(entries[5]) in str(result.message) and str(entries[3]) in str(result.message)


def test_deleting_the_first_entries_is_seen(app, city):
    some_work(city)
    entries = ids()
    tamper("DELETE FROM audit_entry WHERE id <= :id", id=entries[1])
    result = verify()
    assert (result.intact, result.broken_id, result.after_id) == (False, entries[2], None)


def test_the_database_refuses_to_change_or_delete_entries(app, city):
    some_work(city)
    entry_id = ids()[-1]
    for statement in ("UPDATE audit_entry SET result = 'denied' WHERE id = :id",
                      "UPDATE audit_entry SET at = '2000-01-01 00:00:00' WHERE id = :id",
                      "DELETE FROM audit_entry WHERE id = :id", "DELETE FROM audit_entry"):
        db.session.rollback()
        with pytest.raises(DBAPIError, match="append-only|cannot be deleted"):
            db.session.execute(text(statement), {"id": entry_id})
        db.session.rollback()
    if db.engine.dialect.name == "postgresql":
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(text("TRUNCATE audit_entry"))
        db.session.rollback()
    assert ids()[-1] == entry_id and verify().intact


def test_the_database_lets_only_entries_past_the_minimum_retention_be_deleted(app, city):
    now = real_now()
    clock.freeze(now - timedelta(days=181))
    audit.record(shell_actor(), "test.old")
    db.session.commit()
    clock.freeze(now - timedelta(days=179))
    audit.record(shell_actor(), "test.young")
    db.session.commit()
    clock.freeze(None)
    with pytest.raises(DBAPIError, match="cannot be deleted"):
        db.session.execute(text("DELETE FROM audit_entry WHERE action = 'test.young'"))
    db.session.rollback()
    with pytest.raises(DBAPIError, match="append-only"):  # old or not, never changed
        db.session.execute(text("UPDATE audit_entry SET username = 'x' WHERE action = 'test.old'"))
    db.session.rollback()
    db.session.execute(text("DELETE FROM audit_entry WHERE action = 'test.old'"))  # what the archive job does
    db.session.commit()
    assert ids(AuditEntry.action == "test.old") == []
    assert not verify().intact  # ... and without an archive anchor, the gap shows


def test_the_orm_refuses_to_change_anchors(app, city):
    db.session.add(AuditAnchor(file_name="x", file_sha256="0" * 64, entries=1, first_entry_id=1, last_entry_id=1,
                               first_at=clock.now(), last_at=clock.now(), prev_hash=chain.GENESIS,
                               last_hash=chain.GENESIS, key_id="k"))
    db.session.commit()
    anchor = db.session.scalar(select(AuditAnchor))
    anchor.entries = 2
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.commit()
    db.session.rollback()
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(text("DELETE FROM audit_anchor"))
    db.session.rollback()


# --- retention and archives -------------------------------------------------------------------

def history(days_ago: list[int]) -> None:
    """Entries written ``days_ago`` (real time: the database's trigger uses its own clock)."""
    now = real_now()
    for n, days in enumerate(days_ago):
        clock.freeze(now - timedelta(days=days))
        audit.record(Actor(user=None, address="10.0.0.1", is_shell=True), "test.history", object_type="test",
                     object_id=n, detail={"n": n, "名称": "企业"})
        db.session.commit()
    clock.freeze(None)


def test_archive_and_verify_archive_round_trip(app, tmp_path, request):
    history([400, 390, 300, 200, 100, 10])
    request.getfixturevalue("city")  # entries of today after the history
    due = ids(AuditEntry.at < cutoff(real_now(), 180))
    assert len(due) == 4

    app.config["AUDIT_RETENTION_DAYS"] = 365  # first the oldest two
    first = archive(shell_actor())
    assert (first.entries, first.first_id, first.last_id) == (2, due[0], due[1])
    app.config["AUDIT_RETENTION_DAYS"] = 180
    written = archive(shell_actor())
    assert (written.entries, written.first_id, written.last_id) == (2, due[2], due[3])

    folder = written.file.parent
    assert folder == tmp_path / "instance" / "audit-archive"
    assert stat.S_IMODE(written.file.stat().st_mode) == 0o600
    key = tmp_path / "instance" / "audit-signing-key.pem"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert len(list(folder.glob("audit-signing-key-*.pub.pem"))) == 1

    lines = written.file.read_text().splitlines()
    anchors = db.session.scalars(select(AuditAnchor).order_by(AuditAnchor.id)).all()
    assert json.loads(first.file.read_text().splitlines()[0])["prev_hash"] == chain.GENESIS
    assert json.loads(lines[0])["prev_hash"] == anchors[0].last_hash  # the second follows the first
    assert [json.loads(line)["id"] for line in lines[1:3]] == due[2:]
    assert ids(AuditEntry.id.in_(due)) == []  # removed from the database
    assert [(a.file_name, a.entries, a.last_entry_id) for a in anchors] == [
        (first.file.name, 2, due[1]), (written.file.name, 2, due[3])]
    assert anchors[1].file_sha256 == written.sha256 and anchors[1].last_hash == json.loads(lines[2])["hash"]
    archived = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "audit.archive")).all()
    assert [a.detail["entries"] for a in archived] == [2, 2] and archived[0].username == "cli"

    result = verify()  # continues from the anchors
    assert result.intact and result.anchors == 2 and result.checked == count(AuditEntry)
    check = verify_archive(written.file)
    assert check.intact and (check.entries, check.first_id, check.last_id) == (2, due[2], due[3])

    runner = app.test_cli_runner()
    outcome = runner.invoke(args=["audit", "verify-archive", str(first.file)])
    assert outcome.exit_code == 0, outcome.output
    assert first.sha256 in outcome.output
    assert archive(shell_actor()) is None  # nothing more is due


def test_a_tampered_archive_is_detected(app):
    history([400, 390, 380])
    written = archive(shell_actor())
    original = written.file.read_text()
    runner = app.test_cli_runner()

    lines = original.splitlines(keepends=True)
    edited = json.loads(lines[2])
    edited["username"] = "someone_else"
    written.file.write_text(lines[0] + lines[1] + chain.canonical_json(edited) + "\n" + "".join(lines[3:]))
    assert verify_archive(written.file).reason == "entry"
    outcome = runner.invoke(args=["audit", "verify-archive", str(written.file)])
    assert outcome.exit_code == 1 and str(edited["id"]) in outcome.output

    # Rewritten with fresh hashes all the way down: the chain holds, the signature does not.
    entries = [json.loads(line) for line in lines[1:4]]
    entries[1]["username"] = "someone_else"
    prev = entries[0]["hash"]
    for entry in entries[1:]:
        entry["prev_hash"] = prev
        fields = dict(entry, at=datetime.fromisoformat(entry["at"]))
        entry["hash"] = prev = chain.hash_of(type("Row", (), fields))
    footer = json.loads(lines[4])
    footer["last_hash"] = prev
    forged = lines[0] + "".join(chain.canonical_json(e) + "\n" for e in entries) + chain.canonical_json(footer) + "\n" + lines[5]
    written.file.write_text(forged)
    check = verify_archive(written.file)
    assert (check.intact, check.reason) == (False, "signature")
    assert runner.invoke(args=["audit", "verify-archive", str(written.file)]).exit_code == 1

    written.file.write_text("".join(lines[:-1]))  # the signature cut off
    assert verify_archive(written.file).reason == "incomplete"
    written.file.write_text(original)
    assert verify_archive(written.file).intact


def test_a_broken_chain_is_not_archived(app):
    history([400, 390, 380])
    victim = ids(AuditEntry.action == "test.history")[1]
    tamper("UPDATE audit_entry SET detail = '{}' WHERE id = :id", id=victim)
    with pytest.raises(ArchiveError) as refused:
        archive(shell_actor())
    assert str(victim) in str(refused.value.message)
    assert len(ids(AuditEntry.action == "test.history")) == 3  # nothing removed
    assert count(AuditAnchor) == 0
    assert not list(Path(app.instance_path, "audit-archive").glob("audit-*.jsonl"))
    failure = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "audit.archive")).one()
    assert failure.result == audit.REJECTED and failure.object_id == str(victim)


def test_the_database_not_the_application_decides_what_is_old_enough(app):
    history([100])
    clock.freeze(real_now() + timedelta(days=100))  # a wrong (or lying) application clock
    with pytest.raises(ArchiveError):
        archive(shell_actor())
    clock.freeze(None)
    assert len(ids(AuditEntry.action == "test.history")) == 1 and count(AuditAnchor) == 0
    assert not list(Path(app.instance_path, "audit-archive").glob("audit-*.jsonl"))
    failure = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "audit.archive")).one()
    assert (failure.result, failure.detail["reason"]) == (audit.REJECTED, "database refused")
    assert verify().intact


def test_only_the_shell_archives(app, city):
    with pytest.raises(Forbidden):
        archive(actor_for("auditor"))


@pytest.mark.parametrize("app_config", [{"AUDIT_RETENTION_DAYS": 365}])
def test_a_longer_retention_keeps_entries_longer(app):
    history([400, 200])
    written = archive(shell_actor())
    assert written.entries == 1
    assert ids(AuditEntry.action == "test.history") != []


def test_a_retention_below_180_days_is_raised_with_a_warning(make_app, caplog):
    with caplog.at_level(logging.WARNING, logger="anqi.audit"):
        app = make_app(AUDIT_RETENTION_DAYS=30)
    assert app.config["AUDIT_RETENTION_DAYS"] == 180
    assert "180" in caplog.text and "AUDIT_RETENTION_DAYS" in caplog.text
    assert make_app(AUDIT_RETENTION_DAYS="400").config["AUDIT_RETENTION_DAYS"] == 400
    with pytest.raises(ValueError, match="AUDIT_RETENTION_DAYS"):
        make_app(AUDIT_RETENTION_DAYS="half a year")


def test_a_configured_signing_key_that_is_missing_stops_the_archive(make_app, tmp_path):
    app = make_app(AUDIT_SIGNING_KEY_FILE=str(tmp_path / "elsewhere" / "key.pem"))
    with app.app_context():
        history([400])
        with pytest.raises(SigningKeyError):
            archive(shell_actor())
        assert not (tmp_path / "elsewhere" / "key.pem").exists()
        assert ids(AuditEntry.action == "test.history")


# --- the command and the page -----------------------------------------------------------------

def test_anqi_audit_verify_exit_codes(app, city):
    some_work(city)
    runner = app.test_cli_runner()
    outcome = runner.invoke(args=["audit", "verify"])
    assert outcome.exit_code == 0, outcome.output
    victim = ids(AuditEntry.action == "ticket.register")[0]
    tamper("UPDATE audit_entry SET address = '10.9.9.9' WHERE id = :id", id=victim)
    outcome = runner.invoke(args=["audit", "verify"])
    assert outcome.exit_code == 1 and str(victim) in outcome.output and "Traceback" not in outcome.output
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "audit.verify")
                               .order_by(AuditEntry.id.desc())).first()
    assert entry.detail["intact"] is False and entry.detail["broken_id"] == victim


def test_anqi_audit_archive_command(app):
    runner = app.test_cli_runner()
    outcome = runner.invoke(args=["audit", "archive"])
    assert outcome.exit_code == 0 and count(AuditAnchor) == 0
    history([400, 399])
    outcome = runner.invoke(args=["audit", "archive"])
    assert outcome.exit_code == 0, outcome.output
    assert count(AuditAnchor) == 1


def test_the_auditor_page_verifies_and_shows_a_broken_chain(app, city):
    some_work(city)
    auditor = fresh_client(app)
    login(auditor, "auditor")
    page = auditor.get("/audit/").get_data(as_text=True)
    assert 'data-intact="unknown"' in page and 'data-retention-days="180"' in page

    response = auditor.post("/audit/verify")
    assert response.status_code == 302
    assert 'data-intact="yes"' in auditor.get("/audit/").get_data(as_text=True)

    victim = ids(AuditEntry.action == "enterprise.create")[0]
    tamper("UPDATE audit_entry SET object_id = '999' WHERE id = :id", id=victim)
    auditor.post("/audit/verify")
    page = auditor.get("/audit/").get_data(as_text=True)
    assert 'data-intact="no"' in page and f'data-broken-id="{victim}"' in page
    verifications = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "audit.verify")).all()
    assert [v.username for v in verifications] == ["auditor", "auditor"]

    for username in ("admin", "desk", "leader"):
        other = fresh_client(app)
        login(other, username)
        assert other.post("/audit/verify").status_code == 403
        assert other.get("/audit/").status_code == 403
    assert count(AuditEntry, AuditEntry.action == "audit.verify") == 2


def test_the_auditor_page_lists_the_archives(app, request):
    history([400, 390])
    written = archive(shell_actor())
    request.getfixturevalue("city")
    auditor = fresh_client(app)
    login(auditor, "auditor")
    page = auditor.get("/audit/").get_data(as_text=True)
    assert written.file.name in page and written.sha256 in page
    assert page.count('data-testid="audit-archive"') == 1
    # No way to change or remove an entry through any page.
    assert not [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("audit.")
                and rule.methods & {"POST", "PUT", "PATCH", "DELETE"} and rule.endpoint != "audit.verify"]


# --- the migration ------------------------------------------------------------------------------

@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_migration_chains_the_entries_written_before_it(make_app, tmp_path):
    import flask_migrate

    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'old.db'}")
    with app.app_context():
        flask_migrate.upgrade(revision="core_0005")
        for n in range(5):
            db.session.execute(text(
                "INSERT INTO audit_entry (at, user_id, username, unit_id, address, action, object_type, object_id, "
                "result, detail) VALUES (:at, NULL, 'cli', NULL, 'cli', 'old.entry', 'x', :n, 'ok', :detail)"),
                {"at": datetime(2026, 1, 1, 8, n, 0, 123456), "n": str(n),
                 "detail": None if n == 2 else json.dumps({"n": n, "名": "值"}, ensure_ascii=False)})
        db.session.commit()
        flask_migrate.upgrade(revision="heads")
        result = verify()
        assert result.intact and result.checked == 5
        audit.record(shell_actor(), "new.entry")
        db.session.commit()
        assert verify().intact and verify().checked == 6
        with pytest.raises(DBAPIError):
            db.session.execute(text("UPDATE audit_entry SET username = 'x'"))
        db.session.rollback()
        db.session.remove()


# --- the daily job ------------------------------------------------------------------------------

def test_the_daily_job_archives_then_verifies(app):
    from core import tasks

    assert "anqi.audit.daily" in [t.name for t in tasks.huey.read_periodic(datetime(2026, 3, 4, 19, 0))]
    assert "anqi.audit.daily" not in [t.name for t in tasks.huey.read_periodic(datetime(2026, 3, 4, 18, 0))]
    history([400, 300, 10])
    assert tasks.audit_daily().get() is None  # immediate mode in the tests; raises if the task failed
    assert count(AuditAnchor) == 1
    db.session.rollback()
    done = db.session.scalars(select(AuditEntry).where(AuditEntry.action.in_(["audit.archive", "audit.verify"]))
                              .order_by(AuditEntry.id)).all()
    assert [(e.action, e.username, e.result) for e in done] == [("audit.archive", "system", "ok"),
                                                                ("audit.verify", "system", "ok")]
    assert done[1].detail["intact"] is True and done[1].detail["anchors"] == 1

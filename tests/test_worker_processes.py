"""Background jobs in real `anqi worker` processes, as a deployment runs them:
two worker processes share one queue and one database, in the embedded set-up
(SQLite database, queue in a SQLite file) and, when ANQI_TEST_DATABASE_URL and
ANQI_TEST_REDIS_URL name the servers, the scaled-out one (PostgreSQL, Redis).
The document batch is issued exactly once
across them, two sweeps running at once notify nobody twice, and a worker with
``--max-jobs`` restarts itself and goes on."""
import hashlib
import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core import clock, tasks
from core.audit.models import AuditEntry
from core.documents import batches
from core.documents import services as documents
from core.documents.models import Document, DocumentBatch, DocumentBatchItem
from core.extensions import db
from core.notifications.models import Notification
from core.registry import services as registry
from core.tickets import services as tickets
from core.tickets.models import Ticket
from tests.conftest import actor_for, on_databases
from tests.helpers import code
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)

REDIS_URL = os.environ.get("ANQI_TEST_REDIS_URL")
PG_URL = os.environ.get("ANQI_TEST_DATABASE_URL")
ANQI = Path(sys.executable).with_name("anqi")
WAIT_SECONDS = int(os.environ.get("WAIT", 180))


@pytest.fixture
def queue_url(database_url, tmp_path):
    """Redis beside PostgreSQL (or beside SQLite when there is no PostgreSQL), else a SQLite file."""
    if REDIS_URL and (database_url.startswith("postgresql") or not PG_URL):
        return REDIS_URL
    return f"sqlite:///{tmp_path / 'queue' / 'huey.db'}"


@pytest.fixture
def app(make_app, queue_url):
    app = make_app(HUEY_IMMEDIATE=False, HUEY_URL=queue_url)
    tasks.huey.flush()  # a queue of its own: nothing left from another test or run
    with app.app_context():
        yield app


def worker_env(app, **settings) -> dict:
    return {**os.environ, "ANQI_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
            "ANQI_INSTANCE_PATH": app.instance_path, "ANQI_HUEY_URL": app.config["HUEY_URL"],
            "PYTHONUNBUFFERED": "1", "ANQI_PUBLIC_BASE_URL": "https://anqi.zhuji.example",  # a worker issues
            **{f"ANQI_{k}": str(v) for k, v in settings.items()}}


def start_worker(app, log: Path, *args: str, new_session: bool = False, **settings) -> subprocess.Popen:
    """One `anqi worker` process (one thread, no periodic jobs) on the app's database,
    queue and instance folder, its output appended to ``log``."""
    db.session.rollback()
    with log.open("a") as out:
        return subprocess.Popen([str(ANQI), "worker", "--workers", "1", "--no-periodic", *args],
                                env=worker_env(app, **settings), stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=new_session)


@contextmanager
def workers(app, count: int, *args: str, **settings):
    """``count`` `anqi worker` processes; yields the files their output goes to."""
    logs = [Path(app.instance_path) / f"worker-{n + 1}.log" for n in range(count)]
    started = [start_worker(app, log, *args, **settings) for log in logs]
    try:
        yield logs
    finally:
        for process in started:
            process.send_signal(signal.SIGINT)  # a graceful stop: running jobs finish
        for process in started:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        for log in logs:
            print(f"--- {log.name} ---\n{log.read_text()}")  # shown when the test fails


def wait_until(check, what: str):
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        done = check()
        # End the read: it sees what the workers committed since, and on SQLite
        # every transaction holds the write lock the workers need.
        db.session.rollback()
        if done:
            return
        time.sleep(0.2)
    raise AssertionError(f"the workers did not finish: {what}")


def signed_letters(city, count: int) -> list[int]:
    """``count`` short letters of the centre, signed off and ready to issue."""
    city.centre.doc_prefix = "诸公经"
    db.session.commit()
    desk, leader = actor_for("desk"), actor_for("leader")
    clock.freeze(datetime(2026, 11, 20, 2, 0))
    ids = []
    for n in range(count):
        document = documents.create(desk, documents.Draft(
            doc_type="letter", title=f"风险提示函 第{n + 1}号企业", addressees=[f"企业{n + 1}"],
            body=[("p", "请贵单位加强内部资金管理，防范职务侵占风险。")]))
        documents.submit(desk, document.id)
        documents.sign_off(leader, document.id)
        ids.append(document.id)
    clock.freeze(None)
    return ids


def test_two_worker_processes_issue_a_batch_once(app, city):
    ids = signed_letters(city, 2 * batches.CHUNK)  # two queued tasks for two workers
    desk = actor_for("desk")
    batch = batches.create(desk, ids)
    assert batches.progress(batch.id).pending == len(ids)  # queued, not run here
    with workers(app, 2):
        wait_until(lambda: batches.progress(batch.id).finished, "the batch")
    progress = batches.progress(batch.id)
    assert (progress.issued, progress.failed) == (len(ids), 0)
    issued = db.session.scalars(select(Document).where(Document.id.in_(ids))).all()
    assert sorted(d.seq for d in issued) == list(range(1, len(ids) + 1))  # each numbered once, no gap
    for document in issued:
        pdf = documents.storage() / document.pdf_name
        assert pdf.read_bytes().startswith(b"%PDF")


def test_two_sweeps_at_once_in_two_processes_notify_once(app, city):
    enterprise = registry.create(actor_for("desk_a"), {"name": "浙江华达科技有限公司", "credit_code": code(1)})
    clock.freeze(datetime(2026, 3, 2, 1, 0))  # long before now: every deadline has passed
    ids = []
    for n in range(6):
        ticket = tickets.register(actor_for("desk"), tickets.Intake(
            enterprise_id=enterprise.id, channel="hotline", category="dispute", ticket_class="general",
            handling_mode="follow", description=f"厂区门口有人堵路，影响出货（{n}）。"))
        tickets.dispatch(actor_for("desk"), ticket.id, city.station_a.id)
        ids.append(ticket.id)
    clock.freeze(None)
    tasks.sweep_tickets()
    tasks.sweep_tickets()
    with workers(app, 2):
        wait_until(lambda: sweeps() == 2, "two sweeps")
    assert all(db.session.get(Ticket, i).overdue for i in ids)
    per_ticket = dict(db.session.execute(
        select(Notification.ticket_id, func.count()).where(Notification.kind == "overdue")
        .where(Notification.ticket_id.in_(ids)).group_by(Notification.ticket_id)).all())
    # The station's desk and officer and the centre's leader, once each, whichever sweep came first.
    assert per_ticket == {i: 3 for i in ids}


def sweeps() -> int:
    return db.session.scalar(select(func.count()).where(AuditEntry.action == "tickets.sweep"))


def test_a_worker_restarts_itself_after_max_jobs_and_goes_on(app, city):
    tasks.sweep_tickets()
    tasks.sweep_tickets()
    with workers(app, 1, "--max-jobs", "2") as logs:
        wait_until(lambda: sweeps() == 2 and "Consumer will restart" in logs[0].read_text(), "two sweeps")
        # huey's graceful restart: the process executes itself again, with the same arguments.
        wait_until(lambda: logs[0].read_text().count("Huey consumer started") == 2, "the restart")
        tasks.sweep_tickets()
        wait_until(lambda: sweeps() == 3, "a sweep after the restart")
    assert "worker restarts after 2 jobs" in logs[0].read_text()


# --- a worker killed in the middle of a batch -------------------------------------------------------

def in_the_middle_of_a_job(batch_id) -> bool:
    """A worker is issuing an item that is neither among the first two nor the last two
    of its job (a queued task of CHUNK items): the job has started and is not finishing."""
    statuses = db.session.scalars(select(DocumentBatchItem.status).where(DocumentBatchItem.batch_id == batch_id)
                                  .order_by(DocumentBatchItem.id)).all()
    return any(status == "issuing" and 2 <= n % batches.CHUNK < batches.CHUNK - 2
               for n, status in enumerate(statuses))


def test_a_worker_killed_mid_batch_loses_nothing_and_issues_each_letter_once(app, city):
    """SIGKILL in the middle of a 100-letter batch (Redis, or the queue in a SQLite file):
    the job it held goes back to the queue when a new worker starts, the item it was
    issuing is taken over, and every letter is issued exactly once, numbered without a gap.
    About 25 s per backend (the letters are rendered once each)."""
    ids = signed_letters(city, 100)
    batch = batches.create(actor_for("desk"), ids)
    log = Path(app.instance_path) / "killed-worker.log"
    first = start_worker(app, log)
    try:
        wait_until(lambda: in_the_middle_of_a_job(batch.id), "a worker in the middle of a job")
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
    finally:
        if first.poll() is None:
            first.kill()
        print(f"--- {log.name} ---\n{log.read_text()}")
    issued_before = batches.progress(batch.id).issued
    db.session.rollback()
    assert 0 < issued_before < 100
    storage = tasks.huey.storage
    assert storage.taken_count() == 1        # the job it held is neither done nor lost
    with workers(app, 1):
        wait_until(lambda: batches.progress(batch.id).finished, "the batch")
    progress = batches.progress(batch.id)
    assert (progress.issued, progress.failed) == (100, 0)
    assert db.session.get(DocumentBatch, batch.id).finished_at is not None
    issued = db.session.scalars(select(Document).where(Document.id.in_(ids))).all()
    assert {d.status for d in issued} == {"issued"}
    assert sorted(d.seq for d in issued) == list(range(1, 101))           # numbered once each, no gap
    for action in ("document.number", "document.issue"):                  # each done once, by one run
        per_document = dict(db.session.execute(
            select(AuditEntry.object_id, func.count()).where(AuditEntry.action == action)
            .group_by(AuditEntry.object_id)).all())
        assert sorted(per_document) == sorted(str(i) for i in ids) and set(per_document.values()) == {1}, action
    for document in issued:
        assert hashlib.sha256((documents.storage() / document.pdf_name).read_bytes()).hexdigest() == document.pdf_sha256
    assert storage.job_count() == 0          # nothing left taken, queued or scheduled


# --- the desk before the batch ----------------------------------------------------------------------

def nice_values(pid: int) -> set[int]:
    """The nice value of every thread of a process (field 19 of /proc/<pid>/task/<tid>/stat)."""
    values = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        stat = (task / "stat").read_text()
        values.add(int(stat[stat.rindex(")") + 2:].split()[16]))
    return values


@on_databases("sqlite")
def test_a_worker_runs_at_the_configured_lower_priority(app):
    """`anqi worker` lowers its CPU priority (every thread) to WORKER_NICE, shortens its
    threads' hold on the GIL to WORKER_SWITCH_INTERVAL_MS, and says so. About 3 s."""
    if os.getpriority(os.PRIO_PROCESS, 0) > 7:
        pytest.skip("the suite itself runs below nice 7")
    log = Path(app.instance_path) / "nice-worker.log"
    process = start_worker(app, log, WORKER_NICE=7, WORKER_SWITCH_INTERVAL_MS=0.25)
    try:
        wait_until(lambda: "Huey consumer started" in log.read_text(), "the worker to start")
        assert nice_values(process.pid) == {7}
        assert "CPU priority nice 7" in log.read_text()
        assert "its threads switch every 0.25 ms" in log.read_text()
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)


def autogroup_nice(pid: int) -> int | None:
    """The nice value of a process's autogroup; None when the process is in none
    (the kernel then prints nothing, as for a process in a container's cgroup)."""
    words = Path(f"/proc/{pid}/autogroup").read_text().split()   # "/autogroup-123 nice 0"
    return int(words[-1]) if words else None


@on_databases("sqlite")
def test_a_worker_in_a_session_of_its_own_lowers_the_session_too(app):
    """With the kernel's autogroups the CPU is shared between sessions before nice
    values count, so a worker leading its own session (as under systemd) lowers the
    session's; one in another program's session leaves it alone. About 6 s."""
    if not Path("/proc/self/autogroup").exists():
        pytest.skip("no scheduler autogroups in this kernel")
    ours = autogroup_nice(os.getpid())
    if ours is None:
        pytest.skip("the suite runs in no scheduler autogroup (a cgroup of its own)")
    if ours > 7:
        pytest.skip("the suite's own session runs below nice 7")
    for new_session in (True, False):
        log = Path(app.instance_path) / f"session-worker-{new_session}.log"
        process = start_worker(app, log, new_session=new_session, WORKER_NICE=7)
        try:
            wait_until(lambda: "Huey consumer started" in log.read_text(), "the worker to start")
            assert autogroup_nice(process.pid) == (7 if new_session else ours)
            assert ("its session too" in log.read_text()) == new_session
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=30)
    assert autogroup_nice(os.getpid()) == ours


@on_databases("sqlite")
def test_a_worker_refuses_to_issue_under_a_loopback_public_address(app, city, tmp_path):
    """`anqi worker` runs in production mode: a batch under a PUBLIC_BASE_URL no other
    computer reaches fails item by item with the setting named, and nothing is numbered."""
    ids = signed_letters(city, 2)
    batch = batches.create(actor_for("desk"), ids)
    db.session.rollback()
    log = tmp_path / "worker.log"
    root = Path(__file__).resolve().parent.parent          # this checkout's code, whatever `anqi` runs
    with log.open("w") as out:
        worker = subprocess.Popen([sys.executable, "-c", "from core.cli import main; main()", "worker",
                                   "--workers", "1", "--no-periodic"], cwd=root,
                                  env=worker_env(app, PUBLIC_BASE_URL="http://127.0.0.1:5000"),
                                  stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_until(lambda: batches.progress(batch.id).finished, "the batch")
    finally:
        worker.send_signal(signal.SIGINT)
        worker.wait(timeout=30)
    assert "PUBLIC_BASE_URL" in log.read_text()                 # said at start
    progress = batches.progress(batch.id)
    assert (progress.issued, progress.failed) == (0, 2)
    errors = db.session.scalars(select(DocumentBatchItem.error).where(DocumentBatchItem.batch_id == batch.id)).all()
    assert len(errors) == 2 and all("PUBLIC_BASE_URL" in error for error in errors)
    assert db.session.scalar(select(func.count()).select_from(Document).where(Document.number.is_not(None))) == 0

"""Background jobs in real `anqi worker` processes, as a deployment runs them:
two worker processes share one queue and one database, in the embedded set-up
(SQLite database, queue in a SQLite file) and, when ANQI_TEST_DATABASE_URL and
ANQI_TEST_REDIS_URL name the servers, the scaled-out one (PostgreSQL, Redis).
The document batch is issued exactly once
across them, two sweeps running at once notify nobody twice, and a worker with
``--max-jobs`` restarts itself and goes on."""
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
from core.documents.models import Document
from core.extensions import db
from core.notifications.models import Notification
from core.registry import services as registry
from core.tickets import services as tickets
from core.tickets.models import Ticket
from tests.conftest import actor_for
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


@contextmanager
def workers(app, count: int, *args: str):
    """``count`` `anqi worker` processes on the app's database, queue and instance
    folder; yields the files their output goes to."""
    env = {**os.environ, "ANQI_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "ANQI_INSTANCE_PATH": app.instance_path, "ANQI_HUEY_URL": app.config["HUEY_URL"],
           "PYTHONUNBUFFERED": "1"}
    logs = [Path(app.instance_path) / f"worker-{n + 1}.log" for n in range(count)]
    db.session.rollback()
    started = []
    for log in logs:
        with log.open("w") as out:
            started.append(subprocess.Popen([str(ANQI), "worker", "--workers", "1", "--no-periodic", *args],
                                            env=env, stdout=out, stderr=subprocess.STDOUT))
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


def test_two_worker_processes_issue_a_batch_once(app, city):
    city.centre.doc_prefix = "诸公经"
    db.session.commit()
    desk, leader = actor_for("desk"), actor_for("leader")
    clock.freeze(datetime(2026, 11, 20, 2, 0))
    ids = []
    for n in range(2 * batches.CHUNK):  # two queued tasks for two workers
        document = documents.create(desk, documents.Draft(
            doc_type="letter", title=f"风险提示函 第{n + 1}号企业", addressees=[f"企业{n + 1}"],
            body=[("p", "请贵单位加强内部资金管理，防范职务侵占风险。")]))
        documents.submit(desk, document.id)
        documents.sign_off(leader, document.id)
        ids.append(document.id)
    clock.freeze(None)
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

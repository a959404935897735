"""The sweep: overdue tickets, the 80 % warning, notifications once, the
audit entry, and the huey job that runs it every five minutes."""
import os
import re
import time
from datetime import datetime

import pytest
from flask_babel import gettext
from sqlalchemy import func, select

from core import clock, tasks
from core.audit.models import AuditEntry
from core.extensions import db
from core.notifications.models import Notification
from core.registry import services as registry
from core.tickets import deadlines
from core.tickets import services as tickets
from core.tickets.models import Ticket, TicketEvent, TicketStatMonth
from core.tickets.sweep import COLUMNS, WATCHED_STATUSES, sweep
from tests.conftest import actor_for, on_databases
from tests.helpers import code, count
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)


def utc(y, m, d, hh=0, mm=0) -> datetime:
    """A Beijing wall-clock time as the naive UTC the database stores."""
    return datetime(y, m, d, hh, mm).replace(tzinfo=deadlines.LOCAL).astimezone(deadlines.UTC).replace(tzinfo=None)


@pytest.fixture
def enterprise(city):
    return registry.create(actor_for("desk_a"), {"name": "浙江华达科技有限公司", "credit_code": code(1)})


def register(enterprise, ticket_class="general", at=None):
    clock.freeze(at or utc(2026, 3, 2, 9))  # Monday 2 March 2026, 09:00 in Beijing
    return tickets.register(actor_for("desk"), tickets.Intake(
        enterprise_id=enterprise.id, channel="hotline", category="dispute", ticket_class=ticket_class,
        handling_mode="follow", description="厂区门口有人堵路，影响出货。"))


def dispatched(enterprise, city, ticket_class="general"):
    ticket = register(enterprise, ticket_class)
    return tickets.dispatch(actor_for("desk"), ticket.id, city.station_a.id)


def run(y, m, d, hh=0, mm=0):
    clock.freeze(utc(y, m, d, hh, mm))
    return sweep()


def notified(ticket_id, kind=None) -> list[str]:
    db.session.rollback()
    stmt = (select(Notification).where(Notification.ticket_id == ticket_id)
            .where(Notification.kind.in_(("overdue", "warning")) if kind is None else Notification.kind == kind))
    from core.org.models import User

    return sorted(db.session.get(User, n.user_id).username for n in db.session.scalars(stmt))


def fresh(ticket_id) -> Ticket:
    db.session.rollback()
    return db.session.get(Ticket, ticket_id)


def overdue_count() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.coalesce(func.sum(TicketStatMonth.overdue), 0))
                             .where(TicketStatMonth.dimension == "unit"))


def test_a_missed_sign_for_deadline_marks_the_ticket_overdue_once(city, enterprise):
    ticket = dispatched(enterprise, city)   # to sign for by the end of Tuesday 3 March
    assert run(2026, 3, 3, 23, 55).overdue == 0
    summary = run(2026, 3, 4, 0, 5)
    assert (summary.checked, summary.overdue) == (1, 1)
    ticket = fresh(ticket.id)
    assert ticket.overdue and ticket.overdue_at == utc(2026, 3, 4, 0, 5)
    # The station's users and the centre's leader hear of it, each once.
    assert notified(ticket.id, "overdue") == ["desk_a", "leader", "officer_a"]
    event = db.session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id,
                                                         TicketEvent.kind == "overdue")).one()
    assert event.internal and event.data["deadlines"] == ["sign"]
    assert overdue_count() == 1
    stat = db.session.scalars(select(TicketStatMonth).where(TicketStatMonth.overdue == 1,
                                                            TicketStatMonth.dimension == "unit")).one()
    assert stat.bucket.isoformat() == "2026-03-01"   # counted with the month the ticket was registered in
    # Running again changes nothing and notifies no one.
    again = run(2026, 3, 4, 0, 10)
    assert (again.checked, again.overdue, again.notified) == (0, 0, 0)
    assert notified(ticket.id, "overdue") == ["desk_a", "leader", "officer_a"]
    assert overdue_count() == 1


def test_each_sweep_is_audited_once_with_its_counts(city, enterprise):
    dispatched(enterprise, city)
    run(2026, 3, 4, 0, 5)
    run(2026, 3, 4, 0, 10)
    db.session.rollback()
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "tickets.sweep")
                                 .order_by(AuditEntry.id)).all()
    assert [e.detail["overdue"] for e in entries] == [1, 0]
    assert entries[0].detail["notified"] == 3 and entries[0].username == "system"


def test_the_warning_comes_at_80_percent_of_the_time(city, enterprise):
    ticket = dispatched(enterprise, city)
    # Signing for: from 09:00 Monday to the end of Tuesday is 39 hours; 80 % is
    # Tuesday 16:12 in Beijing.
    assert run(2026, 3, 3, 16, 0).warned == 0
    assert run(2026, 3, 3, 16, 15).warned == 1
    assert notified(ticket.id, "warning") == ["desk_a", "officer_a"]
    assert fresh(ticket.id).warned_at == utc(2026, 3, 3, 16, 15)
    assert run(2026, 3, 3, 16, 20).warned == 0     # once
    assert notified(ticket.id, "warning") == ["desk_a", "officer_a"]

    clock.freeze(utc(2026, 3, 3, 17))
    tickets.sign(actor_for("officer_a"), ticket.id)
    # The final deadline is the end of Monday 9 March: 80 % of its time has
    # passed on Sunday 8 March at 11:24; it has its own warning.
    assert run(2026, 3, 8, 11, 0).warned == 0
    assert run(2026, 3, 8, 11, 30).warned == 1
    assert len(notified(ticket.id, "warning")) == 4
    assert run(2026, 3, 9, 12, 0).warned == 0
    assert not fresh(ticket.id).overdue
    summary = run(2026, 3, 10, 0, 5)
    assert summary.overdue == 1 and fresh(ticket.id).overdue


def test_an_answered_or_closed_ticket_is_left_alone(city, enterprise):
    ticket = dispatched(enterprise, city)
    clock.freeze(utc(2026, 3, 3, 10))
    tickets.sign(actor_for("officer_a"), ticket.id)
    tickets.answer(actor_for("officer_a"), ticket.id, "已处理。", "resolved")
    summary = run(2026, 3, 20)
    assert (summary.checked, summary.overdue) == (0, 0)
    tickets.close(actor_for("desk"), ticket.id)
    assert run(2026, 3, 21).checked == 0
    assert not fresh(ticket.id).overdue


def test_an_instant_ticket_left_undispatched_tells_the_centre(city, enterprise):
    ticket = register(enterprise, "instant")    # due at 21:00 the same day
    assert run(2026, 3, 2, 20, 50).overdue == 0
    assert run(2026, 3, 2, 21, 5).overdue == 1
    assert notified(ticket.id, "overdue") == ["desk", "leader"]


def test_a_complex_ticket_that_misses_a_progress_report(city, enterprise):
    ticket = dispatched(enterprise, city, "complex")   # progress due by the end of Monday 9 March
    clock.freeze(utc(2026, 3, 2, 10))
    tickets.sign(actor_for("officer_a"), ticket.id)
    assert run(2026, 3, 9, 23).overdue == 0
    assert run(2026, 3, 10, 0, 5).overdue == 1
    assert overdue_count() == 1
    clock.freeze(utc(2026, 3, 10, 9))
    ticket = tickets.report_progress(actor_for("officer_a"), ticket.id, "已约谈双方，等待协商结果。")
    assert not ticket.overdue and ticket.progress_due_at == deadlines.end_of_local_day(
        datetime(2026, 3, 17).date())
    # The next report is due by the end of 17 March; warned on the way, then missed.
    assert run(2026, 3, 16, 0, 0).warned == 0
    assert run(2026, 3, 16, 12, 0).warned == 1
    assert run(2026, 3, 18, 0, 5).overdue == 1
    assert len(notified(ticket.id, "overdue")) == 6   # notified each time it fell behind
    assert overdue_count() == 1                       # but counted once


def test_a_missed_supervision_deadline(city, enterprise):
    ticket = dispatched(enterprise, city)
    clock.freeze(utc(2026, 3, 2, 10))
    tickets.sign(actor_for("officer_a"), ticket.id)
    tickets.supervise(actor_for("leader"), ticket.id, utc(2026, 3, 3, 18), "请于明日下班前反馈。")
    summary = run(2026, 3, 3, 17)      # 80 % of the time from 10:00 Monday to 18:00 Tuesday
    assert summary.warned == 1 and summary.overdue == 0
    summary = run(2026, 3, 3, 18, 5)
    assert summary.overdue == 1
    db.session.rollback()
    event = db.session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id,
                                                         TicketEvent.kind == "overdue")).one()
    assert event.data["deadlines"] == ["supervision"]


@on_databases("sqlite")  # the plan is checked on SQLite
def test_the_sweep_reads_open_tickets_through_the_status_index(app):
    query = select(*COLUMNS).where(Ticket.status.in_(WATCHED_STATUSES), Ticket.overdue.is_(False))
    sql = str(query.compile(db.engine, compile_kwargs={"literal_binds": True}))
    plan = " ".join(row[3] for row in db.session.execute(db.text("EXPLAIN QUERY PLAN " + sql)))
    assert re.search(r"USING INDEX ix_ticket_status_deadlines \(status=\? AND overdue=\?\)", plan) and "SCAN" not in plan, plan


def test_anqi_tickets_sweep_prints_the_counts(app, city, enterprise):
    dispatched(enterprise, city)
    clock.freeze(utc(2026, 3, 4, 0, 5))
    result = app.test_cli_runner().invoke(args=["tickets", "sweep"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == gettext(
        "Checked %(checked)d open tickets: %(overdue)d marked overdue, %(warned)d warned, "
        "%(notified)d notifications sent.", checked=1, overdue=1, warned=0, notified=3)
    db.session.rollback()
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "tickets.sweep")).one()
    assert entry.username == "cli"


# --- the background job --------------------------------------------------------------------------------

def test_the_periodic_task_runs_every_five_minutes(app):
    due = [t.name for t in tasks.huey.read_periodic(datetime(2026, 3, 4, 0, 5))]
    assert "anqi.tickets.sweep" in due
    assert "anqi.tickets.sweep" not in [t.name for t in tasks.huey.read_periodic(datetime(2026, 3, 4, 0, 7))]


def test_the_periodic_task_runs_the_sweep_in_immediate_mode(app, city, enterprise):
    assert tasks.huey.immediate  # the tests' setting (TESTING)
    ticket = dispatched(enterprise, city)
    clock.freeze(utc(2026, 3, 4, 0, 5))
    result = tasks.sweep_tickets()
    assert result.get() is None  # raises if the task failed
    assert fresh(ticket.id).overdue
    assert count(AuditEntry, AuditEntry.action == "tickets.sweep") == 1


def test_the_queue_follows_the_configuration(tmp_path):
    from huey.exceptions import ConfigurationError

    from core.jobqueue.storage import ReliableRedisStorage, ReliableSqliteStorage

    assert tasks.storage_settings({}, tmp_path) == (ReliableSqliteStorage, {"filename": str(tmp_path / "huey.db")})
    assert tasks.storage_settings({"HUEY_URL": "redis://queue.local:6379/0"}, tmp_path) == (
        ReliableRedisStorage, {"url": "redis://queue.local:6379/0"})
    assert tasks.storage_settings({"HUEY_URL": "sqlite:////srv/anqi/jobs.db"}, tmp_path) == (
        ReliableSqliteStorage, {"filename": "/srv/anqi/jobs.db"})
    with pytest.raises(ConfigurationError):
        tasks.storage_settings({"HUEY_URL": "amqp://queue.local"}, tmp_path)
    assert tasks.immediate_mode({"TESTING": True}) and not tasks.immediate_mode({})
    assert not tasks.immediate_mode({"TESTING": True, "HUEY_IMMEDIATE": False})


def test_the_embedded_worker_runs_a_queued_sweep(make_app, city, enterprise, tmp_path):
    """What `anqi run` does: a consumer in threads of the web process, the queue
    in a SQLite file, the task in an application context of its own."""
    ticket = dispatched(enterprise, city)
    db.session.commit()
    app = make_app(HUEY_IMMEDIATE=False, HUEY_URL=f"sqlite:///{tmp_path / 'huey.db'}")
    assert not tasks.huey.immediate and (tmp_path / "huey.db").exists()
    clock.freeze(utc(2026, 3, 4, 0, 5))
    consumer = tasks.start_embedded_consumer(periodic=False)  # only the task queued below
    try:
        tasks.sweep_tickets()  # queued, not run here
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            with app.app_context():
                done = db.session.scalar(select(func.count()).where(AuditEntry.action == "tickets.sweep"))
            if done:
                break
            time.sleep(0.1)
    finally:
        consumer.stop(graceful=True)
    assert done == 1
    assert fresh(ticket.id).overdue


def test_anqi_run_starts_the_worker_alongside_the_web_server(make_app, city, tmp_path, monkeypatch):
    import threading

    seen = {}

    def nice_of(thread):
        return os.getpriority(os.PRIO_PROCESS, thread.native_id)

    def fake_run_simple(host, port, application, **kwargs):
        threads = {t.name: t for t in threading.enumerate() if t.is_alive()}
        seen["threads"] = set(threads)
        if "Worker-1" in threads:
            # The job threads lower their own priority as they start; the web server's thread keeps its.
            deadline = time.monotonic() + 5
            while nice_of(threads["Worker-1"]) < 6 and time.monotonic() < deadline:
                time.sleep(0.05)
            seen["nice"] = {name: nice_of(threads[name]) for name in ("Worker-1", "Scheduler")}
            seen["web nice"] = nice_of(threading.current_thread())
            seen["workers"] = tasks.live_workers()

    monkeypatch.setattr("werkzeug.serving.run_simple", fake_run_simple)
    db.session.commit()
    app = make_app(HUEY_IMMEDIATE=False, HUEY_URL=f"sqlite:///{tmp_path / 'huey.db'}", WORKER_NICE=6)
    result = app.test_cli_runner().invoke(args=["run", "--port", "1"])
    assert result.exit_code == 0, result.output
    assert {"Scheduler", "Worker-1"} <= seen["threads"]
    base = os.getpriority(os.PRIO_PROCESS, 0)         # this test's own (0 unless the suite runs niced)
    assert seen["nice"] == {"Worker-1": max(6, base), "Scheduler": max(6, base)} and seen["web nice"] == base
    assert seen["workers"] == 1                       # registered with the queue while it runs
    assert tasks.live_workers() == 0                  # and no longer once stopped
    assert not {"Scheduler", "Worker-1"} & {t.name for t in threading.enumerate()}  # stopped with the server
    result = app.test_cli_runner().invoke(args=["run", "--port", "1", "--no-worker"])
    assert result.exit_code == 0 and not {"Scheduler", "Worker-1"} & seen["threads"]

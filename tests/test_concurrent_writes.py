"""Writers at once on PostgreSQL: registering tickets (which flushes the ticket
before its audit entry) beside the other transitions (which flush the audit
entry with the change), all counting into the same dashboard rows. Every
transaction must take the audit chain's lock and the counter rows in the same
order, or two of them deadlock and a desk user gets an error page."""
import threading
from datetime import datetime

from sqlalchemy import func, select, text

from core import clock
from core.audit.chain import LOCK_KEY
from core.audit.verification import verify
from core.extensions import db
from core.registry import services as registry
from core.tickets import services as tickets
from core.tickets.models import Ticket
from tests.conftest import actor_for, on_databases
from tests.helpers import code
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)

EACH = 12


def intake(enterprise_id, n):
    return tickets.Intake(enterprise_id=enterprise_id, channel="hotline", category="dispute",
                          ticket_class="general", handling_mode="follow", description=f"厂区门口有人堵路（{n}）。")


@on_databases("postgresql")
def test_registering_and_dispatching_at_once_do_not_deadlock(app, city):
    clock.freeze(datetime(2026, 3, 2, 1, 0))  # one day, so every writer counts into the same rows
    enterprise = registry.create(actor_for("desk"), {"name": "浙江华达科技有限公司", "credit_code": code(1)})
    waiting = [tickets.register(actor_for("desk"), intake(enterprise.id, n)).id for n in range(3 * EACH)]
    station = city.station_a.id
    errors, barrier = [], threading.Barrier(6)

    def run(work):
        try:
            with app.app_context():  # a session and a connection of its own
                desk = actor_for("desk")
                barrier.wait()
                work(desk)
                db.session.remove()
        except Exception as exc:  # reported below
            errors.append(exc)

    def register(desk):
        for n in range(EACH):
            tickets.register(desk, intake(enterprise.id, 100 + n))

    def dispatch(ids):
        return lambda desk: [tickets.dispatch(desk, ticket_id, station) for ticket_id in ids]

    works = [register] * 3 + [dispatch(waiting[i::3]) for i in range(3)]
    threads = [threading.Thread(target=run, args=(work,)) for work in works]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert errors == []
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 6 * EACH
    assert db.session.scalar(select(func.count()).where(Ticket.status == "dispatched")) == 3 * EACH
    assert verify().intact


@on_databases("postgresql")
def test_a_flush_that_changes_the_counters_holds_the_audit_lock(app, city):
    enterprise = registry.create(actor_for("desk"), {"name": "浙江华达科技有限公司", "credit_code": code(2)})
    ticket_id = tickets.register(actor_for("desk"), intake(enterprise.id, 1)).id
    ticket = db.session.get(Ticket, ticket_id)
    ticket.channel = "visit"  # moves the ticket between two counter rows; no audit entry yet
    db.session.flush()
    held = db.session.scalar(text(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() "
        "AND ((classid::bigint << 32) | objid::bigint) = :key"), {"key": LOCK_KEY})
    db.session.rollback()
    assert held == 1

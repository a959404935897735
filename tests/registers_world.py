"""What the register and consultation tests share: Beijing times, tickets in a
given state, a leader of station A, and reading notifications."""
from datetime import datetime

from sqlalchemy import select

from core import clock
from core.extensions import db
from core.notifications.models import Notification
from core.org.actor import shell_actor
from core.org.models import User
from core.org.services import save_user
from core.registry import services as registry
from core.tickets import deadlines
from core.tickets import services as tickets
from tests.conftest import PASSWORD, actor_for
from tests.helpers import code


def utc(y, m, d, hh=0, mm=0) -> datetime:
    """A Beijing wall-clock time as the naive UTC the database stores."""
    return datetime(y, m, d, hh, mm).replace(tzinfo=deadlines.LOCAL).astimezone(deadlines.UTC).replace(tzinfo=None)


def at(y, m, d, hh=0, mm=0) -> None:
    clock.freeze(utc(y, m, d, hh, mm))


def enterprise_of(unit_key: str, n: int = 1):
    desk = {"station_a": "desk_a", "station_b": "desk_b"}[unit_key]
    return registry.create(actor_for(desk), {"name": f"浙江华达科技{n}有限公司", "credit_code": code(n)})


def registered(enterprise, ticket_class="general", mode="follow", when=(2026, 3, 2, 9)):
    at(*when)
    return tickets.register(actor_for("desk"), tickets.Intake(
        enterprise_id=enterprise.id, channel="hotline", category="dispute", ticket_class=ticket_class,
        handling_mode=mode, description="厂区门口有人堵路，影响出货。"))


def handling(enterprise, unit, officer="officer_a", ticket_class="general", mode="follow", when=(2026, 3, 2, 9)):
    """A ticket registered by the centre's desk, dispatched to ``unit`` and signed for by ``officer``."""
    ticket = registered(enterprise, ticket_class, mode, when)
    tickets.dispatch(actor_for("desk"), ticket.id, unit.id)
    return tickets.sign(actor_for(officer), ticket.id)


def add_user(username, unit, roles) -> User:
    return save_user(shell_actor(), {"username": username, "name": username.upper(), "unit_id": unit.id,
                                     "roles": list(roles), "password": PASSWORD})


def notified(ticket_id, kind) -> list[str]:
    """Who got a notification of ``kind`` about the ticket (user names, sorted, repeated if twice)."""
    db.session.rollback()
    rows = db.session.scalars(select(Notification).where(Notification.ticket_id == ticket_id,
                                                         Notification.kind == kind))
    return sorted(db.session.get(User, n.user_id).username for n in rows)

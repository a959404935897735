"""Helpers shared by the foundation tests. The fixtures come from anqi's pytest
plugin (core/testing), apart from ``quick_password_hashing``, which a module
takes by importing it (from here or from core.testing)."""
import csv
import io

from flask_babel import force_locale
from sqlalchemy import func, select

from core.extensions import db
from core.registry.credit_code import with_check_character
from core.testing import FreshClient, fresh_client, quick_password_hashing  # noqa: F401


def en(message) -> str:
    """A (lazy) message as an English reader gets it."""
    with force_locale("en"):
        return str(message)


def code(n: int, prefix: str = "91330681MA") -> str:
    """A valid unified social credit code, different for each ``n``."""
    return with_check_character(prefix + str(n).zfill(17 - len(prefix)))


def count(model, *where) -> int:
    db.session.rollback()
    stmt = select(func.count()).select_from(model)
    for clause in where:
        stmt = stmt.where(clause)
    return db.session.scalar(stmt)


def csv_bytes(rows, encoding="utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow(row)
    return out.getvalue().encode(encoding)


def ended_process_owner() -> str:
    """The owner name (core/jobqueue/owners.py) of a process of this machine that has ended:
    a run that died, as a job queue's worker killed with SIGKILL leaves it."""
    import subprocess
    import sys

    from core.jobqueue import owners

    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return str(owners.Owner(owners.host_name(), process.pid, 0, "ended"))

def system_account(username: str, unit_id: int, roles=("desk",), reveal: bool = False, leader: str = "leader"):
    """A system account (API) made by the shell, its access granted by ``leader``
    (the centre's leader by default, whose scope is the whole city)."""
    from core.org import system_accounts
    from core.org.actor import shell_actor
    from core.org.services import save_user
    from tests.conftest import actor_for

    user = save_user(shell_actor(), {"username": username, "name": f"系统{username}", "unit_id": unit_id,
                                     "kind": "system"})
    if roles or reveal:
        system_accounts.set_access(actor_for(leader), user.id, roles, reveal)
    return user

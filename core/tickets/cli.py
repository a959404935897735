"""``anqi tickets …``: the demand tickets from the shell."""
import click
from flask.cli import with_appcontext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.cli_help import group


@group("tickets", help=_l("Demand tickets: the deadline sweep, the dashboard's counts."))
def tickets():
    pass


@tickets.command("sweep", help=_l(
    "Mark overdue tickets and send the pre-deadline warnings now (the worker does this every "
    "5 minutes)."))
@with_appcontext
def sweep_command():
    from core.org.actor import shell_actor
    from core.tickets.sweep import sweep

    summary = sweep(actor=shell_actor())
    click.echo(_("Checked %(checked)d open tickets: %(overdue)d marked overdue, %(warned)d warned, "
                 "%(notified)d notifications sent.", **summary.as_dict()))
    if summary.resumed:
        click.echo(_("%(n)d paused clocks run again: their appointment day has passed.", n=summary.resumed))
    if summary.skipped:
        click.echo(_("%(n)d tickets were being changed by someone else and are left to the next sweep.",
                     n=summary.skipped))


@tickets.command("recount", help=_l(
    "Rebuild the dashboard's running counts from the tickets (after a bulk load or a repair)."))
@with_appcontext
def recount_command():
    from core.audit import services as audit
    from core.extensions import db
    from core.org.actor import shell_actor
    from core.tickets import stats

    total = stats.recount()
    audit.record(shell_actor(), "tickets.recount", object_type="ticket", detail={"tickets": total})
    db.session.commit()
    click.echo(_("Counted %(n)d tickets again.", n=total))

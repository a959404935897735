"""``anqi tickets …``: the demand tickets from the shell."""
import click
from flask.cli import with_appcontext
from flask_babel import gettext as _


@click.group("tickets")
def tickets():
    """Demand tickets: the deadline sweep."""


@tickets.command("sweep")
@with_appcontext
def sweep_command():
    """Mark overdue tickets and send the pre-deadline warnings now (the worker does this every 5 minutes)."""
    from core.org.actor import shell_actor
    from core.tickets.sweep import sweep

    summary = sweep(actor=shell_actor())
    click.echo(_("Checked %(checked)d open tickets: %(overdue)d marked overdue, %(warned)d warned, "
                 "%(notified)d notifications sent.", **summary.as_dict()))
    if summary.skipped:
        click.echo(_("%(n)d tickets were being changed by someone else and are left to the next sweep.",
                     n=summary.skipped))

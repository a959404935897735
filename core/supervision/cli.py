"""``anqi supervision …``: the registers from the shell."""
import click
from flask.cli import with_appcontext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.cli_help import group


@group("supervision", help=_l("The 挂牌督办 and 积案 registers and the consultations (专家会诊)."))
def supervision():
    pass


@supervision.command("sweep", help=_l(
    "Send the weekly progress reminders and close the consultations past their deadline now "
    "(the worker does this every 5 minutes)."))
@with_appcontext
def sweep_command():
    from core.org.actor import shell_actor
    from core.supervision.sweep import sweep

    summary = sweep(actor=shell_actor())
    click.echo(_("%(reminded)d register entries reminded of their weekly progress, %(deadlines_passed)d past "
                 "their deadline; %(consultations_closed)d consultations closed; %(notified)d notifications sent.",
                 **summary.as_dict()))
    if summary.skipped:
        click.echo(_("%(n)d register entries were being changed by someone else and are left to the next sweep.",
                     n=summary.skipped))

"""``anqi calendar …``: the working-day calendar from the shell."""
import sys
from datetime import datetime
from pathlib import Path

import click
from flask.cli import with_appcontext
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.cli_help import group
from core.errors import AnqiError

TIME_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M")


def _fail(message, code: int = 1):
    click.secho(str(message), fg="red", err=True)
    sys.exit(code)


def _year(value: str) -> int:
    from core.calendar import services

    if not (value.isascii() and value.isdigit()) or not services.MIN_YEAR <= int(value) <= services.MAX_YEAR:
        _fail(_("The year must be between %(first)d and %(last)d.", first=services.MIN_YEAR,
                last=services.MAX_YEAR), 2)
    return int(value)


@group("calendar", help=_l("The working-day calendar: holidays and working weekends (调休)."))
def calendar():
    pass


@calendar.command("import", help=_l("Load the State Council's schedule from a CSV FILE (date,kind,name)."))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_command(file):
    from core.calendar import services
    from core.org.actor import shell_actor

    try:
        with file.open("rb") as stream:
            loaded = services.import_schedule(shell_actor(), stream)
    except AnqiError as exc:
        for message in (getattr(exc, "errors", None) or {}).get("file") or [exc.message]:
            click.secho(str(message), fg="red", err=True)
        _fail(_("Nothing was imported."))
    click.echo(_("Loaded the official schedule of %(years)s; open tickets' deadlines were counted again.",
                 years=", ".join(map(str, loaded))))


@calendar.command("confirm", help=_l("Confirm a provisional YEAR's days as the official schedule."))
@click.argument("year")
@with_appcontext
def confirm_command(year):
    from core.calendar import services
    from core.org.actor import shell_actor

    try:
        services.confirm_year(shell_actor(), _year(year))
    except AnqiError as exc:
        _fail(exc.message)
    click.echo(_("The schedule of %(year)d is confirmed as official.", year=int(year)))


@calendar.command("show", help=_l("List a YEAR's holidays and working weekends."))
@click.argument("year")
@with_appcontext
def show_command(year):
    from core.calendar import services
    from core.extensions import db

    year = _year(year)
    record = services.ensure_year(year)
    status = _("provisional") if record.provisional else _("official")
    source = services.SOURCES.get(record.source, record.source)
    click.echo(_("%(year)d: %(status)s (%(source)s)", year=year, status=status, source=source))
    for day in services.special_days(year):
        kind = _("working weekend") if day.workday else _("holiday")
        click.echo(f"{day.day.isoformat()}  {format_date(day.day, 'EEE'):<4}  {kind:<8}  {day.name}")
    db.session.commit()  # the year, if this loaded it


@calendar.command("due", help=_l(
    "The deadlines of a ticket of CLASS (instant, general, complex) registered at a moment "
    "in Beijing time, and of a dispatch at that moment."))
@click.argument("ticket_class", metavar="CLASS")
@click.argument("moment", metavar='"YYYY-MM-DD HH:MM"')
@with_appcontext
def due_command(ticket_class, moment):
    from core.calendar import services
    from core.extensions import db
    from core.tickets import deadlines
    from core.tickets.vocabulary import CLASSES

    if ticket_class not in CLASSES:
        _fail(_("The class must be one of: %(classes)s.", classes=", ".join(CLASSES)), 2)
    local = None
    for pattern in TIME_FORMATS:
        try:
            local = datetime.strptime(moment.strip(), pattern)
            break
        except ValueError:
            continue
    if local is None:
        _fail(_("“%(value)s” is not a time written as \"YYYY-MM-DD HH:MM\" (Beijing time).", value=moment[:40]), 2)
    if not services.MIN_YEAR <= local.year <= services.MAX_YEAR - 1:
        _fail(_("The year must be between %(first)d and %(last)d.", first=services.MIN_YEAR,
                last=services.MAX_YEAR - 1), 2)
    at = local.replace(tzinfo=deadlines.LOCAL).astimezone(deadlines.UTC).replace(tzinfo=None)

    def show(value):
        return value.replace(tzinfo=deadlines.UTC).astimezone(deadlines.LOCAL).strftime("%Y-%m-%d %H:%M:%S")

    def flag(deadline):
        return _("provisional") if deadline.provisional else _("official")

    click.echo(_("Registered: %(at)s (Beijing time), class %(cls)s", at=local.strftime("%Y-%m-%d %H:%M"),
                 cls=f"{ticket_class} ({CLASSES[ticket_class]})"))
    if ticket_class == "complex":
        first = deadlines.progress_deadline(at)
        click.echo(_("First progress report due: %(at)s (%(flag)s)", at=show(first.at), flag=flag(first)))
    else:
        first = deadlines.final_deadline(ticket_class, at)
        click.echo(_("Deadline: %(at)s (%(flag)s)", at=show(first.at), flag=flag(first)))
    sign = deadlines.sign_deadline(at)
    click.echo(_("Sign-for deadline of a dispatch at that moment: %(at)s (%(flag)s)", at=show(sign.at),
                 flag=flag(sign)))
    if first.provisional or sign.provisional:
        click.echo(_("Provisional: yes — the count goes through a year whose holidays are not official yet."))
    else:
        click.echo(_("Provisional: no"))
    db.session.commit()  # the years the count loaded

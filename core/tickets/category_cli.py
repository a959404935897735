"""``anqi categories``: core's demand categories at the server's shell."""
import sys

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.cli_help import group, option
from core.errors import AnqiError


@group("categories", help=_l("List, add, rename and deactivate the demand categories."))
def categories():
    pass


def _refuse(exc: AnqiError):
    messages = [m for field in (getattr(exc, "errors", None) or {}).values() for m in field] or [exc.message]
    for message in messages:
        click.secho(str(message), fg="red", err=True)
    sys.exit(1)


@categories.command("list", help=_l("Every core category: code, names, place, tickets, active or not."))
@with_appcontext
def list_command():
    from core.org.actor import shell_actor
    from core.tickets import categories as service

    for row, used in service.listing(shell_actor()):
        state = _("active") if row.active else _("deactivated")
        click.echo(f"{row.code:<20} {row.name_zh:<12} {row.name_en:<28} {row.sort_order:>5} {used:>7}  {state}")


@categories.command("add", help=_l("Add the category CODE with its Chinese and English names."))
@click.argument("code")
@option("--zh", "name_zh", required=True, help=_l("The Chinese name."))
@option("--en", "name_en", required=True, help=_l("The English name."))
@option("--order", "sort_order", type=int, default=100, show_default=True, help=_l("Place in the list."))
@with_appcontext
def add_command(code, name_zh, name_en, sort_order):
    from core.org.actor import shell_actor
    from core.tickets import categories as service

    try:
        row = service.create(shell_actor(), {"code": code, "name_zh": name_zh, "name_en": name_en,
                                             "sort_order": sort_order})
    except AnqiError as exc:
        _refuse(exc)
    click.echo(_("The category “%(name)s” has been saved.", name=row.name_zh))


@categories.command("rename", help=_l("Change the names (and place) of the category CODE; its code stays."))
@click.argument("code")
@option("--zh", "name_zh", help=_l("The Chinese name."))
@option("--en", "name_en", help=_l("The English name."))
@option("--order", "sort_order", type=int, help=_l("Place in the list."))
@with_appcontext
def rename_command(code, name_zh, name_en, sort_order):
    from core.org.actor import shell_actor
    from core.tickets import categories as service

    actor = shell_actor()
    try:
        row = service.by_code(actor, code)
        row = service.rename(actor, row.id, {"name_zh": name_zh or row.name_zh, "name_en": name_en or row.name_en,
                                             "sort_order": row.sort_order if sort_order is None else sort_order})
    except AnqiError as exc:
        _refuse(exc)
    click.echo(_("The category “%(name)s” has been saved.", name=row.name_zh))


def _set_active(code, active):
    from core.org.actor import shell_actor
    from core.tickets import categories as service

    actor = shell_actor()
    try:
        row = service.set_active(actor, service.by_code(actor, code).id, active)
    except AnqiError as exc:
        _refuse(exc)
    if active:
        click.echo(_("“%(name)s” is offered again at intake.", name=row.name_zh))
    else:
        click.echo(_("“%(name)s” is no longer offered at intake; the tickets that have it keep it.",
                     name=row.name_zh))


@categories.command("disable", help=_l("Deactivate the category CODE: no longer offered at intake; "
                                        "its tickets keep it."))
@click.argument("code")
@with_appcontext
def disable_command(code):
    _set_active(code, False)


@categories.command("enable", help=_l("Offer the deactivated category CODE at intake again."))
@click.argument("code")
@with_appcontext
def enable_command(code):
    _set_active(code, True)

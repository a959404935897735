"""``anqi init``, ``anqi users create|import`` and ``anqi units import``: setting
up an installation at the server's shell, without a Python shell."""
import sys
from pathlib import Path

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.auth.cli import users
from core.cli_help import command, group, option
from core.errors import AnqiError, ValidationError


def refuse(exc: AnqiError, code: int = 1):
    """Every message of a refusal, then exit non-zero."""
    messages = [m for field in (getattr(exc, "errors", None) or {}).values() for m in field] or [exc.message]
    for message in messages:
        click.secho(str(message), fg="red", err=True)
    sys.exit(code)


def read_password_stdin() -> str:
    return sys.stdin.readline().rstrip("\r\n")


def ask_password(prompt) -> str:
    return click.prompt(str(prompt), hide_input=True, confirmation_prompt=str(_l("Repeat the password")))


@command("init", help=_l(
    "Set up an empty database: the top unit (the city bureau) and the first system administrator. "
    "Asks for what the options do not give; refused once the database has units."))
@option("--unit-code", help=_l("Code of the top unit, e.g. ZJ."))
@option("--unit-name", help=_l("Name of the top unit, e.g. 诸暨市公安局."))
@option("--unit-kind", help=_l("Kind of the top unit (default: city public security bureau)."))
@option("--admin", "username", help=_l("User name of the first administrator."))
@option("--admin-name", help=_l("The administrator's full name (default: the user name)."))
@option("--password-stdin", is_flag=True, help=_l("Read the administrator's password from the standard input."))
@with_appcontext
def init_command(unit_code, unit_name, unit_kind, username, admin_name, password_stdin):
    from core.org import setup
    from core.org.actor import shell_actor
    from core.org.models import UNIT_KINDS

    if setup.has_units():
        click.secho(_("This database already has units: it has been set up. Add users with "
                      "`anqi users create` or on the administrator's pages."), fg="red", err=True)
        sys.exit(1)
    asked = not (unit_code and unit_name and username and password_stdin)
    if unit_code is None:
        unit_code = click.prompt(_("Code of the top unit (letters, digits, - or _)"))
    if unit_name is None:
        unit_name = click.prompt(_("Name of the top unit"))
    if unit_kind is None:
        unit_kind = setup.TOP_KIND
        if asked:
            click.echo(_("Kinds of unit: %(kinds)s.", kinds=setup.in_words(UNIT_KINDS)))
            unit_kind = click.prompt(_("Kind of the top unit"), default=str(UNIT_KINDS[setup.TOP_KIND]))
    if username is None:
        username = click.prompt(_("User name of the first administrator"))
    if admin_name is None:
        admin_name = click.prompt(_("The administrator's full name"), default=username) if asked else username
    password = read_password_stdin() if password_stdin else ask_password(_("The administrator's password"))
    try:
        user = setup.initialize(shell_actor(), unit_code=unit_code, unit_name=unit_name, unit_kind=unit_kind,
                                username=username, name=admin_name, password=password)
    except AnqiError as exc:
        refuse(exc)
    click.echo(_("Set up: the unit %(unit)s (%(code)s) and its administrator %(user)s. Log in as %(user)s; "
                 "a second factor is set up at the first login when the role needs one.",
                 unit=user.unit.name, code=user.unit.code, user=user.username))


@users.command("create", help=_l(
    "Create the account USERNAME in a unit with a role (by code or by name). Without --password-stdin a "
    "password is generated and printed once; the person changes it at their first login."))
@click.argument("username")
@option("--unit", "unit_code", required=True, help=_l("The unit's code."))
@option("--role", "roles", required=True, multiple=True, help=_l("A role, by code or name; repeat for more."))
@option("--name", help=_l("The person's full name (default: the user name)."))
@option("--password-stdin", is_flag=True, help=_l("Read the initial password from the standard input."))
@with_appcontext
def users_create_command(username, unit_code, roles, name, password_stdin):
    from core.org import setup
    from core.org.actor import shell_actor

    password = read_password_stdin() if password_stdin else None
    try:
        user, generated = setup.create_user(shell_actor(), username=username, unit_code=unit_code,
                                            roles=list(roles), name=name, password=password)
    except AnqiError as exc:
        refuse(exc)
    click.echo(_("Account %(user)s created in %(unit)s: %(roles)s.", user=user.username, unit=user.unit.name,
                 roles="、".join(str(label) for label in user.role_labels())))
    if generated:
        click.echo(_("Initial password (shown only now; changed at the first login): %(password)s",
                     password=generated))


def _import(kind: str, file: Path, dry_run: bool):
    from core.org import importing
    from core.org.actor import shell_actor

    with file.open("rb") as stream:
        try:
            result = importing.run(shell_actor(), kind, file.name, stream, dry_run=dry_run)
        except ValidationError as exc:
            refuse(exc, 2)
    if result.ignored_columns:
        click.echo(_("Ignored columns: %(columns)s", columns="、".join(result.ignored_columns)))
    if result.problems:
        for line, reasons in result.problems:
            click.secho(_("Row %(line)d: %(reasons)s", line=line, reasons=" ".join(str(r) for r in reasons)),
                        fg="red", err=True)
        click.secho(_("Nothing imported: correct these rows and import the file again."), fg="red", err=True)
        sys.exit(1)
    for row in result.rows:
        click.echo(f"{_('Row %(line)d', line=row.line)}  {row.label}")
    if dry_run:
        click.echo(_("Dry run, nothing written: %(n)d rows are correct.", n=len(result.rows)))
        return
    click.echo(_("Imported %(n)d rows.", n=len(result.rows)))
    if result.passwords:
        click.echo(_("Initial passwords (shown only now; changed at the first login):"))
        for username, password in result.passwords:
            click.echo(f"  {username}  {password}")


@users.command("import", help=_l(
    "Create the accounts of a CSV or .xlsx FILE (columns: user name, name, unit code, roles, initial "
    "password). Nothing is written when a row is wrong."))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@option("--dry-run", is_flag=True, help=_l("Check every row and report; write nothing."))
@with_appcontext
def users_import_command(file, dry_run):
    _import("users", file, dry_run)


@users.command("template", help=_l("Write the account import template (.xlsx, with a help sheet) to FILE."))
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def users_template_command(file):
    from core.org import importing

    file.write_bytes(importing.template("users"))
    click.echo(str(file))


@group("units", help=_l("Import the units of the organisation."))
def units():
    pass


@units.command("import", help=_l(
    "Create the units of a CSV or .xlsx FILE (columns: code, name, kind, parent code); a parent may be a "
    "unit of an earlier row. Nothing is written when a row is wrong."))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@option("--dry-run", is_flag=True, help=_l("Check every row and report; write nothing."))
@with_appcontext
def units_import_command(file, dry_run):
    _import("units", file, dry_run)


@units.command("template", help=_l("Write the unit import template (.xlsx, with a help sheet) to FILE."))
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def units_template_command(file):
    from core.org import importing

    file.write_bytes(importing.template("units"))
    click.echo(str(file))

"""``anqi users``: what the operator at the server does for an account when no
administrator can log in to do it (a lost authenticator, a locked account)."""
import click
from flask.cli import with_appcontext
from flask_babel import lazy_gettext as _l

from core.cli_help import group, password_option
from core.errors import AnqiError


@group("users", help=_l("Create and import user accounts; their passwords, second factors and locks."))
def users():
    pass


def _fail(exc: AnqiError):
    raise click.ClickException(str(exc.message))


@users.command("password", help=_l("Set USERNAME's password (the password rules apply); their sessions end."))
@click.argument("username")
@password_option("--password", prompt=_l("New password"), help=_l("Asked for when not given."))
@with_appcontext
def password_command(username, password):
    from core.auth import services
    from core.org.actor import shell_actor

    try:
        services.set_password(shell_actor(), username, password)
    except AnqiError as exc:
        _fail(exc)
    click.echo(f"Password of {username} set; their sessions have ended.")


@users.command("reset-second-factor", help=_l(
    "Remove USERNAME's second factor; they set up a new one at their next login."))
@click.argument("username")
@with_appcontext
def reset_second_factor_command(username):
    from core.auth import second_factor
    from core.org.actor import shell_actor
    from core.org.services import user_by_username

    user = user_by_username(username.strip().lower())
    if user is None:
        raise click.ClickException(f"There is no user {username}.")
    second_factor.reset(shell_actor(), user.id)
    click.echo(f"Second factor of {user.username} removed.")


@users.command("unlock", help=_l("Lift the lock that failed logins put on USERNAME."))
@click.argument("username")
@with_appcontext
def unlock_command(username):
    from core.auth import lockout
    from core.org.actor import shell_actor

    if lockout.unlock(shell_actor(), username.strip().lower()):
        click.echo(f"{username} unlocked.")
    else:
        click.echo(f"{username} was not locked.")

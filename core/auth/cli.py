"""``anqi users``: what the operator at the server does for an account when no
administrator can log in to do it (a lost authenticator, a locked account)."""
import click
from flask.cli import with_appcontext

from core.errors import AnqiError


@click.group("users")
def users():
    """Passwords, second factors and locks of user accounts."""


def _fail(exc: AnqiError):
    raise click.ClickException(str(exc.message))


@users.command("password")
@click.argument("username")
@click.password_option("--password", prompt="New password", help="Asked for when not given.")
@with_appcontext
def password_command(username, password):
    """Set USERNAME's password (the password rules apply); their sessions end."""
    from core.auth import services
    from core.org.actor import shell_actor

    try:
        services.set_password(shell_actor(), username, password)
    except AnqiError as exc:
        _fail(exc)
    click.echo(f"Password of {username} set; their sessions have ended.")


@users.command("reset-second-factor")
@click.argument("username")
@with_appcontext
def reset_second_factor_command(username):
    """Remove USERNAME's second factor; they set up a new one at their next login."""
    from core.auth import second_factor
    from core.org.actor import shell_actor
    from core.org.services import user_by_username

    user = user_by_username(username.strip().lower())
    if user is None:
        raise click.ClickException(f"There is no user {username}.")
    second_factor.reset(shell_actor(), user.id)
    click.echo(f"Second factor of {user.username} removed.")


@users.command("unlock")
@click.argument("username")
@with_appcontext
def unlock_command(username):
    """Lift the lock that failed logins put on USERNAME."""
    from core.auth import lockout
    from core.org.actor import shell_actor

    if lockout.unlock(shell_actor(), username.strip().lower()):
        click.echo(f"{username} unlocked.")
    else:
        click.echo(f"{username} was not locked.")

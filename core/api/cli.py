"""``anqi api-token``: issue, list and revoke API tokens from the shell."""
import click
from flask.cli import with_appcontext
from flask_babel import lazy_gettext as _l

from core.cli_help import command, option
from core.errors import AnqiError

USAGE = "Give a USER to issue a token, or --list, or --revoke ID."


@command("api-token", help=_l(
    "Issue an API token for USER (printed once), list tokens, or revoke one.\n\nUSER must be a "
    "system account (made under Users, kind \"system account\"); a leader of its unit grants "
    "what its tokens may read and do in /api/v1. The token is printed alone on standard "
    "output, so that TOKEN=$(anqi api-token sys12345) keeps it; it is not stored and cannot "
    "be shown again."))
@click.argument("user", required=False)
@option("--name", default="", help=_l("What the token is for, e.g. \"12345 hotline\"."))
@option("--list", "list_", is_flag=True, help=_l("List every token."))
@option("--revoke", "revoke_id", type=int, help=_l("Revoke the token with this id."))
@with_appcontext
def api_token(user, name, list_, revoke_id):
    from core.api import auth
    from core.cli import fail
    from core.org.actor import shell_actor

    if sum((bool(user), list_, revoke_id is not None)) != 1:
        raise click.UsageError(USAGE)
    actor = shell_actor()
    try:
        if list_:
            _print_list(auth.tokens(actor))
        elif revoke_id is not None:
            row = auth.revoke(actor, revoke_id)
            click.echo(f"Token {row.id} ({row.prefix}…, user {row.user.username}) revoked.")
        else:
            row, token = auth.issue(actor, user, name)
            click.echo(f"Token {row.id} for {row.user.username} ({row.name}). Copy it now: it cannot be "
                       f"shown again.", err=True)
            click.echo(token)
    except AnqiError as exc:
        fail(exc.message)


def _print_list(rows) -> None:
    def at(value):
        return value.strftime("%Y-%m-%d %H:%M") + "Z" if value else "-"

    if not rows:
        click.echo("No tokens.")
        return
    click.echo(f"{'ID':>4}  {'USER':<16} {'NAME':<20} {'PREFIX':<14} {'CREATED':<18} {'LAST USED':<18} REVOKED")
    for row in rows:
        click.echo(f"{row.id:>4}  {row.user.username:<16} {row.name[:20]:<20} {row.prefix + '…':<14} "
                   f"{at(row.created_at):<18} {at(row.last_used_at):<18} {at(row.revoked_at)}")

"""``anqi audit …``: checking and archiving the audit trail from the shell."""
import sys
from pathlib import Path

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.cli_help import group, option
from core.errors import AnqiError


def _fail(message, code: int = 1):
    click.secho(str(message), fg="red", err=True)
    sys.exit(code)


@group("audit", help=_l("The audit trail: verify its hash chain, archive old entries."))
def audit():
    pass


@audit.command("verify", help=_l("Check every entry's hash and link; exit 1 naming the first broken entry."))
@with_appcontext
def verify_command():
    from core.audit.verification import run_verification
    from core.org.actor import shell_actor

    result = run_verification(shell_actor())
    if not result.intact:
        _fail(result.message)
    click.echo(str(result.message))
    if result.head_id is not None:
        click.echo(_("Newest entry: %(id)d, hash %(hash)s", id=result.head_id, hash=result.head_hash))


@audit.command("archive", help=_l(
    "Export the entries older than the retention period to a signed file, then remove them."))
@with_appcontext
def archive_command():
    from core.audit.archive import archive, retention_days
    from core.org.actor import shell_actor

    try:
        written = archive(shell_actor())
    except AnqiError as exc:
        _fail(exc.message)
    if written is None:
        click.echo(_("No entries are older than %(days)d days: nothing to archive.", days=retention_days()))
        return
    click.echo(_("Archived %(n)d entries (%(first)d to %(last)d) to %(file)s", n=written.entries,
                 first=written.first_id, last=written.last_id, file=str(written.file)))
    click.echo(f"SHA-256 {written.sha256}")


@audit.command("verify-archive", help=_l(
    "Check an archive FILE's signature and the chain inside it; exit 1 when it does not hold."))
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@option("--public-key", type=click.Path(dir_okay=False, path_type=Path),
        help=_l("The public key (PEM); by default the one the archive names, beside it."))
@with_appcontext
def verify_archive_command(file, public_key):
    from core.audit.archive import file_sha256, verify_archive

    check = verify_archive(file, public_key)
    if not check.intact:
        _fail(f"{file}: {check.problem}")
    click.echo(_("%(file)s is intact: %(n)d entries, %(first)d to %(last)d, signed with key %(key)s.",
                 file=str(file), n=check.entries, first=check.first_id or 0, last=check.last_id or 0,
                 key=check.key_id))
    click.echo(f"SHA-256 {file_sha256(file)}")

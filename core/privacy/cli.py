"""``anqi privacy …``: the personal-data keys from the shell."""
import sys

import click
from flask.cli import with_appcontext
from flask_babel import lazy_gettext as _l

from core.cli_help import group, option
from core.privacy.keys import PersonalDataKeyError


@group("privacy", help=_l("Personal data: key status and key rotation."))
def privacy():
    pass


def _print_status() -> int:
    """Print the values per key version; return how many are not under the current one."""
    from core.privacy import rotation
    from core.privacy.fields import keyring

    ring = keyring()
    versions = ring.versions()
    current = max(versions)
    where = ring.path if ring.source == "file" else "PERSONAL_DATA_KEYS"
    click.echo(f"Keys: versions {', '.join(map(str, versions))} from {where}; current version {current}")
    behind = 0
    lines = rotation.status()
    for line in lines:
        counts = ", ".join(f"v{v}: {n}" if v is not None else f"unknown version: {n}"
                           for v, n in sorted(line.versions.items(), key=lambda item: item[0] or 0)) or "none"
        click.echo(f"  {line.label:<32} {counts}")
        behind += sum(n for v, n in line.versions.items() if v != current)
    for version in versions:
        if version != current:
            on_it = sum(line.versions.get(version, 0) for line in lines)
            note = "may be removed from the configuration" if on_it == 0 else "still needed"
            click.echo(f"Key version {version}: {on_it} values; {note}.")
    return behind


@privacy.command("status", help=_l("Show the key versions and how many values each one encrypts."))
@with_appcontext
def status_command():
    try:
        _print_status()
    except PersonalDataKeyError as exc:
        click.secho(str(exc), fg="red", err=True)
        sys.exit(2)


@privacy.command("rotate-key", help=_l(
    "Make a new key current and re-encrypt every value with it, batch by batch, while anqi "
    "keeps running."))
@option("--new-key/--no-new-key", default=True, show_default=True,
        help=_l("Add a new key version to the key file first; --no-new-key only re-encrypts to the current "
                "version (keys from PERSONAL_DATA_KEYS, or an interrupted rotation)."))
@option("--batch-size", default=500, show_default=True, type=click.IntRange(1, 100_000),
        help=_l("Rows re-encrypted per transaction."))
@with_appcontext
def rotate_key_command(new_key, batch_size):
    from core.audit import services as audit
    from core.extensions import db
    from core.org.actor import shell_actor
    from core.privacy import rotation
    from core.privacy.fields import keyring

    try:
        if new_key:
            version = keyring().add_version()
            click.echo(f"Added key version {version} to {keyring().path}; it is current now. Back the file up.")
        report = rotation.rotate(batch_size, on_batch=lambda label, done: click.echo(f"  {label}: {done}"))
        audit.record(shell_actor(), "personal_data.rotate_key", object_type="personal_data_key",
                     object_id=report.version, detail={"rewritten": dict(report.rewritten),
                                                        "new_key": new_key})
        db.session.commit()
        click.echo(f"Re-encrypted {sum(report.rewritten.values())} values with key version {report.version}.")
        behind = _print_status()
    except PersonalDataKeyError as exc:
        click.secho(str(exc), fg="red", err=True)
        sys.exit(2)
    if behind:
        click.secho(f"{behind} values are still under older keys (written meanwhile); run "
                    "`anqi privacy rotate-key --no-new-key` again.", fg="yellow", err=True)
        sys.exit(1)
    click.echo("Done: no value uses an older key version.")

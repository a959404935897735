"""``anqi backup``, ``anqi backup verify`` and ``anqi restore``."""
from pathlib import Path

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.cli_help import command, group, option
from core.errors import AnqiError


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024


def _fail(exc: AnqiError) -> None:
    from core.backup.services import DamagedSet

    for problem in getattr(exc, "problems", None) or [exc.message]:
        click.secho(str(problem), fg="red", err=True)
    if isinstance(exc, DamagedSet):
        click.secho(_("The backup set is damaged; it was not used."), fg="red", err=True)
    raise SystemExit(1)


@group("backup", invoke_without_command=True, help=_l(
    "Back up the database, the job queue, the stored files and the keys into a new set."))
@option("--out", "out", type=click.Path(file_okay=False, path_type=Path),
        help=_l("The folder to put the set in (default: <instance>/backups); the set is a new folder in it "
                "named by the UTC time."))
@option("--no-keys", is_flag=True, help=_l("Leave the key files out (they are backed up separately)."))
@with_appcontext
@click.pass_context
def backup(ctx, out, no_keys):
    if ctx.invoked_subcommand is not None:
        return
    from core.backup import services
    from core.org.actor import shell_actor

    try:
        created = services.create(shell_actor(), out, keys=not no_keys)
    except AnqiError as exc:
        _fail(exc)
    manifest = created.manifest
    total = sum(entry["size"] for entry in manifest["files"])
    click.echo(_("Database: %(kind)s, %(rows)d rows in %(tables)d tables.", kind=manifest["database"]["kind"],
                 rows=sum(manifest["database"]["rows"].values()), tables=len(manifest["database"]["rows"])))
    click.echo(_("Files: %(n)d, %(size)s in all.", n=len(manifest["files"]), size=_size(total)))
    jobs = manifest["queue"]
    if jobs["kind"] != "none":
        click.echo(_("Background jobs: %(jobs)d waiting, %(scheduled)d scheduled.", jobs=jobs["jobs"],
                     scheduled=jobs["scheduled"]))
    for name, state in manifest["keys"].items():
        if state == services.KEY_INCLUDED:
            click.echo(_("Key %(name)s: included.", name=name))
        elif state == services.KEY_LEFT_OUT:
            click.secho(_("Key %(name)s: left out; keep it safe separately, the data needs it.", name=name),
                        fg="yellow")
    if created.missing:
        for path in created.missing:
            click.secho(_("Missing from the instance though the database names it: %(file)s", file=path),
                        fg="red", err=True)
        click.secho(_("The backup was written to %(path)s, but %(n)d stored files are missing from the "
                      "instance (listed above and in the manifest).", path=str(created.path), n=len(created.missing)),
                    fg="red", err=True)
        raise SystemExit(1)
    click.echo(_("Backup written to %(path)s", path=str(created.path)))


@backup.command("verify", help=_l("Check every file of the backup set SOURCE against its manifest."))
@click.argument("source", type=click.Path(path_type=Path))
@with_appcontext
def backup_verify(source):
    from core.backup import services

    try:
        manifest = services.verify(source)
    except AnqiError as exc:
        _fail(exc)
    click.echo(_("The backup set of %(time)s is whole: %(n)d files match the manifest.",
                 time=manifest["created_at"], n=len(manifest["files"])))


@command("restore", help=_l("Restore the backup set SOURCE into this instance, which must be empty."))
@click.argument("source", type=click.Path(path_type=Path))
@option("--yes", is_flag=True, help=_l("Do not ask for confirmation."))
@with_appcontext
def restore(source, yes):
    from core.backup import services
    from core.org.actor import shell_actor

    try:
        manifest = services.read_manifest(source)
    except AnqiError as exc:
        _fail(exc)
    database = manifest["database"]
    click.echo(_("Backup set of %(time)s made by anqi %(version)s: %(kind)s database with %(rows)d rows, "
                 "%(n)d files.", time=manifest["created_at"], version=manifest["anqi_version"],
                 kind=database["kind"], rows=sum(database["rows"].values()), n=len(manifest["files"])))
    if not yes and not click.confirm(_("Restore it into this instance?")):
        raise SystemExit(1)
    try:
        restored = services.restore(shell_actor(), source)
    except AnqiError as exc:
        _fail(exc)
    click.echo(_("Restored: the row counts of every table match the manifest, and every file its checksum."))
    if restored.jobs:
        click.echo(_("Background jobs: %(n)d put back into the job queue; they run when a worker starts.",
                     n=restored.jobs))
    for path in manifest["missing"]:
        click.secho(_("Missing from the backup (it was missing when the backup was taken): %(file)s", file=path),
                    fg="yellow", err=True)
    for name, path in restored.keys_to_place:
        click.secho(_("Key %(name)s is not in this set: put the copy kept separately at %(path)s before "
                      "starting anqi.", name=name, path=str(path) if path else "-"), fg="yellow", err=True)
    for name in manifest.get("config", []):
        click.echo(_("The set keeps the old instance's %(name)s at %(path)s; compare it with this instance's "
                     "configuration (a restore does not replace it).", name=name,
                     path=str(Path(source) / "config" / name)))
    if restored.schema_problem:
        click.secho(restored.schema_problem, fg="yellow", err=True)


@command("copy", help=_l("Copy this instance's database into another, empty one (e.g. SQLite to PostgreSQL)."))
@option("--to", "target", required=True, metavar="URL",
        help=_l("The empty database to copy into, e.g. postgresql+psycopg://anqi@127.0.0.1:5432/anqi."))
@option("--batch", default=5000, show_default=True, type=click.IntRange(100, 100000),
        help=_l("Rows read and written at a time."))
@with_appcontext
def db_copy(target, batch):
    from core.backup import database_copy
    from core.org.actor import shell_actor
    from core.redaction import redact_url

    click.echo(_("Copying the database into %(url)s …", url=redact_url(target)))
    try:
        copied = database_copy.copy_database(
            shell_actor(), target, batch=batch,
            progress=lambda table, rows: click.echo(_("  %(table)s: %(n)d rows", table=table, n=rows)))
    except AnqiError as exc:
        _fail(exc)
    click.echo(_("Copied %(rows)d rows in %(tables)d tables in %(seconds).0f s; the row counts match. "
                 "Set ANQI_DATABASE_URL to the new database, then start anqi.",
                 rows=copied.total, tables=len(copied.rows), seconds=copied.seconds))

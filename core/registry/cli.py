"""``anqi enterprises …``: the registry from the shell."""
import sys
from pathlib import Path

import click
from flask.cli import with_appcontext
from flask_babel import lazy_gettext as _l

from core.cli_help import group, option
from core.errors import AnqiError


@group("enterprises", help=_l("Import and export the enterprise registry."))
def enterprises():
    pass


@enterprises.command("import", help=_l(
    "Import enterprises from a CSV or .xlsx FILE; exit non-zero when a row is rejected."))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@option("--dry-run", is_flag=True, help=_l("Check every row and report; write nothing."))
@option("--only-valid", is_flag=True, help=_l("Import the good rows even when some are rejected."))
@option("--unit", "unit_code", help=_l("Code of the unit for rows that name none."))
@with_appcontext
def import_command(file, dry_run, only_valid, unit_code):
    from core.org.actor import shell_actor
    from core.org.services import unit_by_code
    from core.registry import importer

    actor = shell_actor()
    default_unit_id = None
    if unit_code:
        unit = unit_by_code(unit_code.upper())
        if unit is None:
            click.secho(f"There is no unit with the code {unit_code}.", fg="red", err=True)
            sys.exit(2)
        default_unit_id = unit.id
    def show(results, _summary):
        for row in results:
            line = f"row {row.line:>6}  {row.action:<9}  {row.credit_code:<18}  {row.name}"
            if row.reasons:
                line += "  — " + "; ".join(row.reasons)
            click.echo(line)

    # The file is read as a stream, part by part, twice when it is written: never whole in memory.
    with file.open("rb") as stream:
        try:
            checked = importer.check(actor, file.name, stream, default_unit_id=default_unit_id, on_rows=show)
        except AnqiError as exc:
            click.secho(str(exc.message), fg="red", err=True)
            sys.exit(2)
        if checked.ignored_columns:
            click.echo("Ignored columns: " + ", ".join(checked.ignored_columns))
        summary = ", ".join(f"{v} {k}" for k, v in checked.counts.items())
        if checked.changes:
            click.echo("Changes to the enterprises updated: " + ", ".join(
                f"{v} {k}" for k, v in checked.changes.items()))
        if dry_run:
            click.echo(f"Dry run, nothing written: {summary}")
        elif checked.rejected and not only_valid:
            click.secho(f"Nothing imported because rows were rejected ({summary}). "
                        "Correct them, or use --only-valid.", fg="red", err=True)
        else:
            stream.seek(0)
            try:
                written = importer.write(actor, file.name, stream, only_valid=only_valid,
                                         default_unit_id=default_unit_id)
            except AnqiError as exc:
                click.secho(str(exc.message), fg="red", err=True)
                sys.exit(2)
            click.echo("Imported: " + ", ".join(f"{v} {k}" for k, v in written.counts.items()))
    sys.exit(1 if checked.rejected else 0)


@enterprises.command("export", help=_l("Export the whole registry to an .xlsx FILE (the import template's columns)."))
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@option("--reveal", is_flag=True, help=_l("Contacts' phone numbers in full instead of masked (audited)."))
@with_appcontext
def export_command(file, reveal):
    from core.org.actor import shell_actor
    from core.registry import export, services

    content, count = export.workbook(shell_actor(), services.EnterpriseFilter(), reveal=reveal)
    file.write_bytes(content)
    click.echo(f"Exported {count} enterprises to {file}")

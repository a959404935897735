"""The ``anqi`` command: Flask's CLI with anqi's own groups added."""
import sys

import click
from flask import current_app
from flask.cli import routes_command, shell_command, with_appcontext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.cli_help import AnqiGroup, command, group, option
from core.errors import AnqiError


def _create_app():
    from core import create_app

    return create_app()


def command_line(create_app=_create_app) -> AnqiGroup:
    """The ``anqi`` command group (the tests give it their own application)."""
    # Flask's own `run` would shadow anqi's, which checks the schema first.
    cli = AnqiGroup(create_app=create_app, name="anqi", add_default_commands=False,
                    help=_l("anqi (安企): software for enterprise service centres."))
    cli.add_command(shell_command)
    cli.add_command(routes_command)
    return cli


def main():
    command_line().main(prog_name="anqi")


def register(app) -> None:
    from core.api.cli import api_token
    from core.audit.cli import audit
    from core.backup.cli import backup, db_copy, restore
    from core.calendar.cli import calendar
    from core.demo.cli import demo
    from core.documents.cli import documents
    from core.notices.cli import notices
    from core.org.cli import init_command, units
    from core.privacy.cli import privacy
    from core.registry.cli import enterprises
    from core.search.cli import search
    from core.supervision.cli import supervision
    from core.tasks import worker
    from core.tickets.category_cli import categories
    from core.tickets.cli import tickets

    for command in (run, serve, plugins, enterprises, demo, api_token, calendar, tickets, documents, worker, privacy,
                    backup, restore, audit, supervision, search, notices, init_command, units,
                    categories):
        app.cli.add_command(command)
    app.cli.commands["db"].add_command(db_upgrade)  # replaces Flask-Migrate's "head" default
    app.cli.commands["db"].add_command(db_copy)


@command("upgrade", help=_l("Upgrade core and every plugin branch to the newest schema."))
@click.argument("revision", default="heads")
@option("--sql", is_flag=True, help=_l("Print the SQL instead of running it."))
@with_appcontext
def db_upgrade(revision, sql):
    import flask_migrate
    from alembic.script import ScriptDirectory

    from core.extensions import db
    from core.plugins import migrations

    migrate = current_app.extensions["migrate"].migrate
    script = ScriptDirectory.from_config(migrate.get_config(current_app.extensions["migrate"].directory))
    manifests = current_app.extensions["anqi_plugins"].manifests.values()
    for problem in migrations.problems(manifests, script, db.metadata.tables):
        click.secho(_("Warning: %(problem)s", problem=problem), fg="yellow", err=True)
    flask_migrate.upgrade(revision=revision, sql=sql)


def fail(message) -> None:
    click.secho(str(message), fg="red", err=True)
    sys.exit(1)


@command("run", help=_l("Serve anqi with the built-in server (one process; see `anqi serve` for production)."))
@option("--host", default="127.0.0.1", show_default=True)
@option("--port", default=5000, show_default=True, type=int)
@option("--worker/--no-worker", default=True, show_default=True,
        help=_l("Run the background jobs (the deadline sweep) in this process too; "
                "use --no-worker when `anqi worker` runs them."))
@with_appcontext
def run(host, port, worker):
    from core import health
    from core.database import SchemaMismatch, check_schema

    try:
        check_schema()
    except SchemaMismatch as exc:
        fail(exc)
    for warning in health.warnings():
        click.secho("Warning: " + warning, fg="yellow", err=True)
    from werkzeug.serving import run_simple

    from core import tasks
    from core.observability.request_log import QuietRequestHandler

    from core import public_address

    if not public_address.configured(current_app.config):   # the QR codes point at the address served
        current_app.config["PUBLIC_BASE_URL"] = public_address.served_address(host, port)
    consumer = tasks.start_embedded_consumer() if worker else None
    click.echo(f"anqi is serving on http://{host}:{port}/ (Ctrl+C stops it)")
    click.echo(_("The QR codes on documents issued now point at %(url)s (PUBLIC_BASE_URL).",
                 url=current_app.config["PUBLIC_BASE_URL"]))
    try:
        # Flask's app.run() refuses to run from inside its own CLI, hence Werkzeug directly.
        run_simple(host, port, current_app._get_current_object(), threaded=True,
                   request_handler=QuietRequestHandler)  # anqi.access logs each request, without its query
    finally:
        if consumer is not None:
            consumer.stop(graceful=True)  # lets a running job finish (10 s at most)


@command("serve", help=_l(
    "Serve anqi in production: gunicorn with several worker processes (run `anqi worker` "
    "beside it)."))
@option("--bind", help=_l("Address to listen on, host:port or unix:/path (default 127.0.0.1:8000; ANQI_SERVE_BIND)."))
@option("--workers", type=click.IntRange(1, 256),
        help=_l("Worker processes (default: 2 per CPU core + 1; ANQI_SERVE_WORKERS)."))
@option("--timeout", type=click.IntRange(5, 3600),
        help=_l("Seconds a request may run before its worker is replaced (default 60)."))
@option("--max-requests", type=click.IntRange(0, 10**7),
        help=_l("Replace a worker after this many requests, 0 never (default 5000)."))
@with_appcontext
def serve(bind, workers, timeout, max_requests):
    from core import health, serving
    from core.database import SchemaMismatch, check_schema
    from core.extensions import db

    try:
        check_schema()
    except SchemaMismatch as exc:
        fail(exc)
    for warning in health.warnings() + serving.configuration_warnings(current_app.config):
        click.secho("Warning: " + warning, fg="yellow", err=True)
    options = serving.ServeOptions.from_config(current_app.config, bind=bind, workers=workers, timeout=timeout,
                                               max_requests=max_requests)
    db.engine.dispose()  # the workers open their own connections; none may be inherited across the fork
    serving.exec_master(options, serving.metrics_dir(current_app.config, current_app.instance_path))


@group("plugins", help=_l("List plugins and switch them on or off per unit."))
def plugins():
    pass


@plugins.command("list", help=_l("Installed plugins in load order, with the units that enabled each."))
@with_appcontext
def plugins_list():
    from core.org.models import Unit
    from core.extensions import db
    from core.plugins.services import manager, units_enabled

    for m in manager().manifests.values():
        codes = sorted(db.session.get(Unit, uid).code for uid in units_enabled(m.name))
        depends = ", ".join(m.depends) or "-"
        click.echo(f"{m.name:<16} {m.version:<8} {m.localized('title', 'zh'):<14} depends: {depends:<12} "
                   f"enabled for: {', '.join(codes) or '-'}")


def _toggle(name, unit, enabled):
    from core.org.actor import shell_actor
    from core.plugins.services import set_enabled

    try:
        set_enabled(shell_actor(), unit, name, enabled)
    except AnqiError as exc:
        fail(exc.message)
    click.echo(f"{name} {'enabled' if enabled else 'disabled'} for {unit}")


@plugins.command("enable", help=_l("Enable plugin NAME for a unit."))
@click.argument("name")
@option("--unit", required=True, help=_l("The unit's code."))
@with_appcontext
def plugins_enable(name, unit):
    _toggle(name, unit, True)


@plugins.command("scaffold", help=_l("Write a new plugin NAME as an installable package (see docs/plugins.md)."))
@click.argument("name")
@option("--out", default=".", type=click.Path(file_okay=False), help=_l("The folder to write it in."))
@option("--title-zh", default="", help=_l("Its title in Chinese (the menu's and the portal's words)."))
@option("--title-en", default="", help=_l("Its title in English (the texts' msgids)."))
@with_appcontext
def plugins_scaffold(name, out, title_zh, title_en):
    from pathlib import Path

    from core.extensions import db
    from core.plugins import scaffold
    from core.plugins.services import manager

    title_en = title_en.strip() or name.replace("_", " ").capitalize()
    try:
        scaffold.check_name(name, manager().manifests, db.metadata.tables)
        target = scaffold.write(scaffold.Names(name, title_zh.strip() or title_en, title_en), Path(out))
    except AnqiError as exc:
        fail(exc.message)
    click.echo(_("Plugin %(name)s written to %(folder)s. Next: pip install -e %(folder)s, anqi db upgrade, "
                 "anqi plugins enable %(name)s --unit CODE.", name=name, folder=str(target)))


@plugins.command("disable", help=_l("Disable plugin NAME for a unit (its data is kept)."))
@click.argument("name")
@option("--unit", required=True, help=_l("The unit's code."))
@with_appcontext
def plugins_disable(name, unit):
    _toggle(name, unit, False)

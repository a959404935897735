"""Loads the plugins into an application and wires their contributions in."""
from pathlib import Path

from flask import abort, g, request
from flask_login import current_user

from core.org.permissions import build_matrix
from core.plugins.manager import PluginManager, discover_entry_points, discover_package
from core.plugins.services import is_enabled


def init_app(app, entry_points=None) -> PluginManager:
    manager = PluginManager()
    manager.load(
        discover_package(app.config["PLUGIN_PACKAGE"])
        + discover_entry_points(app.config["PLUGIN_ENTRY_POINT_GROUP"], entry_points)
    )
    app.extensions["anqi_plugins"] = manager

    # Each plugin keeps its own catalogue in <plugin>/translations; core.i18n
    # puts it in front of core's for the plugin's own pages and hooks only.
    app.extensions["anqi_catalogues"] = {
        "core": str(Path(app.root_path) / "translations"),
        "plugins": {m.name: str(m.path / "translations") for m in manager.manifests.values()},
    }

    app.extensions["anqi_permissions"] = build_matrix(manager.call_all("anqi_permissions"))

    plugin_of_blueprint = {}
    for blueprints in manager.call_all("anqi_blueprints", app=app):
        for bp in blueprints or ():
            name = getattr(bp, "anqi_plugin", None)
            if name not in manager:
                raise RuntimeError(f"blueprint {bp.name!r} was not made with toolkit.plugin_blueprint")
            app.register_blueprint(bp)
            plugin_of_blueprint[bp.name] = name
    app.extensions["anqi_plugin_blueprints"] = plugin_of_blueprint

    @app.before_request
    def _plugin_enabled_for_unit():
        name = plugin_of_blueprint.get((request.blueprint or "").split(".")[0])
        if name is None:
            return None
        g.anqi_plugin = name          # the plugin's own words for its pages (core.i18n)
        access = getattr(app.view_functions.get(request.endpoint), "anqi_access", None)
        if access == "public":
            return None     # a deliberately public page (core.web.public): the view checks its record's unit
        if access == "portal":  # an enterprise's page (core.web.portal_required): its own unit must have enabled it
            from core.portal.sessions import current_account

            account = current_account()
            if account is not None and not is_enabled(account.enterprise.unit_id, name):
                abort(404)
            return None     # no portal session: the view's marker answers (the portal's sign-in, or 403 for staff)
        if request.endpoint == f"{request.blueprint}.static" and not current_user.is_authenticated:
            # The plugin's stylesheets and scripts, for its pages on the portal.
            from core.portal.sessions import current_account

            account = current_account()
            if account is not None and is_enabled(account.enterprise.unit_id, name):
                return None
        if not current_user.is_authenticated:
            return app.login_manager.unauthorized()
        if not is_enabled(current_user.unit_id, name):
            abort(404)
        return None

    # One plugin at a time, to tell which commands each adds: their help is printed with the
    # plugin's catalogue in front (core.cli_help).
    for name in manager.manifests:
        before = dict(app.cli.commands)
        manager.call_enabled("anqi_cli", frozenset({name}), cli=app.cli)
        for command_name, command in app.cli.commands.items():
            if before.get(command_name) is not command:
                _speaks_for(command, name)
    return manager


def _speaks_for(command, plugin: str) -> None:
    command.anqi_plugin = plugin
    for subcommand in getattr(command, "commands", {}).values():
        _speaks_for(subcommand, plugin)

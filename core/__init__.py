"""anqi (安企): the application factory."""
import logging
import os
from pathlib import Path

from flask import Flask

log = logging.getLogger("anqi")


def create_app(config: dict | None = None, entry_points=None) -> Flask:
    """Build the application. ``config`` overrides every other source;
    ``entry_points`` replaces the installed ``anqi.plugins`` entry points (tests)."""
    instance = os.environ.get("ANQI_INSTANCE_PATH") or str(Path(__file__).resolve().parent.parent / "instance")
    app = Flask(__name__, instance_path=instance, instance_relative_config=True)

    from core import config as config_module
    config_module.load(app, config)

    from core import database, i18n, request_end, web
    from core.extensions import csrf, db, login, migrate
    from core.plugins import loader

    app.url_map.converters["int"] = web.IdConverter  # before any route is added
    from core import privacy
    privacy.init_app(app)  # the personal-data keys, before anything reads an encrypted column
    database.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).parent / "migrations"))
    login.init_app(app)
    csrf.init_app(app)
    loader.init_app(app, entry_points)  # before Babel: it sets the translation directories
    i18n.init_app(app)
    web.init_app(app)
    request_end.init_app(app)  # last-use times noted in the page's own transaction
    _register_blueprints(app)
    from core import auth

    auth.init_app(app)  # the session check, the login rate limit, the identity admin pages

    from core import tasks
    from core.calendar.services import on_change
    from core.tickets.services import recompute_open_deadlines

    on_change(recompute_open_deadlines)  # a calendar change counts open tickets' deadlines again
    tasks.init_app(app)  # background jobs: the queue the configuration names

    from core import observability
    observability.init_app(app)  # probes, request ids and the access log, metrics: after every other hook
    from core import cli
    cli.register(app)
    return app


def _register_blueprints(app: Flask) -> None:
    from core.api.admin import bp as api_tokens_bp
    from core.api.views import bp as api_bp
    from core.audit.views import bp as audit_bp
    from core.calendar.views import bp as calendar_bp
    from core.auth.views import bp as auth_bp
    from core.dashboard.views import bp as dashboard_bp
    from core.org.permission_views import bp as permissions_bp
    from core.org.system_account_views import bp as system_accounts_bp
    from core.org.views import bp as org_bp
    from core.plugins.views import bp as plugins_bp
    from core.registry.views import bp as registry_bp
    from core.notices.views import bp as notices_bp
    from core.notifications.views import bp as notifications_bp
    from core.tickets.views import bp as tickets_bp

    for bp in (auth_bp, dashboard_bp, registry_bp, org_bp, plugins_bp, audit_bp, api_bp, api_tokens_bp,
               calendar_bp, permissions_bp, system_accounts_bp):
        app.register_blueprint(bp)
    app.register_blueprint(tickets_bp)
    app.register_blueprint(notifications_bp)
    app.register_blueprint(notices_bp)
    from core.supervision.views import bp as supervision_bp
    from core.tickets.category_views import bp as ticket_categories_bp
    from core.tickets.consultation_views import bp as consultations_bp

    app.register_blueprint(supervision_bp)
    app.register_blueprint(consultations_bp)
    app.register_blueprint(ticket_categories_bp)
    from core.tickets.stats_views import bp as ticket_stats_bp

    app.register_blueprint(ticket_stats_bp)
    from core.documents.views import bp as documents_bp
    from core.documents.views import verify_bp
    from core.documents.batch_views import bp as document_batches_bp
    from core.documents.font_views import bp as document_fonts_bp

    app.register_blueprint(documents_bp)
    app.register_blueprint(document_batches_bp)
    app.register_blueprint(document_fonts_bp)
    app.register_blueprint(verify_bp)
    from core.documents.seal_views import bp as document_seals_bp

    app.register_blueprint(document_seals_bp)
    from core.portal.desk_views import bp as portal_desk_bp
    from core.portal.views import bp as portal_bp

    app.register_blueprint(portal_bp)
    app.register_blueprint(portal_desk_bp)
    from core.departments.views import bp as departments_bp

    app.register_blueprint(departments_bp)
    from core.meetings.views import bp as meetings_bp

    app.register_blueprint(meetings_bp)
    from core.routing.views import bp as routing_bp

    app.register_blueprint(routing_bp)
    from core.phrases.views import bp as phrases_bp
    from core.liaison.views import bp as liaison_bp

    app.register_blueprint(phrases_bp)
    app.register_blueprint(liaison_bp)
    from core.knowledge.views import bp as knowledge_bp
    from core.legal_education.views import bp as legal_education_bp

    app.register_blueprint(knowledge_bp)
    app.register_blueprint(legal_education_bp)
    from core.notices.webhook_views import bp as notice_webhooks_bp

    app.register_blueprint(notice_webhooks_bp)
    from core.service_lists.views import bp as service_lists_bp
    from core.service_lists.views import portal_bp as portal_services_bp

    app.register_blueprint(service_lists_bp)
    app.register_blueprint(portal_services_bp)

"""What every page shares: login wiring, the page frame's menu, permission
checks for views, error pages and response headers."""
from datetime import date
from functools import wraps
from urllib.parse import urlencode

import logging

from flask import abort, current_app, flash, has_request_context, redirect, render_template, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from core.audit import services as audit
from core.database import is_busy
from core.errors import AnqiError, Conflict, Forbidden, ValidationError
from core.extensions import db, login
from core.org.actor import Actor
from core.org.permissions import has_permission
from core.plugins.services import call_for_unit
from core.plugins.contract import MenuItem
from core.record_ids import MAX_ID, record_id

CORE_MENU = (
    # (section, label, endpoint, permission, order)
    ("work", _l("Dashboard"), "dashboard.index", "dashboard.read", 10),
    ("work", _l("Demand tickets"), "tickets.index", "ticket.read", 12),
    ("work", _l("Register a demand"), "tickets.new", "ticket.register", 14),
    ("work", _l("Supervision register (挂牌督办)"), "supervision.index", "ticket.read", 15),
    ("work", _l("Backlog register (积案)"), "supervision.backlog_page", "ticket.supervise", 15),
    ("work", _l("Consultations (专家会诊)"), "consultations.index", "ticket.read", 15),
    ("work", _l("Ticket statistics"), "ticket_stats.index", "ticket.stats", 16),
    ("work", _l("Similar demands"), "ticket_stats.classes", "ticket.stats", 17),
    ("work", _l("Official documents"), "documents.index", "document.read", 18),
    ("work", _l("Complaints"), "portal_desk.complaints", "ticket.supervise", 19),
    ("work", _l("Portal accounts"), "portal_desk.accounts_page", "portal.verify", 22),
    ("work", _l("Portal notices"), "portal_desk.notices_page", "portal.publish", 24),
    ("work", _l("Enterprises' profile changes"), "portal_desk.profile_changes_page", "enterprise.write", 23),
    ("work", _l("Outside departments (转交办)"), "departments.index", "department.read", 26),
    ("work", _l("Enterprises"), "registry.index", "enterprise.read", 20),
    ("work", _l("Liaison coverage (一企一警)"), "liaison.coverage_page", "enterprise.read", 21),
    ("work", _l("Visits (走访纳谏)"), "liaison.visit_list", "visit.record", 21),
    ("work", _l("Import enterprises"), "registry.import_upload", "enterprise.import", 30),
    ("work", _l("System accounts (API)"), "system_accounts.index", "system_account.grant", 40),
    ("work", _l("Routing rules"), "routing.rules", "routing.rules", 26),
    ("work", _l("Reply phrases (常用语)"), "phrases.index", "phrase.manage", 27),
    ("work", _l("Knowledge base (政策咨询)"), "knowledge.index", "knowledge.read", 28),
    ("work", _l("Legal education (法治宣教)"), "legal_education.index", "legal_education.read", 29),
    ("work", _l("Meetings (座谈, 联席会议)"), "meetings.index", "meeting.read", 14),
    ("work", _l("Service list and negative list"), "service_lists.index", "service_list.manage", 28),
    ("system", _l("Units"), "org.units", "system.manage", 10),
    ("system", _l("Users"), "org.users", "system.manage", 20),
    ("system", _l("Seals and signing certificates"), "document_seals.index", "system.manage", 21),
    ("system", _l("Sessions"), "auth_admin.sessions_list", "system.manage", 22),
    ("system", _l("Second factor"), "auth_admin.second_factor_page", "system.manage", 24),
    ("system", _l("Plugins"), "plugins.admin", "system.manage", 30),
    ("system", _l("API tokens"), "api_tokens.index", "system.manage", 35),
    ("system", _l("Webhooks"), "notice_webhooks.index", "notice.manage", 36),
    ("system", _l("Demand categories"), "ticket_categories.index", "ticket.categories", 36),
    ("system", _l("Working-day calendar"), "calendar.index", "system.manage", 37),
    ("system", _l("Document fonts"), "document_fonts.index", "system.manage", 38),
    ("system", _l("Outside departments (转交办)"), "departments.admin_index", "department.configure", 39),
    ("system", _l("Routing rules"), "routing.admin_rules", "routing.configure", 40),
    ("system", _l("Notice texts"), "notices.templates", "notice.manage", 41),
    ("system", _l("Audit log"), "audit.index", "audit.read", 40),
    ("system", _l("Permission matrix"), "permissions.index", "permissions.read", 45),
)
BUSY_MESSAGE = _l("Someone else's change is being saved at this very moment, so yours could not be; nothing "
                  "was changed. Try again in a few seconds.")
BUSY_RETRY_SECONDS = 5

log = logging.getLogger(__name__)

SECTIONS = {"work": _l("Work"), "plugins": _l("Plugins"), "system": _l("System")}


class IdConverter(IntegerConverter):
    """``<int:…>`` in every route: a number beyond any id is a 404, not a
    database overflow error (a 500)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def id_arg(name: str, source=None) -> int | None:
    """A record id (a positive whole number) from the query string, or from
    ``source`` (e.g. ``request.form``); None when it is not one."""
    return record_id((request.args if source is None else source).get(name))


def form_date(name: str, source=None) -> date | None:
    """A date field (YYYY-MM-DD) of the posted form, or of ``source``; None when
    it is empty or not a date (the service then says what is missing)."""
    try:
        return date.fromisoformat((((request.form if source is None else source).get(name)) or "").strip())
    except ValueError:
        return None


def see_other(endpoint: str, **values):
    """After a POST: 303 to the page to show next, so a reload does not post again."""
    return redirect(url_for(endpoint, **values), code=303)


def flash_done(message) -> None:
    """The confirmation after an action succeeded, in words: what was done."""
    flash(str(message), "success")


# Refusals the user can act on from the page they come back to: bad input, an
# action they may not take there, a state that no longer allows it. A NotFound
# is not among them: the record may be gone or outside the unit, and the page
# to come back to with it, so it stays the 404 page.
REFUSALS_SHOWN = (ValidationError, Forbidden, Conflict)


def flash_refusal(error: AnqiError) -> None:
    """Show a refused action as a message on the next page (each of a
    ValidationError's field messages, all at once), or re-raise the error when
    it is not one of ``REFUSALS_SHOWN`` (the error page then says it)."""
    if not isinstance(error, REFUSALS_SHOWN):
        raise error
    messages = [str(m) for field_messages in (getattr(error, "errors", None) or {}).values()
                for m in field_messages] or [str(error.message)]
    for message in dict.fromkeys(messages):
        flash(message, "error")


def current_actor() -> Actor:
    """The actor of this request (kept on the request, which dies with it)."""
    actor = getattr(request, "_anqi_actor", None)
    if actor is None or actor.user is not (current_user._get_current_object()
                                           if current_user.is_authenticated else None):
        actor = Actor(user=current_user._get_current_object() if current_user.is_authenticated else None,
                      address=request.remote_addr or "")
        request._anqi_actor = actor
    return actor


# How a view is reached, besides a permission (``permission_required``): the
# security tests refuse any endpoint that declares none of these.
PUBLIC = "public"        # anyone, signed in or not: the login page, the QR verification page
SIGNED_IN = "signed_in"  # any signed-in user, on their own things: home, inbox, own password
PORTAL = "portal"        # a verified enterprise account on the portal, on its own enterprise's records


def public(view):
    """A page anyone may open without signing in (a published result, a QR code's
    check): the view itself shows only what its record's unit publishes."""
    view.anqi_access = PUBLIC
    return view


def signed_in(view):
    """Login required; what the page shows is the user's own (no permission applies)."""
    wrapped = login_required(view)
    wrapped.anqi_access = SIGNED_IN
    return wrapped


def portal_required(view):
    """An enterprise's portal page: a verified enterprise account signed in on
    the portal. No staff session opens it (403, audited); without a portal
    session the portal's sign-in page is shown. The view narrows what it shows
    to the account's enterprise (``portal_actor()``)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        from core.portal.sessions import current_account

        if current_account() is None:
            if current_user.is_authenticated:
                audit.record_failure(current_actor(), "access.denied", result=audit.DENIED,
                                     object_type="endpoint", object_id=request.endpoint)
                abort(403)
            target = request.full_path if request.method == "GET" else None
            return redirect(url_for("portal.login", next=target))
        return view(*args, **kwargs)

    wrapped.anqi_access = PORTAL
    return wrapped


def portal_actor():
    """The enterprise acting on this portal request (``core.portal.actor.PortalActor``)."""
    from core.portal.actor import PortalActor
    from core.portal.sessions import current_account

    actor = getattr(request, "_anqi_portal_actor", None)
    if actor is None:
        account = current_account()
        if account is None:
            abort(403)
        actor = request._anqi_portal_actor = PortalActor(account, request.remote_addr or "")
    return actor


def portal_not_found(object_type: str, object_id):
    """A portal page asked for a record that is not the enterprise's own (an id
    changed in the URL): audit the attempt (``portal.not_found``) and answer 404."""
    audit.record_failure(portal_actor(), "portal.not_found", result=audit.DENIED, object_type=object_type,
                         object_id=object_id, detail={"endpoint": request.endpoint})
    abort(404)


def access_of(view) -> str | None:
    """What an endpoint's view requires: a permission name, ``public``,
    ``signed_in``, ``portal``, ``api:<permission>`` / ``api:public`` for the JSON API (its
    bearer token is checked by the API's own before_request), or None when the
    view declares nothing (a mistake the security tests catch)."""
    if view is None:
        return None
    permission = getattr(view, "anqi_permission", None)
    if permission:
        return permission
    access = getattr(view, "anqi_access", None)
    if access:
        return access
    operation = getattr(view, "api_operation", None)
    if operation is not None and (operation.public or operation.permission):
        return f"api:{'public' if operation.public else operation.permission}"
    return None


def permission_required(permission: str):
    """Login required, and a role that holds ``permission``; otherwise 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login.unauthorized()
            if not has_permission(current_user, permission):
                audit.record_failure(current_actor(), "access.denied", result=audit.DENIED,
                                     object_type="endpoint", object_id=request.endpoint)
                abort(403)
            return view(*args, **kwargs)

        wrapped.anqi_permission = permission
        return wrapped

    return decorator


def menu() -> list[tuple[str, list[MenuItem]]]:
    """The side menu: core's entries the user may use, then the enabled plugins' items."""
    if not current_user.is_authenticated:
        return []
    items = [MenuItem(label=label, endpoint=endpoint, order=order, section=section)
             for section, label, endpoint, permission, order in CORE_MENU
             if has_permission(current_user, permission)]
    items += call_for_unit("anqi_menu_items", current_user.unit_id, unit=current_user.unit, user=current_user)
    grouped = []
    for section in SECTIONS:
        entries = sorted((i for i in items if i.section == section), key=lambda i: (i.order, str(i.label)))
        if entries:
            grouped.append((SECTIONS[section], entries))
    return grouped


def query(**changes) -> str:
    """This page's query string with some arguments changed (None removes one)."""
    args = request.args.to_dict()
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = value
    return "?" + urlencode(args) if args else request.path


class SessionInterface(SecureCookieSessionInterface):
    """The session cookie is ``Secure`` whenever the request came over HTTPS
    (behind a reverse proxy: with ``PROXY_FIX`` set so that Flask sees the
    proxy's ``X-Forwarded-Proto``), and always when ``SESSION_COOKIE_SECURE``."""

    def get_cookie_secure(self, app) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or (has_request_context() and request.is_secure)


def init_app(app) -> None:
    app.session_interface = SessionInterface()
    proxies = int(app.config.get("PROXY_FIX") or 0)
    if proxies:
        # Trust exactly this many proxies' X-Forwarded-For/-Proto/-Host/-Prefix: the
        # client address in the audit trail and the rate limit, and HTTPS for the cookie.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_prefix=proxies)
    login.login_view = "auth.login"
    login.login_message = _l("Please log in to open this page.")
    login.login_message_category = "info"
    login.session_protection = "strong"

    @login.user_loader
    def _load_user(user_id):
        from core.org.models import User

        user = db.session.get(User, int(user_id))
        return None if user is None or user.is_system else user   # a system account has no page session

    @app.context_processor
    def _frame():
        from core.tickets.attachments import HINT, accept

        return {"menu": menu, "can": lambda permission: has_permission(current_user, permission),
                "query": query, "upload_accept": accept, "upload_hint": HINT}

    @app.after_request
    def _headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
        )
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if _signed_in_request() and not _static_request() \
                and "no-store" not in (response.headers.get("Cache-Control") or ""):
            # A page for a signed-in user or enterprise shows their records and personal data:
            # neither the browser's cache nor a proxy keeps it (back after logout shows nothing).
            response.headers["Cache-Control"] = "private, no-store"
        return response

    @app.errorhandler(CSRFError)
    def _csrf(error):
        audit.record_failure(current_actor(), "csrf.rejected", result=audit.DENIED,
                             object_type="endpoint", object_id=request.endpoint)
        return render_error(400, _("The form was sent without its security token or the token has "
                                   "expired. Reload the page and try again."))

    @app.errorhandler(AnqiError)
    def _anqi_error(error):
        return render_error(error.status, str(error.message))

    @app.errorhandler(OperationalError)
    def _database_error(error):
        db.session.rollback()
        if not is_busy(error):
            app.logger.error("Exception on %s [%s]", request.path, request.method,
                             exc_info=(type(error), error, error.__traceback__))
            return render_error(500, str(_("Something went wrong on our side. The error has been logged; "
                                           "please try again.")))
        return render_busy()

    for status, message in {
        400: _l("The request could not be understood."),
        403: _l("You are not allowed to open this page."),
        404: _l("There is no such page, or it is not available to your unit."),
        405: _l("This page cannot be used that way."),
        413: _l("The file is too large."),
        500: _l("Something went wrong on our side. The error has been logged; please try again."),
    }.items():
        app.register_error_handler(status, _error_handler(status, message))


def _static_request() -> bool:
    """A stylesheet, script or image (core's or a plugin's): these keep their caching."""
    endpoint = request.endpoint or ""
    return endpoint == "static" or endpoint.endswith(".static")


def _signed_in_request() -> bool:
    """Whether the browser sent a staff login or a portal sign-in (read from the
    signed cookie alone: no database query in every response)."""
    from core.portal.sessions import SESSION_KEY as PORTAL_KEY

    return bool(session.get("_user_id") or session.get(PORTAL_KEY))


def _error_handler(status, message):
    def handler(error):
        if status == 500:
            db.session.rollback()
        return render_error(status, str(message))

    return handler


def render_error(status: int, message: str):
    return render_template("error.html", status=status, message=message), status


def render_busy():
    """503 when the database could not give this request its turn in time (SQLite's
    one writer was busy for longer than the busy timeout): the page says so and
    that nothing changed, and is drawn without touching the database — no user,
    menu or badge, the language from the session alone."""
    log.warning("database busy: %s %s answered 503", request.method, request.url_rule or "-")
    language = session.get("lang")
    if language not in app_languages():
        language = None
    with force_locale(language or _default_locale()):
        from core.i18n import html_lang

        back = request.referrer if request.referrer and request.referrer.startswith(request.host_url) else "/"
        # The template alone, without the context processors (Flask-Login's would load the user).
        body = current_app.jinja_env.get_template("busy.html").render(
            message=str(BUSY_MESSAGE), back=back, html_lang=html_lang())
    return body, 503, {"Retry-After": str(BUSY_RETRY_SECONDS), "Cache-Control": "no-store"}


def app_languages():
    return current_app.config["LANGUAGES"]


def _default_locale():
    return current_app.config["BABEL_DEFAULT_LOCALE"]

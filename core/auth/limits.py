"""A rate limit per client address on the login forms (Flask-Limiter).

``AUTH_LOGIN_RATE_LIMIT`` (default ``20 per minute``) counts the POSTs to
/login and /login/second-factor from one address, and (each on its own) to the
enterprise portal's /portal/login, /portal/login/second-factor and /portal/register. The counters live where
``RATELIMIT_STORAGE_URI`` says: ``memory://`` (one process) by default; with
several worker processes name a shared store, e.g. ``redis://host:6379/1``.
``RATELIMIT_ENABLED = False`` switches the limit off (the tests do).
A refused request gets a 429 page and one audit entry per address and minute.
"""
from datetime import timedelta

from flask import current_app, request
from flask_babel import gettext as _
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from sqlalchemy import select

from core import clock
from core.audit import services as audit
from core.audit.models import AuditEntry
from core.extensions import db

LIMITED = ("auth.login", "auth.second_factor", "portal.login", "portal.login_second_factor", "portal.register")


def init_app(app) -> None:
    """One limiter per application, so that each app keeps its own counters and settings."""
    limiter = Limiter(get_remote_address, app=app, headers_enabled=True)
    app.extensions["anqi_limiter"] = limiter
    for endpoint in LIMITED:
        app.view_functions[endpoint] = limiter.limit(_rate, methods=["POST"], on_breach=_audit)(
            app.view_functions[endpoint])
    app.register_error_handler(429, _too_many)


def _rate() -> str:
    return current_app.config["AUTH_LOGIN_RATE_LIMIT"]


def _audit(_limit) -> None:
    from core.org.actor import Actor

    address = request.remote_addr or ""
    since = clock.now() - timedelta(minutes=1)
    if db.session.scalar(select(AuditEntry.id).where(AuditEntry.action == "auth.rate_limited",
                                                     AuditEntry.address == address, AuditEntry.at >= since)
                         .limit(1)) is None:
        audit.record_failure(Actor(user=None, address=address), "auth.rate_limited", result=audit.DENIED,
                             object_type="endpoint", object_id=request.endpoint, detail={"limit": _rate()})


def _too_many(_error):
    from core.web import render_error

    return render_error(429, _("Too many login attempts from your address. Wait a minute, then try again."))

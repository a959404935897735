"""The request id and the access log.

Each request gets an id: the ``X-Request-ID`` header a proxy sent when it is a
plain token (at most 64 of ``A-Z a-z 0-9 . _ -``), otherwise a new one. It is
on every log record made while the request is served and is sent back in the
``X-Request-ID`` response header. When the request ends, one record on the
``anqi.access`` logger says what was served: method, the route (its rule, such
as ``/tickets/<int:ticket_id>``, never the path as sent nor the query string,
which may carry a searched phone or ID number), status, duration, and the user
and unit ids. The probes' and scrapes' records are at DEBUG level unless they failed.
"""
import logging
import re
import time
import uuid

from flask import current_app, g, request, request_started
from werkzeug.serving import WSGIRequestHandler

from core.observability import logs

log = logging.getLogger("anqi.access")
HEADER = "X-Request-ID"
_TOKEN = re.compile(r"[A-Za-z0-9._-]{1,64}")


def quiet(view):
    """A view machines call every few seconds (probes, scrapes): logged at DEBUG."""
    view.anqi_quiet_log = True
    return view


def request_id_from(header: str | None) -> str:
    """The id a proxy gave this request when it is a plain token, otherwise a new one."""
    value = (header or "").strip()
    return value if _TOKEN.fullmatch(value) else uuid.uuid4().hex


def current_request_id() -> str | None:
    return g.get("anqi_request_id")


def _start(app, **_extra):
    # On the request_started signal rather than a before_request hook: it comes
    # before every hook, and a hook that answers early (a redirect to the login)
    # stops the hooks after it.
    g.anqi_request_started = time.perf_counter()
    g.anqi_request_id = request_id_from(request.headers.get(HEADER))
    g.anqi_request_id_token = logs.request_id.set(g.anqi_request_id)


def _finish(response):
    rid = g.get("anqi_request_id")
    if rid is None:
        return response
    response.headers[HEADER] = rid
    duration_ms = round((time.perf_counter() - g.anqi_request_started) * 1000, 1)
    view = current_app.view_functions.get(request.endpoint)
    level = logging.DEBUG if getattr(view, "anqi_quiet_log", False) and response.status_code < 400 else logging.INFO
    if log.isEnabledFor(level):
        route = request.url_rule.rule if request.url_rule is not None else "-"
        fields = {"method": request.method, "path": route, "endpoint": request.endpoint,
                  "status": response.status_code, "duration_ms": duration_ms, **_who()}
        log.log(level, "%s %s %s %.1f ms user=%s unit=%s", request.method, route, response.status_code,
                duration_ms, fields.get("user_id", "-"), fields.get("unit_id", "-"), extra=fields)
    return response


def _who() -> dict:
    """The ids of whoever the request was served for, as far as the request has
    worked it out already (never loading a user just for the log)."""
    user = g.get("_login_user")     # Flask-Login's user of this request, once loaded
    if user is None or not getattr(user, "is_authenticated", False):
        actor = g.get("api_actor")  # the JSON API's token holder
        user = actor.user if actor is not None else None
    if user is not None:
        return {"user_id": user.id, "unit_id": user.unit_id}
    account = getattr(request, "_anqi_portal_account", None)  # an enterprise on the portal
    if account is not None:
        return {"portal_account_id": account.id, "enterprise_id": account.enterprise_id}
    return {}


def _end(_exc):
    token = g.pop("anqi_request_id_token", None)
    if token is not None:
        try:
            logs.request_id.reset(token)
        except ValueError:  # set in another context (a streamed response's generator)
            logs.request_id.set(None)


class QuietRequestHandler(WSGIRequestHandler):
    """The development server's handler without its own request lines, which
    carry the query string; ``anqi.access`` logs every request instead."""

    def log_request(self, code="-", size="-"):
        pass


def init_app(app) -> None:
    request_started.connect(_start, app)
    app.after_request(_finish)
    app.teardown_request(_end)

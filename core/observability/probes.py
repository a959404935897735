"""The load balancer's probes, reachable without a login:

- ``/healthz`` (liveness): 200 ``ok`` while the process serves requests; it
  touches nothing else, so a database outage does not get workers restarted;
- ``/readyz`` (readiness): 200 when the database answers and the job queue's
  storage is reachable, otherwise 503 naming the dependency that failed (never
  its address or credentials; the log has the error).
"""
import logging

from flask import Blueprint, Response, jsonify

from core.observability import checks, request_log
from core.web import public

log = logging.getLogger("anqi.observability")
bp = Blueprint("probes", __name__)
CHECKS = {"database": checks.check_database, "queue": checks.queue_depth}


@bp.route("/healthz")
@public
@request_log.quiet
def healthz():
    return _no_store(Response("ok\n", mimetype="text/plain"))


@bp.route("/readyz")
@public
@request_log.quiet
def readyz():
    results = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception as exc:  # any failure means "not ready"; the reason goes to the log only
            log.warning("readiness: %s unavailable: %s: %s", name, type(exc).__name__, exc)
            results[name] = "unavailable"
        else:
            results[name] = "ok"
    ready = all(value == "ok" for value in results.values())
    response = jsonify(status="ready" if ready else "unavailable", checks=results)
    response.status_code = 200 if ready else 503
    return _no_store(response)


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app) -> None:
    from core.observability import register_machine_blueprint

    register_machine_blueprint(app, bp)

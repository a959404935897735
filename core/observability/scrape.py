"""The ``/metrics`` endpoint: what one scrape reports (every process's metrics
in multiprocess mode, plus figures read at scrape time), behind ``METRICS_TOKEN``.
See core.observability.metrics for the metrics themselves."""
import hmac
import logging

from flask import Blueprint, Response, abort, current_app, request

from core.extensions import db
from core.observability import checks, metrics, request_log
from core.tickets.queues import count_overdue
from core.web import public

log = logging.getLogger("anqi.observability")
bp = Blueprint("metrics", __name__)


class _ProcessMetrics:
    """The process registry's metrics, inside a scrape's registry."""

    def __init__(self, registry):
        self.registry = registry

    def collect(self):
        yield from self.registry.collect()


class _StateMetrics:
    """Figures read when scraped, from the database and the queue storage."""

    def collect(self):
        from prometheus_client.core import GaugeMetricFamily

        up = GaugeMetricFamily("anqi_dependency_up", "Whether a dependency answered this scrape",
                               labels=("dependency",))
        for dependency, name, doc, read in (
                ("queue", "anqi_job_queue_depth", "Background jobs waiting in the queue", checks.queue_depth),
                ("database", "anqi_tickets_overdue", "Open tickets overdue now, in all units", count_overdue)):
            try:
                value = read()
            except Exception as exc:  # a scrape still answers, with the dependency marked down
                log.warning("metrics: %s unavailable: %s: %s", dependency, type(exc).__name__, exc)
                up.add_metric((dependency,), 0)
                continue
            up.add_metric((dependency,), 1)
            yield GaugeMetricFamily(name, doc, value=value)
        yield up


def scrape_registry():
    """Everything one scrape reports: all processes' metrics in multiprocess
    mode (their files), else this process's, plus the scrape-time figures."""
    from prometheus_client import CollectorRegistry
    from prometheus_client.multiprocess import MultiProcessCollector

    own = metrics.instruments()
    registry = CollectorRegistry()
    if own.multiprocess:
        MultiProcessCollector(registry)
    else:
        registry.register(_ProcessMetrics(own.registry))
    registry.register(_StateMetrics())
    return registry


def _authorized() -> bool:
    token = current_app.config.get("METRICS_TOKEN")
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), str(token).encode())


@bp.route("/metrics")
@public
@request_log.quiet
def scrape():
    if not current_app.config.get("METRICS_TOKEN"):
        abort(404)
    if not _authorized():
        return Response("A metrics token is required.\n", 401, mimetype="text/plain",
                        headers={"WWW-Authenticate": 'Bearer realm="anqi metrics"'})
    from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

    try:
        body = generate_latest(scrape_registry())
    finally:
        db.session.rollback()   # the overdue count's transaction
    return Response(body, headers={"Content-Type": CONTENT_TYPE_LATEST, "Cache-Control": "no-store"})


def init_app(app) -> None:
    from core.observability import register_machine_blueprint

    register_machine_blueprint(app, bp)

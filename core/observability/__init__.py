"""Running anqi in production: liveness and readiness probes, a request id
and one access-log record per request, structured logs, and Prometheus
metrics (docs/operations.md, "Monitoring").

Nothing here imports ``prometheus_client`` at module level: in gunicorn's
master ``metrics.prepare_multiprocess_dir`` must set PROMETHEUS_MULTIPROC_DIR
before the library is first imported.
"""


def register_machine_blueprint(app, bp) -> None:
    """Pages for machines (probes, the scrape): no CSRF token, no rate limit."""
    from core.extensions import csrf

    csrf.exempt(bp)
    app.register_blueprint(bp)
    limiter = app.extensions.get("anqi_limiter")
    if limiter is not None:
        limiter.exempt(bp)


def init_app(app) -> None:
    """After the other request hooks and blueprints (the end of ``create_app``)."""
    from core.observability import jobs, logs, metrics, probes, request_log, scrape

    logs.init_app(app)
    request_log.init_app(app)
    probes.init_app(app)
    metrics.init_app(app)
    scrape.init_app(app)
    jobs.init_app(app)

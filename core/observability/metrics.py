"""The Prometheus metrics anqi keeps, in one process or across several
(served at ``/metrics`` by core.observability.scrape, in the text format).

Metrics:

- ``anqi_http_request_duration_seconds`` (histogram; labels ``endpoint`` (the
  Flask endpoint, e.g. ``tickets.show``), ``method``, ``status`` (``2xx`` …));
- ``anqi_http_requests_in_progress`` (gauge, summed over live processes);
- ``anqi_jobs_completed_total`` / ``anqi_jobs_failed_total`` (counters by
  ``task``), counted by the processes that run jobs (``anqi worker``);
- at scrape time, from the scraped process: ``anqi_job_queue_depth`` (jobs
  waiting), ``anqi_tickets_overdue`` (open tickets overdue now, all units) and
  ``anqi_dependency_up`` (1/0 by ``dependency``: database, queue); a figure
  whose dependency is down is left out.

Several processes (gunicorn workers, job workers): prometheus_client's
multiprocess mode. PROMETHEUS_MULTIPROC_DIR must be set, to the same folder,
in every process before prometheus_client is first imported; the serving
command calls ``prepare_multiprocess_dir`` in gunicorn's master and
``process_exited`` from its ``child_exit`` hook. A job worker (``anqi worker``)
on the same machine gets the same variable to have its job counters scraped.
Without the variable (``anqi run``, tests) each process keeps its own figures.

prometheus_client is imported only inside functions: importing this module in
gunicorn's master must not fix the library's mode before the variable is set.
"""
import logging
import os
import threading
import time
from pathlib import Path

from flask import g, request, request_started

log = logging.getLogger("anqi.observability")
ENV = "PROMETHEUS_MULTIPROC_DIR"
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)

# Label values come from a closed set: a client inventing methods must not make new series.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

_instruments = None   # this process's metrics, made once (see instruments)
_making = threading.Lock()


def prepare_multiprocess_dir(path: Path) -> None:
    """Make ``path`` the multiprocess metrics folder of this process and the
    processes it starts: create it, delete the metric files (``*.db``) a
    previous run left there, and set PROMETHEUS_MULTIPROC_DIR.

    Call it in gunicorn's master before any worker is forked and before
    anything imports prometheus_client in the master (raises RuntimeError if
    the library is already loaded in single-process mode). Only ``*.db`` files
    are deleted, so a folder named by mistake loses nothing else; give the
    metrics a folder of their own all the same (e.g. ``/run/anqi/metrics``)."""
    import sys

    values = sys.modules.get("prometheus_client.values")
    if values is not None and not _multiprocess_values(values):
        raise RuntimeError("prometheus_client was imported before PROMETHEUS_MULTIPROC_DIR was set: "
                           "call prepare_multiprocess_dir before importing it.")
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    for leftover in path.glob("*.db"):
        leftover.unlink(missing_ok=True)
    os.environ[ENV] = str(path)


def process_exited(pid: int) -> None:
    """A worker process ``pid`` has ended: drop its live gauges (requests in
    progress), keep its counters and histograms. Call it from gunicorn's
    ``child_exit(server, worker)`` hook as ``process_exited(worker.pid)``; it
    does nothing without PROMETHEUS_MULTIPROC_DIR."""
    if not os.environ.get(ENV):
        return
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(pid)


def multiprocess_mode() -> bool:
    return bool(os.environ.get(ENV))


def _multiprocess_values(values_module) -> bool:
    return getattr(values_module, "ValueClass", None) is not getattr(values_module, "MutexValue", object())


class _Instruments:
    def __init__(self):
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
        from prometheus_client import values

        self.multiprocess = multiprocess_mode()
        if self.multiprocess and not _multiprocess_values(values):
            log.warning("%s is set but prometheus_client was imported before it was: each process "
                        "reports only its own metrics.", ENV)
            self.multiprocess = False
        # This process's own registry (not the library's global one, which
        # other code may fill); in multiprocess mode the files are read instead.
        self.registry = CollectorRegistry()
        self.latency = Histogram("anqi_http_request_duration_seconds", "Time to serve a request",
                                 ("endpoint", "method", "status"), buckets=BUCKETS, registry=self.registry)
        self.in_progress = Gauge("anqi_http_requests_in_progress", "Requests being served",
                                 multiprocess_mode="livesum", registry=self.registry)
        self.jobs_completed = Counter("anqi_jobs_completed_total", "Background jobs that ran to the end",
                                      ("task",), registry=self.registry)
        self.jobs_failed = Counter("anqi_jobs_failed_total", "Background jobs that raised or timed out",
                                   ("task",), registry=self.registry)


def instruments() -> _Instruments:
    """This process's instruments, made at their first use: in a gunicorn
    worker, after the fork (``anqi serve`` builds the app in the master too,
    where prometheus_client must not be imported yet)."""
    global _instruments
    if _instruments is None:
        with _making:
            if _instruments is None:
                _instruments = _Instruments()
    return _instruments


def job_finished(task_name: str, ok: bool) -> None:
    counter = instruments().jobs_completed if ok else instruments().jobs_failed
    counter.labels(task=task_name).inc()


# --- requests -----------------------------------------------------------------------------

def _start(app, **_extra):
    g.anqi_metrics_started = time.perf_counter()
    instruments().in_progress.inc()


def _observe(response):
    started = g.get("anqi_metrics_started")
    if started is not None:
        method = request.method if request.method in METHODS else "other"
        instruments().latency.labels(endpoint=request.endpoint or "none", method=method,
                                     status=f"{response.status_code // 100}xx").observe(time.perf_counter() - started)
    return response


def _end(_exc):
    if g.pop("anqi_metrics_started", None) is not None:
        instruments().in_progress.dec()


def init_app(app) -> None:
    request_started.connect(_start, app)
    app.after_request(_observe)
    app.teardown_request(_end)

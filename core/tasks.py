"""Background jobs (huey).

One huey instance, ``huey``, configured from the application's settings by
``init_app`` (called by ``create_app``), the way the Flask extensions are:

- embedded default: SQLite storage in ``instance/huey.db``, a file every
  process on the machine shares;
- scaled out: ``ANQI_HUEY_URL=redis://host:6379/0`` selects Redis storage (the
  ``redis`` package must be installed); ``sqlite:////path/huey.db`` names
  another SQLite file;
- tests: ``HUEY_IMMEDIATE`` (default: on when ``TESTING``) runs a task at once,
  in the caller's thread, with in-memory storage.

Tasks run with an application context: the caller's when there is one
(immediate mode), otherwise a fresh one of the app the worker built. The
consumer runs in ``anqi worker`` and, for the one-process embedded set-up, in
a background thread of ``anqi run``. Nothing here holds state another process
needs: the queue and the schedule are in the storage.

Delivery is at least once (core/jobqueue/): a job stays in its worker's hands
until it has run, and the jobs of a worker that died go back to the queue. So
every task must be safe to run twice: see docs/architecture.md, "Background
jobs: delivery", and core/jobqueue/claims.py.
"""
import importlib
import itertools
import logging
import os
import signal
import sys
import threading
from contextlib import nullcontext
from pathlib import Path

import click
from flask import current_app, has_app_context
from flask.cli import with_appcontext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from huey import crontab, signals
from huey.exceptions import ConfigurationError
from huey.storage import MemoryStorage

from core.cli_help import command, option
from core.jobqueue import priority
from core.jobqueue.consumer import ReliableConsumer, ReliableHuey, is_reliable
from core.jobqueue.storage import ReliableRedisStorage, ReliableSqliteStorage
from core.redaction import redact_url

log = logging.getLogger("anqi.tasks")

SWEEP_EVERY_MINUTES = 5
AUDIT_HOUR_UTC = 19  # 03:00 in China: the audit trail's daily archive and verification

# Core's modules that define tasks beside the services they run (plugins' tasks
# are registered when the plugins are loaded).
TASK_MODULES = (
    "core.documents.batches",
    "core.documents.previews",
    "core.notices.webhooks",
    "core.registry.import_jobs",
    "core.notices.delivery",
    "core.notices.reminders",
)

# The instance; its storage is set by init_app. Until then it keeps tasks in memory.
huey = ReliableHuey("anqi", storage_class=MemoryStorage, utc=True)
_app = None  # the application this process's worker threads run tasks in


def storage_settings(config, instance_path) -> tuple[type, dict]:
    """The storage class and its arguments the configuration asks for."""
    url = (config.get("HUEY_URL") or "").strip()
    if url.startswith(("redis://", "rediss://", "unix://")):
        return ReliableRedisStorage, {"url": url}
    if url.startswith("sqlite:///"):
        return ReliableSqliteStorage, {"filename": url[len("sqlite:///"):]}
    if url:
        raise ConfigurationError(f"ANQI_HUEY_URL must start with redis://, rediss://, unix:// or sqlite:///, "
                                 f"not {url.split(':', 1)[0]}:")
    return ReliableSqliteStorage, {"filename": str(Path(instance_path) / "huey.db")}


def immediate_mode(config) -> bool:
    value = config.get("HUEY_IMMEDIATE")
    return bool(config.get("TESTING")) if value is None else bool(value)


def init_app(app) -> None:
    """Point ``huey`` at the storage the app's configuration names."""
    global _app
    storage_class, kwargs = storage_settings(app.config, app.instance_path)
    kwargs["dead_after"] = float(app.config.get("WORKER_DEAD_AFTER_SECONDS") or 60)
    immediate = immediate_mode(app.config)
    huey.storage_class, huey.storage_kwargs = storage_class, kwargs
    huey._immediate = immediate  # the property setter would build the old storage first
    if not immediate and storage_class is ReliableSqliteStorage:
        Path(kwargs["filename"]).parent.mkdir(parents=True, exist_ok=True)
    try:
        huey.storage = huey.create_storage()
    except ConfigurationError as exc:  # e.g. Redis asked for, the redis package missing
        raise ConfigurationError(f"The background job queue cannot start: {exc}") from None
    _app = app
    app.extensions["huey"] = huey
    # Tasks defined beside the services they run, registered with huey on import.
    for module in TASK_MODULES:
        importlib.import_module(module)


def app_context():
    """The context a task runs in: the caller's, or a new one of the worker's app."""
    if has_app_context():
        return nullcontext()
    if _app is None:
        raise RuntimeError("core.tasks.init_app has not run: start the worker with `anqi worker`.")
    return _app.app_context()


# --- tasks ---------------------------------------------------------------------

@huey.periodic_task(crontab(minute=f"*/{SWEEP_EVERY_MINUTES}"), name="anqi.tickets.sweep")
def sweep_tickets():
    """Mark overdue tickets and send the pre-deadline warnings."""
    from core.tickets.sweep import sweep

    with app_context():
        summary = sweep()
    log.info("ticket sweep: %s", summary.as_dict())
    # Nothing is returned: a periodic task's result would only pile up in the storage.


@huey.periodic_task(crontab(minute=f"*/{SWEEP_EVERY_MINUTES}"), name="anqi.supervision.sweep")
def sweep_registers():
    """The registers' sweep: weekly progress reminders of 挂牌督办, consultations past their deadline."""
    from core.supervision.sweep import sweep

    with app_context():
        summary = sweep()
    log.info("register sweep: %s", summary.as_dict())


@huey.periodic_task(crontab(minute="17", hour="3"), name="anqi.forms.forget_old_keys")
def forget_old_form_keys():
    """Drop the create forms' one-time keys after two days."""
    from core.submissions.services import forget_old

    with app_context():
        forget_old()


@huey.periodic_task(crontab(minute="27", hour="*"), name="anqi.forms.forget_held_uploads")
def forget_held_uploads():
    """Drop the files held for a form's next submit once they have expired (core.uploads)."""
    from core.uploads.held import forget_old

    with app_context():
        forget_old()


@huey.periodic_task(crontab(hour=str(AUDIT_HOUR_UTC), minute="0"), name="anqi.audit.daily")
def audit_daily():
    """Archive the audit entries past the retention period, then verify the chain."""
    from core.audit.daily import run_daily

    with app_context():
        run_daily()


# --- consumers -------------------------------------------------------------------

class EmbeddedConsumer(ReliableConsumer):
    """A consumer that lives in threads of another program (``anqi run``): it
    leaves the program's signal handlers alone, and stops with the program."""

    def _set_signal_handlers(self):
        pass


def worker_nice(config) -> int:
    """The nice value of the job threads (``WORKER_NICE``; 0 leaves them as they are)."""
    return max(0, min(19, int(config.get("WORKER_NICE") or 0)))


def start_embedded_consumer(workers: int = 1, periodic: bool = True) -> EmbeddedConsumer | None:
    """Start the scheduler and worker threads in this process (the one-process
    embedded set-up); None in immediate mode, where there is nothing to consume.
    The job threads run at ``WORKER_NICE``, each set from inside itself, so the
    web threads keep their priority."""
    if huey.immediate:
        return None
    if _app:   # the web threads share the GIL with the job threads here
        priority.shorten_switch_interval(_app.config.get("WORKER_SWITCH_INTERVAL_MS"))
    consumer = EmbeddedConsumer(huey, workers=workers, periodic=periodic, worker_type="thread",
                                shutdown_timeout=10, nice=worker_nice(_app.config) if _app else 0)
    consumer.start()
    return consumer


def live_workers() -> int | None:
    """How many workers beat now; None when the queue cannot tell (immediate mode)."""
    if huey.immediate or not is_reliable(huey.storage):
        return None
    return len(huey.storage.workers())


# --- the command -------------------------------------------------------------------

@command("worker", help=_l("Run the background jobs: the deadline sweep every 5 minutes, and queued tasks."))
@option("--workers", default=2, show_default=True, type=click.IntRange(1, 64),
        help=_l("Worker threads running tasks."))
@option("--no-periodic", is_flag=True, help=_l("Do not schedule the periodic jobs (the sweep)."))
@option("--max-jobs", type=click.IntRange(0), default=None,
        help=_l("Restart the process after this many jobs, 0 never (default: WORKER_MAX_JOBS, 0)."))
@with_appcontext
def worker(workers, no_periodic, max_jobs):
    from core.database import SchemaMismatch, check_schema

    try:
        check_schema()
    except SchemaMismatch as exc:
        click.secho(str(exc), fg="red", err=True)
        sys.exit(1)
    if huey.immediate:
        click.secho(_("HUEY_IMMEDIATE is on: tasks run where they are queued, and a worker has nothing to do."),
                    fg="red", err=True)
        sys.exit(1)
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from core.public_address import production_problem

    current_app.config["PRODUCTION"] = True   # its tasks issue batches: under the public address only
    if problem := production_problem(current_app.config):
        log.warning("%s", problem)
    # Below the web server's processes, before any thread of ours starts (threads inherit it).
    nice = priority.lower_process(worker_nice(current_app.config))
    session_lowered = priority.lower_session(nice)
    switch_ms = priority.shorten_switch_interval(current_app.config.get("WORKER_SWITCH_INTERVAL_MS"))
    storage = huey.storage_kwargs.get("url") or huey.storage_kwargs.get("filename")
    click.echo(_("anqi worker: %(n)d thread(s), queue in %(storage)s (Ctrl+C stops it)", n=workers,
                 storage=redact_url(storage)))
    log.info("anqi worker runs at CPU priority nice %d (WORKER_NICE)%s; its threads switch every %g ms "
             "(WORKER_SWITCH_INTERVAL_MS)", nice, ", its session too" if session_lowered else "", switch_ms)
    from core.observability.metrics import ENV
    from core.serving import metrics_dir

    shared_metrics = metrics_dir(current_app.config, current_app.instance_path)
    if shared_metrics is not None:  # the job counters, scraped through `anqi serve` on this machine
        shared_metrics.mkdir(parents=True, exist_ok=True)
        os.environ.setdefault(ENV, str(shared_metrics))
    if max_jobs is None:
        max_jobs = int(current_app.config.get("WORKER_MAX_JOBS") or 0)
    if max_jobs:
        recycle_after(max_jobs)
    huey.create_consumer(workers=workers, periodic=not no_periodic, worker_type="thread").run()


def recycle_after(max_jobs: int) -> None:
    """Restart this worker process after ``max_jobs`` jobs, so that memory a long
    run gathers (fonts and layouts of PDF rendering, caches of libraries) is
    given back. It asks for huey's own graceful restart (SIGHUP): running jobs
    finish, then the process executes itself again with the same arguments."""
    done = itertools.count(1)
    lock = threading.Lock()

    @huey.signal(signals.SIGNAL_COMPLETE, signals.SIGNAL_ERROR)
    def _count(signal_name, task, exc=None):
        with lock:
            n = next(done)
        if n == max_jobs:
            log.info("worker restarts after %d jobs", n)
            os.kill(os.getpid(), signal.SIGHUP)

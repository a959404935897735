"""``anqi serve``: the production web server (gunicorn) in front of the app.

The command checks the schema, then replaces itself (same PID, for systemd)
with a fresh interpreter running gunicorn's master, which imports nothing of
the application; each worker builds its own (``core.create_app``). So no
database connection, Redis connection or thread crosses a fork, and
``kill -HUP <master>`` (systemd's ``reload``) starts workers with the code and
configuration on disk while the old ones finish their requests; SIGTERM stops
gracefully within ``graceful_timeout``. Settings come from the command line,
else from ``SERVE_*`` settings (``ANQI_SERVE_WORKERS`` …), else the defaults.
"""
import json
import multiprocessing
import os
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from gunicorn.app.base import BaseApplication
from jinja2 import FileSystemBytecodeCache

from core.observability import metrics


def default_workers() -> int:
    """gunicorn's rule of thumb for sync workers: two per core, plus one."""
    return 2 * multiprocessing.cpu_count() + 1


@dataclass(frozen=True)
class ServeOptions:
    bind: str = "127.0.0.1:8000"
    workers: int = 0                 # 0: default_workers()
    timeout: int = 60                # a request (a long PDF dossier included) that runs longer is killed
    graceful_timeout: int = 30       # on SIGTERM/HUP, the time running requests get to finish
    keepalive: int = 5               # behind nginx, which keeps connections to upstreams open
    max_requests: int = 5000         # a worker is replaced after this many requests (0: never) …
    max_requests_jitter: int = 500   # … give or take this many, so workers do not all restart at once

    @classmethod
    def from_config(cls, config, **given) -> "ServeOptions":
        """Command-line values win over ``SERVE_*`` settings, which win over the defaults."""
        values = {}
        for name in cls.__dataclass_fields__:
            if given.get(name) is not None:
                values[name] = given[name]
            elif config.get(f"SERVE_{name.upper()}") is not None:
                values[name] = config[f"SERVE_{name.upper()}"]
        options = cls(**values)
        if not options.workers:
            options = cls(**{**values, "workers": default_workers()})
        return options


def _child_exit(server, worker) -> None:
    from core.observability.metrics import process_exited

    process_exited(worker.pid)  # its requests-in-progress gauge goes with it


def metrics_dir(config, instance_path) -> Path | None:
    """The folder several processes share their metrics in; None when metrics are off."""
    if os.environ.get(metrics.ENV):
        return Path(os.environ[metrics.ENV])
    if not config.get("METRICS_TOKEN"):
        return None
    return Path(config.get("METRICS_DIR") or Path(instance_path) / "metrics")


class Server(BaseApplication):
    """gunicorn driven from Python instead of a gunicorn.conf.py, so that
    ``anqi serve`` takes the same ``ANQI_*`` configuration as every command."""

    def __init__(self, options: ServeOptions):
        self.options = options
        super().__init__()

    def load_config(self):
        settings = {
            "bind": [self.options.bind],
            "workers": self.options.workers,
            "worker_class": "sync",
            "timeout": self.options.timeout,
            "graceful_timeout": self.options.graceful_timeout,
            "keepalive": self.options.keepalive,
            "max_requests": self.options.max_requests,
            "max_requests_jitter": self.options.max_requests_jitter if self.options.max_requests else 0,
            "proc_name": "anqi",
            "control_socket_disable": True,  # systemd and signals manage it; no socket in $HOME
            "child_exit": _child_exit,
            "accesslog": None,          # the app logs each request itself, with its request id
            "errorlog": "-",
        }
        for key, value in settings.items():
            self.cfg.set(key, value)

    def load(self):
        from core import create_app

        # Production: issuing refuses a PUBLIC_BASE_URL no other machine reaches (core/public_address.py).
        app = create_app({"PRODUCTION": True})
        warm_up(app)
        return app


def warm_up(app) -> None:
    """Compile every template before the worker takes its first request. A cold
    worker (at start, after a reload, after its ``max_requests``) would otherwise
    spend up to half a second of its first users' time on each page it shows
    first. The compiled code is kept in the instance folder (Jinja's bytecode
    cache, checked against each template's source), so a worker started later
    loads it instead of compiling again."""
    folder = Path(app.instance_path) / "compiled-templates"
    folder.mkdir(parents=True, exist_ok=True)
    app.jinja_env.bytecode_cache = FileSystemBytecodeCache(str(folder))
    for name in app.jinja_env.list_templates(extensions=("html", "txt", "xml")):
        app.jinja_env.get_template(name)


def configuration_warnings(config) -> list[str]:
    """What would go wrong in production under this configuration: with several
    worker processes, or for the documents issued."""
    from core.public_address import production_problem

    found = []
    if problem := production_problem(config):
        found.append(problem)
    if str(config.get("RATELIMIT_STORAGE_URI", "")).startswith("memory://") and config.get("RATELIMIT_ENABLED"):
        found.append("The login rate limit is counted in each worker process's memory, so each address gets "
                     "it once per worker. Set ANQI_RATELIMIT_STORAGE_URI=redis://host:6379/1.")
    return found


def exec_master(options: ServeOptions, shared_metrics: Path | None = None) -> None:
    """Become gunicorn's master in a new interpreter: the one the command ran in
    has imported the whole application, and workers forked from it would keep
    that code through every reload."""
    args = [sys.executable, "-m", "core.serving", json.dumps(asdict(options))]
    if shared_metrics is not None:
        args.append(str(shared_metrics))
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, args)


def serve(options: ServeOptions, shared_metrics: Path | None = None) -> None:
    if shared_metrics is not None:
        metrics.prepare_multiprocess_dir(shared_metrics)  # emptied; the workers inherit the variable
    Server(options).run()


if __name__ == "__main__":  # the master exec_master starts
    serve(ServeOptions(**json.loads(sys.argv[1])), Path(sys.argv[2]) if len(sys.argv) > 2 else None)

"""Log records: the id of the request or the job being served on every record,
and the output format the configuration names.

- ``LOG_FORMAT``: ``text`` (default, for a console and ``anqi run``) or
  ``json`` (one JSON object a line, for a log collector);
- ``LOG_LEVEL``: ``INFO`` by default; ``DEBUG`` also shows the probes' and
  the scrapes' access records.

Every record carries ``request_id`` (or ``-``) and ``job_name``/``job_id``
(or ``-``), whatever logger made it.
"""
import contextvars
import logging
import sys

from pythonjsonlogger.json import JsonFormatter

# Set by core.observability.request_log for a request, and by core.observability.jobs for a job.
request_id = contextvars.ContextVar("anqi_request_id", default=None)
job = contextvars.ContextVar("anqi_job", default=None)   # (task name, task id)

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(context)s] %(message)s"
FORMATS = ("text", "json")
NONE = "-"

_factory_installed = False


def install_record_factory() -> None:
    """Put the request's and the job's ids on every record as it is made.

    A record factory rather than a ``logging.Filter``: a logger's filter does
    not see the records its children propagate, and a handler's filter only
    serves that handler; the ids must be on every record, for any handler the
    server or the tests add."""
    global _factory_installed
    if _factory_installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args, **kwargs):
        record = previous(*args, **kwargs)
        rid, running = request_id.get(), job.get()
        record.request_id = rid or NONE
        record.job_name, record.job_id = running or (NONE, NONE)
        record.context = rid or (f"{running[0]} {running[1]}" if running else NONE)
        return record

    logging.setLogRecordFactory(factory)
    _factory_installed = True


class JsonLineFormatter(JsonFormatter):
    """One JSON object a line: time (ISO 8601, UTC), level, logger, message,
    request_id / job_name / job_id when there is one, and the record's extra fields."""

    def __init__(self):
        super().__init__("%(levelname)s %(name)s %(message)s", timestamp="time",
                         rename_fields={"levelname": "level", "name": "logger"})

    def process_log_record(self, log_record):
        log_record.pop("context", None)
        for key in ("request_id", "job_name", "job_id"):
            if log_record.get(key) in (None, NONE):
                log_record.pop(key, None)
        return log_record


def formatter(log_format: str) -> logging.Formatter:
    if log_format == "json":
        return JsonLineFormatter()
    return logging.Formatter(TEXT_FORMAT)


def settings(config) -> tuple[str, int]:
    """The configured format and level, checked: a typo stops the start with a clear message."""
    log_format = str(config.get("LOG_FORMAT") or "text").strip().lower()
    if log_format not in FORMATS:
        raise ValueError(f"LOG_FORMAT must be one of {', '.join(FORMATS)}, not {log_format!r}")
    level_name = str(config.get("LOG_LEVEL") or "INFO").strip().upper()
    level = logging.getLevelNamesMapping().get(level_name)
    if level is None:
        raise ValueError(f"LOG_LEVEL must be a logging level such as INFO or DEBUG, not {level_name!r}")
    return log_format, level


def init_app(app) -> None:
    """Install the record factory, and send the root logger's records to stderr
    in the configured format, unless something else (the server's own logging
    configuration, the test runner) already handles them: then that is left alone."""
    install_record_factory()
    log_format, level = settings(app.config)
    root = logging.getLogger()
    if any(not getattr(h, "anqi_handler", False) for h in root.handlers):
        return
    handler = next((h for h in root.handlers if getattr(h, "anqi_handler", False)), None)
    if handler is None:
        handler = logging.StreamHandler(sys.stderr)
        handler.anqi_handler = True
        root.addHandler(handler)
    handler.setFormatter(formatter(log_format))
    root.setLevel(level)

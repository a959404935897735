"""Background jobs seen from outside: while a job runs, its task name and id
are on every log record (``job_name``, ``job_id``); when it ends, it is counted
as completed or failed (``anqi_jobs_*_total``). Both from huey's signals, which
huey sends in the thread that runs the job."""
from huey import signals as S

from core.observability import logs, metrics

_ENDED = (S.SIGNAL_COMPLETE, S.SIGNAL_ERROR, S.SIGNAL_TIMEOUT, S.SIGNAL_CANCELED, S.SIGNAL_INTERRUPTED,
          S.SIGNAL_LOCKED, S.SIGNAL_RATE_LIMITED, S.SIGNAL_RETRYING)
_FAILED = (S.SIGNAL_ERROR, S.SIGNAL_TIMEOUT)
_connected = False


def _executing(signal, task, *args, **kwargs):
    logs.job.set((task.name, task.id))


def _ended(signal, task, *args, **kwargs):
    if signal == S.SIGNAL_COMPLETE:
        metrics.job_finished(task.name, ok=True)
    elif signal in _FAILED:
        metrics.job_finished(task.name, ok=False)
    logs.job.set(None)


def init_app(app) -> None:
    """Connect to the process's one huey instance (core.tasks.huey), once."""
    global _connected
    if _connected:
        return
    huey = app.extensions["huey"]
    huey.signal(S.SIGNAL_EXECUTING)(_executing)
    huey.signal(*_ENDED)(_ended)
    _connected = True

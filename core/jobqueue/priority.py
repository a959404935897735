"""The CPU priority of the job threads, so that a batch of letters does not slow
the desk's pages on the same cores.

On Linux the nice value belongs to each thread (``nice(2)``, NPTL): ``os.nice``
in one thread leaves the others as they were, and a thread inherits its
creator's value. So ``anqi worker`` sets every thread of its process (from
``/proc/self/task``) before it starts its own, and ``anqi run`` sets the job
threads only, each from inside itself (``os.setpriority`` on its native id), so
the web threads keep theirs. A value is only ever raised (lower priority), which
needs no privilege; ``anqi worker --max-jobs`` executes itself again and finds
its value already set.

Thread nice values only order the threads of one scheduling autogroup (one
session) when autogroups are on, as most distributions' kernels have them
(``/proc/sys/kernel/sched_autogroup_enabled``): the CPU is first shared between
sessions. ``anqi worker`` in a session of its own (systemd, ``setsid``) would
then get as much as the web server's whole session, so it lowers its session's
nice value as well (``/proc/self/autogroup``).

Nice values order processes and threads for the CPU, not for Python's GIL:
within one process a job thread that computes (a PDF laid out by WeasyPrint,
pure Python) keeps the GIL for Python's switch interval (5 ms) each time
another thread asks for it. A thread writing to the database asks for it back
after every statement, so an import's part of 200 enterprises (about 400
statements), written beside a render in the same ``anqi worker``, held
SQLite's one write lock for 5.3 s instead of 0.05 s, and every page of the
desk waited for it. A process that runs jobs (``anqi worker``, ``anqi run``)
switches every ``WORKER_SWITCH_INTERVAL_MS`` (0.1 ms) instead: the same part
then holds it 0.35 s (tests/test_thread_switch.py).
"""
import logging
import os
import sys
import threading
import time
from pathlib import Path

log = logging.getLogger("anqi.tasks")


def nice_of(tid: int | None = None) -> int:
    """The nice value of a thread (this one by default)."""
    return os.getpriority(os.PRIO_PROCESS, tid if tid is not None else threading.get_native_id())


def lower_thread(nice: int) -> bool:
    """Raise the calling thread's nice value to ``nice`` (never lower it); True if set."""
    if not nice or not hasattr(os, "setpriority"):
        return False
    tid = threading.get_native_id()
    try:
        if os.getpriority(os.PRIO_PROCESS, tid) < nice:
            os.setpriority(os.PRIO_PROCESS, tid, nice)
        return True
    except OSError as exc:
        log.warning("could not lower the priority of a job thread to nice %d: %s", nice, exc)
        return False


def lower_process(nice: int) -> int:
    """Raise the nice value of every thread of this process to ``nice``; the value
    the process then runs at (threads started later inherit it)."""
    if not nice or not hasattr(os, "setpriority"):
        return os.getpriority(os.PRIO_PROCESS, 0) if hasattr(os, "getpriority") else 0
    try:
        tids = [int(name) for name in os.listdir("/proc/self/task")]
    except OSError:
        tids = [0]                     # no /proc: the calling thread (the process elsewhere)
    for tid in tids:
        try:
            if os.getpriority(os.PRIO_PROCESS, tid) < nice:
                os.setpriority(os.PRIO_PROCESS, tid, nice)
        except (ProcessLookupError, PermissionError):
            continue                   # a thread that ended meanwhile
    return os.getpriority(os.PRIO_PROCESS, 0)


def lower_session(nice: int) -> bool:
    """Raise the nice value of this process's autogroup to ``nice`` (never lower it)
    when the process leads its own session; True if its session then runs at
    ``nice`` or below. A session another program leads (a shell's) is left alone."""
    if not nice or not hasattr(os, "getsid") or os.getsid(0) != os.getpid():
        return False
    autogroup = Path("/proc/self/autogroup")   # "/autogroup-123 nice 0"
    for _attempt in range(5):
        try:
            if int(autogroup.read_text().split()[-1]) >= nice:
                return True
            with open(autogroup, "w") as f:
                f.write(str(nice))
        except BlockingIOError:
            time.sleep(0.15)                   # the kernel takes one change every 0.1 s, machine-wide
        except (OSError, ValueError, IndexError):
            return False                       # a kernel without autogroups
    return False


def shorten_switch_interval(milliseconds: float | str | None) -> float:
    """Let a thread waiting for the GIL have it after ``milliseconds`` (a setting's
    value; empty, 0 or less: Python's own interval, unchanged); the interval then
    in force, in ms."""
    milliseconds = float(milliseconds or 0)
    if milliseconds > 0:
        sys.setswitchinterval(milliseconds / 1000)
    return sys.getswitchinterval() * 1000

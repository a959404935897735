"""An import's write beside a render in the same job process: the part holds
SQLite's one write lock briefly once the process switches threads often.

A thread computing in pure Python (as WeasyPrint lays out a letter) keeps the
GIL for Python's switch interval each time the writing thread asks for it back,
which the writer does after every statement. Measured in the same run, on the
same part size: at Python's 5 ms the part held the writer about 5 s on this
machine, at ``WORKER_SWITCH_INTERVAL_MS`` (0.1 ms) about 0.35 s. The two threads
must each have a core: with another program on one, the computing thread is
taken off the CPU now and then and the difference shrinks, hence ``quiet``."""
import io
import sys
import threading

import pytest

from core.jobqueue import priority
from core.registry import importer
from tests.conftest import actor_for, on_databases
from tests.helpers import code
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)

pytestmark = [on_databases("sqlite"), pytest.mark.quiet]   # counts seconds: runs alone


def _part(first: int, rows: int = importer.CHUNK_ROWS) -> io.BytesIO:
    lines = ["企业名称,统一社会信用代码,行业,所属区域,属地单位代码"]
    lines += [f"示范市第{n}号企业有限公司,{code(100 + n, '91330681MB')},制造业,暨阳街道,STA"
              for n in range(first, first + rows)]
    return io.BytesIO("\n".join(lines).encode("utf-8"))


def _held_beside_a_computing_thread(monkeypatch, first: int) -> float:
    held = []
    monkeypatch.setattr(importer, "_give_way", held.append)
    stop = threading.Event()

    def compute():
        total = 0
        while not stop.is_set():
            total += sum(n * n for n in range(2_000))

    thread = threading.Thread(target=compute, daemon=True)
    thread.start()
    try:
        summary = importer.write(actor_for("desk"), "企业.csv", _part(first))
    finally:
        stop.set()
        thread.join()
    assert summary.counts["created"] == importer.CHUNK_ROWS and len(held) == 1
    return held[0]


def test_a_short_switch_interval_keeps_the_write_lock_brief_beside_a_render(app, city, monkeypatch):
    python_default = sys.getswitchinterval()
    try:
        sys.setswitchinterval(0.005)
        at_python_default = _held_beside_a_computing_thread(monkeypatch, 0)
        assert priority.shorten_switch_interval(app.config["WORKER_SWITCH_INTERVAL_MS"]) == pytest.approx(0.1)
        at_worker_interval = _held_beside_a_computing_thread(monkeypatch, importer.CHUNK_ROWS)
    finally:
        sys.setswitchinterval(python_default)
    assert at_worker_interval < at_python_default / 4, (at_worker_interval, at_python_default)
    assert at_worker_interval < 1.0, at_worker_interval

"""The job queue's delivery guarantee, storage by storage (the SQLite queue file
and, when ANQI_TEST_REDIS_URL names one, Redis): a job leaves the queue only when
it is acknowledged; the jobs a process took and never finished go back to the
queue when that process is dead (its PID gone on this machine) or has stopped
beating; due scheduled jobs move into the queue in one step; a snapshot holds
everything and loads back in order. The processes that take jobs here are real
ones, killed with SIGKILL. About 4 s per storage."""
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from core.jobqueue import owners
from core.jobqueue.storage import ReliableRedisStorage, ReliableSqliteStorage, messages_from_json, messages_to_json

REDIS_URL = os.environ.get("ANQI_TEST_REDIS_URL")
ROOT = Path(__file__).resolve().parent.parent
NAME = "anqitest"

# Another process of this machine: takes one job, says so, then waits (without beating).
TAKER = """
import sys, time
from core.jobqueue.storage import ReliableRedisStorage, ReliableSqliteStorage
kind, where, dead_after = sys.argv[1], sys.argv[2], float(sys.argv[3])
if kind == "sqlite":
    storage = ReliableSqliteStorage("anqitest", filename=where, dead_after=dead_after)
else:
    storage = ReliableRedisStorage("anqitest", url=where, dead_after=dead_after, blocking=False)
taken = storage.take()
print("taken " + storage.owner() if taken else "nothing", flush=True)
time.sleep(120)
"""


@pytest.fixture(params=["sqlite"] + (["redis"] if REDIS_URL else []))
def kind(request):
    return request.param


@pytest.fixture
def where(kind, tmp_path):
    return str(tmp_path / "queue.db") if kind == "sqlite" else REDIS_URL


def open_storage(kind, where, dead_after=60.0):
    if kind == "sqlite":
        return ReliableSqliteStorage(NAME, filename=where, dead_after=dead_after)
    return ReliableRedisStorage(NAME, url=where, dead_after=dead_after, blocking=False)


@pytest.fixture
def storage(kind, where):
    storage = open_storage(kind, where)
    storage.flush_all()
    yield storage
    storage.flush_all()


def taker(kind, where, dead_after=60.0) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen([sys.executable, "-c", TAKER, kind, where, str(dead_after)], cwd=ROOT,
                               stdout=subprocess.PIPE, text=True)
    line = process.stdout.readline().strip()
    assert line.startswith("taken "), line
    return process, line.split(" ", 1)[1]


def test_a_job_stays_taken_until_acknowledged(storage):
    storage.enqueue(b"job-1")
    storage.enqueue(b"job-2")
    receipt, data = storage.take()
    assert data == b"job-1"
    assert (storage.queue_size(), storage.taken_count()) == (1, 1)
    assert storage.workers() == [str(owners.current())]     # taking registered this process
    assert storage.ack(receipt) and not storage.ack(receipt)
    assert (storage.queue_size(), storage.taken_count()) == (1, 0)


def test_the_jobs_of_a_killed_process_go_back_to_the_queue(kind, where, storage):
    storage.enqueue(b"job-1")
    storage.enqueue(b"job-2")
    process, owner = taker(kind, where)
    try:
        assert (storage.queue_size(), storage.taken_count()) == (1, 1)
        assert storage.give_back_stale() == {}          # alive and beating: left alone
        assert storage.owner_alive(owner) is True
    finally:
        process.kill()
        process.wait()
    assert owners.is_dead(owner)
    assert storage.give_back_stale() == {owner: 1}      # at once: its PID is gone, whatever its heartbeat says
    assert (storage.queue_size(), storage.taken_count()) == (2, 0)
    assert storage.owner_alive(owner) is False          # a tombstone: its claims are known to be dead
    assert owner not in storage.workers()
    assert {storage.take()[1], storage.take()[1]} == {b"job-1", b"job-2"}


def test_a_process_that_stops_beating_is_presumed_dead(kind, where):
    storage = open_storage(kind, where, dead_after=1.0)
    storage.flush_all()
    storage.enqueue(b"job-1")
    process, owner = taker(kind, where, dead_after=1.0)   # alive, but it never beats
    try:
        assert storage.give_back_stale() == {}
        time.sleep(1.3)
        assert not owners.is_dead(owner)
        assert storage.give_back_stale() == {owner: 1}
        assert storage.queue_size() == 1 and storage.owner_alive(owner) is False
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
        storage.flush_all()


def test_a_worker_that_stops_gives_its_unfinished_jobs_back(storage):
    storage.enqueue(b"job-1")
    storage.take()
    assert storage.deregister() == 1
    assert (storage.queue_size(), storage.taken_count()) == (1, 0)
    assert storage.workers() == []


def test_due_scheduled_jobs_move_into_the_queue_in_one_step(storage):
    now = datetime.utcnow()
    storage.add_to_schedule(b"due", now - timedelta(seconds=1))
    storage.add_to_schedule(b"later", now + timedelta(hours=1))
    assert storage.read_schedule(now) == []     # nothing left for the scheduler to enqueue (and lose)
    assert (storage.queue_size(), storage.schedule_size()) == (1, 1)
    assert storage.take()[1] == b"due"


def test_a_snapshot_holds_every_job_in_order_and_loads_back(kind, where, storage):
    for n in range(3):
        storage.enqueue(b"job-%d" % n)
    storage.take()                               # job-0, in hand: it runs first after a restore
    at = datetime.utcnow() + timedelta(hours=1)
    storage.add_to_schedule(b"later", at)
    snapshot = storage.snapshot()
    assert snapshot.queue == [b"job-0", b"job-1", b"job-2"] and [m for _t, m in snapshot.schedule] == [b"later"]
    assert messages_from_json(messages_to_json(snapshot)) == snapshot
    storage.flush_all()
    storage.load(snapshot)
    assert storage.job_count() == 4
    assert [storage.take()[1] for _ in range(3)] == [b"job-0", b"job-1", b"job-2"]
    assert storage.read_schedule(at - timedelta(minutes=1)) == [] and storage.schedule_size() == 1
    storage.read_schedule(at + timedelta(minutes=1))
    assert storage.take()[1] == b"later"

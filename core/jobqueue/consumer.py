"""huey with acknowledgement: the instance takes jobs from a reliable storage
(core/jobqueue/storage.py) and acknowledges each after it has run; the
consumer registers its process as a worker, beats, gives back the jobs of dead
workers at start-up and with every beat, and gives back its own on the way out.

huey's worker loop is ``task = huey.dequeue(); huey.execute(task)`` in one
thread, so the receipt of the taken message travels on the task object from one
call to the next. ``execute`` returns once huey has done everything the outcome
asks for: stored the result, put a retry into the queue or the schedule, or
moved a job whose time has not come into the schedule. Only then is the message
acknowledged, so at every instant a job is in the queue, the schedule, or a
live worker's hands.
"""
import logging
import threading

from huey import Huey
from huey.consumer import Consumer, Scheduler, Worker

from core.jobqueue import priority

log = logging.getLogger("anqi.tasks")
RECEIPT = "anqi_receipt"


def is_reliable(storage) -> bool:
    return getattr(storage, "reliable", False)


class ReliableHuey(Huey):
    """Jobs are acknowledged when they have run (with a reliable storage; an
    in-memory or immediate one behaves as huey does)."""

    def dequeue(self):
        if not is_reliable(self.storage):
            return super().dequeue()
        taken = self.storage.take()
        if taken is None:
            return None
        receipt, data = taken
        try:
            task = self.deserialize_task(data)
        except Exception:
            # huey drops a message it cannot read (an unknown task); so do we, rather than
            # deliver it to every worker for ever. The error is logged by huey's worker.
            self._acknowledge(receipt)
            raise
        setattr(task, RECEIPT, receipt)
        return task

    def execute(self, task, timestamp=None):
        receipt = getattr(task, RECEIPT, None)
        try:
            return super().execute(task, timestamp)
        finally:
            if receipt is not None:
                setattr(task, RECEIPT, None)   # a retry enqueues this same object again
                self._acknowledge(receipt)

    def _acknowledge(self, receipt) -> None:
        try:
            self.storage.ack(receipt)
        except Exception:  # noqa: BLE001 - the job stays taken; it runs again once this worker stops
            log.exception("could not acknowledge a finished job; it will run again after this worker stops")

    def create_consumer(self, **options):
        return ReliableConsumer(self, **options)


class JobWorker(Worker):
    nice = 0

    def initialize(self):
        priority.lower_thread(self.nice)
        super().initialize()


class JobScheduler(Scheduler):
    nice = 0

    def initialize(self):
        priority.lower_thread(self.nice)
        super().initialize()


class Heartbeat(threading.Thread):
    """Beats for this worker and gives back the jobs of dead ones, every
    ``interval`` seconds until the consumer stops."""

    def __init__(self, storage, stop_flag, interval: float):
        super().__init__(name="Heartbeat", daemon=True)
        self.storage, self.stop_flag, self.interval = storage, stop_flag, interval

    def run(self):
        while not self.stop_flag.wait(self.interval):
            try:
                self.storage.register()
                report_given_back(self.storage.give_back_stale())
            except Exception as exc:  # noqa: BLE001 - the queue is down: try again at the next beat
                log.warning("worker heartbeat failed: %s", exc)


def report_given_back(given: dict) -> None:
    for owner, count in given.items():
        log.warning("gave back %d job(s) taken by worker %s, which stopped without finishing them",
                    count, owner)


class ReliableConsumer(Consumer):
    """huey's consumer, registered as a worker of the queue while it runs.
    ``nice``: the job threads' nice value, set from inside each thread (for a
    consumer in threads of another program; ``anqi worker`` sets its whole process)."""

    worker_class = JobWorker
    scheduler_class = JobScheduler

    def __init__(self, huey, nice: int = 0, **options):
        self.nice = nice
        self._heartbeat = None
        super().__init__(huey, **options)

    def _create_worker(self):
        worker = super()._create_worker()
        worker.nice = self.nice
        return worker

    def _create_scheduler(self):
        scheduler = super()._create_scheduler()
        scheduler.nice = self.nice
        return scheduler

    def start(self):
        storage = self.huey.storage
        if is_reliable(storage) and not self.huey.immediate:
            storage.register()
            report_given_back(storage.give_back_stale())
            self._heartbeat = Heartbeat(storage, self.stop_flag, max(0.5, storage.dead_after / 6))
            self._heartbeat.start()
        super().start()

    def stop(self, graceful=False):
        super().stop(graceful=graceful)
        if self._heartbeat is None:
            return
        self._heartbeat.join(timeout=5)
        self._heartbeat = None
        try:
            moved = self.huey.storage.deregister()
        except Exception as exc:  # noqa: BLE001 - the queue is down: our jobs come back when our heartbeat expires
            log.warning("could not give back this worker's jobs on the way out: %s", exc)
        else:
            if moved:
                log.warning("gave back %d job(s) this worker had not finished", moved)

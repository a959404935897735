"""huey's SQLite and Redis storages, made reliable: a job is taken, not removed.

huey's own ``dequeue`` removes a message from the queue before the task runs
(SQLite: a DELETE; Redis: BRPOP), so a worker that dies while it runs one loses
it. Here taking a job moves it, in one atomic step, into a *taken* place kept
under the worker that took it, and the job leaves that place only when the
worker acknowledges it — after the task has run, whatever its outcome (an
error, a retry, which huey has already put back in the queue or the schedule).

- **SQLite** (the queue file): a ``taken`` table beside huey's ``task`` table;
  taking is one ``BEGIN EXCLUSIVE`` transaction (select, delete from ``task``,
  insert into ``taken`` with the owner); acknowledging deletes the row.
- **Redis**: one list per worker, ``huey.taken.<name>.<owner>``; taking is
  ``BLMOVE`` from the queue into it (atomic, blocking like huey's ``BRPOP``);
  acknowledging is ``LREM``.

Workers register in a registry (SQLite: the ``worker`` table; Redis: the hash
``huey.workers.<name>`` and a key ``huey.alive.<name>.<owner>`` that expires)
and beat every few seconds. ``give_back_stale`` puts the taken jobs of every
worker that is certainly dead (``owners.is_dead``: a PID of this machine that is
gone) or whose heartbeat is older than ``dead_after`` seconds back in the queue,
atomically (one SQLite transaction; one Lua script), and keeps the registry's
entry as a tombstone, so that ``owner_alive`` still answers "dead" for the claims
that process left (core/jobqueue/claims.py). Tombstones go after a day.

The schedule (delayed and retried jobs) is moved into the queue atomically when
due, instead of huey's read-then-enqueue, which would lose the due jobs of a
scheduler that dies between the two. The scheduled jobs' priority is not kept
(anqi's tasks use none).
"""
import json
import math
import sqlite3
import time
from dataclasses import dataclass, field

from huey.storage import RedisStorage, SqliteStorage
from redis.exceptions import TimeoutError as RedisTimeoutError

from core.jobqueue import owners

TOMBSTONE_SECONDS = 24 * 3600      # a dead worker's entry answers "dead" for its claims this long
DEFAULT_DEAD_AFTER = 60.0


@dataclass
class Messages:
    """The jobs of a queue as raw huey messages: ``queue`` in the order they
    would run (taken ones first), ``schedule`` as (time, message)."""

    queue: list = field(default_factory=list)
    schedule: list = field(default_factory=list)   # [(timestamp as huey stores it, bytes)]


class Reliable:
    """What both storages add to huey's (the methods core/jobqueue/consumer.py uses)."""

    reliable = True
    dead_after = DEFAULT_DEAD_AFTER

    def owner(self) -> str:
        """This process's owner name, registered as a worker before its first job."""
        me = str(owners.current())
        if getattr(self, "_registered", None) != me:
            self.register()
        return me

    def register(self) -> None:
        """Register this process as a worker, or beat: it is alive now."""
        raise NotImplementedError

    def take(self):
        """Move the next job into this worker's taken place: ``(receipt, message)`` or None."""
        raise NotImplementedError

    def ack(self, receipt) -> bool:
        """The job has run: remove it from the taken place. False if it was not there
        any more (given back meanwhile: then it runs again, see docs/architecture.md)."""
        raise NotImplementedError

    def dequeue(self):
        """huey's meaning, for callers that do not acknowledge: taken and acknowledged at once."""
        taken = self.take()
        if taken is None:
            return None
        receipt, data = taken
        self.ack(receipt)
        return data

    def give_back_stale(self) -> dict:
        """Give back the jobs of the dead workers; {owner: jobs given back}."""
        raise NotImplementedError

    def deregister(self) -> int:
        """This worker stops: its taken jobs (still running, or never finished) go back."""
        raise NotImplementedError

    def workers(self) -> list[str]:
        """The workers alive now (a heartbeat within ``dead_after`` seconds)."""
        raise NotImplementedError

    def owner_alive(self, owner: str) -> bool | None:
        """True: a worker beating now; False: a worker that died or stopped (within a day);
        None: not a worker this queue knows."""
        raise NotImplementedError

    def taken_count(self) -> int:
        raise NotImplementedError

    def snapshot(self) -> Messages:
        """Every job waiting, taken or scheduled, read at one instant."""
        raise NotImplementedError

    def load(self, messages: Messages) -> None:
        """Put jobs into the queue and the schedule (a restore)."""
        raise NotImplementedError

    def job_count(self) -> int:
        return self.queue_size() + self.taken_count() + self.schedule_size()


# --- SQLite ---------------------------------------------------------------------------

class ReliableSqliteStorage(Reliable, SqliteStorage):
    table_taken = ("create table if not exists taken ("
                   "id integer not null primary key, queue text not null, data blob not null, "
                   "priority real not null default 0.0, owner text not null, taken_at real not null)")
    index_taken = "create index if not exists taken_queue_owner on taken (queue, owner)"
    table_worker = ("create table if not exists worker ("
                    "queue text not null, owner text not null, seen_at real not null, "
                    "alive integer not null default 1, primary key (queue, owner))")
    ddl = SqliteStorage.ddl + [table_taken, index_taken, table_worker]

    def __init__(self, name="huey", dead_after=DEFAULT_DEAD_AFTER, **kwargs):
        self.dead_after = float(dead_after)
        self._registered = None
        super().__init__(name, **kwargs)

    def register(self) -> None:
        me = str(owners.current())
        self.sql("insert into worker (queue, owner, seen_at, alive) values (?, ?, ?, 1) "
                 "on conflict (queue, owner) do update set seen_at = excluded.seen_at, alive = 1",
                 (self.name, me, time.time()), commit=True)
        self._registered = me

    def take(self):
        # A quick look without the exclusive lock first, as huey's dequeue does.
        if not self.sql("select 1 from task where queue = ? limit 1", (self.name,), results=True):
            return None
        me = self.owner()
        with self.db(commit=True) as curs:
            curs.execute("select id, data, priority from task where queue = ? order by priority desc, id limit 1",
                         (self.name,))
            row = curs.fetchone()
            if row is None:
                return None
            curs.execute("delete from task where id = ?", (row[0],))
            curs.execute("insert into taken (queue, data, priority, owner, taken_at) values (?, ?, ?, ?, ?)",
                         (self.name, row[1], row[2], me, time.time()))
            return curs.lastrowid, bytes(row[1])

    def ack(self, receipt) -> bool:
        with self.db(commit=True) as curs:
            curs.execute("delete from taken where id = ?", (receipt,))
            return curs.rowcount == 1

    def _give_back(self, curs, owner: str, *, cutoff: float | None) -> int:
        """Inside an exclusive transaction: ``owner``'s taken jobs back to the queue,
        its entry a tombstone. With ``cutoff``, only if it has not beaten since."""
        if cutoff is not None:
            curs.execute("select seen_at, alive from worker where queue = ? and owner = ?", (self.name, owner))
            row = curs.fetchone()
            if row is not None and row[1] and row[0] >= cutoff:
                return 0
        curs.execute("insert into task (queue, data, priority) select queue, data, priority from taken "
                     "where queue = ? and owner = ? order by id", (self.name, owner))
        moved = curs.rowcount
        curs.execute("delete from taken where queue = ? and owner = ?", (self.name, owner))
        curs.execute("insert into worker (queue, owner, seen_at, alive) values (?, ?, ?, 0) "
                     "on conflict (queue, owner) do update set alive = 0", (self.name, owner, time.time()))
        return max(moved, 0)

    def give_back_stale(self) -> dict:
        now = time.time()
        cutoff = now - self.dead_after
        me = str(owners.current())
        registered = {owner: (seen, alive) for owner, seen, alive in self.sql(
            "select owner, seen_at, alive from worker where queue = ?", (self.name,), results=True)}
        holding = {owner for owner, in self.sql("select distinct owner from taken where queue = ?", (self.name,),
                                                results=True)}
        given = {}
        candidates = [o for o in set(registered) | holding if o != me]
        for owner in candidates:
            seen, alive = registered.get(owner, (0.0, 1))
            if owner not in holding and (owner not in registered or not alive):
                continue                    # a tombstone already, holding nothing
            dead = owners.is_dead(owner)
            if alive and seen >= cutoff and not dead:
                continue                    # beating
            with self.db(commit=True) as curs:
                moved = self._give_back(curs, owner, cutoff=None if dead else cutoff)
            if moved:
                given[owner] = moved
        self.sql("delete from worker where queue = ? and alive = 0 and seen_at < ?",
                 (self.name, now - TOMBSTONE_SECONDS), commit=True)
        return given

    def deregister(self) -> int:
        me = str(owners.current())
        with self.db(commit=True) as curs:
            moved = self._give_back(curs, me, cutoff=None)
        self._registered = None
        return moved

    def workers(self) -> list[str]:
        return [owner for owner, in self.sql("select owner from worker where queue = ? and alive = 1 and "
                                             "seen_at >= ?", (self.name, time.time() - self.dead_after),
                                             results=True)
                if not owners.is_dead(owner)]

    def owner_alive(self, owner: str) -> bool | None:
        rows = self.sql("select seen_at, alive from worker where queue = ? and owner = ?", (self.name, owner),
                        results=True)
        if not rows:
            return None
        seen, alive = rows[0]
        return bool(alive) and seen >= time.time() - self.dead_after

    def taken_count(self) -> int:
        return self.sql("select count(*) from taken where queue = ?", (self.name,), results=True)[0][0]

    def read_schedule(self, ts):
        """The due jobs move into the queue in one transaction; nothing is left for
        huey's scheduler to enqueue (it would lose them if it died in between)."""
        params = (self.name, ts.timestamp())
        # A quick look first: the scheduler asks every second, mostly for nothing.
        if not self.sql("select 1 from schedule where queue = ? and timestamp <= ? limit 1", params, results=True):
            return []
        with self.db(commit=True) as curs:
            curs.execute("insert into task (queue, data, priority) select queue, data, 0 from schedule "
                         "where queue = ? and timestamp <= ? order by timestamp, id", params)
            curs.execute("delete from schedule where queue = ? and timestamp <= ?", params)
        return []

    def flush_queue(self):
        super().flush_queue()
        self.sql("delete from taken where queue = ?", (self.name,), commit=True)
        self.sql("delete from worker where queue = ?", (self.name,), commit=True)
        self._registered = None

    def snapshot(self) -> Messages:
        with self.db(commit=True) as curs:   # one transaction: one instant
            return read_sqlite_messages(curs, self.name)

    def load(self, messages: Messages) -> None:
        with self.db(commit=True) as curs:
            curs.executemany("insert into task (queue, data, priority) values (?, ?, 0)",
                             [(self.name, sqlite3.Binary(m)) for m in messages.queue])
            curs.executemany("insert into schedule (queue, data, timestamp) values (?, ?, ?)",
                             [(self.name, sqlite3.Binary(m), float(ts)) for ts, m in messages.schedule])


def read_sqlite_messages(cursor, name: str) -> Messages:
    """The jobs in a queue file (a live one, or the copy in a backup set)."""
    tables = {row[0] for row in cursor.execute("select name from sqlite_master where type = 'table'")}
    taken = [bytes(d) for d, in cursor.execute("select data from taken where queue = ? order by id", (name,))] \
        if "taken" in tables else []
    waiting = [bytes(d) for d, in cursor.execute("select data from task where queue = ? order by priority desc, id",
                                                 (name,))] if "task" in tables else []
    schedule = [(ts, bytes(d)) for ts, d in cursor.execute(
        "select timestamp, data from schedule where queue = ? order by timestamp, id", (name,))] \
        if "schedule" in tables else []
    return Messages(queue=taken + waiting, schedule=schedule)


# --- Redis ----------------------------------------------------------------------------

# KEYS: taken list, queue, alive key; ARGV: force ('1': the owner is certainly dead).
# Unless forced, nothing happens while the owner's alive key exists (it beat meanwhile).
GIVE_BACK_LUA = """\
if ARGV[1] ~= '1' and redis.call('exists', KEYS[3]) == 1 then return -1 end
local n = 0
while redis.call('lmove', KEYS[1], KEYS[2], 'RIGHT', 'LEFT') do n = n + 1 end
redis.call('del', KEYS[3])
return n"""

# KEYS: schedule, queue; ARGV: the time. Due jobs move to the queue's tail in one step.
SCHEDULE_TO_QUEUE_LUA = """\
local due = redis.call('zrangebyscore', KEYS[1], '-inf', ARGV[1])
for _, data in ipairs(due) do redis.call('lpush', KEYS[2], data) end
if #due > 0 then redis.call('zremrangebyscore', KEYS[1], '-inf', ARGV[1]) end
return #due"""

# KEYS: queue, schedule, workers hash; ARGV: the taken lists' prefix. Everything at one instant
# (a taken list exists only for a registered worker: it registers before it takes).
SNAPSHOT_LUA = """\
local taken = {}
for _, owner in ipairs(redis.call('hkeys', KEYS[3])) do
  for _, data in ipairs(redis.call('lrange', ARGV[1] .. owner, 0, -1)) do table.insert(taken, data) end
end
return {taken, redis.call('lrange', KEYS[1], 0, -1), redis.call('zrange', KEYS[2], 0, -1, 'WITHSCORES')}"""


class ReliableRedisStorage(Reliable, RedisStorage):

    def __init__(self, name="huey", dead_after=DEFAULT_DEAD_AFTER, **kwargs):
        super().__init__(name, **kwargs)
        self.dead_after = float(dead_after)
        self._registered = None
        self.taken_prefix = f"huey.taken.{self.name}."
        self.workers_key = f"huey.workers.{self.name}"
        self.alive_prefix = f"huey.alive.{self.name}."
        # register_script only prepares: nothing is sent until the first call.
        self._give_back_script = self.conn.register_script(GIVE_BACK_LUA)
        self._schedule_script = self.conn.register_script(SCHEDULE_TO_QUEUE_LUA)
        self._snapshot_script = self.conn.register_script(SNAPSHOT_LUA)

    @staticmethod
    def _text(value) -> str:
        return value.decode() if isinstance(value, bytes) else str(value)

    def register(self) -> None:
        me = str(owners.current())
        pipe = self.conn.pipeline()
        pipe.hset(self.workers_key, me, repr(time.time()))
        pipe.set(self.alive_prefix + me, b"1", ex=max(1, math.ceil(self.dead_after)))
        pipe.execute()
        self._registered = me

    def take(self):
        me = self.owner()
        taken = self.taken_prefix + me
        if self.blocking:
            try:
                data = self.conn.blmove(self.queue_key, taken, self.read_timeout, src="RIGHT", dest="LEFT")
            except RedisTimeoutError:
                return None
        else:
            data = self.conn.lmove(self.queue_key, taken, src="RIGHT", dest="LEFT")
        return None if data is None else (data, data)

    def ack(self, receipt) -> bool:
        return self.conn.lrem(self.taken_prefix + str(owners.current()), 1, receipt) == 1

    def _give_back(self, owner: str, force: bool) -> int:
        moved = self._give_back_script(keys=[self.taken_prefix + owner, self.queue_key, self.alive_prefix + owner],
                                       args=["1" if force else "0"])
        return max(int(moved), 0)

    def give_back_stale(self) -> dict:
        me = str(owners.current())
        registered = {self._text(k): float(self._text(v)) for k, v in self.conn.hgetall(self.workers_key).items()}
        holding = {self._text(key)[len(self.taken_prefix):]
                   for key in self.conn.scan_iter(match=self.taken_prefix + "*", count=1000)}
        given, now = {}, time.time()
        for owner in (set(registered) | holding) - {me}:
            alive = bool(self.conn.exists(self.alive_prefix + owner))
            if not alive and owner not in holding:
                continue                    # a tombstone already, holding nothing
            dead = owners.is_dead(owner)
            if alive and not dead:
                continue                    # beating
            moved = self._give_back(owner, force=dead)
            if moved:
                given[owner] = moved
            if owner not in registered:     # a taken list without an entry: make its tombstone
                self.conn.hsetnx(self.workers_key, owner, repr(now))
        for owner, seen in registered.items():
            if seen < now - TOMBSTONE_SECONDS and not self.conn.exists(self.alive_prefix + owner):
                self.conn.hdel(self.workers_key, owner)
        return given

    def deregister(self) -> int:
        moved = self._give_back(str(owners.current()), force=True)
        self._registered = None
        return moved

    def workers(self) -> list[str]:
        names = [self._text(k) for k in self.conn.hkeys(self.workers_key)]
        if not names:
            return []
        pipe = self.conn.pipeline()
        for owner in names:
            pipe.exists(self.alive_prefix + owner)
        return [owner for owner, alive in zip(names, pipe.execute()) if alive and not owners.is_dead(owner)]

    def owner_alive(self, owner: str) -> bool | None:
        if self.conn.exists(self.alive_prefix + owner):
            return True
        return False if self.conn.hexists(self.workers_key, owner) else None

    def taken_count(self) -> int:
        keys = list(self.conn.scan_iter(match=self.taken_prefix + "*", count=1000))
        if not keys:
            return 0
        pipe = self.conn.pipeline()
        for key in keys:
            pipe.llen(key)
        return sum(pipe.execute())

    def read_schedule(self, ts):
        """The due jobs move into the queue in one step (see the module's docstring)."""
        self._schedule_script(keys=[self.schedule_key, self.queue_key], args=[self.convert_ts(ts)])
        return []

    def flush_queue(self):
        super().flush_queue()
        keys = list(self.conn.scan_iter(match=self.taken_prefix + "*", count=1000))
        keys += list(self.conn.scan_iter(match=self.alive_prefix + "*", count=1000))
        self.conn.delete(self.workers_key, *keys)
        self._registered = None

    def snapshot(self) -> Messages:
        taken, waiting, scheduled = self._snapshot_script(
            keys=[self.queue_key, self.schedule_key, self.workers_key], args=[self.taken_prefix])
        # Lists are pushed on the left and taken from the right: the next job is the last.
        queue = list(reversed(taken)) + list(reversed(waiting))
        schedule = [(float(scheduled[i + 1]), scheduled[i]) for i in range(0, len(scheduled), 2)]
        return Messages(queue=queue, schedule=schedule)

    def load(self, messages: Messages) -> None:
        pipe = self.conn.pipeline()
        for message in messages.queue:
            pipe.lpush(self.queue_key, message)
        if messages.schedule:
            # A sorted set keeps one of two equal messages; huey's messages carry a unique id.
            pipe.zadd(self.schedule_key, {m: float(ts) for ts, m in messages.schedule})
        pipe.execute()


def messages_to_json(messages: Messages) -> bytes:
    """The file a backup set keeps a queue in (messages are huey's pickles: base64)."""
    import base64

    return json.dumps({"format": 1,
                       "queue": [base64.b64encode(m).decode() for m in messages.queue],
                       "schedule": [[ts, base64.b64encode(m).decode()] for ts, m in messages.schedule]},
                      indent=0).encode() + b"\n"


def messages_from_json(data: bytes) -> Messages:
    import base64

    content = json.loads(data)
    return Messages(queue=[base64.b64decode(m) for m in content["queue"]],
                    schedule=[(float(ts), base64.b64decode(m)) for ts, m in content["schedule"]])

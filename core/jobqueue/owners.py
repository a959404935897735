"""Who holds a job or a claim: one name per life of a process.

An owner is written ``host:pid:start:token`` — the machine's name, the process
id, the process's start time in clock ticks since boot (from
``/proc/<pid>/stat``, 0 where there is no /proc) and a random token made when
the process (or a fork of it) first asks. ``anqi worker --max-jobs`` restarts
by executing itself again with the same PID and start time; the new life makes
a new token, so its predecessor's name is not its own.

``is_dead(owner)`` answers only what this machine can know for certain: a
process of this host whose PID is gone, is a zombie, or belongs to a process
started at another time, is dead; so is an earlier life of this very process.
Anything else (another machine, or a live PID) is not known here; the queue's
heartbeats and the claims' lease decide then.
"""
import os
import secrets
import socket
import threading
from dataclasses import dataclass

_current: "Owner | None" = None
_lock = threading.Lock()     # two threads asking first must get the same name


@dataclass(frozen=True)
class Owner:
    host: str
    pid: int
    started: int
    token: str

    def __str__(self) -> str:
        return f"{self.host}:{self.pid}:{self.started}:{self.token}"

    @classmethod
    def parse(cls, text) -> "Owner | None":
        if isinstance(text, bytes):
            text = text.decode("utf-8", "replace")
        try:
            host, pid, started, token = str(text).rsplit(":", 3)
            return cls(host, int(pid), int(started), token)
        except ValueError:
            return None


def _stat(pid: int) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name (state first), or None."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            text = f.read().decode("ascii", "replace")
    except OSError:
        return None
    return text[text.rindex(")") + 2:].split()


def start_ticks(pid: int) -> int:
    """When the process started (clock ticks since boot); 0 when unknown."""
    fields = _stat(pid)
    return int(fields[19]) if fields and len(fields) > 19 else 0


def host_name() -> str:
    """This machine's name as owners carry it (short enough for a claim column of 120)."""
    return socket.gethostname().replace(":", "-")[:64]


def current() -> Owner:
    """This process's owner name (a new one after a fork or an exec)."""
    global _current
    pid = os.getpid()
    found = _current
    if found is not None and found.pid == pid:
        return found
    with _lock:
        if _current is None or _current.pid != pid:
            _current = Owner(host_name(), pid, start_ticks(pid), secrets.token_hex(6))
        return _current


def is_dead(owner: "Owner | str | None") -> bool:
    """True when ``owner`` is certainly no longer running (see the module's docstring)."""
    if isinstance(owner, (str, bytes)):
        owner = Owner.parse(owner)
    if owner is None:
        return False
    me = current()
    if owner.host != me.host:
        return False
    if owner.pid == me.pid:
        # This process: alive in this life, dead in an earlier one (same PID, other token).
        return owner.token != me.token
    try:
        os.kill(owner.pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass                 # another user's process: it exists
    fields = _stat(owner.pid)
    if fields is None:
        return False         # no /proc: the PID exists, nothing more is known
    if fields[0] in ("Z", "X"):
        return True          # killed, not yet reaped by its parent
    return bool(owner.started) and int(fields[19]) != owner.started   # the PID was reused

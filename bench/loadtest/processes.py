"""The processes under test: ``anqi serve`` and ``anqi worker`` started by the
driver, or found by their command lines on the machine (``--url`` mode), and
their resident memory sampled by role.
"""
import os
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import psutil

from bench.loadtest.data import anqi


def start_server(env, port: int, workers: int, max_requests: int | None, log_file: Path) -> subprocess.Popen:
    command = [anqi(), "serve", "--bind", f"127.0.0.1:{port}", "--workers", str(workers)]
    if max_requests is not None:
        command += ["--max-requests", str(max_requests)]
    with open(log_file, "ab") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    process.command = command
    return process


def start_worker(env, max_jobs: int | None, log_file: Path) -> subprocess.Popen:
    command = [anqi(), "worker", "--workers", "2"]
    if max_jobs:
        command += ["--max-jobs", str(max_jobs)]
    with open(log_file, "ab") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    process.command = command
    return process


def wait_until_up(url: str, process: subprocess.Popen | None, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise SystemExit(f"loadtest: the server stopped at start (exit {process.returncode}); see its log")
        try:
            with urllib.request.urlopen(url.rstrip("/") + "/login", timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"loadtest: {url} did not answer within {seconds:.0f} s")


def stop(process: subprocess.Popen | None, sig=signal.SIGTERM, seconds: float = 30) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(sig)
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# --- memory ----------------------------------------------------------------------------

def _anqi_command(cmdline: list[str]) -> str | None:
    """``serve`` for ``…/anqi serve …``, ``worker`` for ``…/anqi worker …``."""
    for i, part in enumerate(cmdline[:-1]):
        if Path(part).name == "anqi":
            return cmdline[i + 1]
    return None


def _is_server(cmdline: list[str]) -> bool:
    # `anqi serve …` (its workers are forks with the same command line), or "gunicorn: master [anqi]"
    # when setproctitle renames them (proc_name "anqi" in core/serving.py)
    line = " ".join(cmdline)
    return _anqi_command(cmdline) == "serve" or ("gunicorn" in line and "[anqi]" in line)


def _is_worker(cmdline: list[str]) -> bool:
    return _anqi_command(cmdline) == "worker"


def roles(server_pid: int | None = None, worker_pid: int | None = None) -> dict[str, list[psutil.Process]]:
    """The processes by role: the web server's master, its workers, the job worker(s).
    Without pids (``--url`` mode) they are found by their command lines."""
    found = {"web master": [], "web workers": [], "job worker": []}
    masters, workers = [], []
    if server_pid is not None:
        masters = [psutil.Process(server_pid)] if psutil.pid_exists(server_pid) else []
    if worker_pid is not None:
        workers = [psutil.Process(worker_pid)] if psutil.pid_exists(worker_pid) else []
    if server_pid is None or worker_pid is None:
        for process in psutil.process_iter(["cmdline", "ppid"]):
            cmdline = process.info["cmdline"] or []
            if server_pid is None and _is_server(cmdline):
                parent = psutil.Process(process.info["ppid"]) if psutil.pid_exists(process.info["ppid"]) else None
                if parent is None or not _is_server(parent.cmdline()):
                    masters.append(process)
            elif worker_pid is None and _is_worker(cmdline):
                workers.append(process)
    for master in masters:
        found["web master"].append(master)
        found["web workers"].extend(master.children())
    for worker in workers:
        found["job worker"].append(worker)
        found["job worker"].extend(worker.children(recursive=True))
    return found


def sample(found: dict[str, list[psutil.Process]]) -> dict[str, dict[int, int]]:
    """RSS in KiB of every process, by role and pid."""
    taken = {}
    for role, processes in found.items():
        taken[role] = {}
        for process in processes:
            try:
                taken[role][process.pid] = process.memory_info().rss // 1024
            except psutil.Error:
                continue
    return taken


def load_average() -> tuple[float, float, float]:
    return os.getloadavg()

"""``python -m bench.loadtest`` (``make loadtest``): a headless locust run against anqi, with a Markdown report.

Each run measures the same mix twice against the same server and worker: first
with nothing else running (the quiet phase), then while a batch of letters
renders (the batch phase), and compares the desk pages' times of the two. The
report is printed and written to bench/results/loadtest-<time>.md.

    make loadtest                                      # PostgreSQL (4 workers), SQLite (1 worker): 2 × 3 min each
    make loadtest LOADTEST_ARGS="--minutes 0.5 --users 10 --enterprises 1000 --tickets 3000"   # development
    make loadtest LOADTEST_ARGS="--soak"               # 20 minutes, 25 users, workers recycled, memory sampled
    make loadtest LOADTEST_ARGS="--url https://anqi.example --accounts accounts.json"   # a running deployment

The PostgreSQL database is ANQI_LOADTEST_DATABASE_URL (default the local anqi_loadtest;
its name must contain "load"), Redis ANQI_LOADTEST_REDIS_URL (default db 5 on the
local server; that database is flushed before each run).
"""
import argparse
import json
import os
import platform
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/anqi_loadtest"
REDIS_DEFAULT = "redis://127.0.0.1:6379/5"
LOGIN_RATE_LIMIT = "1000 per minute"   # all simulated users log in from 127.0.0.1


def parse(argv):
    parser = argparse.ArgumentParser(prog="python -m bench.loadtest", description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="run against this running deployment; start no server, build no database")
    parser.add_argument("--accounts", type=Path,
                        help="JSON file of the accounts to log in with (default: the demo accounts), "
                             'e.g. {"desk": [["desk", "pw"]], "officer": [["jy.officer1", "pw", "暨阳派出所"]]}')
    parser.add_argument("--soak", action="store_true",
                        help="soak test: 20 minutes at 25 users on PostgreSQL with worker recycling, memory sampled; "
                             "the batch phase only")
    parser.add_argument("--minutes", type=float,
                        help="duration of each phase, quiet and batch (default 3); of the one phase of --soak "
                             "(default 20)")
    parser.add_argument("--users", type=int, help="simulated users (default 50; 25 with --soak)")
    parser.add_argument("--spawn-rate", type=float,
                        help="users started per second (default 5; 0.3 with --url, under the default login limit "
                             "of 20 a minute per address)")
    parser.add_argument("--workers", type=int, default=4, help="anqi serve workers on PostgreSQL (default 4)")
    parser.add_argument("--max-requests", type=int,
                        help="anqi serve --max-requests (default: its own; 200 with --soak)")
    parser.add_argument("--max-jobs", type=int, help="anqi worker --max-jobs (default: none; 10 with --soak)")
    parser.add_argument("--letters", type=int, default=500,
                        help="letters in the batch queued at the start of the batch phase (default 500; 0: no batch, "
                             "the quiet phase only)")
    parser.add_argument("--batch-wait", type=float, default=600,
                        help="seconds to wait after the batch phase for an unfinished batch (default 600)")
    parser.add_argument("--sample-every", type=float, default=30, help="seconds between memory samples (default 30)")
    parser.add_argument("--enterprises", type=int, default=100_000, help="demo enterprises (default 100,000)")
    parser.add_argument("--tickets", type=int, default=300_000, help="demo tickets (default 300,000)")
    parser.add_argument("--seed", type=int, default=7110, help="demo data seed (default 7110)")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the databases even when already loaded")
    parser.add_argument("--no-sqlite", dest="sqlite", action="store_false", help="skip the SQLite comparison run")
    parser.add_argument("--no-postgresql", dest="postgresql", action="store_false", help="skip the PostgreSQL run")
    parser.add_argument("--port", type=int, default=5871, help="port of the servers the driver starts")
    parser.add_argument("--output", type=Path, help="the report (default bench/results/loadtest-<time>.md)")
    options = parser.parse_args(argv)
    options.minutes = options.minutes or (20 if options.soak else 3)
    options.users = options.users or (25 if options.soak else 50)
    if options.spawn_rate is None:
        options.spawn_rate = 0.3 if options.url else 5
    if options.soak:
        options.sqlite = False
        options.max_requests = 200 if options.max_requests is None else options.max_requests
        options.max_jobs = 10 if options.max_jobs is None else options.max_jobs
    return options


def log(message):
    print(message, file=sys.stderr, flush=True)


def machine() -> dict:
    import gunicorn
    import locust
    import psutil

    return {"cores": os.cpu_count(), "memory_gib": psutil.virtual_memory().total / 2**30,
            "python": platform.python_version(), "sqlite": sqlite3.sqlite_version, "system": platform.platform(),
            "locust": locust.__version__, "gunicorn": gunicorn.__version__}


def postgres_version(url) -> str:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as connection:
        version = connection.execute(text("SHOW server_version")).scalar()
    engine.dispose()
    return version


def run_locust(options, host: str, folder: Path, phase: str) -> dict:
    """One headless locust run: its stats and failures from the CSV files, and every request's time."""
    from bench.loadtest import report

    ramp = options.users / options.spawn_rate
    seconds = int(options.minutes * 60 + ramp)
    prefix = folder / f"locust-{phase}"
    loop, requests = folder / f"loop-{phase}.json", folder / f"requests-{phase}.json"
    loop.unlink(missing_ok=True)
    requests.unlink(missing_ok=True)
    env = dict(os.environ, LOADTEST_LOOP_FILE=str(loop), LOADTEST_REQUESTS_FILE=str(requests))
    if options.accounts:
        env["LOADTEST_ACCOUNTS"] = str(options.accounts.resolve())
    command = [str(Path(sys.executable).with_name("locust")), "-f", str(Path(__file__).with_name("locustfile.py")),
               "--headless", "--users", str(options.users), "--spawn-rate", str(options.spawn_rate),
               "--run-time", f"{seconds}s", "--host", host, "--csv", str(prefix), "--only-summary",
               "--stop-timeout", "10", "--loglevel", "WARNING"]
    log(f"  {phase} phase: locust, {options.users} users, {options.spawn_rate}/s, {seconds} s "
        f"({ramp:.0f} s of them starting users)")
    began = time.time()
    with open(folder / f"locust-{phase}.log", "wb") as out:
        subprocess.run(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    result = report.read_locust(prefix)
    result.update(seconds=seconds, ramp=ramp, began=began, ended=time.time())
    result["loop"] = json.loads(loop.read_text()) if loop.exists() else {}
    result["requests"] = json.loads(requests.read_text()) if requests.exists() else []
    return result


class Watcher(threading.Thread):
    """While the run goes: memory every ``every`` s; once a batch is followed, its progress every second."""

    def __init__(self, every, find_processes):
        super().__init__(daemon=True)
        self.every, self.find_processes, self.progress = every, find_processes, None
        self.samples, self.batch_done_at, self.batch_state = [], None, None
        self.began = time.time()
        self.stopping = threading.Event()

    def run(self):
        from bench.loadtest import processes

        next_sample = 0.0
        while not self.stopping.is_set():
            now = time.time() - self.began
            if now >= next_sample:
                try:
                    self.samples.append({"t": now, "rss": processes.sample(self.find_processes()),
                                         "load": processes.load_average()[0]})
                except Exception as exc:  # noqa: BLE001 - a process that went away between listing and reading
                    log(f"  memory sample skipped: {exc}")
                next_sample += self.every
            self.poll_batch()
            self.stopping.wait(1)

    def poll_batch(self):
        if self.progress is None or self.batch_done_at is not None:
            return
        try:
            self.batch_state = self.progress()
        except Exception as exc:  # noqa: BLE001 - e.g. SQLite busy for a moment: try again next second
            log(f"  batch progress not read: {exc}")
            return
        if self.batch_state["pending"] == 0:
            self.batch_done_at = time.time()

    def follow(self, progress):
        self.progress = progress

    def stop(self):
        self.stopping.set()
        self.join(timeout=10)


def phases_of(options, with_batch: bool) -> list[str]:
    """quiet then batch; the soak keeps its one long phase with the batch."""
    if not with_batch:
        return ["quiet"]
    return ["batch"] if options.soak else ["quiet", "batch"]


def run_phases(options, host: str, folder: Path, watcher: Watcher, queue=None, letters=0,
               alive=lambda: True) -> dict:
    """The mix in each phase against the same server and worker; ``queue()`` queues
    the batch of ``letters`` at the start of the batch phase and returns a function
    reading its progress. The watcher must be running; it is stopped at the end."""
    from bench.loadtest import processes, report

    result = {"phases": {}}
    queued_at = None
    for phase in phases_of(options, queue is not None):
        entry = {"load_before": processes.load_average(), "starts_at": time.time() - watcher.began}
        if phase == "batch":
            watcher.follow(queue())
            queued_at = time.time()
        entry["locust"] = run_locust(options, host, folder, phase)
        entry["load_after"] = processes.load_average()
        result["phases"][phase] = entry
    run_end = time.time()
    if queued_at is not None and watcher.batch_done_at is None:
        log(f"  the batch is not finished; waiting up to {options.batch_wait:.0f} s more …")
        deadline = time.time() + options.batch_wait
        while watcher.batch_done_at is None and time.time() < deadline and alive():
            time.sleep(1)
    watcher.stop()
    if queued_at is not None:
        done = watcher.batch_done_at
        result["batch"] = {"letters": letters, "state": watcher.batch_state,
                           "seconds": (done - queued_at) if done else None, "queued_at": queued_at,
                           "done_at": done, "within_run": bool(done and done <= run_end)}
    result["desk"] = report.desk_figures(result["phases"], result.get("batch"))
    result["samples"] = watcher.samples
    result["run_seconds"] = run_end - watcher.began
    return result


def flush_redis(url: str) -> None:
    import redis

    redis.Redis.from_url(url).flushdb()


def one_run(options, label: str, database_url: str, env: dict, workers: int, huey_url: str, folder: Path) -> dict:
    """Start the server and the job worker, run the phases (the batch queued at the
    start of the batch phase), stop them."""
    from bench.loadtest import data, processes

    folder.mkdir(parents=True, exist_ok=True)
    result = {"label": label, "workers": workers}
    ids = []
    if options.letters:
        log(f"  preparing {options.letters} signed-off letters …")
        began = time.perf_counter()
        ids = data.signed_letters(database_url, huey_url, options.letters)
        result["letters_prepared_in"] = time.perf_counter() - began
    worker = processes.start_worker(env, options.max_jobs, folder / "worker.log")
    server = processes.start_server(env, options.port, workers, options.max_requests, folder / "server.log")
    host = f"http://127.0.0.1:{options.port}"
    try:
        processes.wait_until_up(host, server)
        time.sleep(2)  # the worker's consumer is up too
        if worker.poll() is not None:
            raise SystemExit(f"loadtest: anqi worker stopped at start; see {folder / 'worker.log'}")
        result["server_command"] = " ".join(Path(c).name if i == 0 else c for i, c in enumerate(server.command))
        result["worker_command"] = " ".join(Path(c).name if i == 0 else c for i, c in enumerate(worker.command))
        watcher = Watcher(options.sample_every, lambda: processes.roles(server.pid, worker.pid))
        watcher.start()

        def queue():
            batch_id = data.queue_batch(database_url, huey_url, ids)
            return lambda: data.batch_progress(database_url, batch_id)

        result.update(run_phases(options, host, folder, watcher, queue if ids else None, len(ids),
                                 alive=lambda: worker.poll() is None))
        result["worker_restarts"] = (folder / "worker.log").read_text(errors="replace").count("restarts after")
    finally:
        processes.stop(server, signal.SIGTERM)
        processes.stop(worker, signal.SIGINT)
    result["server_log_errors"] = _log_errors(folder / "server.log") + _log_errors(folder / "worker.log")
    return result


def _log_errors(path: Path) -> list[str]:
    """The error lines of a log: Flask's "ERROR in app" lines and the exceptions' last lines."""
    if not path.exists():
        return []
    exception = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Detected|Violation|Timeout)\b.*")
    lines = path.read_text(errors="replace").splitlines()
    return [line[:300] for line in lines if " ERROR " in line or "ERROR in" in line or "[CRITICAL]" in line
            or exception.match(line)][:20]


def url_run(options, folder: Path) -> dict:
    """``--url``: the same phases against a running deployment. The batch (and so
    the batch phase) needs the deployment's ANQI_DATABASE_URL (and ANQI_HUEY_URL)
    in this process's environment."""
    from bench.loadtest import data, processes

    folder.mkdir(parents=True, exist_ok=True)
    result = {"label": f"deployment at {options.url}", "workers": None}
    database_url, huey_url = os.environ.get("ANQI_DATABASE_URL"), os.environ.get("ANQI_HUEY_URL")
    ids = []
    if options.letters and database_url:
        log(f"  preparing {options.letters} signed-off letters in the deployment's database …")
        ids = data.signed_letters(database_url, huey_url, options.letters)
    elif options.letters:
        result["batch_skipped"] = "ANQI_DATABASE_URL is not set in the driver's environment"
    result["found"] = {role: [f"{p.pid} ({' '.join(Path(c).name for c in p.cmdline()[1:4])})" for p in found]
                       for role, found in processes.roles().items()}
    watcher = Watcher(options.sample_every, processes.roles)
    watcher.start()

    def queue():
        batch_id = data.queue_batch(database_url, huey_url, ids)
        return lambda: data.batch_progress(database_url, batch_id)

    result.update(run_phases(options, options.url, folder, watcher, queue if ids else None, len(ids)))
    return result


def main(argv=None) -> int:
    options = parse(sys.argv[1:] if argv is None else argv)
    import logging

    logging.getLogger("alembic").setLevel(logging.WARNING)
    from bench.loadtest import data, report

    stamp = time.strftime("%Y%m%dT%H%MZ", time.gmtime())
    output = options.output or data.RESULTS / f"loadtest-{stamp}.md"
    facts = machine()
    facts["load_at_start"] = os.getloadavg()
    runs, builds = [], {}
    workdir = Path(tempfile.mkdtemp(prefix="anqi-loadtest-"))
    if options.url:
        runs.append(url_run(options, workdir / "deployment"))
    else:
        os.environ["ANQI_INSTANCE_PATH"] = str(data.INSTANCE)  # this process's apps share the keys of the servers'
        pg_url = os.environ.get("ANQI_LOADTEST_DATABASE_URL", PG_DEFAULT)
        redis_url = os.environ.get("ANQI_LOADTEST_REDIS_URL", REDIS_DEFAULT)
        sqlite_reference = (f"sqlite:///{data.FOLDER}/loadtest-{options.enterprises}-{options.tickets}"
                            f"-seed{options.seed}.sqlite")
        if options.postgresql:
            data.check_name(pg_url)
            facts["postgresql"] = postgres_version(pg_url)
            builds["PostgreSQL"] = data.ensure(pg_url, options.enterprises, options.tickets, options.seed,
                                               options.rebuild, log)
        if options.sqlite:
            builds["SQLite"] = data.ensure(sqlite_reference, options.enterprises, options.tickets, options.seed,
                                           options.rebuild, log)
            if options.letters:
                data.stock(sqlite_reference, options.letters, log)
        if options.postgresql:
            flush_redis(redis_url)
            env = data.environment(pg_url, HUEY_URL=redis_url, RATELIMIT_STORAGE_URI=redis_url,
                                   AUTH_LOGIN_RATE_LIMIT=LOGIN_RATE_LIMIT)
            if options.max_requests:  # anqi serve's default jitter (500) would hide a small --max-requests
                env["ANQI_SERVE_MAX_REQUESTS_JITTER"] = str(max(1, options.max_requests // 10))
            log(f"PostgreSQL, {options.workers} workers:")
            runs.append(one_run(options, "PostgreSQL", pg_url, env, options.workers, redis_url,
                                workdir / "postgresql"))
        if options.sqlite:
            sqlite_url = data.working_copy(sqlite_reference, "loadtest-run.sqlite")
            huey_file = data.FOLDER / "loadtest-run-huey.db"
            huey_file.unlink(missing_ok=True)
            huey_url = f"sqlite:///{huey_file}"
            env = data.environment(sqlite_url, HUEY_URL=huey_url, AUTH_LOGIN_RATE_LIMIT=LOGIN_RATE_LIMIT)
            log("SQLite, 1 worker:")
            runs.append(one_run(options, "SQLite", sqlite_url, env, 1, huey_url, workdir / "sqlite"))
    facts["load_at_end"] = os.getloadavg()
    text = report.markdown(options, facts, builds, runs, login_limit=None if options.url else LOGIN_RATE_LIMIT)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    output.with_suffix(".json").write_text(json.dumps({"facts": facts, "builds": builds, "runs": runs}, default=str),
                                           encoding="utf-8")
    print(text)
    print(f"Written to {output} (locust's own files and the servers' logs: {workdir})")
    failures = sum(phase["locust"]["failures"] for run in runs for phase in run["phases"].values())
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

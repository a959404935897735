"""The demand-ticket benchmark (issue 3).

In one run:

(a) the desk's queue page and (b) the statistics dashboard for a year, with
    300,000 tickets and 100,000 enterprises against the same pages with 3,000
    tickets and 1,000 enterprises (goals: queue within 1.5×, dashboard within 3×);
(c) ticket intake with 8 concurrent writers (processes calling
    ``core.tickets.services.register``) against one writer, on SQLite and on
    PostgreSQL: tickets per second, no "database is locked" or other error, and
    numbers without gaps or duplicates;
(d) SQL statements per page, the same whatever the number of rows;
(e) the intake page with its duplicate panel (an enterprise and a category
    chosen: the enterprise's open and recent tickets and the category's in its
    district) against the plain intake page — the same form for the same
    enterprise and category without the panel — both at 300,000 tickets (goal:
    within 1.5×); and, for reference, against the page before an enterprise is
    chosen (the search box alone).

Pages are full requests through the Flask test client as the centre's desk user,
measured like the enterprise list (``bench.enterprise_list.measure``: all
scenarios interleaved round by round, ratios of medians from the same run). The
databases are the demo city with demo tickets (``core.demo.tickets``) generated
for the year up to a fixed moment, ``REFERENCE``, at which the clock is frozen
while pages are measured, so that the cached files always mean the same thing.
They are cached in ``bench/results/cache/`` beside the enterprise databases.
PostgreSQL is measured when ``ANQI_BENCH_DATABASE_URL`` names a database whose
name contains "bench" (its public schema is dropped and rebuilt); otherwise
that part is skipped and the report says so.
"""
import hashlib
import multiprocessing
import os
import re
import shutil
import sqlite3
import statistics
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from bench import apps, databases
from bench.enterprise_list import Scenario, measure, quantile

REFERENCE = datetime(2026, 11, 20, 2, 0)   # 10:00 on Friday 20 November 2026 in China (naive UTC)
SMALL_TICKETS = 3_000
LARGE_TICKETS = 300_000
WRITERS = 8
PER_WRITER = 50         # registrations per writer with 8 writers (400 in all)
SINGLE = 100            # registrations by the lone writer of the baseline
STATION_USER = "jy.leader"
PG_ENV = "ANQI_BENCH_DATABASE_URL"

_FINGERPRINTED = ["core/demo/tickets.py", "core/tickets/models.py", "core/tickets/stats.py",
                  "core/calendar/services.py", "core/tickets/deadlines.py"]


# --- databases ---------------------------------------------------------------------

def fingerprint() -> str:
    digest = hashlib.sha1(databases.fingerprint().encode())
    for name in _FINGERPRINTED:
        digest.update((databases.ROOT / name).read_bytes())
    digest.update(REFERENCE.isoformat().encode())
    return digest.hexdigest()[:10]


def ensure(enterprises: int, tickets: int, seed: int, rebuild: bool = False, log=print) -> Path:
    """The cached demo city with ``enterprises`` and ``tickets``, built from the
    cached enterprise database when missing."""
    path = databases.CACHE / f"tickets-{tickets}-enterprises-{enterprises}-seed{seed}-{fingerprint()}.sqlite"
    if path.exists() and not rebuild:
        log(f"Using cached database {path.relative_to(databases.ROOT)}")
        return path
    base = databases.ensure(enterprises, seed, rebuild, log)
    for stale in databases.CACHE.glob(f"tickets-{tickets}-enterprises-{enterprises}-seed{seed}-*.sqlite"):
        databases._remove(stale)
    building = path.with_suffix(".building")
    databases._remove(building)
    shutil.copyfile(base, building)
    log(f"Building {path.relative_to(databases.ROOT)} ({tickets:,} tickets on {enterprises:,} enterprises) …")
    started = time.perf_counter()
    _add_tickets(f"sqlite:///{building}", tickets, seed, log)
    connection = sqlite3.connect(building)
    connection.execute("ANALYZE")
    connection.commit()
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    os.replace(building, path)
    log(f"  built in {time.perf_counter() - started:.0f} s")
    return path


def _add_tickets(url: str, tickets: int, seed: int, log) -> None:
    from core import create_app
    from core.demo import tickets as demo_tickets
    from core.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        demo_tickets.build(tickets, seed=seed, now=REFERENCE, progress=lambda m: log("  " + m.strip()))
        db.session.remove()
        db.engine.dispose()


def _pg_database(url: str, seed: int, log) -> None:
    """Empty the bench's PostgreSQL database and build the small demo city in it."""
    import flask_migrate
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from core import create_app
    from core.demo import data
    from core.extensions import db

    name = make_url(url).database or ""
    if "bench" not in name:
        raise SystemExit(f"bench: {PG_ENV} must name a database made for the bench (its name containing "
                         f"'bench'); its schema is dropped. Got {name!r}.")
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        flask_migrate.upgrade(revision="heads")
        data.build(enterprises=1_000, seed=seed, progress=lambda *_: None)
        db.session.remove()
        db.engine.dispose()
    _add_tickets(url, SMALL_TICKETS, seed, log)
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("ANALYZE"))
    engine.dispose()


# --- (c) intake with concurrent writers ---------------------------------------------------

def _writer(url, count, seed, barrier, results):
    """One writing process: registers ``count`` tickets as the desk user, one
    service call (one transaction) each."""
    import logging
    import random

    logging.getLogger("alembic").setLevel(logging.WARNING)
    from sqlalchemy import select

    from core import create_app
    from core.extensions import db
    from core.org.actor import Actor
    from core.org.services import user_by_username
    from core.registry.models import Enterprise
    from core.tickets import services

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    rng = random.Random(seed)
    times, errors, ids = [], [], []
    with app.app_context():
        enterprises = list(db.session.scalars(select(Enterprise.id)))
        db.session.rollback()
        barrier.wait()
        for _ in range(count):
            with app.test_request_context():
                intake = services.Intake(
                    enterprise_id=rng.choice(enterprises), channel=rng.choice(["hotline", "online", "walk_in"]),
                    category=rng.choice(["dispute", "service", "safety"]), ticket_class="general",
                    handling_mode="follow", description="压力测试：企业反映员工聚集讨薪。")
                began = time.perf_counter()
                try:
                    # Looking the user up reads, and may wait for the lock too: inside the
                    # try, so that a timeout counts as an error instead of ending the writer.
                    actor = Actor(user=user_by_username("desk"), address="bench")
                    ticket = services.register(actor, intake)
                    ids.append((ticket.year, ticket.seq))
                except Exception as exc:  # every error counts against the run
                    db.session.rollback()
                    errors.append(f"{type(exc).__name__}: {exc}"[:300])
                times.append(time.perf_counter() - began)
                db.session.remove()
        finished = time.perf_counter()
        db.engine.dispose()
    results.put({"times": times, "errors": errors, "ids": ids, "finished": finished})


class WithoutPanel:
    """The plain intake page: ``target``'s requests with the duplicate panel left
    out, as if the page had none (``duplicates.find`` answers None, which the
    template renders as no panel). The same application, database, session and
    form; only the panel's lookups and rows are missing, which is what (e)
    weighs."""

    def __init__(self, target):
        self.target = target
        self.counter = target.counter
        self.name = f"{target.name} (no panel)"

    def get(self, url: str):
        from core.tickets import duplicates

        find = duplicates.find
        duplicates.find = lambda *args, **kwargs: None
        try:
            return self.target.get(url)
        finally:
            duplicates.find = find


@dataclass
class IntakeRun:
    backend: str
    writers: int
    registered: int = 0
    wall: float = 0.0
    latencies: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    gap_free: bool = False
    numbers: str = ""

    @property
    def per_second(self) -> float:
        return self.registered / self.wall if self.wall else 0.0

    @property
    def locked(self) -> int:
        return sum("database is locked" in e for e in self.errors)


def _sequence_state(url):
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as connection:
        state = {year: last for year, last in connection.execute(text("SELECT year, last FROM ticket_sequence"))}
    engine.dispose()
    return state


def _check_numbers(url, before, run: IntakeRun, ids) -> None:
    """The numbers handed out in the run: each once, none skipped, and the
    year's counter at the last of them."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    problems = []
    with engine.connect() as connection:
        after = {year: last for year, last in connection.execute(text("SELECT year, last FROM ticket_sequence"))}
        for year in sorted({y for y, _s in ids}):
            start = before.get(year, 0)
            seqs = sorted(connection.scalars(text("SELECT seq FROM ticket WHERE year = :y AND seq > :s"),
                                             {"y": year, "s": start}))
            mine = sorted(s for y, s in ids if y == year)
            if seqs != list(range(start + 1, start + len(seqs) + 1)):
                problems.append(f"{year}: gaps or duplicates")
            if seqs != mine:
                problems.append(f"{year}: {len(seqs)} numbers in the table, {len(mine)} returned")
            if after.get(year) != (seqs[-1] if seqs else start):
                problems.append(f"{year}: the counter is at {after.get(year)}")
            run.numbers += f"{year}-{start + 1:06d} … {year}-{start + len(seqs):06d} "
    engine.dispose()
    run.gap_free = not problems
    if problems:
        run.errors += problems


def intake(backend: str, url: str, writers: int, per_writer: int, log) -> IntakeRun:
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(writers + 1)
    results = context.Queue()
    before = _sequence_state(url)
    processes = [context.Process(target=_writer, args=(url, per_writer, 1000 + n, barrier, results))
                 for n in range(writers)]
    for process in processes:
        process.start()
    barrier.wait(timeout=300)
    started = time.perf_counter()
    collected = [results.get(timeout=900) for _ in processes]
    for process in processes:
        process.join(timeout=60)
    run = IntakeRun(backend, writers)
    run.wall = max(r["finished"] for r in collected) - started
    ids = []
    for r in collected:
        run.latencies += r["times"]
        run.errors += r["errors"]
        ids += r["ids"]
    run.registered = len(ids)
    _check_numbers(url, before, run, ids)
    log(f"  {backend}, {writers} writer(s): {run.registered} tickets in {run.wall:.1f} s "
        f"({run.per_second:.1f}/s), {len(run.errors)} errors")
    return run


# --- (a), (b), (d): pages ----------------------------------------------------------------

def _year_url() -> str:
    until = (REFERENCE + timedelta(hours=8)).date()
    return f"/tickets/stats?since={(until - timedelta(days=364)).isoformat()}&until={until.isoformat()}"


def _queue_available(target) -> bool:
    return "tickets.index" in target.app.view_functions


def statement_profile(scenario: Scenario, database: Path, reps: int) -> list[dict]:
    """Each statement of one request that reads the running counts or ticket: its own
    median time on the database file, with SQLite's EXPLAIN QUERY PLAN."""
    connection = sqlite3.connect(database)
    profile = []
    try:
        for statement, parameters in scenario.statements:
            if not re.search(r"\b(FROM|JOIN) (ticket_stat_day|ticket_stat_month|ticket)\b", statement):
                continue
            parameters = tuple(parameters or ())
            plan = [row[3] for row in connection.execute("EXPLAIN QUERY PLAN " + statement, parameters)]
            times = []
            for _ in range(reps):
                began = time.perf_counter()
                connection.execute(statement, parameters).fetchall()
                times.append(time.perf_counter() - began)
            profile.append({"sql": " ".join(statement.split()), "parameters": parameters,
                            "median": statistics.median(times), "plan": plan})
    finally:
        connection.close()
    return profile


@dataclass
class Comparison:
    label: str
    goal: float | None
    goal_text: str
    scenario: Scenario
    baseline: Scenario


def run(options, workdir: Path, log=print) -> dict:
    from core import clock

    seed = options.seed
    small_db = databases.working_copy(ensure(options.small, options.small_tickets, seed, options.rebuild, log),
                                      workdir / "small")
    large_db = databases.working_copy(ensure(options.large, options.large_tickets, seed, options.rebuild, log),
                                      workdir / "large")
    clock.freeze(REFERENCE)
    try:
        pages = _pages(options, small_db, large_db, log)
    finally:
        clock.freeze(None)

    log("Intake with concurrent writers …")
    intake_runs, pg_note = [], ""
    sqlite_db = databases.working_copy(ensure(options.small, options.small_tickets, seed, False, log),
                                       workdir / "intake")
    targets = [("SQLite", f"sqlite:///{sqlite_db}")]
    pg_url = os.environ.get(PG_ENV)
    if pg_url:
        log("Building the PostgreSQL bench database …")
        _pg_database(pg_url, seed, log)
        targets.append(("PostgreSQL", pg_url))
    else:
        pg_note = (f"PostgreSQL skipped: {PG_ENV} is not set (e.g. "
                   f"`{PG_ENV}=postgresql+psycopg://postgres@127.0.0.1:5432/anqi_bench` after "
                   "`createdb -h 127.0.0.1 -U postgres anqi_bench`).")
        log("  " + pg_note)
    for backend, url in targets:
        intake_runs.append(intake(backend, url, 1, options.single_writes, log))
        intake_runs.append(intake(backend, url, options.writers, options.per_writer, log))
    return {**pages, "intake": intake_runs, "pg_note": pg_note, "options": options}


def intake_case(database: Path) -> tuple[int, str]:
    """The enterprise and category the intake panel is measured with: the
    enterprise with the most tickets (the lowest id among equals) and the most
    frequent category of all, so both of the panel's lists are full."""
    connection = sqlite3.connect(database)
    try:
        enterprise_id = connection.execute("SELECT enterprise_id FROM ticket GROUP BY enterprise_id "
                                           "ORDER BY count(*) DESC, enterprise_id LIMIT 1").fetchone()[0]
        category = connection.execute("SELECT category FROM ticket GROUP BY category "
                                      "ORDER BY count(*) DESC, category LIMIT 1").fetchone()[0]
    finally:
        connection.close()
    return enterprise_id, category


def _pages(options, small_db, large_db, log) -> dict:
    log("Starting the applications …")
    small, large = apps.anqi(small_db), apps.anqi(large_db)
    station_small, station_large = apps.anqi(small_db, STATION_USER), apps.anqi(large_db, STATION_USER)
    if not _queue_available(large):
        raise SystemExit("bench: the ticket list (/tickets/, endpoint tickets.index) is missing")
    queue_note = ""
    queue = "/tickets/?queue=to_dispatch"    # the desk's own queue, the page it opens on
    overdue = "/tickets/?queue=overdue"
    size20, size200 = "/tickets/?queue=all&size=20", "/tickets/?queue=all&size=200"
    year = _year_url()
    s = {}

    def add(key, target, url):
        s[key] = Scenario(key, target, url)

    add("queue_small", small, queue)
    add("queue", large, queue)
    add("overdue_small", small, overdue)
    add("overdue", large, overdue)
    add("stats_small", small, year)
    add("stats", large, year)
    add("month_small", small, "/tickets/stats")
    add("month", large, "/tickets/stats")
    add("station_stats_small", station_small, year)
    add("station_stats", station_large, year)
    add("classes_small", small, "/tickets/classes")
    add("classes", large, "/tickets/classes")
    add("size20", large, size20)
    add("size200", large, size200)
    panel_enterprise, panel_category = intake_case(large_db)
    small_enterprise, _small_category = intake_case(small_db)
    add("intake_search", large, "/tickets/new")
    add("intake_plain", WithoutPanel(large), f"/tickets/new?enterprise={panel_enterprise}&category={panel_category}")
    add("intake_enterprise", large, f"/tickets/new?enterprise={panel_enterprise}")
    add("intake_panel", large, f"/tickets/new?enterprise={panel_enterprise}&category={panel_category}")
    add("intake_panel_small", small, f"/tickets/new?enterprise={small_enterprise}&category={panel_category}")
    add("intake_refresh", large, f"/tickets/new/duplicates?enterprise={panel_enterprise}&category={panel_category}")
    log(f"Measuring {len(s)} requests × {options.reps} rounds (plus {options.warmup} warm-up each) …")
    wall = measure(list(s.values()), options.reps, options.warmup, log)

    t = options.large_tickets
    labels = {
        "queue_small": f"desk queue “to dispatch”, {options.small_tickets:,} tickets",
        "queue": f"desk queue “to dispatch”, {t:,} tickets",
        "overdue_small": f"queue “overdue”, {options.small_tickets:,} tickets",
        "overdue": f"queue “overdue”, {t:,} tickets",
        "stats_small": f"dashboard, the year, {options.small_tickets:,} tickets",
        "stats": f"dashboard, the year, {t:,} tickets",
        "month_small": f"dashboard, this month (the default), {options.small_tickets:,} tickets",
        "month": f"dashboard, this month (the default), {t:,} tickets",
        "station_stats_small": f"dashboard, the year, as {STATION_USER}, {options.small_tickets:,} tickets",
        "station_stats": f"dashboard, the year, as {STATION_USER}, {t:,} tickets",
        "classes_small": f"similar demands (30 days), {options.small_tickets:,} tickets",
        "classes": f"similar demands (30 days), {t:,} tickets",
        "size20": f"all tickets, 20 rows a page, {t:,} tickets",
        "size200": f"all tickets, 200 rows a page, {t:,} tickets",
        "intake_search": f"intake page before an enterprise is chosen (the search box), {t:,} tickets",
        "intake_plain": f"plain intake page: the same enterprise and category, no duplicate panel, {t:,} tickets",
        "intake_enterprise": f"intake page, enterprise chosen, no category yet (the panel: its own tickets), "
                             f"{t:,} tickets",
        "intake_panel": f"intake page with the duplicate panel (enterprise {panel_enterprise}, "
                        f"category {panel_category}), {t:,} tickets",
        "intake_panel_small": f"intake page with the duplicate panel, {options.small_tickets:,} tickets",
        "intake_refresh": f"the panel's refresh (JSON) alone, {t:,} tickets",
    }
    comparisons = [
        Comparison(f"(a) desk queue at {t:,} tickets vs {options.small_tickets:,}", 1.5, "≤ 1.5×",
                   s["queue"], s["queue_small"]),
        Comparison("(a′) queue “overdue”, the same", 1.5, "≤ 1.5×", s["overdue"], s["overdue_small"]),
        Comparison(f"(b) dashboard for a year at {t:,} tickets vs {options.small_tickets:,}", 3.0, "≤ 3×",
                   s["stats"], s["stats_small"]),
        Comparison("(b′) dashboard, this month (the default period), the same", 3.0, "≤ 3×",
                   s["month"], s["month_small"]),
        Comparison(f"(b″) dashboard for a year as {STATION_USER}, the same", 3.0, "≤ 3×",
                   s["station_stats"], s["station_stats_small"]),
        Comparison("(—) similar demands, last 30 days, the same", None, "no goal", s["classes"], s["classes_small"]),
        Comparison(f"(e) intake page with its duplicate panel vs the plain intake page, {t:,} tickets", 1.5,
                   "≤ 1.5×", s["intake_panel"], s["intake_plain"]),
        Comparison(f"(e″) intake page with its duplicate panel vs the page before an enterprise is chosen, {t:,} "
                   "tickets", None, "no goal", s["intake_panel"], s["intake_search"]),
        Comparison(f"(e′) intake page with its duplicate panel at {t:,} tickets vs {options.small_tickets:,}",
                   None, "no goal", s["intake_panel"], s["intake_panel_small"]),
    ]
    queries = [
        ("(d) desk queue", s["queue_small"], s["queue"]),
        ("(d) dashboard for a year", s["stats_small"], s["stats"]),
        ("(d) dashboard, this month", s["month_small"], s["month"]),
        ("(d) all tickets, 20 vs 200 rows a page", s["size20"], s["size200"]),
        ("(d) similar demands", s["classes_small"], s["classes"]),
        ("(d) intake page with its duplicate panel", s["intake_panel_small"], s["intake_panel"]),
    ]
    profiles = {}
    if options.plans:
        log("Profiling the statements that read the running counts and ticket …")
        for key in ("stats", "queue", "intake_panel"):
            profiles[key] = statement_profile(s[key], large_db, options.plan_reps)
    sizes = {}
    for name, path in (("small", small_db), ("large", large_db)):
        connection = sqlite3.connect(path)
        sizes[name] = {table: connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                       for table in ("enterprise", "ticket", "ticket_event", "ticket_stat_day", "ticket_stat_month")}
        connection.close()
    for target in (small, large, station_small, station_large):
        with target.app.app_context():
            from core.extensions import db

            db.session.remove()
            db.engine.dispose()
    return {"scenarios": s, "labels": labels, "comparisons": comparisons, "queries": queries,
            "profiles": profiles, "wall": wall, "queue_note": queue_note, "sizes": sizes, "year": year}


# --- the report -------------------------------------------------------------------------

def _ms(seconds: float) -> str:
    ms = seconds * 1000
    return f"{ms:.2f}" if ms < 1 else f"{ms:.1f}"


def markdown(result, plans: bool = True) -> str:
    options = result["options"]
    s = result["scenarios"]
    sizes = result["sizes"]
    lines = [
        "# Demand tickets benchmark",
        "",
        f"- databases: the demo city with demo tickets for the year up to {REFERENCE:%Y-%m-%d %H:%M} UTC "
        f"(the clock frozen there); small: {sizes['small']['enterprise']:,} enterprises, "
        f"{sizes['small']['ticket']:,} tickets, {sizes['small']['ticket_stat_day']:,} + "
        f"{sizes['small']['ticket_stat_month']:,} ticket_stat_day + _month rows; "
        f"large: {sizes['large']['enterprise']:,} enterprises, {sizes['large']['ticket']:,} tickets, "
        f"{sizes['large']['ticket_event']:,} timeline events, {sizes['large']['ticket_stat_day']:,} + "
        f"{sizes['large']['ticket_stat_month']:,} ticket_stat_day + _month rows",
        f"- pages: {options.reps} rounds, all {len(s)} URLs once per round in shuffled order "
        f"({options.warmup} warm-up requests each); measuring took {result['wall']:.0f} s; as the centre's "
        f"desk user `desk` (whole city) unless a row says otherwise; “the year” is `{result['year']}`",
    ]
    if result["queue_note"]:
        lines.append(f"- {result['queue_note']}")
    lines += ["", "## Pages: ratios (median; p90 in brackets), measured in one run", "",
              "| measurement | ratio | goal | met |", "| --- | --- | --- | --- |"]
    for c in result["comparisons"]:
        ratio = c.scenario.median / c.baseline.median
        p90 = c.scenario.p90 / c.baseline.p90
        met = "—" if c.goal is None else ("yes" if ratio <= c.goal else "**no**")
        lines.append(f"| {c.label} | {ratio:.2f}× (p90 {p90:.2f}×) | {c.goal_text} | {met} |")
    for label, first, second in result["queries"]:
        same = "yes" if first.queries == second.queries else "**no**"
        lines.append(f"| {label}: SQL statements, small vs large | {first.queries} / {second.queries} | "
                     f"the same | {same} |")
    lines += ["", "## Pages: absolute times on this machine (ms per request)", "",
              "| request | median | p90 | SQL |", "| --- | ---: | ---: | ---: |"]
    for key, label in result["labels"].items():
        sc = s[key]
        lines.append(f"| {label} | {_ms(sc.median)} | {_ms(sc.p90)} | {sc.queries} |")
    lines += ["", "## Intake: concurrent writers calling `core.tickets.services.register`", "",
              "Each writer is a process of its own with its own app and connection, registering tickets "
              "one service call (one transaction) at a time as the desk user; they start together at a barrier. "
              "The numbers handed out are checked afterwards: each once, none skipped, the year's counter "
              "at the last.", "",
              "| database | writers | tickets | wall s | tickets/s | vs 1 writer | median ms | p90 ms | max ms | "
              "errors | “database is locked” | numbers gap-free |",
              "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    single = {}
    for run_ in result["intake"]:
        if run_.writers == 1:
            single[run_.backend] = run_.per_second
        base = single.get(run_.backend)
        versus = f"{run_.per_second / base:.2f}×" if base and run_.writers != 1 else "—"
        lat = run_.latencies or [0]
        lines.append(f"| {run_.backend} | {run_.writers} | {run_.registered:,} | {run_.wall:.1f} | "
                     f"{run_.per_second:.1f} | {versus} | {_ms(statistics.median(lat))} | "
                     f"{_ms(quantile(lat, 0.9))} | {_ms(max(lat))} | {len(run_.errors)} | {run_.locked} | "
                     f"{'yes' if run_.gap_free else '**no**'} ({run_.numbers.strip()}) |")
    if result["pg_note"]:
        lines += ["", result["pg_note"]]
    errors = [e for r in result["intake"] for e in r.errors]
    if errors:
        lines += ["", "Errors:", ""] + [f"- {e}" for e in errors[:20]]
    if plans and result["profiles"]:
        lines += ["", f"## Statements of the year's dashboard, the desk queue and the intake panel, at "
                  f"{options.large_tickets:,} tickets", "",
                  "Each statement that reads the running counts or ticket, run on its own against the same database file "
                  f"({options.plan_reps} times, median), with SQLite's EXPLAIN QUERY PLAN.", ""]
        for key, profile in result["profiles"].items():
            lines += [f"### {result['labels'][key]}", ""]
            for entry in profile:
                sql = entry["sql"]
                if len(sql) > 400:
                    sql = sql[:180] + " … " + sql[-200:]
                lines += [f"- {_ms(entry['median'])} ms — `{sql}` — parameters `{entry['parameters']}`", "", "  ```"]
                lines += [f"  {step}" for step in entry["plan"]]
                lines += ["  ```", ""]
    return "\n".join(lines) + "\n"


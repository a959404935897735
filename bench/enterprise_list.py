"""The enterprise-list benchmark (issue 2).

Every figure is a full request through the Flask test client, logged in as the
centre's desk user (who sees the whole city), measured many times with all
scenarios interleaved round by round, so that a slow spell of this shared
machine hits every scenario alike. Figures are reported as ratios of medians
against a baseline measured in the same run; absolute times are printed too, but
they say more about the machine than about the code.

Beside each figure stands the same measurement of Flask-Admin's list view
(``bench.apps.flask_admin``) on the same database file.
"""
import gc
import html
import random
import re
import sqlite3
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from bench import apps, databases

SMALL = 1_000
LARGE = 100_000
NAME_QUERY = "华达"          # two characters of a trade name: part of a name
INITIALS_QUERY = "zjkj"      # 浙江/诸暨 … 科技: pinyin initials, a common query
RARE_INITIALS_QUERY = "sxhdkj"  # 绍兴 华达/宏达 … 科技: initials that match a handful of rows
DEEP_PAGES = 200             # "deep": 200 pages in, i.e. rows 4,001–4,020
MIDDLE_ROW = 50_000          # and the middle of the list: rows 50,001–50,020
STATION_USER = "jy.leader"   # a station's leader: sees the station's units only, not the city


@dataclass
class Scenario:
    key: str
    target: apps.Target
    url: str
    times: list = field(default_factory=list)  # seconds
    queries: int = 0
    statements: list = field(default_factory=list)

    @property
    def median(self):
        return statistics.median(self.times)

    @property
    def p90(self):
        return quantile(self.times, 0.9)


def quantile(values, q):
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    position = q * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


# --- preparing ------------------------------------------------------------------

def _follow_next(target: apps.Target, pages: int) -> str:
    """The URL of the page ``pages`` pages after page 1, by following the list's own
    "next" links as a user would."""
    url = target.urls["page1"]
    for _ in range(pages):
        body = target.get(url).get_data(as_text=True)
        match = re.search(r'<a rel="next" href="([^"]+)"', body)
        if not match:
            raise SystemExit("bench: the enterprise list has no next link to follow")
        href = html.unescape(match.group(1))
        url = href if href.startswith("/") else "/enterprises/" + href
    return url


def _row_at(database: Path, offset: int) -> tuple[str, int]:
    """(name_pinyin, id) of the row at ``offset`` in the list's order."""
    connection = sqlite3.connect(database)
    try:
        return connection.execute("SELECT name_pinyin, id FROM enterprise ORDER BY name_pinyin, id "
                                  "LIMIT 1 OFFSET ?", (offset,)).fetchone()
    finally:
        connection.close()


def _cursor_after(database: Path, rows_before: int) -> str:
    """A cursor for the page that starts after ``rows_before`` rows, as the list
    itself encodes it."""
    from core import paging

    return paging.encode(_row_at(database, rows_before - 1))


def _matches(target: apps.Target, q: str) -> int:
    """How many enterprises each application's search for ``q`` finds."""
    from sqlalchemy import func, or_, select

    from core.extensions import db
    from core.org.actor import shell_actor
    from core.registry import services
    from core.registry.models import Enterprise

    with target.app.app_context():
        if target.name == "anqi":
            stmt = services.scoped_select(shell_actor(), services.EnterpriseFilter(q=q))
        else:  # Flask-Admin: ILIKE '%q%' on each searchable column
            stmt = select(Enterprise).where(or_(*(column.ilike(f"%{q}%") for column in (
                Enterprise.name, Enterprise.credit_code, Enterprise.name_initials))))
        return db.session.scalar(select(func.count()).select_from(stmt.subquery()))


def _check_deep_page(target: apps.Target, url: str, database: Path, rows_before: int) -> None:
    """The deep page must really start at row ``rows_before + 1``."""
    _name_pinyin, first_id = _row_at(database, rows_before)
    body = target.get(url).get_data(as_text=True)
    first_link = re.search(r'href="/enterprises/(\d+)"', body)
    if not first_link or int(first_link.group(1)) != first_id:
        raise SystemExit(f"bench: the deep page {url[:60]}… does not start at row {rows_before + 1}")


# --- measuring ------------------------------------------------------------------

def measure(scenarios: list[Scenario], reps: int, warmup: int, log) -> float:
    """Interleaved rounds: each round requests every scenario once, in an order
    shuffled per round. Returns the wall time."""
    for scenario in scenarios:
        for _ in range(warmup):
            scenario.target.get(scenario.url)
        # The statements of one request, counted (and kept for the query plans).
        scenario.target.counter.reset(record=True)
        scenario.target.get(scenario.url)
        scenario.queries = scenario.target.counter.count
        scenario.statements = scenario.target.counter.statements
        scenario.target.counter.reset()
    rng = random.Random(2)
    order = list(scenarios)
    started = time.perf_counter()
    step = max(1, reps // 10)
    for round_ in range(reps):
        rng.shuffle(order)
        gc.collect()
        for scenario in order:
            began = time.perf_counter()
            scenario.target.get(scenario.url)
            scenario.times.append(time.perf_counter() - began)
        if (round_ + 1) % step == 0:
            log(f"  round {round_ + 1}/{reps}")
    return time.perf_counter() - started


def statement_profile(scenario: Scenario, database: Path, reps: int) -> list[dict]:
    """Each statement of one request that reads the enterprise table: its own
    median time (run directly on the database) and its EXPLAIN QUERY PLAN."""
    connection = sqlite3.connect(database)
    profile = []
    try:
        for statement, parameters in scenario.statements:
            if not re.search(r"\bFROM enterprise\b", statement):
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


# --- the run ----------------------------------------------------------------------

@dataclass
class Comparison:
    label: str
    goal: float | None           # the ratio anqi should stay within; None: same number
    goal_text: str
    pairs: dict                  # application name -> (scenario, baseline scenario)


def run(options, workdir: Path, log=print) -> dict:
    seed = options.seed
    small_db = databases.working_copy(databases.ensure(options.small, seed, options.rebuild, log), workdir)
    large_db = databases.working_copy(databases.ensure(options.large, seed, options.rebuild, log), workdir)

    log("Starting the applications …")
    anqi_small, anqi_large = apps.anqi(small_db), apps.anqi(large_db)
    admin_small, admin_large = apps.flask_admin(small_db), apps.flask_admin(large_db)
    station_small, station_large = apps.anqi(small_db, STATION_USER), apps.anqi(large_db, STATION_USER)

    deep_rows = DEEP_PAGES * 20
    middle_rows = min(MIDDLE_ROW, options.large // 2)
    log(f"Following {DEEP_PAGES} next links to page {DEEP_PAGES + 1} …")
    anqi_deep_url = _follow_next(anqi_large, DEEP_PAGES)
    _check_deep_page(anqi_large, anqi_deep_url, large_db, deep_rows)
    anqi_middle_url = anqi_large.urls["cursor"].format(cursor=_cursor_after(large_db, middle_rows))
    _check_deep_page(anqi_large, anqi_middle_url, large_db, middle_rows)

    def search(target, q):
        return target.urls["search"].format(q=quote(q))

    s = {}

    def add(key, target, url):
        s[key] = Scenario(key, target, url)

    for name, small, large, deep, middle in (
        ("anqi", anqi_small, anqi_large, anqi_deep_url, anqi_middle_url),
        ("Flask-Admin", admin_small, admin_large,
         admin_large.urls["page"].format(page=DEEP_PAGES), admin_large.urls["page"].format(page=middle_rows // 20)),
    ):
        add((name, "page1_small"), small, small.urls["page1"])
        add((name, "page1"), large, large.urls["page1"])
        add((name, "deep"), large, deep)
        add((name, "middle"), large, middle)
        add((name, "name"), large, search(large, NAME_QUERY))
        add((name, "initials"), large, search(large, INITIALS_QUERY))
        add((name, "rare"), large, search(large, RARE_INITIALS_QUERY))
        add((name, "size20"), large, large.urls["size20"])
        add((name, "size200"), large, large.urls["size200"])
    # Beyond the brief's figures: the same page for a user whose scope is one
    # station (Flask-Admin has no scoping to compare with).
    add(("anqi", "station_small"), station_small, station_small.urls["page1"])
    add(("anqi", "station"), station_large, station_large.urls["page1"])

    log(f"Measuring {len(s)} requests × {options.reps} rounds (plus {options.warmup} warm-up each) …")
    wall = measure(list(s.values()), options.reps, options.warmup, log)

    matches = {}
    for q in (NAME_QUERY, INITIALS_QUERY, RARE_INITIALS_QUERY):
        matches[("anqi", q)] = _matches(anqi_large, q)
        matches[("Flask-Admin", q)] = _matches(admin_large, q)

    labels = {
        "page1_small": f"page 1, {options.small:,} enterprises",
        "page1": f"page 1, {options.large:,} enterprises",
        "deep": f"page {DEEP_PAGES + 1} (rows {deep_rows + 1:,}–{deep_rows + 20:,})",
        "middle": f"rows {middle_rows + 1:,}–{middle_rows + 20:,} (middle of the list)",
        "name": f"search “{NAME_QUERY}” (part of a name)",
        "initials": f"search “{INITIALS_QUERY}” (pinyin initials)",
        "rare": f"search “{RARE_INITIALS_QUERY}” (rare pinyin initials)",
        "size20": "page 1, ?size=20",
        "size200": "page 1, ?size=200",
        "station_small": f"page 1 as {STATION_USER} (one station's scope), {options.small:,} enterprises",
        "station": f"page 1 as {STATION_USER} (one station's scope), {options.large:,} enterprises",
    }
    comparisons = [
        Comparison(f"(a) page 1 at {options.large:,} vs page 1 at {options.small:,}", 1.5, "≤ 1.5×",
                   {n: (s[(n, "page1")], s[(n, "page1_small")]) for n in ("anqi", "Flask-Admin")}),
        Comparison(f"(a′) the same as a station user ({STATION_USER})", 1.5, "≤ 1.5×",
                   {"anqi": (s[("anqi", "station")], s[("anqi", "station_small")])}),
        Comparison(f"(b) page {DEEP_PAGES + 1} vs page 1, at {options.large:,}", 1.5, "≤ 1.5×",
                   {n: (s[(n, "deep")], s[(n, "page1")]) for n in ("anqi", "Flask-Admin")}),
        Comparison(f"(b′) rows {middle_rows + 1:,}– (middle) vs page 1, at {options.large:,}", 1.5, "≤ 1.5×",
                   {n: (s[(n, "middle")], s[(n, "page1")]) for n in ("anqi", "Flask-Admin")}),
        Comparison(f"(c) search “{NAME_QUERY}” (part of a name) vs page 1", 2.0, "≤ 2×",
                   {n: (s[(n, "name")], s[(n, "page1")]) for n in ("anqi", "Flask-Admin")}),
        Comparison(f"(c) search “{INITIALS_QUERY}” (pinyin initials) vs page 1", 2.0, "≤ 2×",
                   {n: (s[(n, "initials")], s[(n, "page1")]) for n in ("anqi", "Flask-Admin")}),
        Comparison(f"(c) search “{RARE_INITIALS_QUERY}” (rare initials) vs page 1", 2.0, "≤ 2×",
                   {n: (s[(n, "rare")], s[(n, "page1")]) for n in ("anqi", "Flask-Admin")}),
        Comparison("(d) SQL queries per page, 20 rows vs 200 rows", None, "the same",
                   {n: (s[(n, "size20")], s[(n, "size200")]) for n in ("anqi", "Flask-Admin")}),
    ]

    profiles = {}
    if options.plans:
        log("Profiling the statements that read the enterprise table …")
        for key in ("page1", "station", "deep", "name", "initials", "rare"):
            for name in ("anqi", "Flask-Admin"):
                if (name, key) in s:
                    profiles[(name, key)] = statement_profile(s[(name, key)], large_db, options.plan_reps)

    return {"scenarios": s, "labels": labels, "comparisons": comparisons, "matches": matches,
            "profiles": profiles, "wall": wall, "options": options,
            "queries": (NAME_QUERY, INITIALS_QUERY, RARE_INITIALS_QUERY)}

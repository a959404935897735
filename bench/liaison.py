"""The liaison benchmark (issue 24, 一企一警): the coverage page (``/liaison/coverage``)
at 100,000 enterprises against the same page at 1,000 (goal: within 1.5×), as the
centre's desk (the whole city) and as a station's leader (one station's units);
beside it the officer's own visit plan (``/liaison/plan``) and visits
(``/liaison/visits``), which read the officer's enterprises and their last visits
through indexes.

    make bench BENCH_ARGS="--only liaison"

The databases are the enterprise list's (``bench.databases.ensure``: the demo city
with its visits and plans, cached in ``bench/results/cache/``), read through
working copies. Pages are full requests through the Flask test client, each URL
once per round in shuffled order (``bench.enterprise_list.measure``).
"""
from dataclasses import dataclass
from pathlib import Path

from bench import apps, databases
from bench.enterprise_list import Scenario, measure

PAGES = [  # key, user name, URL, what must be on it, label
    ("coverage", "desk", "/liaison/coverage", 'data-testid="coverage-unit"',
     "coverage page as the centre's desk (`desk`, the whole city)"),
    ("coverage_station", "jy.leader", "/liaison/coverage", 'data-testid="coverage-unit"',
     "coverage page as a station's leader (`jy.leader`)"),
    ("plan", "jy.officer1", "/liaison/plan", 'data-testid="visits-due"',
     "the officer's visit plan (`jy.officer1`)"),
    ("visits", "jy.officer1", "/liaison/visits", 'data-testid="officer-visit"',
     "the officer's visits (`jy.officer1`)"),
]
GOAL = 1.5


@dataclass
class Comparison:
    label: str
    goal: float
    scenario: Scenario
    baseline: Scenario


def run(options, workdir: Path, log=print) -> dict:
    from core.extensions import db

    seed = options.seed
    small_db = databases.working_copy(databases.ensure(options.small, seed, options.rebuild, log),
                                      workdir / "liaison-small")
    large_db = databases.working_copy(databases.ensure(options.large, seed, options.rebuild, log),
                                      workdir / "liaison-large")
    log("Starting the applications …")
    s, targets, clients = {}, [], {}
    for key, username, url, needed, _label in PAGES:
        for size, database in (("small", small_db), ("large", large_db)):
            if (username, size) not in clients:
                clients[(username, size)] = apps.anqi(database, username)
                targets.append(clients[(username, size)])
            target = clients[(username, size)]
            body = target.get(url).get_data(as_text=True)
            if needed not in body:
                raise SystemExit(f"bench: {url} as {username} ({size}) shows no {needed}")
            name = key if size == "large" else f"{key}_small"
            s[name] = Scenario(name, target, url)
    log(f"Measuring {len(s)} requests × {options.reps} rounds (plus {options.warmup} warm-up each) …")
    wall = measure(list(s.values()), options.reps, options.warmup, log)
    for target in targets:
        with target.app.app_context():
            db.session.remove()
            db.engine.dispose()
    large, small = options.large, options.small
    comparisons = [Comparison(f"{label}, {large:,} vs {small:,} enterprises", GOAL, s[key], s[f"{key}_small"])
                   for key, _username, _url, _needed, label in PAGES]
    labels = {}
    for key, _username, _url, _needed, label in PAGES:
        labels[f"{key}_small"] = f"{label}, {small:,} enterprises"
        labels[key] = f"{label}, {large:,} enterprises"
    return {"scenarios": s, "comparisons": comparisons, "labels": labels, "wall": wall, "options": options}


def _ms(seconds: float) -> str:
    ms = seconds * 1000
    return f"{ms:.2f}" if ms < 1 else f"{ms:.1f}"


def markdown(result) -> str:
    options, s = result["options"], result["scenarios"]
    lines = [
        "# Liaison benchmark (一企一警: coverage, visit plan, visits)",
        "",
        f"- databases: the demo city with {options.small:,} and {options.large:,} enterprises",
        f"- pages: {options.reps} rounds, all {len(s)} URLs once per round in shuffled order ({options.warmup} "
        f"warm-up requests each); measuring took {result['wall']:.0f} s",
        "",
        "| measurement | ratio (median; p90) | goal | met | SQL statements, small / large |",
        "| --- | --- | --- | --- | --- |",
    ]
    for c in result["comparisons"]:
        ratio, p90 = c.scenario.median / c.baseline.median, c.scenario.p90 / c.baseline.p90
        met = "yes" if ratio <= c.goal else "**no**"
        same = "" if c.scenario.queries == c.baseline.queries else " (**differ**)"
        lines.append(f"| {c.label} | {ratio:.2f}× (p90 {p90:.2f}×) | ≤ {c.goal}× | {met} | "
                     f"{c.baseline.queries} / {c.scenario.queries}{same} |")
    lines += ["", "| request | median ms | p90 ms | SQL |", "| --- | ---: | ---: | ---: |"]
    for key, label in result["labels"].items():
        lines.append(f"| {label} | {_ms(s[key].median)} | {_ms(s[key].p90)} | {s[key].queries} |")
    return "\n".join(lines) + "\n"

"""The home-page benchmark (issue 22, 工作台): each role's home page — the centre's
desk, a station officer and the centre's leader — at 300,000 tickets against the
same page at 3,000 (goal: within 1.5×), measured in one run.

    make bench BENCH_ARGS="--only home"

The databases are the ticket benchmark's (``bench.tickets.ensure``: the demo city
with a year of demo tickets up to ``REFERENCE``, cached in ``bench/results/cache/``),
read through working copies. Pages are full requests through the Flask test
client, each URL once per round in shuffled order (``bench.enterprise_list.measure``);
the clock stands at ``REFERENCE`` so that both databases have the same open
tickets' deadlines and the same month.
"""
from dataclasses import dataclass
from pathlib import Path

from bench import apps, databases, tickets
from bench.enterprise_list import Scenario, measure

ROLES = [  # key, user name, who
    ("desk", "desk", "the centre's desk"),
    ("officer", "jy.officer1", "a station officer (暨阳派出所)"),
    ("leader", "leader", "the centre's leader"),
]


@dataclass
class Comparison:
    label: str
    goal: float
    scenario: Scenario
    baseline: Scenario


def run(options, workdir: Path, log=print) -> dict:
    from core import clock
    from core.extensions import db

    seed = options.seed
    small_db = databases.working_copy(tickets.ensure(options.small, options.small_tickets, seed, options.rebuild,
                                                     log), workdir / "home-small")
    large_db = databases.working_copy(tickets.ensure(options.large, options.large_tickets, seed, options.rebuild,
                                                     log), workdir / "home-large")
    clock.freeze(tickets.REFERENCE)
    targets = []
    try:
        log("Starting the applications …")
        s = {}
        for key, username, _who in ROLES:
            small, large = apps.anqi(small_db, username), apps.anqi(large_db, username)
            targets += [small, large]
            s[f"{key}_small"] = Scenario(f"{key}_small", small, "/")
            s[key] = Scenario(key, large, "/")
            body = large.get("/").get_data(as_text=True)
            if 'data-testid="home-queues"' not in body or 'data-testid="deadline-row"' not in body:
                raise SystemExit(f"bench: {username}'s home page shows no queue or no deadline")
        log(f"Measuring {len(s)} requests × {options.reps} rounds (plus {options.warmup} warm-up each) …")
        wall = measure(list(s.values()), options.reps, options.warmup, log)
    finally:
        clock.freeze(None)
    for target in targets:
        with target.app.app_context():
            db.session.remove()
            db.engine.dispose()
    t, st = options.large_tickets, options.small_tickets
    comparisons = [Comparison(f"home page of {who} (`{username}`), {t:,} vs {st:,} tickets", 1.5, s[key],
                              s[f"{key}_small"]) for key, username, who in ROLES]
    labels = {}
    for key, username, who in ROLES:
        labels[f"{key}_small"] = f"home page of {who}, {st:,} tickets"
        labels[key] = f"home page of {who}, {t:,} tickets"
    return {"scenarios": s, "comparisons": comparisons, "labels": labels, "wall": wall, "options": options}


def _ms(seconds: float) -> str:
    ms = seconds * 1000
    return f"{ms:.2f}" if ms < 1 else f"{ms:.1f}"


def markdown(result) -> str:
    options, s = result["options"], result["scenarios"]
    lines = [
        "# Home page benchmark (工作台)",
        "",
        f"- databases: the ticket benchmark's demo city ({options.small:,} enterprises and "
        f"{options.small_tickets:,} tickets; {options.large:,} enterprises and {options.large_tickets:,} tickets)",
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

"""The negative-list benchmark (issue 24, 负面清单): the statistics page of the
tickets with its counts per negative-list entry, against the same page without
them, measured in the same run on the same database (goal: within 1.2×).

    make bench BENCH_ARGS="--only service_lists"

The database is the ticket benchmark's large one (``bench.tickets.ensure``: the
demo city with a year of demo tickets up to ``REFERENCE``, 300,000 by default;
its demo negative list comes with the city). On the run's working copy every
作风问题 ticket (category ``conduct``) is tagged against one or two entries of the
negative list, as the desk would tag the complaints. Both pages are full requests
of ``/tickets/stats`` for the year and for the month, through the Flask test client
as the centre's desk user (the whole city in scope); "without" is the same app
with ``core.service_lists.services.counts`` answering nothing, so the difference is
the counts alone (``bench.enterprise_list.measure``, interleaved rounds).
"""
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from bench import apps, databases, tickets
from bench.enterprise_list import Scenario, measure


def prepare(database: Path, log) -> tuple[int, int]:
    """Tag the 作风问题 tickets against the demo's negative list; returns (tags, tickets)."""
    connection = sqlite3.connect(database)
    try:
        rules = [row[0] for row in connection.execute("SELECT id FROM conduct_rule ORDER BY sort_order, id")]
        if not rules:
            raise SystemExit("bench: the database has no negative list (built before core_0028?)")
        connection.execute("DELETE FROM ticket_conduct_tag")
        for n, rule in enumerate(rules):
            # Each 作风问题 ticket against one entry (by its id), every third against a second one too.
            connection.execute("INSERT INTO ticket_conduct_tag (ticket_id, rule_id, tagged_at, registered_at) "
                               "SELECT id, ?, registered_at, registered_at FROM ticket WHERE category = 'conduct' AND id % ? = ?",
                               (rule, len(rules), n))
            connection.execute("INSERT OR IGNORE INTO ticket_conduct_tag (ticket_id, rule_id, tagged_at, registered_at) "
                               "SELECT id, ?, registered_at, registered_at FROM ticket WHERE category = 'conduct' AND id % ? = ?",
                               (rule, 3 * len(rules), (n + 1) % len(rules)))
        connection.execute("ANALYZE")
        connection.commit()
        tags = connection.execute("SELECT count(*) FROM ticket_conduct_tag").fetchone()[0]
        total = connection.execute("SELECT count(*) FROM ticket").fetchone()[0]
    finally:
        connection.close()
    log(f"  {database.name}: {tags:,} tags on the 作风问题 tickets of {total:,} tickets")
    return tags, total


class Without:
    """A target whose requests run with the negative-list counts switched off."""

    def __init__(self, target):
        self.target = target
        self.counter = target.counter
        self.app = target.app

    def get(self, url):
        from core.service_lists import services

        counts = services.counts
        services.counts = lambda *args, **kwargs: []
        try:
            return self.target.get(url)
        finally:
            services.counts = counts


@dataclass
class Comparison:
    label: str
    goal: float
    scenario: Scenario
    baseline: Scenario


URLS = {"year": "/tickets/stats?preset=year", "month": "/tickets/stats?preset=month"}


def run(options, workdir: Path, log=print) -> dict:
    from core import clock
    from core.extensions import db

    large_db = databases.working_copy(tickets.ensure(options.large, options.large_tickets, options.seed,
                                                     options.rebuild, log), workdir / "service-lists-large")
    tags, total = prepare(large_db, log)
    clock.freeze(tickets.REFERENCE)
    try:
        log("Starting the applications …")
        with_counts = apps.anqi(large_db)
        without = Without(apps.anqi(large_db))
        s = {}
        for period, url in URLS.items():
            s[period] = Scenario(period, with_counts, url)
            s[f"{period}_without"] = Scenario(f"{period}_without", without, url)
        body = with_counts.get(URLS["year"]).get_data(as_text=True)
        if body.count('data-testid="conduct-count-row"') < 2:
            raise SystemExit("bench: the statistics page shows no counts per negative-list entry")
        if 'data-testid="conduct-counts"' in without.get(URLS["year"]).get_data(as_text=True):
            raise SystemExit("bench: the page without the counts still shows them")
        log(f"Measuring {len(s)} requests × {options.reps} rounds (plus {options.warmup} warm-up each) …")
        wall = measure(list(s.values()), options.reps, options.warmup, log)
    finally:
        clock.freeze(None)
    with with_counts.app.app_context():
        db.session.remove()
        db.engine.dispose()
    comparisons = [Comparison(f"statistics page, {p}, with the counts per entry vs without, {total:,} tickets", 1.2,
                              s[p], s[f"{p}_without"]) for p in URLS]
    return {"scenarios": s, "comparisons": comparisons, "wall": wall, "tags": tags, "total": total,
            "options": options}


def _ms(seconds: float) -> str:
    ms = seconds * 1000
    return f"{ms:.2f}" if ms < 1 else f"{ms:.1f}"


def markdown(result) -> str:
    options, s = result["options"], result["scenarios"]
    lines = [
        "# Negative-list benchmark (负面清单)",
        "",
        f"- database: the ticket benchmark's demo city ({options.large:,} enterprises, {result['total']:,} tickets), "
        f"its 作风问题 tickets tagged against the demo negative list: {result['tags']:,} tags",
        f"- pages: {options.reps} rounds, all {len(s)} requests once per round in shuffled order ({options.warmup} "
        f"warm-up requests each); measuring took {result['wall']:.0f} s; as the centre's desk user `desk`",
        "",
        "| measurement | ratio (median; p90) | goal | met | SQL statements, without / with |",
        "| --- | --- | --- | --- | --- |",
    ]
    for c in result["comparisons"]:
        ratio, p90 = c.scenario.median / c.baseline.median, c.scenario.p90 / c.baseline.p90
        met = "yes" if ratio <= c.goal else "**no**"
        lines.append(f"| {c.label} | {ratio:.2f}× (p90 {p90:.2f}×) | ≤ {c.goal}× | {met} | "
                     f"{c.baseline.queries} / {c.scenario.queries} |")
    lines += ["", "| request | median ms | p90 ms | SQL |", "| --- | ---: | ---: | ---: |"]
    for key, scenario in s.items():
        lines.append(f"| {key} | {_ms(scenario.median)} | {_ms(scenario.p90)} | {scenario.queries} |")
    return "\n".join(lines) + "\n"

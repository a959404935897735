"""The routing benchmark (issue 21, 属地属事): the desk's queue of tickets to
dispatch, each row with its suggested unit, at 300,000 tickets against the same
page at 3,000 (goal: within 1.5×), and the bulk-dispatch review page (50 rows
with their suggestions and reasons), the same; measured in one run.

    make bench BENCH_ARGS="--only routing"

The databases are the ticket benchmark's (``bench.tickets.ensure``: the demo
city with a year of demo tickets up to ``REFERENCE``, cached in
``bench/results/cache/``; built once, in minutes, reused afterwards). On each
run's working copy the same routing rules are added (besides the demo's
出入境 rule: one per category, narrowed by district, by industry and by both)
and the same 60 tickets are registered through ``core.tickets.services.register``
half an hour before ``REFERENCE``, so that both databases show full pages of
tickets waiting to be dispatched, whose categories meet every kind of rule.
Pages are full requests through the Flask test client as the centre's desk user,
measured like the other benchmarks (``bench.enterprise_list.measure``).
"""
import random
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from bench import apps, databases, tickets
from bench.enterprise_list import Scenario, measure

WAITING = 60
RULES = [  # category, unit code, district, industry
    ("crime", "ZJ-JZ", "", ""),
    ("crime", "ZJ-ZA", "店口镇", ""),
    ("safety", "ZJ-ZA", "", ""),
    ("safety", "ZJ-FZ", "", "建筑建材"),
    ("service", "ZJ-CRJ", "暨阳街道", "物流运输"),
    ("consultation", "ZJ-CRJ", "", "信息技术"),
]
CATEGORIES = ["dispute", "crime", "safety", "service", "consultation", "other", "exit_entry.frozen_account"]


def prepare(database: Path, seed: int, log) -> int:
    """Add the rules and the waiting tickets to a working copy; returns how many
    tickets wait to be dispatched in it."""
    from sqlalchemy import func, select

    from core import clock, create_app
    from core.extensions import db
    from core.org.actor import Actor, shell_actor
    from core.org.services import unit_by_code, user_by_username
    from core.registry.models import Enterprise
    from core.routing import services as routing
    from core.tickets import services as ticket_services
    from core.tickets.models import Ticket

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}"})
    rng = random.Random(seed)
    clock.freeze(tickets.REFERENCE - timedelta(minutes=30))
    try:
        with app.test_request_context():
            for category, unit_code, district, industry in RULES:
                routing.save_rule(shell_actor(), routing.RuleInput(
                    category=category, unit_id=unit_by_code(unit_code).id, district=district, industry=industry))
            desk = Actor(user=user_by_username("desk"), address="bench")
            pool = list(db.session.scalars(select(Enterprise.id).order_by(Enterprise.id).limit(1000)))
            for n in range(WAITING):
                ticket_services.register(desk, ticket_services.Intake(
                    enterprise_id=rng.choice(pool), channel="hotline", category=CATEGORIES[n % len(CATEGORIES)],
                    ticket_class="general", handling_mode="follow", description="基准测试：企业反映问题。"))
            waiting = db.session.scalar(select(func.count(Ticket.id)).where(Ticket.status == "registered"))
            db.session.remove()
            db.engine.dispose()
    finally:
        clock.freeze(None)
    log(f"  {database.name}: {len(RULES)} rules added, {waiting:,} tickets waiting to be dispatched")
    return waiting


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
                                                     log), workdir / "routing-small")
    large_db = databases.working_copy(tickets.ensure(options.large, options.large_tickets, seed, options.rebuild,
                                                     log), workdir / "routing-large")
    waiting = {"small": prepare(small_db, seed, log), "large": prepare(large_db, seed, log)}
    clock.freeze(tickets.REFERENCE)
    try:
        log("Starting the applications …")
        small, large = apps.anqi(small_db), apps.anqi(large_db)
        s = {}
        for key, target, url in [("queue_small", small, "/tickets/?queue=to_dispatch"),
                                 ("queue", large, "/tickets/?queue=to_dispatch"),
                                 ("bulk_small", small, "/routing/dispatch"),
                                 ("bulk", large, "/routing/dispatch")]:
            s[key] = Scenario(key, target, url)
        body = large.get("/tickets/?queue=to_dispatch").get_data(as_text=True)
        if body.count('data-testid="suggested-unit"') < 20:
            raise SystemExit("bench: the desk's queue shows no suggested unit per row")
        log(f"Measuring {len(s)} requests × {options.reps} rounds (plus {options.warmup} warm-up each) …")
        wall = measure(list(s.values()), options.reps, options.warmup, log)
    finally:
        clock.freeze(None)
    for target in (small, large):
        with target.app.app_context():
            db.session.remove()
            db.engine.dispose()
    t, st = options.large_tickets, options.small_tickets
    comparisons = [
        Comparison(f"desk queue “to dispatch” with suggestions, {t:,} vs {st:,} tickets", 1.5,
                   s["queue"], s["queue_small"]),
        Comparison(f"bulk dispatch review (50 rows with suggestions), {t:,} vs {st:,} tickets", 1.5,
                   s["bulk"], s["bulk_small"]),
    ]
    labels = {
        "queue_small": f"desk queue “to dispatch” with suggestions (20 rows), {st:,} tickets",
        "queue": f"desk queue “to dispatch” with suggestions (20 rows), {t:,} tickets",
        "bulk_small": f"bulk dispatch review (50 rows), {st:,} tickets",
        "bulk": f"bulk dispatch review (50 rows), {t:,} tickets",
    }
    return {"scenarios": s, "comparisons": comparisons, "labels": labels, "wall": wall, "waiting": waiting,
            "options": options}


def _ms(seconds: float) -> str:
    ms = seconds * 1000
    return f"{ms:.2f}" if ms < 1 else f"{ms:.1f}"


def markdown(result) -> str:
    options, s = result["options"], result["scenarios"]
    lines = [
        "# Routing benchmark (属地属事)",
        "",
        f"- databases: the ticket benchmark's demo city ({options.small:,} enterprises and "
        f"{options.small_tickets:,} tickets; {options.large:,} enterprises and {options.large_tickets:,} tickets), "
        f"plus {len(RULES)} routing rules besides the demo's and {WAITING} tickets registered to wait for dispatch: "
        f"{result['waiting']['small']:,} and {result['waiting']['large']:,} tickets waiting",
        f"- pages: {options.reps} rounds, all {len(s)} URLs once per round in shuffled order ({options.warmup} "
        f"warm-up requests each); measuring took {result['wall']:.0f} s; as the centre's desk user `desk`",
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

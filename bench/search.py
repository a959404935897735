"""The text-search benchmark (issue 22): the ticket list searched for words
people wrote (core/search), at 300,000 tickets, against the plain list page
("all" tickets, newest first, 20 rows) in the same run (goal: within 2×).

    make bench BENCH_ARGS="--only search"

Five searches: a common word of one and of two characters (the index of
grams, core/search/grams.py) and one of four (the trigram index), and a rare
word of two and of four characters. The demo's texts repeat a few dozen sentences, so the rare
word is added on each run's working copy to ``RARE_TICKETS`` tickets spread
over the whole range of ids (every ``len(tickets) / RARE_TICKETS``-th), through
the ORM, so that the index is kept as it is in use. The databases are the
ticket benchmark's (``bench.tickets.ensure``).
"""
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from bench import apps, databases, tickets
from bench.enterprise_list import Scenario, measure

COMMON_CHARACTER = "企"      # in most demands' descriptions
COMMON_SHORT = "企业"        # in most demands' descriptions
COMMON_LONG = "协调处置"      # in most answers
RARE_LONG = "冷链仓储"
RARE_SHORT = "冷链"
RARE_TICKETS = 15


def prepare(database: Path, log) -> int:
    """Write the rare word into ``RARE_TICKETS`` tickets spread over the ids; returns how many."""
    from sqlalchemy import func, select

    from core import create_app
    from core.extensions import db
    from core.tickets.models import Ticket

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}"})
    with app.app_context():
        last = db.session.scalar(select(func.max(Ticket.id)))
        step = max(1, last // RARE_TICKETS)
        for ticket_id in range(step // 2, last + 1, step)[:RARE_TICKETS]:
            ticket = db.session.get(Ticket, ticket_id)
            if ticket is not None:
                ticket.description += f"另：{RARE_LONG}区温控设备多次被人为关闭。"
        db.session.commit()
        count = db.session.scalar(select(func.count()).select_from(Ticket).where(
            Ticket.description.contains(RARE_LONG)))
        from core.search import query

        for word in (RARE_LONG, RARE_SHORT):
            if len(query.matching_ids(word)) != count:
                raise SystemExit(f"bench: the search for “{word}” does not find the {count} tickets that hold it")
        db.session.remove()
        db.engine.dispose()
    log(f"  {database.name}: “{RARE_LONG}” written into {count} tickets")
    return count


@dataclass
class Comparison:
    label: str
    goal: float
    scenario: Scenario
    baseline: Scenario


def run(options, workdir: Path, log=print) -> dict:
    from core import clock
    from core.extensions import db

    large_db = databases.working_copy(tickets.ensure(options.large, options.large_tickets, options.seed,
                                                     options.rebuild, log), workdir / "search-large")
    rare = prepare(large_db, log)
    clock.freeze(tickets.REFERENCE)
    try:
        log("Starting the application …")
        large = apps.anqi(large_db)
        s = {"plain": Scenario("plain", large, "/tickets/?queue=all")}
        for key, word in (("common_character", COMMON_CHARACTER), ("common_short", COMMON_SHORT),
                          ("common_long", COMMON_LONG),
                          ("rare_long", RARE_LONG), ("rare_short", RARE_SHORT)):
            s[key] = Scenario(key, large, f"/tickets/?queue=all&q={quote(word)}")
        for key in ("common_character", "common_short", "common_long", "rare_long", "rare_short"):
            body = large.get(s[key].url).get_data(as_text=True)
            if "<mark>" not in body:
                raise SystemExit(f"bench: the search {s[key].url} shows no highlighted passage")
        log(f"Measuring {len(s)} requests × {options.reps} rounds (plus {options.warmup} warm-up each) …")
        wall = measure(list(s.values()), options.reps, options.warmup, log)
    finally:
        clock.freeze(None)
    with large.app.app_context():
        db.session.remove()
        db.engine.dispose()
    t = options.large_tickets
    labels = {
        "plain": f"all tickets, newest first, 20 rows, {t:,} tickets",
        "common_character": f"search “{COMMON_CHARACTER}” (common, 1 character: grams' index), {t:,} tickets",
        "common_short": f"search “{COMMON_SHORT}” (common, 2 characters: grams' index), {t:,} tickets",
        "common_long": f"search “{COMMON_LONG}” (common, 4 characters: trigram index), {t:,} tickets",
        "rare_long": f"search “{RARE_LONG}” (in {rare} tickets, 4 characters: trigram index), {t:,} tickets",
        "rare_short": f"search “{RARE_SHORT}” (in {rare} tickets, 2 characters: grams' index), {t:,} tickets",
    }
    comparisons = [Comparison(f"{labels[key].split(', ' + f'{t:,}')[0]} vs the plain list", 2.0, s[key], s["plain"])
                   for key in ("common_character", "common_short", "common_long", "rare_long", "rare_short")]
    return {"scenarios": s, "comparisons": comparisons, "labels": labels, "wall": wall, "rare": rare,
            "options": options}


def _ms(seconds: float) -> str:
    ms = seconds * 1000
    return f"{ms:.2f}" if ms < 1 else f"{ms:.1f}"


def markdown(result) -> str:
    options, s = result["options"], result["scenarios"]
    lines = [
        "# Text search benchmark",
        "",
        f"- database: the ticket benchmark's demo city ({options.large:,} enterprises, {options.large_tickets:,} "
        f"tickets), with “{RARE_LONG}” written into {result['rare']} tickets spread over the ids",
        f"- pages: {options.reps} rounds, all {len(s)} URLs once per round in shuffled order ({options.warmup} "
        f"warm-up requests each); measuring took {result['wall']:.0f} s; as the centre's desk user `desk`",
        "",
        "| measurement | ratio (median; p90) | goal | met | SQL statements, search / plain |",
        "| --- | --- | --- | --- | --- |",
    ]
    for c in result["comparisons"]:
        ratio, p90 = c.scenario.median / c.baseline.median, c.scenario.p90 / c.baseline.p90
        met = "yes" if ratio <= c.goal else "**no**"
        lines.append(f"| {c.label} | {ratio:.2f}× (p90 {p90:.2f}×) | ≤ {c.goal}× | {met} | "
                     f"{c.scenario.queries} / {c.baseline.queries} |")
    lines += ["", "| request | median ms | p90 ms | SQL |", "| --- | ---: | ---: | ---: |"]
    for key, label in result["labels"].items():
        lines.append(f"| {label} | {_ms(s[key].median)} | {_ms(s[key].p90)} | {s[key].queries} |")
    return "\n".join(lines) + "\n"

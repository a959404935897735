"""The negative list's statistics by registry size (``make bench``, ``--only conduct_stats``).

The counts per negative-list entry (``core.service_lists.services.counts``, the
statistics page's 负面清单 section) for the year, over the small (1,000
enterprises) and the large (100,000) demo city, each holding the same number of
demo tickets (``--small-tickets``, 3,000 by default) with their 作风问题 tickets
tagged as ``bench.service_lists.prepare`` tags them. Measured as the centre's
desk user (the whole city: the tags' index alone) and as a station's leader (the
period's tags joined to their tickets for the scope), the two databases
interleaved round by round; medians. Goal: at 100,000 enterprises at most 1.5×
the cost at 1,000 — the size of the registry must not decide the cost of the
statistics. (bench/service_lists.py measures what the counts add to the page at
300,000 tickets.)
"""
import statistics
import time
from datetime import date

from bench import databases, service_lists, tickets

GOAL = 1.5
READERS = {"desk": "the centre's desk user (whole city)", "leader": "a station's leader (its area)"}


def _reader_ids(app) -> dict:
    from sqlalchemy import select

    from core.extensions import db
    from core.org.models import Unit, User, UserRole

    with app.app_context():
        desk = db.session.scalar(select(User.id).where(User.username == "desk"))
        leader = db.session.scalar(
            select(User.id).join(Unit, Unit.id == User.unit_id).join(UserRole, UserRole.user_id == User.id)
            .where(Unit.kind == "station", UserRole.role == "leader").order_by(User.id).limit(1))
        return {"desk": desk, "leader": leader}


def _measure(app, user_id):
    from core.extensions import db
    from core.org.actor import Actor
    from core.org.models import User
    from core.service_lists import services

    with app.app_context():
        actor = Actor(user=db.session.get(User, user_id), address="bench")
        started = time.perf_counter()
        counted = services.counts(actor, date(tickets.REFERENCE.year, 1, 1), tickets.REFERENCE.date())
        elapsed = time.perf_counter() - started
        db.session.remove()
    return elapsed, sum(c.tickets for c in counted)


def run(options, workdir, log=print) -> dict:
    from core import create_app
    from core.extensions import db

    targets = {}
    for label, size in (("small", options.small), ("large", options.large)):
        database = databases.working_copy(tickets.ensure(size, options.small_tickets, options.seed,
                                                         options.rebuild, log), workdir / f"conduct_stats_{label}")
        tags, total = service_lists.prepare(database, log)
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}"})
        targets[label] = {"app": app, "readers": _reader_ids(app), "tags": tags, "tickets": total,
                          "times": {r: [] for r in READERS}, "counted": {}}
    reps = 20 if options.quick else 200
    for n in range(reps + 3):
        for label, target in (targets.items() if n % 2 else reversed(targets.items())):
            for reader, user_id in target["readers"].items():
                elapsed, target["counted"][reader] = _measure(target["app"], user_id)
                if n >= 3:                             # the first rounds warm the caches
                    target["times"][reader].append(elapsed)
    for target in targets.values():
        with target["app"].app_context():
            db.session.remove()
            db.engine.dispose()
    rows = {}
    for reader in READERS:
        small, large = (statistics.median(targets[k]["times"][reader]) for k in ("small", "large"))
        rows[reader] = {"small": small, "large": large, "ratio": large / small, "met": large <= GOAL * small}
    return {"rows": rows, "reps": reps, "sizes": (options.small, options.large),
            "targets": {k: {f: t[f] for f in ("tags", "tickets", "counted")} for k, t in targets.items()}}


def markdown(result) -> str:
    small, large = result["sizes"]
    t = result["targets"]
    lines = [
        "## The negative list's counts by registry size",
        "",
        f"The year's counts per negative-list entry over {small:,} and {large:,} enterprises, each city with "
        f"{t['small']['tickets']:,} and {t['large']['tickets']:,} demo tickets of which {t['small']['tags']:,} and "
        f"{t['large']['tags']:,} tags on the 作风问题 tickets; medians of {result['reps']} interleaved rounds.",
        "",
        "| reader | tagged tickets counted (small / large) | 1,000 enterprises | 100,000 enterprises | "
        "large ÷ small | goal | met |",
        "| --- | --- | ---: | ---: | ---: | --- | --- |",
    ]
    for reader, row in result["rows"].items():
        lines.append(f"| {READERS[reader]} | {t['small']['counted'][reader]:,} / {t['large']['counted'][reader]:,} | "
                     f"{row['small'] * 1000:.2f} ms | {row['large'] * 1000:.2f} ms | {row['ratio']:.2f}× | "
                     f"≤ {GOAL:.2f}× | {'yes' if row['met'] else 'NO'} |")
    return "\n".join(lines + [""])

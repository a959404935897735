"""The inspection statistics benchmark (``make bench``, ``--only inspection_stats``).

The year's figures by inspection type (``plugins.inspection.stats.by_type``:
plans, visits done and issues found per type, for the plans the centre leads)
over the small (1,000 enterprises) and the large (100,000) database, each
holding the same year of inspection work — 25 plans, five of each type, 1,000
visits done with five items checked each, one visit in five with an issue —
its visits spread over the whole registry. The two databases are measured
interleaved, round by round, as the centre's desk user; medians. Goal: the
figures at 100,000 enterprises cost at most 1.5× what they cost at 1,000 —
the size of the registry must not decide the cost of the statistics.
"""
import statistics
import time
from datetime import date

from bench import databases

SMALL, LARGE = 1_000, 100_000
PLANS_PER_TYPE, VISITS_PER_PLAN, ITEMS = 5, 40, 5
GOAL = 1.5


def _setup(app):
    """The year's plans, visits and findings, led by the centre; the desk user as the actor."""
    import random

    from sqlalchemy import select

    from core.extensions import db
    from core.org.actor import Actor
    from core.org.models import Unit
    from core.org.services import user_by_username
    from core.registry.models import Enterprise
    from plugins.inspection.labels import INSPECTION_TYPES
    from plugins.inspection.models import Finding, Form, FormItem, Item, Plan, Visit

    with app.app_context():
        centre = db.session.scalar(select(Unit).where(Unit.kind == "centre"))
        ids = list(db.session.scalars(select(Enterprise.id).order_by(Enterprise.id)))
        items = [Item(unit_id=centre.id, code=f"BS-{n}", name=f"检查事项{n}", police_type="public_order",
                      enterprise_types=[], yearly_limit=2) for n in range(ITEMS)]
        form = Form(unit_id=centre.id, name="基准检查表单", enterprise_type="")
        form.lines = [FormItem(item=item, position=n) for n, item in enumerate(items)]
        db.session.add(form)
        db.session.flush()
        rng = random.Random(7110)
        visited = rng.sample(ids, len(INSPECTION_TYPES) * PLANS_PER_TYPE * VISITS_PER_PLAN)
        for number, type_code in enumerate(t for t in INSPECTION_TYPES for _ in range(PLANS_PER_TYPE)):
            plan = Plan(unit_id=centre.id, title=f"基准计划{number}", inspection_type=type_code, form_id=form.id,
                        police_types=["public_order", "cyber"], period_start=date(2026, 3, 1),
                        period_end=date(2026, 6, 30), selection="draw", status="drawn")
            db.session.add(plan)
            db.session.flush()
            for n in range(VISITS_PER_PLAN):
                issue = n % 5 == 0
                visit = Visit(plan_id=plan.id, enterprise_id=visited[number * VISITS_PER_PLAN + n], year=2026,
                              status="done", outcome="issues" if issue else "pass")
                visit.findings = [Finding(item_id=item.id, result="issue" if issue and k == 0 else "compliant")
                                  for k, item in enumerate(items)]
                db.session.add(visit)
        db.session.commit()
        return Actor(user=user_by_username("desk"), address="bench").user_id, len(ids)


def _measure(app, user_id):
    from core.extensions import db
    from core.org.actor import Actor
    from core.org.models import User
    from plugins.inspection import stats

    with app.app_context():
        actor = Actor(user=db.session.get(User, user_id), address="bench")
        started = time.perf_counter()
        figures = stats.by_type(actor, 2026)
        elapsed = time.perf_counter() - started
        db.session.remove()
    return elapsed, figures


def run(options, workdir, log=print) -> dict:
    from core import create_app
    from core.extensions import db

    targets = {}
    for label, size in (("small", options.small), ("large", options.large)):
        database = databases.working_copy(databases.ensure(size, options.seed, options.rebuild, log),
                                          workdir / f"inspection_stats_{label}")
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}"})
        user_id, enterprises = _setup(app)
        targets[label] = {"app": app, "user_id": user_id, "enterprises": enterprises, "times": []}
    reps = 20 if options.quick else 200
    figures = {}
    for n in range(reps + 3):
        for label, target in (targets.items() if n % 2 else reversed(targets.items())):
            elapsed, figures[label] = _measure(target["app"], target["user_id"])
            if n >= 3:                             # the first rounds warm the caches
                target["times"].append(elapsed)
    for target in targets.values():
        with target["app"].app_context():
            db.session.remove()
            db.engine.dispose()
    assert figures["small"] == figures["large"], "the same work gives the same figures in both databases"
    small, large = (statistics.median(targets[k]["times"]) for k in ("small", "large"))
    return {"small": small, "large": large, "ratio": large / small, "met": large <= GOAL * small, "reps": reps,
            "enterprises": {k: t["enterprises"] for k, t in targets.items()}, "figures": figures["large"]}


def markdown(result) -> str:
    visits = sum(row["visits"] for row in result["figures"])
    plans = sum(row["plans"] for row in result["figures"])
    small, large = result["enterprises"]["small"], result["enterprises"]["large"]
    return "\n".join([
        "## Inspection statistics by type",
        "",
        f"The year's plans, visits done and issues found per inspection type ({plans} plans, {visits:,} visits "
        f"done, the centre's desk user), over {small:,} and {large:,} enterprises holding the same year of "
        f"inspection work; medians of {result['reps']} interleaved rounds.",
        "",
        "| figure | median | goal | met |",
        "| --- | ---: | --- | --- |",
        f"| by type, {small:,} enterprises | {result['small'] * 1000:.2f} ms | | |",
        f"| by type, {large:,} enterprises | {result['large'] * 1000:.2f} ms | | |",
        f"| large ÷ small | {result['ratio']:.2f}× | ≤ {GOAL:.2f}× | {'yes' if result['met'] else 'NO'} |",
        "",
    ])

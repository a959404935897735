"""The inspection draw benchmark (``make bench``, ``--only inspection``).

In one run, interleaved, medians: a whole draw (双随机) over the large
enterprise database (100,000 enterprises) with a pool of 500 inspectors and
exclusions — 1,000 exempt enterprises, 2,000 at the yearly visit cap, 500
declared conflicts, every target's liaison officer recused — drawing 100
targets with 2 inspectors each and writing them (``plans.run_draw``: candidates
read through the registry's scoped select, exclusions, seed, inputs, SHA-256,
visits, audit entry, commit), against rendering a one-page letter
(``core.documents.rendering.render``). Goal: the draw takes no longer than
the letter.
"""
import statistics
import time
from datetime import date

TARGETS = 100
INSPECTORS = 500
EXEMPT, CAPPED, CONFLICTS = 1_000, 2_000, 500


def _setup(app, log):
    from sqlalchemy import select

    from core.extensions import db
    from core.org.models import Unit, User, UserRole
    from core.registry.models import Enterprise
    from plugins.inspection.models import Conflict, Exemption, Form, FormItem, Item, Plan, Visit

    with app.app_context():
        centre = db.session.scalar(select(Unit).where(Unit.kind == "centre"))
        ids = list(db.session.scalars(select(Enterprise.id).order_by(Enterprise.id)))
        users = [User(username=f"inspector{n}", name=f"检查员{n}", password_hash="x", unit_id=centre.id)
                 for n in range(INSPECTORS)]
        db.session.add_all(users)
        db.session.flush()
        db.session.add_all([UserRole(user_id=u.id, role="officer") for u in users])
        item = Item(unit_id=centre.id, code="ZA-01", name="旅客住宿实名登记", police_type="public_order",
                    enterprise_types=[], yearly_limit=2)
        form = Form(unit_id=centre.id, name="住宿业监管一件事", enterprise_type="")
        form.lines = [FormItem(item=item, position=0)]
        db.session.add(form)
        db.session.flush()
        earlier = Plan(unit_id=centre.id, title="earlier", form_id=form.id, police_types=["traffic"],
                       period_start=date(2026, 1, 1), period_end=date(2026, 2, 1), selection="manual", status="drawn")
        db.session.add(earlier)
        db.session.flush()
        db.session.add_all([Exemption(unit_id=centre.id, enterprise_id=e, reason="无事不扰", starts_on=date(2026, 1, 1),
                                      ends_on=date(2026, 12, 31)) for e in ids[:EXEMPT]])
        db.session.add_all([Visit(plan_id=earlier.id, enterprise_id=e, year=2026, source="manual")
                            for e in ids[EXEMPT:EXEMPT + CAPPED]])
        db.session.commit()
        # Two visits each for the capped ones: a second plan.
        again = Plan(unit_id=centre.id, title="again", form_id=form.id, police_types=["cyber"],
                     period_start=date(2026, 1, 1), period_end=date(2026, 2, 1), selection="manual", status="drawn")
        db.session.add(again)
        db.session.flush()
        db.session.add_all([Visit(plan_id=again.id, enterprise_id=e, year=2026, source="manual")
                            for e in ids[EXEMPT:EXEMPT + CAPPED]])
        db.session.add_all([Conflict(user_id=users[n % INSPECTORS].id, enterprise_id=ids[-1 - n], reason="亲属")
                            for n in range(CONFLICTS)])
        db.session.commit()
        log(f"  {len(ids):,} enterprises, {INSPECTORS} inspectors, {EXEMPT} exempt, {CAPPED} capped, "
            f"{CONFLICTS} conflicts")
        return centre.id, form.id, len(ids)


def run(options, workdir, log=print) -> dict:
    from core import create_app
    from core.documents import rendering
    from core.extensions import db
    from core.org.actor import Actor
    from core.org.services import user_by_username
    from bench import databases
    from bench.documents import _letter
    from plugins.inspection import plans

    database = databases.working_copy(databases.ensure(options.large, options.seed, options.rebuild, log),
                                      workdir / "inspection")
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}"})
    centre_id, form_id, enterprises = _setup(app, log)
    reps = 5 if options.quick else 30
    draws, letters, results = [], [], []
    with app.app_context():
        actor = Actor(user=user_by_username("desk"), address="bench")
        rendering.render(_letter(0))                # fonts and templates loaded before the clock starts
        for n in range(reps + 1):
            plan = plans.create(actor, plans.PlanInput(
                title=f"基准抽取{n}", form_id=form_id, police_types=["public_order", "cyber"], unit_ids=[centre_id],
                period_start=date(2026, 3, 1), period_end=date(2026, 6, 30), selection="draw",
                draw_count=TARGETS, inspectors_per_target=2))
            started = time.perf_counter()
            plan = plans.run_draw(actor, plan.id)
            elapsed = time.perf_counter() - started
            started = time.perf_counter()
            rendering.render(_letter(n + 1))
            letter = time.perf_counter() - started
            if n:                                   # the first round warms the caches
                draws.append(elapsed)
                letters.append(letter)
                results.append(plan.draw_inputs)
        inputs = results[-1]
        db.session.remove()
        db.engine.dispose()
    draw, letter = statistics.median(draws), statistics.median(letters)
    return {"enterprises": enterprises, "candidates": inputs["candidate_count"], "pool": len(inputs["pool"]),
            "reps": reps, "draw": draw, "letter": letter, "ratio": draw / letter, "met": draw <= letter}


def markdown(result) -> str:
    return "\n".join([
        "## Inspection draw",
        "",
        f"A draw of {TARGETS} targets × 2 inspectors over {result['enterprises']:,} enterprises "
        f"({result['candidates']:,} eligible after {EXEMPT:,} exempt and {CAPPED:,} capped; pool of "
        f"{result['pool']} inspectors, {CONFLICTS} declared conflicts and liaison officers recused), "
        f"written and audited, against a one-page letter rendered in the same run; medians of {result['reps']}.",
        "",
        "| figure | median | goal | met |",
        "| --- | ---: | --- | --- |",
        f"| draw | {result['draw'] * 1000:.0f} ms | ≤ the letter | {'yes' if result['met'] else 'NO'} |",
        f"| one-page letter | {result['letter'] * 1000:.0f} ms | | |",
        f"| draw ÷ letter | {result['ratio']:.2f}× | ≤ 1.00× | {'yes' if result['met'] else 'NO'} |",
        "",
    ])

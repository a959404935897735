"""The draw (双随机): reproducible from its seed, exclusions before the draw,
at least two inspectors, the yearly cap counted across plans and police types,
refusals that draw nothing."""
from datetime import date

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from core.audit.models import AuditEntry
from core.errors import Forbidden, ValidationError
from core.extensions import db
from plugins.inspection import catalogue, draw, plans
from plugins.inspection.models import Visit
from tests.conftest import actor_for
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)
from tests.inspection_world import build, plan_input


@pytest.fixture
def world(app, city):
    return build(city)


def test_the_same_seed_and_inputs_give_the_same_draw_and_the_verify_command_agrees(app, city, world):
    plan = plans.create(actor_for("desk_a"), plan_input(world, city))
    plan = plans.run_draw(actor_for("desk_a"), plan.id)
    assert len(plan.visits) == 2 and all(len(v.inspector_ids) == 2 for v in plan.visits)
    again = draw.run(plan.seed, plan.draw_inputs)
    assert again == plan.draw_result
    assert plans.verify(actor_for("officer_a"), plan.id).ok
    # Inputs listed in another order give the same result: they are sorted before sampling.
    listed = draw.candidates_of(plan.draw_inputs)
    assert draw.unpack_ids(draw.pack_ids(listed)) == listed and len(listed) == plan.draw_inputs["candidate_count"]
    shuffled = {key: value for key, value in plan.draw_inputs.items() if key != "candidates_packed"}
    shuffled.update(candidates=list(reversed(listed)), pool=list(reversed(plan.draw_inputs["pool"])))
    assert draw.run(plan.seed, shuffled) == plan.draw_result
    result = CliRunner().invoke(app.cli, ["inspection", "verify-draw", str(plan.id)], catch_exceptions=False)
    assert result.exit_code == 0 and plan.seed in result.output
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "inspection.draw"))
    assert entry.detail["seed"] == plan.seed and entry.detail["inputs_sha256"] == plan.inputs_sha256


def test_a_tampered_draw_fails_verification(app, city, world):
    plan = plans.run_draw(actor_for("desk_a"), plans.create(actor_for("desk_a"), plan_input(world, city)).id)
    visit = plan.visits[0]
    visit.inspector_rows[0].user_id = next(u for u in world.officers if u not in visit.inspector_ids)
    db.session.commit()
    outcome = plans.verify(actor_for("desk_a"), plan.id)
    assert not outcome.ok and outcome.result_ok and not outcome.rows_ok
    result = CliRunner().invoke(app.cli, ["inspection", "verify-draw", str(plan.id)])
    assert result.exit_code == 1


def test_exempt_and_capped_enterprises_are_excluded_and_liaison_officers_recused(app, city, world):
    leader = actor_for("leader_a")
    exempt, capped = world.enterprises[0], world.enterprises[1]
    catalogue.add_exemption(leader, exempt, "诚信示范企业，无事不扰", date(2026, 1, 1), date(2026, 12, 31))
    for n in range(2):     # two visits this year (the default cap), in plans of other police types
        other = plans.create(actor_for("desk_a"), plan_input(world, city, selection="manual", draw_count=None,
                                                             police_types=["narcotics"], title=f"禁毒检查{n}"))
        plans.add_target(actor_for("desk_a"), other.id, capped)
    catalogue.declare_conflict(actor_for("officer_a2"), world.enterprises[2], "亲属任职")
    plan = plans.create(actor_for("desk_a"), plan_input(world, city, draw_count=None, draw_percent=100))
    plan = plans.run_draw(actor_for("desk_a"), plan.id)
    drawn = {v.enterprise_id for v in plan.visits}
    assert exempt not in drawn and capped not in drawn
    assert drawn == set(world.enterprises) - {exempt, capped}
    candidates = draw.candidates_of(plan.draw_inputs)
    assert exempt not in candidates and capped not in candidates
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "inspection.draw")).all()[-1]
    assert entry.detail["excluded"] == {"exempt": 1, "capped": 1}
    from core.registry import services as registry

    for visit in plan.visits:
        officer = registry.get(actor_for("desk_a"), visit.enterprise_id).liaison_officer_id
        assert officer not in visit.inspector_ids
    conflicted = next(v for v in plan.visits if v.enterprise_id == world.enterprises[2])
    assert world.officers[1] not in conflicted.inspector_ids


def test_too_few_inspectors_draws_nothing(app, city, world):
    # Station B has one officer: fewer than the two each target needs.
    plan = plans.create(actor_for("desk", ), plan_input(world, city, unit_ids=[city.station_b.id]))
    with pytest.raises(ValidationError) as refused:
        plans.run_draw(actor_for("desk"), plan.id)
    assert "2" in str(refused.value.message)
    db.session.rollback()
    assert db.session.scalar(select(Visit.id).where(Visit.plan_id == plan.id)) is None
    assert plans.get(actor_for("desk"), plan.id).seed is None


def test_a_recusal_that_leaves_one_inspector_refuses_the_draw(app, city):
    # The pool is station A's officer and its leader; the officer is the target's liaison officer.
    world = build(city, enterprises=1, officers=1)
    plan = plans.create(actor_for("desk_a"), plan_input(world, city, draw_count=1))
    with pytest.raises(ValidationError):
        plans.run_draw(actor_for("desk_a"), plan.id)
    db.session.rollback()
    assert plans.get(actor_for("desk_a"), plan.id).status == "draft"


def test_a_plan_needs_items_two_inspectors_and_a_possible_count(app, city, world):
    with pytest.raises(ValidationError):
        plans.create(actor_for("desk_a"), plan_input(world, city, inspectors_per_target=1))
    with pytest.raises(ValidationError):
        plans.create(actor_for("desk_a"), plan_input(world, city, form_id=None))
    plan = plans.create(actor_for("desk_a"), plan_input(world, city, draw_count=50))
    with pytest.raises(ValidationError):
        plans.run_draw(actor_for("desk_a"), plan.id)


def test_the_cap_counts_across_plans_and_a_leader_may_override_with_a_reason(app, city, world):
    target = world.enterprises[3]
    for n, types in enumerate((["traffic"], ["cyber", "narcotics"])):
        other = plans.create(actor_for("desk_a"), plan_input(world, city, selection="manual", draw_count=None,
                                                             police_types=types, title=f"计划{n}"))
        plans.add_target(actor_for("desk_a"), other.id, target)
    third = plans.create(actor_for("desk_a"), plan_input(world, city, selection="manual", draw_count=None, title="第三次"))
    with pytest.raises(ValidationError):
        plans.add_target(actor_for("desk_a"), third.id, target)
    with pytest.raises(Forbidden):
        plans.add_target(actor_for("desk_a"), third.id, target, "专项整治需要")
    visit = plans.add_target(actor_for("leader_a"), third.id, target, "专项整治需要")
    assert visit.override_reason == "专项整治需要"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "inspection.cap_override",
                                                       AuditEntry.result == "ok"))
    assert entry.detail["reason"] == "专项整治需要"
    assert plans.visit_counts([target], 2026)[target] == 3


def test_the_cap_is_a_setting(app, city, world):
    catalogue.save_settings(actor_for("leader_a"), 1, True)
    target = world.enterprises[3]
    first = plans.create(actor_for("desk_a"), plan_input(world, city, selection="manual", draw_count=None))
    plans.add_target(actor_for("desk_a"), first.id, target)
    second = plans.create(actor_for("desk_a"), plan_input(world, city, selection="manual", draw_count=None))
    with pytest.raises(ValidationError):
        plans.add_target(actor_for("desk_a"), second.id, target)

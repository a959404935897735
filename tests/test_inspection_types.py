"""Inspection types on plans (日常、季节性、节假日、临时（突击）、专项检查): chosen on
the form, filtered on the plan list, counted in the statistics and shown in the
published results; a hand-listed target taken off a draft plan and refused after
the draw; the declared conflicts of interest, scoped by the inspector's unit."""
import pytest
from sqlalchemy import select

from core.audit.models import AuditEntry
from core.errors import NotFound, ValidationError
from core.extensions import db
from core.registry import services as registry
from plugins.inspection import catalogue, conflicts, plans, publication, stats, visits
from plugins.inspection.models import Visit
from tests.conftest import actor_for, login
from tests.helpers import code, fresh_client
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)
from tests.inspection_world import build, plan_input
from tests.test_inspection_visits import _results, text_of


@pytest.fixture
def world(app, city):
    return build(city)


def _manual(world, city, **changes):
    return plans.create(actor_for("desk_a"), plan_input(world, city, selection="manual", draw_count=None, **changes))


def _row(figures, type_code):
    return next(row for row in figures if row["type"] == type_code)


def test_a_plan_is_routine_unless_another_type_is_chosen_and_the_choice_is_audited(app, city, world):
    routine = plans.create(actor_for("desk_a"), plan_input(world, city))
    assert routine.inspection_type == "routine"
    holiday = plans.create(actor_for("desk_a"), plan_input(world, city, inspection_type="holiday", title="春节前检查"))
    assert plans.get(actor_for("officer_a"), holiday.id).inspection_type == "holiday"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "inspection.plan_create",
                                                       AuditEntry.object_id == str(holiday.id)))
    assert entry.detail["inspection_type"] == "holiday"
    with pytest.raises(ValidationError) as refused:
        plans.create(actor_for("desk_a"), plan_input(world, city, inspection_type="weekly", title=""))
    assert {"inspection_type", "title"} <= set(refused.value.errors)


def test_the_plan_list_filters_by_type_and_shows_it_in_words(app, city, world):
    plans.create(actor_for("desk_a"), plan_input(world, city, title="日常检查计划"))
    seasonal = plans.create(actor_for("desk_a"), plan_input(world, city, inspection_type="seasonal", title="汛期检查计划"))
    assert [p.id for p in plans.plans(actor_for("desk_a"), inspection_type="seasonal")] == [seasonal.id]
    assert len(plans.plans(actor_for("desk_a"))) == 2
    with pytest.raises(ValidationError):
        plans.plans(actor_for("desk_a"), inspection_type="weekly")
    client = fresh_client(app)
    login(client, "desk_a")
    page = client.get("/p/inspection/?type=seasonal").get_data(as_text=True)
    assert "汛期检查计划" in page and "日常检查计划" not in page
    assert 'data-type="seasonal"' in page and ">seasonal<" not in page
    everything = client.get("/p/inspection/?type=weekly")          # an unknown type: said, and every plan shown
    assert everything.status_code == 200
    assert "汛期检查计划" in everything.get_data(as_text=True) and "日常检查计划" in everything.get_data(as_text=True)
    plan_page = client.get(f"/p/inspection/plans/{seasonal.id}").get_data(as_text=True)
    assert 'data-testid="plan-type" data-type="seasonal"' in plan_page


def test_the_form_offers_the_types_in_words_and_saves_the_one_chosen(app, city, world):
    client = fresh_client(app)
    login(client, "desk_a")
    form = client.get("/p/inspection/plans/new").get_data(as_text=True)
    for type_code in ("routine", "seasonal", "holiday", "adhoc", "specialist"):
        assert f'<option value="{type_code}"' in form
    assert f'<option value="routine" selected>' in form
    response = client.post("/p/inspection/plans/new", data={
        "title": "消防专项检查", "inspection_type": "specialist", "form_id": world.form_id,
        "police_types": ["public_order"], "unit_ids": [city.station_a.id], "period_start": "2026-03-01",
        "period_end": "2026-04-30", "selection": "manual", "inspectors_per_target": "2"})
    assert response.status_code == 303
    plan_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert plans.get(actor_for("desk_a"), plan_id).inspection_type == "specialist"
    refused = client.post("/p/inspection/plans/new", data={"title": "x", "inspection_type": "weekly",
                                                           "form_id": world.form_id})
    assert refused.status_code == 400 and '<option value="routine" selected>' not in refused.get_data(as_text=True)


def test_statistics_count_plans_visits_and_issues_by_type_in_the_units_scope(app, city, world):
    adhoc = plans.run_draw(actor_for("desk_a"), plans.create(actor_for("desk_a"), plan_input(
        world, city, inspection_type="adhoc", title="突击检查")).id)
    plans.create(actor_for("desk_a"), plan_input(world, city, title="日常检查"))
    first, second = adhoc.visits
    issue_item = first.plan.form.items[0].id
    visits.record(actor_for("desk_a"), first.id, _results(first, issue_item))
    visits.record(actor_for("desk_a"), second.id, _results(second))
    figures = stats.by_type(actor_for("desk_a"), 2026)
    assert [row["type"] for row in figures] == ["routine", "seasonal", "holiday", "adhoc", "specialist"]
    assert _row(figures, "adhoc") == {"type": "adhoc", "plans": 1, "visits": 2, "issues": 1}
    assert _row(figures, "routine") == {"type": "routine", "plans": 1, "visits": 0, "issues": 0}
    assert _row(stats.by_type(actor_for("desk_b"), 2026), "adhoc")["plans"] == 0      # another station's plans
    assert _row(stats.by_type(actor_for("desk_a"), 2025), "adhoc")["plans"] == 0
    client = fresh_client(app)
    login(client, "desk_a")
    page = client.get("/p/inspection/").get_data(as_text=True)
    assert 'data-testid="stats-by-type"' in page
    home = client.get("/").get_data(as_text=True)
    assert 'data-testid="widget-by-type"' in home and '<tr data-type="adhoc">' in home


def test_the_published_results_say_the_type(app, city, world):
    plan = plans.run_draw(actor_for("desk_a"), plans.create(actor_for("desk_a"), plan_input(
        world, city, inspection_type="holiday", title="国庆节前检查")).id)
    visits.record(actor_for("desk_a"), plan.visits[0].id, _results(plan.visits[0]))
    publication.publish(actor_for("desk_a"), plan.id)
    client = fresh_client(app)
    page = client.get(f"/p/inspection/results/{plan.id}").get_data(as_text=True)
    assert 'data-testid="results-type"' in page
    assert "检查类型：节假日检查" in text_of(client.get(f"/p/inspection/results/{plan.id}.pdf").data)


def test_a_hand_listed_target_comes_off_a_draft_plan_and_stays_after_the_draw(app, city, world):
    plan = _manual(world, city)
    kept = plans.add_target(actor_for("desk_a"), plan.id, world.enterprises[0])
    slip = plans.add_target(actor_for("desk_a"), plan.id, world.enterprises[1]).id
    with pytest.raises(NotFound):                           # another station's planner
        plans.remove_target(actor_for("desk_b"), plan.id, slip)
    client = fresh_client(app)
    login(client, "desk_a")
    page = client.get(f"/p/inspection/plans/{plan.id}").get_data(as_text=True)
    assert page.count('data-testid="remove-target"') == 2
    response = client.post(f"/p/inspection/plans/{plan.id}/targets/{slip}/remove")
    assert response.status_code == 303
    assert [v.enterprise_id for v in plans.get(actor_for("desk_a"), plan.id).visits] == [world.enterprises[0]]
    assert plans.visit_counts([world.enterprises[1]], 2026) == {}       # no longer counted against the cap
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "inspection.target_remove"))
    assert entry.result == "ok" and entry.detail["enterprise_id"] == world.enterprises[1]
    assert client.post(f"/p/inspection/plans/{plan.id}/targets/{slip}/remove").status_code == 404
    plans.add_target(actor_for("desk_a"), plan.id, world.enterprises[2])
    plans.run_draw(actor_for("desk_a"), plan.id)
    with pytest.raises(ValidationError) as refused:
        plans.remove_target(actor_for("desk_a"), plan.id, kept.id)
    assert refused.value.message
    db.session.rollback()
    refusal = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "inspection.target_remove",
                                                         AuditEntry.result != "ok"))
    assert refusal is not None
    assert db.session.get(Visit, kept.id) is not None
    page = client.get(f"/p/inspection/plans/{plan.id}").get_data(as_text=True)
    assert 'data-testid="remove-target"' not in page
    refused_page = client.post(f"/p/inspection/plans/{plan.id}/targets/{kept.id}/remove", follow_redirects=True)
    assert "不能再移出" in refused_page.get_data(as_text=True)
    assert db.session.get(Visit, kept.id) is not None


def test_declared_conflicts_are_listed_by_plan_inspector_and_enterprise_within_the_unit(app, city, world):
    catalogue.declare_conflict(actor_for("officer_a2"), world.enterprises[0], "亲属任职")
    catalogue.declare_conflict(actor_for("officer_a3"), world.enterprises[1], "曾在该企业工作")
    other = registry.create(actor_for("desk_b"), {"name": "乙区测试企业", "credit_code": code(900)})
    catalogue.declare_conflict(actor_for("officer_b"), other.id, "同学经营")
    plan = _manual(world, city)
    plans.add_target(actor_for("desk_a"), plan.id, world.enterprises[1])

    leader = actor_for("leader_a")
    everything = conflicts.listed(leader, conflicts.ConflictFilter())
    assert {row.enterprise_id for row in everything} == {world.enterprises[0], world.enterprises[1]}
    by_plan = conflicts.listed(leader, conflicts.ConflictFilter(plan_id=plan.id))
    assert [row.enterprise_id for row in by_plan] == [world.enterprises[1]]
    by_inspector = conflicts.listed(leader, conflicts.ConflictFilter(user_id=actor_for("officer_a2").user_id))
    assert [row.reason for row in by_inspector] == ["亲属任职"]
    by_name = conflicts.listed(leader, conflicts.ConflictFilter(enterprise="企业1号"))
    assert [row.enterprise_id for row in by_name] == [world.enterprises[1]]
    assert conflicts.listed(leader, conflicts.ConflictFilter(enterprise="%")) == []
    assert [row.reason for row in conflicts.listed(actor_for("desk_b"), conflicts.ConflictFilter())] == ["同学经营"]
    # An inspector who does not plan sees only their own declarations.
    assert [row.reason for row in conflicts.listed(actor_for("officer_a3"), conflicts.ConflictFilter())] == ["曾在该企业工作"]
    with pytest.raises(NotFound):                    # station B's planner does not see station A's plan
        conflicts.listed(actor_for("desk_b"), conflicts.ConflictFilter(plan_id=plan.id))

    client = fresh_client(app)
    login(client, "desk_a")
    home = client.get("/").get_data(as_text=True)
    assert "/p/inspection/conflicts" in home                     # in the menu
    page = client.get("/p/inspection/conflicts").get_data(as_text=True)
    assert page.count('data-testid="conflict"') == 2 and "亲属任职" in page and "同学经营" not in page
    page = client.get(f"/p/inspection/conflicts?plan_id={plan.id}").get_data(as_text=True)
    assert page.count('data-testid="conflict"') == 1 and "曾在该企业工作" in page
    assert client.get("/p/inspection/conflicts?user_id=abc&plan_id=x").status_code == 200
    b = fresh_client(app)
    login(b, "desk_b")
    page = b.get("/p/inspection/conflicts").get_data(as_text=True)
    assert page.count('data-testid="conflict"') == 1 and "亲属任职" not in page
    assert b.get(f"/p/inspection/conflicts?plan_id={plan.id}").status_code == 404

"""The register, the team and its handovers, the versioned plan, and the visit
schedule with overdue detection on the working-day calendar."""
from datetime import date, datetime

import pytest
from sqlalchemy import select, text

from core import clock
from core.audit.models import AuditEntry
from core.errors import Forbidden, NotFound, ValidationError
from core.extensions import db
from plugins.project_officer import plan_versions, projects, team, visits
from plugins.project_officer.models import Project, ProjectHandover, ProjectMember, ProjectVisit
from tests.conftest import actor_for
from tests.helpers import count
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)
from tests.project_officer_world import build, project_input, user_id


def test_a_project_needs_its_officer_and_leader_from_the_unit_and_an_enterprise_of_the_registry(app, city):
    world = build(city)
    desk = actor_for("desk_a")
    before = count(Project)
    with pytest.raises(ValidationError) as error:
        projects.create(desk, project_input(world.enterprise_a, officer_id=None))
    assert "officer_id" in error.value.errors
    with pytest.raises(ValidationError) as error:            # station B's leader is outside station A's tree
        projects.create(desk, project_input(world.enterprise_a, leader_id=user_id("leader_b")))
    assert "leader_id" in error.value.errors
    with pytest.raises(ValidationError) as error:            # an officer cannot be the leader
        projects.create(desk, project_input(world.enterprise_a, leader_id=user_id("officer_a")))
    assert "leader_id" in error.value.errors
    with pytest.raises(ValidationError) as error:            # station B's enterprise is not in A's registry
        projects.create(desk, project_input(world.enterprise_b, name=""))
    assert {"enterprise_id", "name"} <= set(error.value.errors)
    with pytest.raises(ValidationError):
        projects.create(desk, project_input(world.enterprise_a, investment="很多", visit_interval_months=0))
    assert count(Project) == before
    refused = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "project_officer.project.create",
                                                         AuditEntry.result != "ok").order_by(AuditEntry.id.desc()))
    assert refused is not None and "很多" not in str(refused.detail)
    # By credit code, as typed on the form.
    from core.registry import services as registry

    made = projects.create(desk, project_input(None, enterprise_code=registry.get(desk, world.enterprise_a).credit_code))
    assert made.enterprise_id == world.enterprise_a and made.unit_id == city.station_a.id
    with pytest.raises(NotFound):                            # another unit's project does not exist for B
        projects.get(actor_for("desk_b"), made.id)
    with pytest.raises(Forbidden):                           # officers record work; they do not register projects
        projects.create(actor_for("officer_a"), project_input(world.enterprise_a))


def test_handovers_keep_the_history_and_stay_within_the_units_tree(app, city):
    world = build(city)
    desk = actor_for("desk_a")
    before = count(ProjectHandover)
    with pytest.raises(ValidationError) as error:
        team.handover(desk, world.project_id, "officer", user_id("officer_b"), "走访台账")
    assert "to_user_id" in error.value.errors
    assert count(ProjectHandover) == before
    assert projects.get(desk, world.project_id).officer_id == user_id("officer_a")
    with pytest.raises(ValidationError):                     # dated in the future
        team.handover(desk, world.project_id, "officer", user_id("officer_a2"), handed_on=date(2026, 3, 9))
    team.handover(desk, world.project_id, "officer", user_id("officer_a2"), "移交走访台账和联系人")
    member = team.add_police(desk, world.project_id, user_id("officer_a"), "协助走访")
    clock.freeze(datetime(2026, 5, 6, 2, 0))
    team.handover(desk, world.project_id, "leader", user_id("leader_a2"))
    team.handover(desk, world.project_id, "team", user_id("leader_a"), from_member_id=member.id)
    project = projects.get(desk, world.project_id)
    assert (project.officer_id, project.leader_id) == (user_id("officer_a2"), user_id("leader_a2"))
    assert [(h.post, h.from_user_id, h.to_user_id, h.handed_on) for h in project.handovers] == [
        ("officer", user_id("officer_a"), user_id("officer_a2"), date(2026, 3, 2)),
        ("leader", user_id("leader_a"), user_id("leader_a2"), date(2026, 5, 6)),
        ("team", user_id("officer_a"), user_id("leader_a"), date(2026, 5, 6))]
    assert [m.user_id for m in projects.current_team(project)] == [user_id("leader_a")]
    assert db.session.get(ProjectMember, member.id).left_on == date(2026, 5, 6)       # kept, with the day they left
    with pytest.raises(Forbidden):
        team.handover(actor_for("officer_a2"), world.project_id, "officer", user_id("officer_a"))
    with pytest.raises(ValidationError):                     # a leader's post goes to a leader
        team.handover(desk, world.project_id, "leader", user_id("officer_a"))


def test_a_contacts_phone_is_stored_encrypted_and_shown_masked(app, city):
    from tests.conftest import login
    from tests.helpers import fresh_client

    world = build(city)
    with pytest.raises(ValidationError):
        team.add_contact(actor_for("desk_a"), world.project_id, "周经理", "项目经理", "12345")
    member = team.add_contact(actor_for("desk_a"), world.project_id, "周经理", "项目经理", "13857512345")
    raw = db.session.execute(text("SELECT phone FROM project_officer_member WHERE id = :id"), {"id": member.id}).scalar()
    assert "13857512345" not in raw
    client = fresh_client(app)
    login(client, "desk_a")
    page = client.get(f"/p/project_officer/projects/{world.project_id}").get_data(as_text=True)
    assert "周经理" in page and "13857512345" not in page and "138****2345" in page
    shown = client.post(f"/p/project_officer/members/{member.id}/reveal").get_data(as_text=True)
    assert "13857512345" in shown


def test_plan_versions_are_kept_and_the_current_one_is_approved_by_the_projects_leader(app, city):
    world = build(city)
    desk, leader = actor_for("desk_a"), actor_for("leader_a")
    first = plan_versions.start(desk, world.project_id)
    assert (first.number, first.status) == (1, "draft")
    assert plan_versions.start(desk, world.project_id).id == first.id       # one draft at a time
    with pytest.raises(ValidationError):
        plan_versions.approve(leader, first.id)                            # nothing written yet
    plan_versions.save(desk, first.id, {"risks": "阻工风险较高", "measures": "每月走访", "contacts": "周经理",
                                        "emergency": "110联动"})
    with pytest.raises(Forbidden):
        plan_versions.approve(actor_for("leader_a2"), first.id)            # a leader, but not the project's
    with pytest.raises(Forbidden):
        plan_versions.approve(actor_for("officer_a"), first.id)
    plan_versions.approve(leader, first.id)
    assert plan_versions.current(world.project_id).id == first.id
    with pytest.raises(ValidationError):                                   # approved: read-only
        plan_versions.save(desk, first.id, {"risks": "改写"})
    second = plan_versions.start(desk, world.project_id)
    assert second.number == 2 and second.sections["risks"] == "阻工风险较高"   # a copy of the latest
    plan_versions.save(desk, second.id, {**second.sections, "measures": "每半月走访一次"})
    assert plan_versions.current(world.project_id).id == first.id          # until the new one is approved
    plan_versions.approve(leader, second.id)
    rows = plan_versions.versions(desk, world.project_id)
    assert [(v.number, v.status) for v in rows] == [(2, "approved"), (1, "superseded")]
    assert rows[1].sections["measures"] == "每月走访"
    with pytest.raises(ValidationError):
        plan_versions.approve(leader, first.id)


def test_the_visit_schedule_counts_on_the_working_day_calendar(app, city):
    world = build(city, start=datetime(2026, 9, 1, 2, 0))
    officer = actor_for("officer_a")
    visits.record(officer, world.project_id, date(2026, 9, 1), "民警甲", "工地周边交通", "协调交警")
    # One month after 1 September is 1 October: the National Day holiday runs to 7 October, so the visit is due on the 8th.
    assert visits.schedule(officer, world.project_id).due_on == date(2026, 10, 8)
    clock.freeze(datetime(2026, 10, 8, 12, 0))     # 20:00 in Beijing, still the 8th
    assert not visits.schedule(officer, world.project_id).overdue
    assert visits.overdue(officer, mine_only=True) == []
    clock.freeze(datetime(2026, 10, 8, 16, 30))    # 00:30 on the 9th in Beijing
    late = visits.schedule(officer, world.project_id)
    assert late.overdue and late.days_overdue == 1
    # On the officer's and the leader's queues, not on a colleague's; the unit's desk sees it too.
    assert [p.id for p, _s in visits.overdue(officer, mine_only=True)] == [world.project_id]
    assert [p.id for p, _s in visits.overdue(actor_for("leader_a"), mine_only=True)] == [world.project_id]
    assert visits.overdue(actor_for("officer_a2"), mine_only=True) == []
    assert [p.id for p, _s in visits.overdue(actor_for("desk_a"))] == [world.project_id]
    assert visits.overdue(actor_for("desk_b")) == []
    # A weekend worked in lieu (调休) is a working day: due on Sunday 20 September.
    visits.record(officer, world.project_id, date(2026, 8, 20), "民警甲")
    db.session.execute(ProjectVisit.__table__.delete().where(ProjectVisit.visited_on == date(2026, 9, 1)))
    db.session.commit()
    clock.freeze(datetime(2026, 9, 20, 2, 0))
    assert visits.schedule(officer, world.project_id).due_on == date(2026, 9, 20)
    # A per-project interval of two months; a completed project has no schedule.
    visits.set_interval(actor_for("desk_a"), world.project_id, 2)
    assert visits.schedule(officer, world.project_id).due_on == date(2026, 10, 20)
    with pytest.raises(ValidationError):
        visits.set_interval(actor_for("desk_a"), world.project_id, 13)


def test_the_queue_pages_show_overdue_projects(app, city):
    from tests.conftest import login
    from tests.helpers import fresh_client

    world = build(city)                 # started 5 January, entered 2 March, never visited: overdue on 3 April
    clock.freeze(datetime(2026, 4, 3, 2, 0))
    for username, mine in (("officer_a", 1), ("leader_a", 1), ("officer_a2", 0)):
        client = fresh_client(app)
        login(client, username)
        page = client.get("/p/project_officer/queue").get_data(as_text=True)
        own = page.split('data-testid="units"')[0]        # the leader also sees the units' list below
        assert own.count('data-testid="overdue-project"') == mine, username
        assert ('data-testid="units"' in page) == (username == "leader_a")


def test_a_visit_cannot_be_dated_in_the_future_and_nothing_is_written(app, city):
    world = build(city)
    before = count(ProjectVisit)
    with pytest.raises(ValidationError) as error:
        visits.record(actor_for("officer_a"), world.project_id, date(2026, 3, 3), "民警甲")
    assert "visited_on" in error.value.errors
    with pytest.raises(ValidationError):
        visits.record(actor_for("officer_a"), world.project_id, date(2026, 3, 2), "")
    assert count(ProjectVisit) == before
    with pytest.raises(NotFound):
        visits.record(actor_for("officer_b"), world.project_id, date(2026, 3, 2), "乙所民警")
    visits.record(actor_for("officer_a"), world.project_id, date(2026, 3, 2), "民警甲")
    assert count(ProjectVisit) == before + 1


def test_the_first_visit_falls_due_after_the_later_of_the_start_and_the_entry(app, city):
    officer = actor_for("officer_a")
    # Entered on 2 March 2026, started on 5 January: the first visit is due a month after the entry (2 April),
    # not a month after the start (the project is not overdue on its first day in the register).
    world = build(city)
    first = visits.schedule(officer, world.project_id)
    assert (first.due_on, first.overdue) == (date(2026, 4, 2), False)
    page = _project_page(app, world.project_id)
    assert "已逾期" not in page
    # Starting after its entry: counted from the start.
    db.session.execute(Project.__table__.update().where(Project.id == world.project_id)
                       .values(starts_on=date(2026, 6, 1)))
    db.session.commit()
    assert visits.schedule(officer, world.project_id).due_on == date(2026, 7, 1)
    # A project entered on 6 December 2026 with a start on 1 June 2026 is not at once overdue.
    clock.freeze(datetime(2026, 12, 6, 2, 0))
    db.session.execute(Project.__table__.update().where(Project.id == world.project_id)
                       .values(created_at=datetime(2026, 12, 6, 2, 0)))
    db.session.commit()
    late_entry = visits.schedule(officer, world.project_id)
    assert late_entry.due_on == date(2027, 1, 6) and not late_entry.overdue


def _project_page(app, project_id):
    from tests.conftest import login
    from tests.helpers import fresh_client

    client = fresh_client(app)
    login(client, "officer_a")
    return client.get(f"/p/project_officer/projects/{project_id}").get_data(as_text=True)

"""The level matrix (its default, a unit's own), assessments and their risks
(a risk without likelihood or impact refused, nothing half-written), closing a
risk only with an outcome, and the sources: a class of similar tickets and
inspection issues, each link kept."""
from datetime import date, datetime

import pytest

from core import clock
from core.errors import Forbidden, NotFound, ValidationError
from core.extensions import db
from core.tickets import services as tickets
from plugins.risk_assessment import assessments, matrix, sources
from plugins.risk_assessment.models import RiskItem, Source
from tests.conftest import actor_for, login
from tests.helpers import count
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)
from tests.risk_assessment_world import build, risk


def test_the_default_matrix_grades_likelihood_times_impact():
    assert matrix.DEFAULT == [
        ["low", "low", "low", "low", "medium"],
        ["low", "low", "medium", "medium", "medium"],
        ["low", "medium", "medium", "medium", "high"],
        ["low", "medium", "medium", "high", "high"],
        ["medium", "medium", "high", "high", "high"],
    ]
    assert matrix.level(None, 1, 4) == "low" and matrix.level(None, 1, 5) == "medium"
    assert matrix.level(None, 3, 4) == "medium" and matrix.level(None, 3, 5) == "high"
    assert matrix.level(None, 5, 5) == "high"


def test_a_unit_sets_its_own_matrix_and_new_risks_follow_it(app, city):
    world = build(city)
    stricter = [row[:] for row in matrix.DEFAULT]
    stricter[2][2] = stricter[2][3] = "high"                   # 3 × 3 and 3 × 4 are high here
    stricter[3][2] = stricter[3][3] = stricter[4][2] = "high"
    with pytest.raises(Forbidden):
        matrix.save(actor_for("desk_a"), stricter)
    broken = [row[:] for row in matrix.DEFAULT]
    broken[4][4] = "low"                                        # more severe, lower level
    with pytest.raises(ValidationError):
        matrix.save(actor_for("leader_a"), broken)
    with pytest.raises(ValidationError):
        matrix.save(actor_for("leader_a"), [["high"] * 5] * 4)
    assessment = assessments.create(actor_for("desk_a"), world.enterprises[0], "年度风险评估")
    before = assessments.add_risk(actor_for("desk_a"), assessment.id, risk(likelihood=3, impact=3))
    matrix.save(actor_for("leader_a"), stricter)
    after = assessments.add_risk(actor_for("desk_a"), assessment.id, risk(likelihood=3, impact=3))
    assert (before.level, after.level) == ("medium", "high")
    assert matrix.level(city.station_b.id, 3, 3) == "medium"    # station B keeps the default


def test_an_assessment_of_an_investment_promotion_enterprise_with_risks_in_three_areas(app, city):
    world = build(city)
    desk = actor_for("desk_a")
    assessment = assessments.create(desk, world.enterprises[0], "招商引资企业风险评估备忘录", investment_promotion=True,
                                    summary="拟落户项目的风险评估。")
    assert assessment.investment_promotion and assessment.assessed_on == date(2026, 3, 2)
    for area, category, l, i in [("risk_management", "fundraising", 5, 4), ("business_management", "embezzlement", 2, 3),
                                 ("business_process", "bid_rigging", 1, 2)]:
        assessments.add_risk(desk, assessment.id, risk(category, l, i, area=area))
    assessment = assessments.get(desk, assessment.id)
    assert [(r.area, r.level, r.score) for r in assessment.risks] == [
        ("risk_management", "high", 20), ("business_management", "medium", 6), ("business_process", "low", 2)]
    assert [s.source_type for s in assessment.risks[0].sources] == ["manual"]
    assert assessments.open_by_level(desk) == {"high": 1, "medium": 1, "low": 1}
    with pytest.raises(NotFound):
        assessments.get(actor_for("desk_b"), assessment.id)
    with pytest.raises(NotFound):                     # another unit's enterprise
        assessments.create(actor_for("desk_b"), world.enterprises[0], "越权评估")
    with pytest.raises(ValidationError):
        assessments.create(desk, world.enterprises[0], "  ")
    with pytest.raises(ValidationError):
        assessments.create(desk, world.enterprises[0], "未来的评估", assessed_on=date(2026, 3, 3))


@pytest.mark.parametrize("missing", ["likelihood", "impact"])
def test_a_risk_without_likelihood_or_impact_is_refused_and_nothing_is_written(app, city, missing):
    world = build(city)
    desk = actor_for("desk_a")
    assessment = assessments.create(desk, world.enterprises[0], "年度风险评估")
    given = risk()
    setattr(given, missing, None)
    with pytest.raises(ValidationError) as error:
        assessments.add_risk(desk, assessment.id, given)
    assert missing in error.value.errors
    setattr(given, missing, 6)                         # off the scale
    with pytest.raises(ValidationError):
        assessments.add_risk(desk, assessment.id, given)
    assert count(RiskItem) == 0 and count(Source) == 0


def test_a_risk_closes_only_with_a_recorded_outcome(app, city):
    world = build(city)
    desk = actor_for("desk_a")
    assessment = assessments.create(desk, world.enterprises[0], "年度风险评估")
    item = assessments.add_risk(desk, assessment.id, risk())
    with pytest.raises(ValidationError):
        assessments.close_risk(desk, item.id, "", "已清退")
    with pytest.raises(ValidationError):
        assessments.close_risk(desk, item.id, "rectified", " ")
    assert assessments.get_risk(desk, item.id).status == "open"
    clock.freeze(datetime(2026, 3, 20, 2, 0))
    closed = assessments.close_risk(desk, item.id, "rectified", "企业已清退全部借款，经核实无遗留。")
    assert (closed.status, closed.outcome, closed.closed_on) == ("closed", "rectified", date(2026, 3, 20))
    with pytest.raises(ValidationError):
        assessments.close_risk(desk, item.id, "rectified", "再次销号")
    assert assessments.open_risks(desk) == []


def test_a_risk_is_pre_filled_from_a_class_of_similar_tickets_and_keeps_the_link(app, city):
    world = build(city, now=datetime(2026, 6, 30, 2, 0))
    desk = actor_for("desk_a")
    made = []
    for n, enterprise in enumerate(world.enterprises[:2] * 2):       # four tickets from the two sock firms
        clock.freeze(datetime(2026, 6, 10 + n, 2, 0))
        made.append(tickets.register(desk, tickets.Intake(
            enterprise_id=enterprise, channel="hotline", category="dispute", ticket_class="general",
            handling_mode="follow", description="供应商以高息集资为名拖欠货款。")))
    clock.freeze(datetime(2026, 6, 30, 2, 0))
    assessment = assessments.create(desk, world.enterprises[0], "袜业企业风险评估")
    classes = sources.ticket_classes(desk, assessment)
    assert [(g.key, g.count) for g in classes] == [(("dispute", "袜业", "大唐街道"), 4)]
    given = sources.from_ticket_class(desk, assessment.id, "dispute", "袜业", "大唐街道")
    assert given.category == "fundraising" and given.likelihood is None
    assert "大唐街道袜业" in given.title and "共提出" in given.description and "4件" in given.description
    assert all(t.number in given.evidence for t in made)
    assert given.sources[0].source_type == "tickets.class"
    assert given.sources[0].ref == "dispute|袜业|大唐街道|2026-06-10|2026-06-13"
    with pytest.raises(ValidationError):                  # still needs likelihood and impact
        assessments.add_risk(desk, assessment.id, given)
    given.likelihood, given.impact = 4, 3
    item = assessments.add_risk(desk, assessment.id, given)
    assert [(s.source_type, s.ref) for s in item.sources] == [("tickets.class", "dispute|袜业|大唐街道|2026-06-10|2026-06-13")]
    # A warning list names the industry for a risk that spans it.
    from core.documents import services as documents
    from plugins.risk_assessment import letters

    warning = letters.draft(desk, assessment.id, "warning", [item.id])
    table = next(value for kind, value in documents.get(desk, warning.document_id).body if kind == "table")
    assert table["rows"][0][3] == "袜业行业（大唐街道）"
    with pytest.raises(NotFound):
        sources.from_ticket_class(desk, assessment.id, "dispute", "五金机械", "暨阳街道")
    with pytest.raises(NotFound):                         # station B sees none of A's tickets
        sources.from_ticket_class(actor_for("desk_b"), assessment.id, "dispute", "袜业", "大唐街道")


def test_the_ticket_classes_service_is_scoped(app, city):
    build(city, now=datetime(2026, 6, 30, 2, 0))
    assert tickets.similar_classes(actor_for("desk_b")) == []
    with pytest.raises(Forbidden):                         # an officer has no ticket statistics
        tickets.similar_classes(actor_for("officer_a"))


def _inspection_issue(city, enterprise_id):
    """An inspection plan at station A with a visit of the enterprise that found an issue."""
    from plugins.inspection import catalogue, plans, visits

    catalogue.load_standard(actor_for("leader_a"))
    form = next(f for f in catalogue.forms(actor_for("leader_a")) if f.name == "住宿业监管一件事")
    plan = plans.create(actor_for("desk_a"), plans.PlanInput(
        title="2026年住宿业综合查一次", form_id=form.id, police_types=["public_order"], unit_ids=[city.station_a.id],
        period_start=date(2026, 3, 1), period_end=date(2026, 6, 30), selection="manual"))
    visit = plans.add_target(actor_for("desk_a"), plan.id, enterprise_id)
    plans.run_draw(actor_for("desk_a"), plan.id)
    results = {item.id: visits.ItemResult("compliant") for item in form.items}
    results[form.items[0].id] = visits.ItemResult("issue", "未按规定登记旅客身份信息，消防通道堵塞。")
    visits.record(actor_for("desk_a"), visit.id, results)
    finding = visits.get(actor_for("desk_a"), visit.id).findings[0]
    return form.items[0], finding


def test_a_risk_is_pre_filled_from_an_inspection_issue_and_keeps_the_link(app, city):
    world = build(city, plugins=("risk_assessment", "inspection"))
    desk = actor_for("desk_a")
    item, finding = _inspection_issue(city, world.enterprises[0])
    assessment = assessments.create(desk, world.enterprises[0], "住宿业企业风险评估")
    found = sources.findings(desk, assessment)
    assert [(f.source, f.ref) for f in found] == [("inspection.issue", finding.id)]
    given = sources.from_finding(desk, assessment.id, "inspection.issue", finding.id)
    assert given.title == item.name and given.category == "security" and given.area == "risk_management"
    assert "消防通道堵塞" in given.description and "尚未整改完毕" in given.description
    given.likelihood, given.impact = 3, 4
    made = assessments.add_risk(desk, assessment.id, given)
    assert [(s.source_type, s.ref, s.title) for s in made.sources] == [("inspection.issue", str(finding.id), item.name)]
    with pytest.raises(NotFound):
        sources.from_finding(desk, assessment.id, "inspection.issue", finding.id + 999)
    other = assessments.create(desk, world.enterprises[1], "另一企业评估")
    with pytest.raises(NotFound):                          # the issue is not this enterprise's
        sources.from_finding(desk, other.id, "inspection.issue", finding.id)


def test_the_risk_form_offers_only_classes_of_the_enterprises_industry_and_district(app, city):
    world = build(city, now=datetime(2026, 6, 30, 2, 0))
    desk = actor_for("desk_a")
    # Three similar demands from the sock firms (袜业, 大唐街道) and three from the hardware firm (五金机械, 暨阳街道).
    for n, enterprise in enumerate([world.enterprises[0], world.enterprises[1], world.enterprises[0]]
                                   + [world.enterprises[2]] * 3):
        clock.freeze(datetime(2026, 6, 10 + n, 2, 0))
        tickets.register(desk, tickets.Intake(
            enterprise_id=enterprise, channel="hotline", category="dispute", ticket_class="general",
            handling_mode="follow", description="供应商拖欠货款。"))
    clock.freeze(datetime(2026, 6, 30, 2, 0))
    everything = tickets.similar_classes(desk)
    assert {g.key for g in everything} == {("dispute", "袜业", "大唐街道"), ("dispute", "五金机械", "暨阳街道")}
    socks = assessments.create(desk, world.enterprises[0], "袜业企业风险评估")
    hardware = assessments.create(desk, world.enterprises[2], "五金企业风险评估")
    pearls = assessments.create(desk, world.enterprises[3], "珍珠企业风险评估")
    assert [g.key for g in sources.ticket_classes(desk, socks)] == [("dispute", "袜业", "大唐街道")]
    assert [g.key for g in sources.ticket_classes(desk, hardware)] == [("dispute", "五金机械", "暨阳街道")]
    assert sources.ticket_classes(desk, pearls) == []
    # The assessment page offers the same, and only that.
    client = app.test_client()
    login(client, "desk_a")
    page = client.get(f"/p/risk_assessment/assessments/{socks.id}").get_data(as_text=True)
    assert "ticket_class=dispute%7C%E8%A2%9C%E4%B8%9A" in page or "ticket_class=dispute|袜业" in page
    assert "五金机械" not in page

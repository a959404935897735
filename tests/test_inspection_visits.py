"""The visit → rectification → re-check → credit repair path, publication (一公开)
hiding what settings hide, the documents' numbers and content, per-unit
enablement, and the pages."""
import io
import re
from datetime import date, datetime

import pytest
from pypdf import PdfReader

from core import clock
from core.documents import services as documents
from core.errors import Forbidden, NotFound, ValidationError
from core.extensions import db
from core.org.actor import shell_actor
from core.plugins import services as plugin_services
from plugins.inspection import catalogue, credit, letters, plans, publication, visits
from tests.conftest import actor_for, login
from tests.helpers import fresh_client
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)
from tests.inspection_world import build, plan_input

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(200))


def text_of(pdf: bytes) -> str:
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))


@pytest.fixture
def drawn(app, city):
    world = build(city)
    plan = plans.create(actor_for("desk_a"), plan_input(world, city, draw_count=2))
    plan = plans.run_draw(actor_for("desk_a"), plan.id)
    return world, plan


def _results(visit, issue_item=None, photos=()):
    results = {}
    for item in visit.plan.form.items:
        if item.id == issue_item:
            results[item.id] = visits.ItemResult("issue", "未按规定登记旅客身份信息", list(photos))
        else:
            results[item.id] = visits.ItemResult("compliant")
    return results


def test_visit_rectification_recheck_and_credit_repair(app, city, drawn):
    from core.tickets import attachments

    world, plan = drawn
    visit = plan.visits[0]
    inspector = next(u for u in ("officer_a", "officer_a2", "officer_a3", "officer_a4")
                     if actor_for(u).user_id in visit.inspector_ids)
    item = visit.plan.form.items[0]
    # Every item needs a result; an issue needs a description; a deadline in the past is refused.
    with pytest.raises(ValidationError):
        visits.record(actor_for(inspector), visit.id, {})
    with pytest.raises(ValidationError):
        visits.record(actor_for(inspector), visit.id, _results(visit, item.id), due_on=date(2026, 3, 1))
    assert visits.get(actor_for(inspector), visit.id).status == "planned"
    photo = attachments.check_uploads([("现场.png", io.BytesIO(PNG))])
    visits.record(actor_for(inspector), visit.id, _results(visit, item.id, photo))
    visit = visits.get(actor_for("desk_a"), visit.id)
    assert (visit.status, visit.outcome) == ("done", "issues")
    order = next(f.rectification for f in visit.findings if f.result == "issue")
    assert order.status == "open" and order.due_at.date() == date(2026, 3, 16)   # 10 working days after 2 March
    assert len(order.finding.photos) == 1
    with pytest.raises(Forbidden):                 # recorded once
        visits.record(actor_for("desk_a"), visit.id, _results(visit))
    assert credit.grade(visit.enterprise_id) == "C"
    with pytest.raises(ValidationError):           # not before rectification
        credit.request_repair(actor_for("desk_a"), visit.enterprise_id, "已整改")
    visits.recheck(actor_for(inspector), order.id, passed=False, note="尚未整改")
    clock.freeze(datetime(2026, 4, 30, 2, 0))
    assert credit.grade(visit.enterprise_id) == "D"                             # overdue
    visits.recheck(actor_for(inspector), order.id, passed=True, note="已整改到位")
    assert credit.grade(visit.enterprise_id) == "B"
    repair = credit.request_repair(actor_for("desk_a"), visit.enterprise_id, "问题已全部整改")
    with pytest.raises(Forbidden):
        credit.decide(actor_for("desk_a"), repair.id, True)
    credit.decide(actor_for("leader_a"), repair.id, True)
    assert credit.grade(visit.enterprise_id) == "A"
    # The visit counts against the cap of the year it took place.
    assert plans.visit_counts([visit.enterprise_id], 2026)[visit.enterprise_id] == 1


def test_issues_reach_other_plugins_as_findings_of_the_enterprise(app, city, drawn):
    from core.registry import services as registry

    world, plan = drawn
    visit = plan.visits[0]
    item = visit.plan.form.items[0]
    visits.record(actor_for("desk_a"), visit.id, _results(visit, item.id))
    found = registry.findings(actor_for("desk_a"), visit.enterprise_id)
    assert [(f.source, f.title, f.detail, f.is_open) for f in found] == [
        ("inspection.issue", item.name, "未按规定登记旅客身份信息", True)]
    order = next(f.rectification for f in visits.get(actor_for("desk_a"), visit.id).findings if f.result == "issue")
    visits.recheck(actor_for("desk_a"), order.id, passed=True, note="已整改")
    assert [f.is_open for f in registry.findings(actor_for("desk_a"), visit.enterprise_id)] == [False]
    with pytest.raises(NotFound):                  # another unit's enterprise
        registry.findings(actor_for("desk_b"), visit.enterprise_id)
    assert not actor_for("auditor").can("inspection.read")     # the auditor reads the trail, not the plugin
    assert visits.findings_of(actor_for("auditor"), visit.enterprise_id) == []
    plugin_services.set_enabled(shell_actor(), "STA", "inspection", False)
    assert registry.findings(actor_for("desk_a"), visit.enterprise_id) == []


def test_only_drawn_inspectors_or_the_lead_unit_record(app, city, drawn):
    world, plan = drawn
    visit = plan.visits[0]
    with pytest.raises(NotFound):                  # another unit's plan does not exist for them
        visits.record(actor_for("officer_b"), visit.id, _results(visit))
    bystander = next(u for u in ("officer_a", "officer_a2", "officer_a3", "officer_a4")
                     if actor_for(u).user_id not in visit.inspector_ids)
    with pytest.raises(Forbidden):
        visits.record(actor_for(bystander), visit.id, _results(visit))


def test_publication_hides_names_unless_the_setting_shows_them(app, city, drawn):
    world, plan = drawn
    visit = plan.visits[0]
    visits.record(actor_for("desk_a"), visit.id, _results(visit))
    names = [row.user.name for row in visit.inspector_rows]
    publication.publish(actor_for("desk_a"), plan.id)
    client = fresh_client(app)                                   # nobody logged in
    page = client.get(f"/p/inspection/results/{plan.id}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and visit.enterprise.name in body
    assert not any(name in body for name in names)
    pdf = client.get(f"/p/inspection/results/{plan.id}.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = text_of(pdf.data)
    assert visit.enterprise.name in text and not any(name in text for name in names)
    catalogue.save_settings(actor_for("leader_a"), 2, False)
    publication.publish(actor_for("desk_a"), plan.id)
    body = client.get(f"/p/inspection/results/{plan.id}").get_data(as_text=True)
    assert all(name in body for name in names)
    assert all(name in text_of(client.get(f"/p/inspection/results/{plan.id}.pdf").data) for name in names)
    # Switched off for the lead unit: the public page is gone too.
    plugin_services.set_enabled(shell_actor(), "STA", "inspection", False)
    assert client.get(f"/p/inspection/results/{plan.id}").status_code == 404


def test_an_unpublished_plan_has_no_public_page(app, city, drawn):
    world, plan = drawn
    assert fresh_client(app).get(f"/p/inspection/results/{plan.id}").status_code == 404
    assert fresh_client(app).get(f"/p/inspection/results/{plan.id}.pdf").status_code == 404


def _issue(document_id):
    documents.submit(actor_for("desk_a"), document_id)
    documents.sign_off(actor_for("leader_a"), document_id)
    documents.issue(actor_for("desk_a"), document_id)
    return documents.get(actor_for("desk_a"), document_id), documents.pdf(actor_for("desk_a"), document_id)


def test_each_document_is_numbered_signed_off_and_says_what_it_is_for(app, city, drawn):
    city.station_a.doc_prefix = "甲公"
    db.session.commit()
    world, plan = drawn
    visit = plan.visits[0]
    item = visit.plan.form.items[0]
    notice, pdf = _issue(letters.notice(actor_for("desk_a"), visit.id).id)
    assert notice.number == "甲公函〔2026〕1号" and notice.signed_by_id == actor_for("leader_a").user_id
    text = text_of(pdf)
    assert f"关于对{visit.enterprise.name}开展“综合查一次”联合检查的通知书" in text and "甲公函〔2026〕1号" in text
    assert item.name in text and "综合查一次" in text
    with pytest.raises(ValidationError):
        letters.result(actor_for("desk_a"), visit.id)                # not before the visit
    visits.record(actor_for("desk_a"), visit.id, _results(visit, item.id))
    result, pdf = _issue(letters.result(actor_for("desk_a"), visit.id).id)
    assert result.number == "甲公函〔2026〕2号"
    text = text_of(pdf)
    assert f"关于{visit.enterprise.name}“综合查一次”联合检查结果的告知书" in text
    assert "存在问题" in text and "未按规定登记旅客身份信息" in text
    order = visits.get(actor_for("desk_a"), visit.id).findings[0].rectification
    rectify, pdf = _issue(letters.rectification(actor_for("desk_a"), order.id).id)
    assert rectify.number == "甲公函〔2026〕3号" and rectify.doc_type == "inspection.rectification"
    text = text_of(pdf)
    assert f"关于责令{visit.enterprise.name}限期整改{item.name}问题的通知书" in text and "2026年3月16日前" in text


def test_a_unit_without_the_plugin_sees_none_of_it(app, city, drawn):
    world, plan = drawn
    plugin_services.set_enabled(shell_actor(), "STB", "inspection", False)
    b = fresh_client(app)
    login(b, "desk_b")
    for url in ("/p/inspection/", f"/p/inspection/plans/{plan.id}", f"/p/inspection/visits/{plan.visits[0].id}",
                "/p/inspection/catalogue"):
        assert b.get(url).status_code == 404, url
    assert b.post(f"/p/inspection/plans/{plan.id}/draw").status_code == 404
    home = b.get("/").get_data(as_text=True)
    assert "/p/inspection/" not in home and 'data-testid="inspection-widget"' not in home
    a = fresh_client(app)
    login(a, "desk_a")
    home = a.get("/").get_data(as_text=True)
    # The menu; the widget waits until a visit is done (a widget with nothing to show is left out).
    assert "/p/inspection/" in home and 'data-testid="inspection-widget"' not in home
    enterprise = plan.visits[0].enterprise_id
    assert 'data-testid="inspection-panel"' in a.get(f"/enterprises/{enterprise}").get_data(as_text=True)
    # The centre sees station A's enterprise but has not enabled the plugin: no panel.
    desk = fresh_client(app)
    login(desk, "desk")
    page = desk.get(f"/enterprises/{enterprise}")
    assert page.status_code == 200 and 'data-testid="inspection-panel"' not in page.get_data(as_text=True)


def test_the_pages_walk_a_plan_from_creation_to_publication(app, city):
    world = build(city)
    client = fresh_client(app)
    login(client, "desk_a")
    response = client.post("/p/inspection/plans/new", data={
        "title": "春季综合查一次", "form_id": world.form_id, "police_types": ["public_order", "cyber"],
        "unit_ids": [city.station_a.id], "period_start": "2026-03-01", "period_end": "2026-04-30",
        "selection": "draw", "industry": "住宿餐饮", "draw_count": "1", "inspectors_per_target": "2"})
    assert response.status_code == 303
    plan_url = response.headers["Location"]
    assert client.post(plan_url + "/draw").status_code == 303
    page = client.get(plan_url).get_data(as_text=True)
    assert page.count('data-testid="target"') == 1
    verified = client.post(plan_url + "/verify").get_data(as_text=True)
    assert 'data-ok="yes"' in verified
    visit_url = re.search(r'href="(/p/inspection/visits/\d+)"', page).group(1)
    form = client.get(visit_url).get_data(as_text=True)
    fields = sorted(set(re.findall(r'name="(result_\d+)"', form)))
    data = {name: "compliant" for name in fields}
    data[fields[0]] = "issue"
    data["description_" + fields[0].split("_")[1]] = "监控录像保存不足30日"
    assert client.post(visit_url, data=data).status_code == 303
    assert 'data-testid="rectification-status"' in client.get(visit_url).get_data(as_text=True)
    assert client.post(plan_url + "/publish").status_code == 303
    plan_id = int(plan_url.rsplit("/", 1)[1])
    assert fresh_client(app).get(f"/p/inspection/results/{plan_id}").status_code == 200
    bad = client.post("/p/inspection/plans/new", data={"title": "", "form_id": world.form_id})
    assert bad.status_code == 400

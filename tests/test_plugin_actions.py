"""Plugin actions answer in words: one rule in core.web (flash_done after an
action, flash_refusal for a refusal), a confirmation after every plugin POST,
refusals shown as messages in the user's language, inspection codes shown as
words, and empty lists that say how to fill them."""
import inspect
import re

import pytest
from flask import get_flashed_messages

from core.errors import Conflict, Forbidden, NotFound, ValidationError
from core.org.actor import shell_actor
from core.org.services import save_user
from tests.conftest import PASSWORD, actor_for, enrol_second_factor, login
from tests.helpers import fresh_client
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)

PLUGINS = ("exit_entry", "inspection", "ip_protection", "project_officer", "risk_assessment")
# POST views whose success is the page they render (not a redirect with a message): showing an ID
# number or a phone in full, and checking a draw, which shows the check's outcome itself.
ANSWERED_BY_THE_PAGE = {"exit_entry.reveal", "inspection.verify", "project_officer.reveal_member"}


def _messages(client, path):
    html = client.get(path).get_data(as_text=True)
    return re.findall(r'<div class="flash flash-(\w+)"[^>]*>(.*?)</div>', html, re.S)


# --- the rule ----------------------------------------------------------------------------------

def test_flash_refusal_shows_input_permission_and_state_refusals_and_reraises_not_found(app):
    from core.web import flash_done, flash_refusal

    with app.test_request_context("/"):
        flash_done("已保存。")
        flash_refusal(ValidationError("第一个", errors={"a": ["第一个"], "b": ["第二个"]}))
        flash_refusal(Forbidden("无权操作。"))
        flash_refusal(Conflict("已被取消。"))
        with pytest.raises(NotFound):
            flash_refusal(NotFound("没有该记录。"))
        assert get_flashed_messages(with_categories=True) == [
            ("success", "已保存。"), ("error", "第一个"), ("error", "第二个"), ("error", "无权操作。"),
            ("error", "已被取消。")]


def test_every_plugin_post_view_confirms_through_core_and_has_no_flash_of_its_own(app):
    posting = sorted({rule.endpoint for rule in app.url_map.iter_rules()
                      if "POST" in rule.methods and rule.endpoint.split(".")[0] in PLUGINS})
    assert len(posting) > 90
    missing = [endpoint for endpoint in posting if endpoint not in ANSWERED_BY_THE_PAGE
               and "flash_done(" not in inspect.getsource(app.view_functions[endpoint])]
    assert missing == []
    for plugin in PLUGINS:
        source = inspect.getsource(__import__(f"plugins.{plugin}.views", fromlist=["bp"]))
        assert "def _flash" not in source and '"error")' not in source and '"success")' not in source, plugin


# --- the actions the desk and the leaders take -----------------------------------------------------

@pytest.fixture
def inspection_world(app, city):
    from tests.inspection_world import build

    return build(city)


def test_inspection_plan_draw_and_catalogue_are_confirmed_and_statuses_read_in_chinese(app, city,
                                                                                      inspection_world):
    desk = fresh_client(app)
    login(desk, "desk_a")
    response = desk.post("/p/inspection/plans/new", data={
        "title": "2026年住宿业综合查一次", "form_id": inspection_world.form_id,
        "police_types": ["public_order", "exit_entry"], "unit_ids": [city.station_a.id],
        "period_start": "2026-03-01", "period_end": "2026-06-30", "selection": "draw", "industry": "住宿餐饮",
        "draw_count": "2", "inspectors_per_target": "2"})
    assert response.status_code == 303
    plan_url = response.headers["Location"]
    page = desk.get(plan_url).get_data(as_text=True)
    assert "计划“2026年住宿业综合查一次”已保存为草稿" in page
    assert "状态：" in page and 'data-status="draft">草稿<' in page and "状态: draft" not in page
    assert "参与警种：" in page
    desk.post(f"{plan_url}/draw")
    [(kind, text)] = _messages(desk, plan_url)
    assert kind == "success" and text == "抽取完成：共抽中2家企业，均已匹配检查人员。"
    page = desk.get(plan_url).get_data(as_text=True)
    assert 'data-status="drawn">已抽取<' in page
    assert re.search(r'data-testid="open-visit" data-status="planned">待检查<', page)
    assert ">planned<" not in page and ">drawn<" not in page
    # Drawing again is refused with a message, not an error page.
    assert desk.post(f"{plan_url}/draw").status_code == 303
    [(kind, _text)] = _messages(desk, plan_url)
    assert kind == "error"


def test_an_empty_catalogue_tells_the_desk_a_leader_loads_it_and_gives_the_leader_the_button(app, city,
                                                                                            inspection_world):
    # Station B has the plugin but no catalogue yet.
    save_user(shell_actor(), {"username": "leader_b", "name": "乙所长", "unit_id": city.station_b.id,
                              "roles": ["leader"], "password": PASSWORD})
    enrol_second_factor("leader_b")
    desk = fresh_client(app)
    login(desk, "desk_b")
    page = desk.get("/p/inspection/catalogue").get_data(as_text=True)
    assert "须先由领导载入标准清单" in page and 'data-testid="load-catalogue"' not in page
    assert "须先由领导载入标准清单" in desk.get("/p/inspection/plans/new").get_data(as_text=True)
    leader = fresh_client(app)
    login(leader, "leader_b")
    assert 'data-testid="load-catalogue"' in leader.get("/p/inspection/catalogue").get_data(as_text=True)
    leader.post("/p/inspection/catalogue/load")
    [(kind, text)] = _messages(leader, "/p/inspection/catalogue")
    assert kind == "success" and text.startswith("标准清单已载入")
    leader.post("/p/inspection/catalogue/load")           # a second time: refused in words
    [(kind, text)] = _messages(leader, "/p/inspection/catalogue")
    assert kind == "error" and "已有" in text


def test_adding_an_exit_entry_window_is_confirmed(app, city):
    from tests.exit_entry_world import build

    build(city)
    desk = fresh_client(app)
    login(desk, "desk_a")
    desk.post("/p/exit_entry/windows", data={"name": "出入境专窗1号"})
    assert _messages(desk, "/p/exit_entry/appointments") == [
        ("success", "窗口“出入境专窗1号”已添加：请在下方开放其时段。")]
    desk.post("/p/exit_entry/windows", data={"name": "出入境专窗1号"})
    [(kind, _text)] = _messages(desk, "/p/exit_entry/appointments")
    assert kind == "error"


def test_answering_an_ip_consultation_is_confirmed(app, city):
    from plugins.ip_protection import consultations
    from tests.ip_protection_world import build

    world = build(city)
    row = consultations.register(actor_for("desk_a"), world.enterprise.id,
                                 consultations.Question(question="我司商标被他人使用，如何维权？", topic="trademark"))
    officer = fresh_client(app)
    login(officer, row.officer.username)
    response = officer.post(f"/p/ip_protection/consultations/{row.id}/answer", data={"body": "请先固定侵权证据。"})
    assert response.status_code == 303
    assert _messages(officer, response.headers["Location"]) == [("success", "您的答复已发送给企业。")]


def test_creating_a_project_is_confirmed_and_a_refusal_names_every_problem(app, city):
    from tests.project_officer_world import build, user_id

    world = build(city)
    leader = fresh_client(app)
    login(leader, "leader_a")
    form = {"name": "诸暨站综合枢纽二期", "enterprise_id": world.enterprise_a, "location": "暨阳街道",
            "investment": "1000", "stage": "construction", "starts_on": "2026-06-01", "ends_on": "2027-06-30",
            "officer_id": user_id("officer_a"), "leader_id": user_id("leader_a"), "visit_interval_months": "1"}
    response = leader.post("/p/project_officer/projects/new", data=form)
    assert response.status_code == 303
    page = leader.get(response.headers["Location"]).get_data(as_text=True)
    assert "项目“诸暨站综合枢纽二期”已建立。" in page


def test_cancelling_an_unknown_appointment_is_a_404_not_a_message(app, city):
    from tests.exit_entry_world import build

    build(city)
    desk = fresh_client(app)
    login(desk, "desk_a")
    assert desk.post("/p/exit_entry/appointments/999999/cancel", data={"reason": "x"}).status_code == 404

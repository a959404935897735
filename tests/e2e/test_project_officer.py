"""Project officers in a real browser: the centre's desk registers a key
project of a station's enterprise with its officer and leader, adds a police
team member and the enterprise's contact (the phone shown masked), records a
visit and a risk (its responsible unit set by the level's rule), makes the
project file and downloads it as one PDF."""
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from core.extensions import db
from core.org.models import User, UserRole
from tests.e2e.test_ticket_loop import log_in, station_and_enterprise

TABLET = {"width": 1024, "height": 768}


def people(app):
    with app.app_context():
        officers = list(db.session.scalars(select(User.id).where(User.role_rows.any(UserRole.role == "officer"))
                                           .order_by(User.id).limit(2)))
        leader = db.session.scalar(select(User.id).where(User.username == "leader"))
        return officers, leader


@pytest.mark.e2e
def test_project_team_visit_risk_and_file(live_server, visit, report_dir):
    page = visit.page
    _station, _name, _enterprise_id, enterprise_name, credit_code = station_and_enterprise(live_server.app)
    officers, leader = people(live_server.app)
    log_in(page, "desk")
    page.locator('nav.side a[href="/p/project_officer/"]').click()
    page.get_by_test_id("new-project").click()
    page.locator("#name").fill("诸暨高铁新城综合枢纽工程")
    page.locator("#enterprise_code").fill(credit_code)
    page.locator("#location").fill("暨阳街道高铁新城")
    page.locator("#investment").fill("285000")
    page.locator("#stage").select_option("construction")
    page.locator("#starts_on").fill("2026-01-05")
    page.locator("#officer_id").select_option(str(officers[0]))
    page.locator("#leader_id").select_option(str(leader))
    page.get_by_test_id("save-project").click()
    expect(page).to_have_url(re.compile(r"/p/project_officer/projects/\d+$"))
    expect(page.get_by_test_id("project-title")).to_have_text("诸暨高铁新城综合枢纽工程")
    expect(page.get_by_test_id("project-sheet")).to_contain_text(enterprise_name)

    # The team: a second officer and the enterprise's contact, whose phone is shown masked.
    page.locator("#m_user").select_option(str(officers[1]))
    page.locator("#m_title").fill("协助走访")
    page.get_by_test_id("add-police").click()
    page.locator("#c_name").fill("周经理")
    page.locator("#c_title").fill("项目经理")
    page.locator("#c_phone").fill("13857512345")
    page.get_by_test_id("add-contact").click()
    expect(page.get_by_test_id("member")).to_have_count(2)
    expect(page.get_by_test_id("member-phone")).to_have_text("138****2345")

    # A visit, on a tablet-sized screen.
    page.set_viewport_size(TABLET)
    page.locator("#v_raised").fill("夜间施工噪音引发周边居民不满")
    page.locator("#v_actions").fill("协调施工方调整作业时间")
    page.get_by_test_id("save-visit").click()
    expect(page.get_by_test_id("visit")).to_have_count(1)
    page.screenshot(path=str(report_dir / "e2e-project-officer-project.png"), full_page=True)

    # A risk: obstruction of works, high; the default rule gives it to the unit above the centre.
    page.locator("#r_type").select_option("obstruction")
    page.get_by_test_id("level-high").check()
    page.locator("#r_title").fill("村民阻挠施工车辆进场")
    page.locator("#r_desc").fill("约二十名村民围堵工地大门")
    page.get_by_test_id("save-risk").click()
    expect(page).to_have_url(re.compile(r"/p/project_officer/risks/\d+$"))
    expect(page.get_by_test_id("risk-title")).to_have_text("村民阻挠施工车辆进场")
    expect(page.get_by_test_id("responsible-unit")).not_to_be_empty()
    page.locator("#a_text").fill("会同街道约谈带头村民")
    page.get_by_test_id("save-action").click()
    expect(page.get_by_test_id("actions").locator("li")).to_have_count(1)

    # The file: made as of today and downloaded as one PDF.
    page.get_by_role("link", name="诸暨高铁新城综合枢纽工程").click()
    page.get_by_test_id("make-dossier").click()
    with page.expect_download() as download:
        page.get_by_test_id("download-dossier").click()
    path = download.value.path()
    with open(path, "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    assert download.value.suggested_filename.endswith(".pdf")
    assert not live_server.errors and not visit.console_errors

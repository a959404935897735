"""IP officers online in a real browser: the centre's desk registers an
enterprise's question and routes it to the 食药环 brigade; the brigade's IP
officer answers it (publishable: it reaches the FAQ without the enterprise's
name), records an IP health check of the enterprise and drafts its report; the
brigade's leader signs the report off and issues it, and the issued PDF says
what the check found."""
import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader
from sqlalchemy import select

from core.extensions import db
from core.registry.models import Enterprise
from tests.e2e.test_ticket_loop import log_in, log_out

QUESTION = "我司“管件”外观设计被外地企业仿冒并在网店销售，应如何维权？"
ANSWER = "建议先对网店页面进行公证保全，固定销售数量和金额，再向公安机关报案；涉及专利的，可同时申请专利权评价报告。"


def an_enterprise(app) -> tuple[int, str]:
    with app.app_context():
        row = db.session.scalar(select(Enterprise).where(Enterprise.name.like("%管业%")).order_by(Enterprise.id))
        row = row or db.session.scalar(select(Enterprise).order_by(Enterprise.id))
        return row.id, row.name


@pytest.mark.e2e
def test_answer_a_consultation_and_issue_a_health_check_report(live_server, visit, report_dir):
    page = visit.page
    enterprise_id, name = an_enterprise(live_server.app)

    # The centre's desk registers the question for the enterprise and routes it to the brigade.
    log_in(page, "desk")
    page.locator('nav.side a[href="/p/ip_protection/"]').click()
    page.get_by_test_id("new-consultation").click()
    page.locator("#q").fill(name)
    page.locator("#q").press("Enter")
    page.get_by_test_id("choose-enterprise").first.click()
    expect(page.get_by_test_id("chosen-enterprise")).to_have_text(name)
    page.locator("#unit_id").select_option(label="食药环知森大队")
    page.locator("#topic").select_option("patent")
    page.locator("#question").fill(QUESTION)
    page.locator("#contact_name").fill("王经理")
    page.get_by_test_id("save-consultation").click()
    expect(page).to_have_url(re.compile(r"/p/ip_protection/consultations/\d+$"))
    consultation_url = page.url
    expect(page.get_by_test_id("consultation-status")).to_have_text(re.compile("等待答复|Waiting"))
    log_out(page)

    # The brigade's IP officer answers, publishable.
    log_in(page, "syh.officer")
    page.goto(consultation_url)
    page.locator("#answer-body").fill(ANSWER)
    page.get_by_test_id("publishable").check()
    page.screenshot(path=str(report_dir / "e2e-ip-consultation.png"), full_page=True)
    page.get_by_test_id("send-answer").click()
    expect(page.get_by_test_id("consultation-status")).to_have_text(re.compile("已答复|Answered"))
    expect(page.get_by_test_id("message-officer")).to_contain_text("公证保全")
    expect(page.get_by_test_id("published")).to_be_visible()
    expect(page.get_by_test_id("late")).to_have_count(0)
    page.goto("/p/ip_protection/faq?q=公证保全")
    expect(page.get_by_test_id("faq-entry")).to_have_count(1)
    assert name not in page.get_by_test_id("faq-entry").inner_text()

    # The officer records the health check on a tablet-sized screen, then drafts the report.
    page.set_viewport_size({"width": 1024, "height": 768})
    page.goto(f"/p/ip_protection/enterprises/{enterprise_id}")
    page.get_by_test_id("new-check").click()
    for area, score in (("trademarks", "85"), ("patents", "70"), ("trade_secrets", "40"), ("online_monitoring", "55"),
                        ("counterfeits", "60"), ("confidentiality", "50"), ("training", "75")):
        page.get_by_test_id(f"score-{area}").fill(score)
    page.locator("#trademark_count").fill("2")
    page.locator("#trademark_classes").fill("6, 17")
    page.locator("#findings").fill("未建立商业秘密分级管理制度，核心技术人员未签订保密协议。")
    page.locator("#recommendations").fill("建立保密制度，与核心技术人员签订保密和竞业限制协议。")
    page.locator("#follow_up_on").fill("2027-03-01")
    page.get_by_test_id("save-check").click()
    expect(page.get_by_test_id("overall")).to_have_text("62")          # (85+70+40+55+60+50+75) / 7 = 62.1
    page.get_by_test_id("check-report").click()
    expect(page).to_have_url(re.compile(r"/documents/\d+$"))
    document_url = page.url
    expect(page.get_by_test_id("document-title")).to_have_text(f"关于{name}知识产权保护体检情况的报告")
    page.get_by_test_id("submit-submit").click()
    expect(page.get_by_test_id("action-submit")).to_have_count(0)
    log_out(page)

    # The brigade's leader signs it off and issues it.
    page.set_viewport_size({"width": 1366, "height": 768})
    log_in(page, "syh.leader")
    page.goto(document_url)
    page.get_by_test_id("submit-sign").click()
    expect(page.get_by_test_id("signed-off")).to_be_visible()
    page.get_by_test_id("submit-issue").click()
    expect(page.get_by_test_id("document-number")).to_contain_text("诸公食函〔")
    number = page.get_by_test_id("document-number").inner_text().strip()
    page.screenshot(path=str(report_dir / "e2e-ip-check-report.png"), full_page=True)
    with page.expect_download() as caught:
        page.get_by_test_id("download-pdf").click()
    content = Path(caught.value.path()).read_bytes()
    text = re.sub(r"\s+", "", "".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages))
    for expected in (f"关于{name}知识产权保护体检情况的报告", number, "商业秘密保护措施", "62", "核心技术人员未签订保密协议",
                     "2027年3月1日"):
        assert expected in text, expected
    assert not visit.console_errors, f"the browser logged errors: {visit.console_errors}"
    assert not live_server.errors, f"the server raised: {live_server.errors}"

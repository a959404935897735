"""The enterprise portal in a real browser, on a phone-sized screen (360 × 740):
an enterprise registers, the desk verifies it (a staff login in another
window), the enterprise submits a demand with a photo, the station answers and
the desk closes it, the enterprise rates it and opens and confirms a letter.
Screenshots of the portal's main pages at that size go to the test report."""
import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from core.demo.data import DEMO_PASSWORD  # noqa: F401  (the staff's password, used by log_in)
from core.documents import services as documents
from core.documents.models import DocumentDelivery
from core.extensions import db
from core.org.actor import Actor
from core.org.services import user_by_username
from core.tickets.models import Ticket
from tests.e2e.conftest import TIMEOUT_MS
from tests.e2e.test_ticket_loop import log_in, log_out, station_and_enterprise

PHONE_SCREEN = {"width": 360, "height": 740}
PHONE = "13912345678"
PASSWORD = "Qiye#2026ok"
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")


def _fits(page):
    """Nothing wider than the phone's screen: no sideways scrolling."""
    page.wait_for_load_state()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_SCREEN["width"], page.url


def _shot(page, report_dir, name):
    _fits(page)
    page.screenshot(path=str(report_dir / f"portal-{name}.png"), full_page=True)


def _letter_to(app, enterprise_id) -> int:
    """An issued letter of the centre addressed to the enterprise (written, signed off and issued by staff)."""
    with app.app_context():
        desk, leader = Actor(user_by_username("desk")), Actor(user_by_username("leader"))
        draft = documents.create(desk, documents.Draft(
            doc_type="letter", title="关于加强节前安全防范的提示函", addressees=["企业"],
            body=[("p", "节日临近，请加强内部安全管理，落实值班制度。")], enterprise_id=enterprise_id))
        documents.submit(desk, draft.id)
        documents.sign_off(leader, draft.id)
        letter_id = draft.id
        documents.issue(desk, letter_id)
        db.session.remove()
        return letter_id


@pytest.mark.e2e
def test_register_verify_demand_answer_rate_and_letter_on_a_phone(browser, live_server, visit, report_dir):
    station_id, _, enterprise_id, enterprise_name, credit_code = station_and_enterprise(live_server.app)
    phone_context = browser.new_context(base_url=live_server.url, viewport=PHONE_SCREEN, locale="zh-CN",
                                        timezone_id="Asia/Shanghai", is_mobile=True, has_touch=True)
    phone_context.set_default_timeout(TIMEOUT_MS)
    m = phone_context.new_page()
    requested, errors = [], []
    m.on("request", lambda r: requested.append(r.url))
    m.on("pageerror", lambda e: errors.append(str(e)))
    staff = visit.page

    # The enterprise registers on its phone; the name typed with full-width brackets and spaces still matches.
    m.goto("/portal/")
    _shot(m, report_dir, "1-public-home")
    m.get_by_test_id("go-register").click()
    m.locator("#credit_code").fill(credit_code[:1] + credit_code[1:].lower())
    m.locator("#enterprise_name").fill(" " + enterprise_name.replace("(", "（").replace(")", "）") + " ")
    m.locator("#unit_id").select_option(str(station_id))
    m.locator("#name").fill("王经理")
    m.locator("#phone").fill(PHONE)
    m.locator("#password").fill(PASSWORD)
    m.locator("#repeat").fill(PASSWORD)
    _shot(m, report_dir, "2-register")
    m.get_by_test_id("register-submit").click()
    expect(m.get_by_test_id("registered")).to_be_visible()
    # Not yet verified: no sign-in.
    m.goto("/portal/login")
    m.locator("#phone").fill(PHONE)
    m.locator("#password").fill(PASSWORD)
    m.get_by_test_id("portal-login-submit").click()
    expect(m.get_by_test_id("login-error")).to_be_visible()

    # The desk verifies it, in its own browser window, and publishes a policy notice.
    log_in(staff, "desk")
    staff.goto("/portal-desk/notices/new")
    staff.locator("#kind").select_option("policy")
    staff.locator("#title").fill("关于企业员工出入境证件办理绿色通道的通知")
    staff.locator("#body").fill("即日起，规上企业员工因商务出境可预约绿色通道办理证件。\n请携带营业执照复印件。")
    staff.get_by_test_id("save-notice").click()
    staff.get_by_test_id("publish-notice").first.click()
    staff.goto("/portal-desk/accounts")
    row = staff.get_by_test_id("pending-account").filter(has_text=credit_code)
    expect(row).to_contain_text(enterprise_name)
    row.get_by_test_id("verify-account").click()
    expect(staff.get_by_test_id("pending-account").filter(has_text=credit_code)).to_have_count(0)

    # The public pages show the notice.
    m.goto("/portal/")
    m.get_by_role("link", name=re.compile("出入境证件办理绿色通道")).click()
    expect(m.get_by_test_id("notice-title")).to_have_text("关于企业员工出入境证件办理绿色通道的通知")
    _shot(m, report_dir, "0-notice")
    m.goto("/portal/faq")
    _shot(m, report_dir, "0-faq")

    # Signed in, the enterprise submits a demand with a photo.
    m.goto("/portal/login")
    m.locator("#phone").fill(PHONE)
    m.locator("#password").fill(PASSWORD)
    m.get_by_test_id("portal-login-submit").click()
    expect(m.get_by_test_id("enterprise-name")).to_have_text(enterprise_name)
    _shot(m, report_dir, "3-enterprise-home")
    m.get_by_test_id("home-new-demand").click()
    m.locator("#category").select_option("dispute")
    m.locator("#description").fill("厂区门口常有货车占道，影响员工上下班，请协调。")
    m.get_by_test_id("attachments").set_input_files([{"name": "门口.png", "mimeType": "image/png", "buffer": PNG}])
    _shot(m, report_dir, "4-new-demand")
    m.get_by_test_id("demand-submit").click()
    expect(m).to_have_url(re.compile(r"/portal/demands/\d+$"))
    ticket_id = int(m.url.rsplit("/", 1)[1])
    expect(m.get_by_test_id("ticket-status")).to_have_text("已受理")
    with live_server.app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        assert (ticket.channel, ticket.enterprise_id, len(ticket.attachments)) == ("online", enterprise_id, 1)
        number = ticket.number
        db.session.remove()

    # The desk dispatches it to the station, like a ticket taken by phone; the station answers; the desk closes.
    staff.goto(f"/tickets/{ticket_id}")
    dispatch = staff.get_by_test_id("action-dispatch")
    dispatch.locator("select[name='dispatch-unit_id']").select_option(str(station_id))
    dispatch.get_by_test_id("submit-dispatch").click()
    expect(staff.get_by_test_id("event-dispatched")).to_be_visible()
    log_out(staff)
    log_in(staff, "jy.officer1")
    staff.goto(f"/tickets/{ticket_id}")
    staff.get_by_test_id("submit-sign").click()
    expect(staff.get_by_test_id("event-signed")).to_be_visible()
    answer = staff.get_by_test_id("action-answer")
    answer.locator("textarea[name='answer-reply']").fill("已与物流公司约定错峰停靠，门口已划禁停线。")
    answer.locator("select[name='answer-result']").select_option("resolved")
    answer.get_by_test_id("submit-answer").click()
    expect(staff.get_by_test_id("event-answered")).to_be_visible()
    log_out(staff)
    log_in(staff, "desk")
    staff.goto(f"/tickets/{ticket_id}")
    staff.get_by_test_id("submit-close").click()
    expect(staff.get_by_test_id("event-closed")).to_be_visible()

    # The enterprise sees the answer and rates it.
    m.get_by_test_id("nav-demands").click()
    expect(m.get_by_test_id("demands")).to_contain_text(number)
    _shot(m, report_dir, "5-demands")
    m.get_by_test_id("demands").get_by_test_id("demand-link").first.click()
    expect(m.get_by_test_id("answer")).to_contain_text("门口已划禁停线")
    _shot(m, report_dir, "6-answered")
    m.get_by_test_id("rating-satisfied").check()
    m.locator("#comment").fill("处理很快，谢谢。")
    m.get_by_test_id("rate-submit").click()
    expect(m.get_by_test_id("rating")).to_contain_text("满意")
    _shot(m, report_dir, "7-rated")

    # A letter of the centre arrives; opening and confirming it records its delivery.
    letter_id = _letter_to(live_server.app, enterprise_id)
    m.get_by_test_id("nav-letters").click()
    expect(m).to_have_url(re.compile(r"/portal/letters"))
    expect(m.get_by_test_id("letter-link").first).to_be_visible()
    _shot(m, report_dir, "8-letters")
    m.get_by_test_id("letter-link").first.click()
    expect(m.get_by_test_id("letter-title")).to_have_text("关于加强节前安全防范的提示函")
    _shot(m, report_dir, "9-letter")
    m.get_by_test_id("letter-confirm").click()
    expect(m.get_by_test_id("letter-received")).to_contain_text("王经理")

    with live_server.app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        assert (ticket.status, ticket.rating) == ("rated", "satisfied")
        delivery = db.session.scalar(select(DocumentDelivery).where(DocumentDelivery.document_id == letter_id))
        assert delivery.method == "electronic" and delivery.recorded_by_id is None
        db.session.remove()

    # Everything came from the app itself; no script error.
    hosts = {urlsplit(u).netloc for u in requested if urlsplit(u).scheme not in ("data", "blob", "about")}
    assert hosts == {urlsplit(live_server.url).netloc}, hosts
    assert not errors, errors
    assert not live_server.errors, live_server.errors
    phone_context.close()


@pytest.mark.e2e
def test_a_voice_message_recorded_in_the_browser_is_attached(browser, live_server, report_dir):
    """The in-house recorder (MediaRecorder, served from core/static) on a phone
    screen, with Chromium's fake microphone: the recording joins the demand's
    files and passes the attachment check as WebM audio."""
    from core.portal import accounts
    from core.registry.models import Enterprise
    from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS

    with live_server.app.app_context():
        enterprise = db.session.scalar(select(Enterprise).order_by(Enterprise.id.desc()).limit(1))
        account = accounts.register(Actor(user=None, address="127.0.0.1"), accounts.Registration(
            credit_code=enterprise.credit_code, enterprise_name=enterprise.name, unit_id=enterprise.unit_id, name="赵主任", phone="13987654321",
            password=PASSWORD, repeat=PASSWORD))
        accounts.decide(Actor(user_by_username("desk")), account.id, True)
        db.session.remove()
    with_microphone = browser.browser_type.launch(
        executable_path=CHROMIUM, headless=True,
        args=CHROMIUM_ARGS + ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"])
    try:
        context = with_microphone.new_context(base_url=live_server.url, viewport=PHONE_SCREEN, locale="zh-CN",
                                              timezone_id="Asia/Shanghai", is_mobile=True, has_touch=True,
                                              permissions=["microphone"])
        context.set_default_timeout(TIMEOUT_MS)
        m = context.new_page()
        errors = []
        m.on("pageerror", lambda e: errors.append(str(e)))
        m.goto("/portal/login")
        m.locator("#phone").fill("13987654321")
        m.locator("#password").fill(PASSWORD)
        m.get_by_test_id("portal-login-submit").click()
        m.get_by_test_id("home-new-demand").click()
        m.locator("#category").select_option("dispute")
        m.locator("#description").fill("语音说明见附件。")
        recorder = m.locator("[data-recorder]")
        expect(recorder).to_be_visible()
        recorder.locator("[data-record]").click()
        expect(recorder.locator("[data-stop]")).to_be_visible()
        m.wait_for_timeout(1500)
        recorder.locator("[data-stop]").click()
        expect(recorder.locator("[data-recorder-status]")).to_have_text("语音已添加。")
        expect(recorder.locator("[data-stop]")).to_be_hidden()
        expect(recorder.locator("[data-record]")).to_be_visible()
        assert m.evaluate("document.getElementById('attachments').files.length") == 1
        _shot(m, report_dir, "4b-voice-recorded")
        m.get_by_test_id("demand-submit").click()
        expect(m).to_have_url(re.compile(r"/portal/demands/\d+$"))
        ticket_id = int(m.url.rsplit("/", 1)[1])
        assert not errors, errors
        context.close()
    finally:
        with_microphone.close()
    with live_server.app.app_context():
        files = db.session.get(Ticket, ticket_id).attachments
        assert [(f.content_type, f.original_name.rsplit(".", 1)[1]) for f in files] == [("audio/webm", "weba")]
        assert files[0].size > 1000
        db.session.remove()

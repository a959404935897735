"""SMS and email notices of the demand loop, against real servers on 127.0.0.1:
the HTTP SMS platform and an SMTP relay (tests/notice_servers.py). What each
step sends and to whom, the recipients' choices, quiet hours with a
controllable clock, retries that send once, the hourly limit, the daily
digest, the templates' page and its preview, the delivery log; and no phone
number or email address in any log line."""
import logging
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from core import clock
from core.extensions import db
from core.notices import delivery, reminders
from core.notices import services as notices
from core.notices.models import FAILED, QUEUED, SENT, SKIPPED, NoticeMessage
from core.registry import services as registry
from core.tickets import services as tickets
from tests.conftest import PASSWORD, actor_for, login
from tests.helpers import code, fresh_client
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)
from tests.notice_servers import MailServer, SmsGateway

MONDAY_9AM = datetime(2026, 3, 2, 1, 0)        # 09:00 in China, an ordinary working Monday
MONDAY_11PM = datetime(2026, 3, 2, 15, 0)      # 23:00 in China: the quiet hours
CONTACT = "13800138000"
OFFICER_PHONE = "13900139000"
OFFICER_EMAIL = "officer.a@gaj.example"
LEADER_PHONE = "13700137000"


@pytest.fixture
def servers(app, city):
    with SmsGateway() as gateway, MailServer() as mail:
        app.config.update(gateway.settings())
        app.config.update(mail.settings())
        clock.freeze(MONDAY_9AM)
        yield gateway, mail


@pytest.fixture
def enterprise(city):
    return registry.create(actor_for("desk_a"), {"name": "浙江华达科技有限公司", "credit_code": code(1)})


def reach(username, phone="", email="", **chosen):
    kinds = {"assigned": ["sms"], "deadlines": ["sms"], "oversight": ["sms"]}
    kinds.update(chosen)
    notices.save_own(actor_for(username), phone=phone, email=email, chosen=kinds, digest=set())


def new_ticket(enterprise, **changes):
    values = dict(enterprise_id=enterprise.id, channel="hotline", category="service", ticket_class="general",
                  handling_mode="follow", contact_name="王伟", contact_phone=CONTACT,
                  description="企业反映门前路灯损坏，夜间员工出行不便。")
    values.update(changes)
    return tickets.register(actor_for("desk"), tickets.Intake(**values))


def texts_to(gateway, mobile):
    return [m["content"] for m in gateway.messages if m["mobile"] == mobile]


def test_the_loop_tells_the_enterprise_each_step_and_the_officer_of_the_dispatch(servers, city, enterprise):
    gateway, mail = servers
    reach("officer_a", phone=OFFICER_PHONE, email=OFFICER_EMAIL, assigned=["sms", "email"])
    ticket = new_ticket(enterprise)
    tickets.dispatch(actor_for("desk"), ticket.id, city.station_a.id, officer_id=city.users["officer_a"].id)
    tickets.sign(actor_for("officer_a"), ticket.id)
    tickets.answer(actor_for("officer_a"), ticket.id, "路灯已于当日修复，请企业留意。", "resolved")
    tickets.close(actor_for("desk"), ticket.id)
    number = ticket.number
    sent = texts_to(gateway, CONTACT)
    assert len(sent) == 4, sent
    assert number in sent[0] and "受理" in sent[0]
    assert "甲派出所" in sent[1]
    assert "路灯已于当日修复" in sent[2]
    assert "评价" in sent[3]
    assert all(m["sign"] == "【安企测试】" for m in gateway.messages)
    [to_officer] = texts_to(gateway, OFFICER_PHONE)
    assert number in to_officer and "浙江华达科技有限公司" in to_officer
    [email] = mail.messages
    assert email["recipients"] == [OFFICER_EMAIL] and number in email["subject"]
    rows = list(db.session.scalars(select(NoticeMessage).order_by(NoticeMessage.id)))
    assert {r.status for r in rows} == {SENT}
    assert rows[0].address_masked == "138****8000" and CONTACT not in rows[0].text


def test_a_portal_account_that_turned_sms_off_hears_nothing(servers, city, enterprise):
    from core.portal.models import VERIFIED, PortalAccount

    gateway, _mail = servers
    account = PortalAccount(enterprise_id=enterprise.id, credit_code=enterprise.credit_code,
                            enterprise_name=enterprise.name, unit_id=city.station_a.id, name="王伟", phone=CONTACT,
                            password_hash="x", status=VERIFIED, is_manager=True)
    db.session.add(account)
    db.session.commit()
    notices.save_choices(account_id=account.id, chosen={"progress": [], "requests": ["sms"]})
    ticket = new_ticket(enterprise)
    tickets.request_info(actor_for("desk"), ticket.id, "请补充路灯位置照片。")
    [only] = texts_to(gateway, CONTACT)
    assert "补充" in only or "information" in only


def test_a_gateway_that_fails_twice_then_accepts_gets_one_message(servers, city, enterprise):
    gateway, _mail = servers
    gateway.fail_next(2)
    ticket = new_ticket(enterprise)
    message = db.session.scalar(select(NoticeMessage).where(NoticeMessage.ticket_id == ticket.id))
    assert message.status == QUEUED and message.attempts == 1
    assert message.not_before == MONDAY_9AM + timedelta(seconds=30)
    delivery.send(message.id)                       # its time has not come: nothing happens
    assert len(gateway.requests) == 1
    clock.freeze(MONDAY_9AM + timedelta(seconds=31))
    delivery.send(message.id)
    db.session.refresh(message)
    assert message.status == QUEUED and message.attempts == 2
    assert message.not_before == MONDAY_9AM + timedelta(seconds=31 + 60)   # the wait doubled
    clock.freeze(MONDAY_9AM + timedelta(seconds=92))
    assert delivery.resend_due() == 1              # the minute's sweep hands it over
    db.session.refresh(message)
    assert message.status == SENT and message.attempts == 3
    assert len(gateway.messages) == 1 and len(gateway.requests) == 3
    delivery.send(message.id)                       # delivered twice by the queue: sent once
    assert len(gateway.requests) == 3


def test_a_message_failing_every_attempt_is_marked_failed_and_shown_to_the_administrator(app, servers, city,
                                                                                      enterprise):
    gateway, _mail = servers
    app.config["NOTICE_ATTEMPTS"] = 2
    gateway.fail_next(5)
    ticket = new_ticket(enterprise)
    message = db.session.scalar(select(NoticeMessage).where(NoticeMessage.ticket_id == ticket.id))
    clock.freeze(MONDAY_9AM + timedelta(minutes=5))
    delivery.send(message.id)
    db.session.refresh(message)
    assert message.status == FAILED and message.attempts == 2
    client = fresh_client(app)
    login(client, "admin")
    page = client.get("/admin/notices/log").get_data(as_text=True)
    assert 'data-testid="notices-failed"' in page and "138****8000" in page and CONTACT not in page
    assert "路灯" not in page                       # the administrator does not read the texts
    failed = client.get("/admin/notices/log?status=failed").get_data(as_text=True)
    assert failed.count('data-testid="notice-log-row"') == 1


def test_a_refused_number_fails_at_once(servers, city, enterprise):
    gateway, _mail = servers
    gateway.refused.add(CONTACT)
    ticket = new_ticket(enterprise)
    message = db.session.scalar(select(NoticeMessage).where(NoticeMessage.ticket_id == ticket.id))
    assert message.status == FAILED and message.attempts == 1 and message.gateway_status


def test_no_sms_in_the_quiet_hours_except_urgent_ones(servers, city, enterprise):
    from core.org.actor import shell_actor
    from core.org.services import save_user

    gateway, _mail = servers
    save_user(shell_actor(), {"username": "city_leader", "name": "市局领导", "unit_id": city.city.id,
                              "roles": ["leader"], "password": PASSWORD})
    reach("city_leader", phone=LEADER_PHONE)
    clock.freeze(MONDAY_11PM)
    ticket = new_ticket(enterprise)
    message = db.session.scalar(select(NoticeMessage).where(NoticeMessage.ticket_id == ticket.id))
    assert message.status == QUEUED and message.not_before == datetime(2026, 3, 2, 23, 0)  # 07:00 in China
    assert gateway.messages == []
    # An escalation is urgent: the parent unit's leader hears of it at once, at night too.
    tickets.dispatch(actor_for("desk"), ticket.id, city.station_a.id)
    tickets.sign(actor_for("officer_a"), ticket.id)
    tickets.escalate(actor_for("officer_a"), ticket.id, "涉及多个部门，需市局协调。")
    assert [m["mobile"] for m in gateway.messages] == [LEADER_PHONE]
    clock.freeze(datetime(2026, 3, 2, 22, 59))
    assert delivery.resend_due() == 0
    clock.freeze(datetime(2026, 3, 2, 23, 1))
    delivery.resend_due()
    assert len(texts_to(gateway, CONTACT)) == 2     # accepted and dispatched, in the morning


def test_a_recipient_gets_at_most_the_hourly_limit(app, servers, city, enterprise):
    gateway, _mail = servers
    app.config["NOTICE_RECIPIENT_LIMIT_PER_HOUR"] = 2
    for n in range(3):
        new_ticket(enterprise, description=f"第{n + 1}件诉求：门前路灯损坏。")
    assert len(texts_to(gateway, CONTACT)) == 2
    skipped = db.session.scalar(select(NoticeMessage).where(NoticeMessage.status == SKIPPED))
    assert skipped.gateway_status == "limit"


def test_an_officer_chooses_the_channels_and_a_daily_digest(servers, city, enterprise):
    gateway, mail = servers
    reach("officer_a", phone=OFFICER_PHONE, email=OFFICER_EMAIL, assigned=["email"])
    ticket = new_ticket(enterprise)
    tickets.dispatch(actor_for("desk"), ticket.id, city.station_a.id, officer_id=city.users["officer_a"].id)
    assert texts_to(gateway, OFFICER_PHONE) == [] and len(mail.messages) == 1
    notices.save_own(actor_for("officer_a"), phone=OFFICER_PHONE, email="",
                     chosen={"assigned": ["sms"]}, digest={"assigned"})
    for n in range(2):
        other = new_ticket(enterprise, description=f"第{n + 2}件诉求：厂区门口积水。")
        tickets.dispatch(actor_for("desk"), other.id, city.station_a.id, officer_id=city.users["officer_a"].id)
    assert texts_to(gateway, OFFICER_PHONE) == []
    clock.freeze(datetime(2026, 3, 3, 0, 10))      # 08:10 in China: the digest hour
    assert reminders.send_digests() == 1
    [digest] = texts_to(gateway, OFFICER_PHONE)
    assert "2" in digest


def test_the_officers_own_settings_refuse_bad_input_all_at_once(app, city):
    client = fresh_client(app)
    login(client, "officer_a")
    response = client.post("/account/notices", data={"csrf_token": _csrf(client, "/account/notices"),
                                                      "phone": "12345", "email": "not-an-address",
                                                      "channels-assigned": ["sms", "email"]})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "11" in page and "example.gov.cn" in page
    db.session.rollback()
    assert city.users["officer_a"].phone == "" or city.users["officer_a"].phone is None


def test_the_administrator_edits_a_text_and_sees_the_preview(app, servers, city, enterprise):
    gateway, _mail = servers
    client = fresh_client(app)
    login(client, "admin")
    url = "/admin/notices/enterprise.accepted/sms?locale=zh_Hans_CN"
    body = "您的诉求已受理，编号{number}，我们会尽快办理。"
    preview = client.post(url, data={"csrf_token": _csrf(client, url), "body": body, "action": "preview",
                                     "locale": "zh_Hans_CN"}).get_data(as_text=True)
    assert "【安企测试】您的诉求已受理，编号2026-000123" in preview
    assert "一条短信" in preview or "one SMS" in preview
    bad = client.post(url, data={"csrf_token": _csrf(client, url), "body": "编号{numbr}", "action": "save",
                                 "locale": "zh_Hans_CN"})
    assert bad.status_code == 400 and "numbr" in bad.get_data(as_text=True)
    saved = client.post(url, data={"csrf_token": _csrf(client, url), "body": body, "action": "save",
                                   "locale": "zh_Hans_CN"})
    assert saved.status_code == 303
    ticket = new_ticket(enterprise)
    assert texts_to(gateway, CONTACT) == [f"您的诉求已受理，编号{ticket.number}，我们会尽快办理。"]


def test_no_phone_number_or_email_address_reaches_a_log_line(servers, city, enterprise, caplog):
    gateway, mail = servers
    caplog.set_level(logging.DEBUG)
    reach("officer_a", phone=OFFICER_PHONE, email=OFFICER_EMAIL, assigned=["sms", "email"])
    gateway.fail_next(1)
    mail.fail_next(1)
    ticket = new_ticket(enterprise)
    tickets.dispatch(actor_for("desk"), ticket.id, city.station_a.id, officer_id=city.users["officer_a"].id)
    clock.freeze(MONDAY_9AM + timedelta(minutes=5))
    delivery.resend_due()
    assert len(gateway.messages) == 3 and len(mail.messages) == 1
    logged = caplog.text
    assert "Notice message" in logged
    for secret in (CONTACT, OFFICER_PHONE, OFFICER_EMAIL, "officer.a"):
        assert secret not in logged


def _csrf(client, url):
    import re

    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(url).get_data(as_text=True)).group(1)


def test_overdue_complaint_and_the_return_visit_reach_whom_they_concern(servers, city, enterprise):
    from core.tickets.sweep import sweep

    gateway, _mail = servers
    reach("officer_a", phone=OFFICER_PHONE)
    reach("leader", phone=LEADER_PHONE)
    ticket = new_ticket(enterprise)
    tickets.dispatch(actor_for("desk"), ticket.id, city.station_a.id, officer_id=city.users["officer_a"].id)
    clock.freeze(MONDAY_9AM + timedelta(days=30))
    sweep()
    overdue = [t for t in texts_to(gateway, OFFICER_PHONE) if "超期" in t]
    assert len(overdue) == 1 and ticket.number in overdue[0]
    tickets.complain(actor_for("desk"), ticket.id, "民警态度冷淡，迟迟未处理。")
    assert any("投诉" in t and ticket.number in t for t in texts_to(gateway, LEADER_PHONE))
    tickets.sign(actor_for("officer_a"), ticket.id)
    tickets.answer(actor_for("officer_a"), ticket.id, "路灯已修复。", "resolved")
    tickets.close(actor_for("desk"), ticket.id)
    before = len(texts_to(gateway, CONTACT))
    clock.freeze(MONDAY_9AM + timedelta(days=32))
    assert reminders.remind_unrated() == 0          # closed two days ago: not yet
    clock.freeze(MONDAY_9AM + timedelta(days=34))
    assert reminders.remind_unrated() == 1
    assert reminders.remind_unrated() == 0          # once
    [visit] = texts_to(gateway, CONTACT)[before:]
    assert "回访" in visit and ticket.number in visit


def test_a_portal_account_chooses_its_sms_on_its_own_page(app, servers, city, enterprise):
    from core.portal.models import VERIFIED, PortalAccount
    from tests.portal_world import PORTAL_PASSWORD, portal_login

    from werkzeug.security import generate_password_hash

    account = PortalAccount(enterprise_id=enterprise.id, credit_code=enterprise.credit_code,
                            enterprise_name=enterprise.name, unit_id=city.station_a.id, name="王伟", phone=CONTACT,
                            password_hash=generate_password_hash(PORTAL_PASSWORD), status=VERIFIED, is_manager=True)
    db.session.add(account)
    db.session.commit()
    client = fresh_client(app)
    portal_login(client, CONTACT)
    page = client.get("/portal/notice-settings").get_data(as_text=True)
    assert page.count("checked") == 2
    response = client.post("/portal/notice-settings", data={"csrf_token": "x", "channels-requests": "sms"})
    assert response.status_code == 303
    assert notices.choices(account_id=account.id)["progress"].channels == ()
    assert "已保存" in client.get("/portal/notice-settings").get_data(as_text=True)

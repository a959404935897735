"""The SMS gateways and the mail relay, against real servers on 127.0.0.1 (tests/notice_servers.py):
what each sends, what an answer means (accepted, refused for good, try again later), the allow
list checked before any connection, ``anqi notices test``, and no number or address in any log."""
import logging
import re
import socket

import pytest

from core.notices.allowlist import AddressNotAllowed
from core.notices.channels import ChannelUnavailable, mailer, mask_address, short_status, sms_gateway
from tests.notice_servers import MailServer, SmppServer, SmsGateway

PHONE = "13800138000"
EMAIL = "someone@example.org"


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# ---------------------------------------------------------------- the HTTP SMS platform

def test_http_sms_is_posted_with_the_signature_the_template_and_anqi_s_id():
    with SmsGateway(account="anqi", password="sms-secret") as platform:
        gateway = sms_gateway(platform.settings(NOTICE_SMS_TEMPLATE_IDS={"ticket.accepted": "SMS_1001"}))
        outcome = gateway.send(PHONE, "您的诉求已受理，工单号 ZJ-0001。", event="ticket.accepted", reference="42")
        assert outcome.delivered and not outcome.permanent
        assert outcome.status == "0 提交成功" and outcome.reference == "gw1"
        assert platform.messages == [{"mobile": PHONE, "content": "您的诉求已受理，工单号 ZJ-0001。",
                                      "sign": "【安企测试】", "templateId": "SMS_1001", "msgId": "42"}]
        assert platform.requests[0]["account"] == "anqi" and platform.requests[0]["password"] == "sms-secret"

        again = gateway.send(PHONE, "您的诉求已受理，工单号 ZJ-0001。", event="ticket.accepted", reference="42")
        assert again.delivered and again.reference == "gw1"      # the platform dropped the repeat
        assert len(platform.messages) == 1
        assert gateway.send(PHONE, "另一条", event="other").delivered
        assert platform.messages[1]["templateId"] == "" and platform.messages[1]["msgId"] == ""


def test_http_5xx_a_timeout_and_no_connection_are_tried_again_later():
    with SmsGateway() as platform:
        gateway = sms_gateway(platform.settings(NOTICE_TIMEOUT_SECONDS=0.2))
        platform.fail_next(1, status=503)
        with pytest.raises(ChannelUnavailable) as failure:
            gateway.send(PHONE, "您好", reference="1")
        assert failure.value.status == "HTTP 503" and "HTTP 503" in str(failure.value.message)
        platform.stall_next()
        with pytest.raises(ChannelUnavailable) as failure:
            gateway.send(PHONE, "您好", reference="1")
        assert failure.value.status == "timed out after 0.2 s"
        assert gateway.send(PHONE, "您好", reference="1").delivered
        assert len(platform.messages) == 1

    closed = sms_gateway({**platform.settings(), "NOTICE_SMS_URL": f"http://127.0.0.1:{_closed_port()}/send"})
    with pytest.raises(ChannelUnavailable) as failure:
        closed.send(PHONE, "您好")
    assert failure.value.status == "connection failed"


def test_a_refusal_code_is_permanent_and_does_not_repeat_the_number():
    with SmsGateway(refused={PHONE}, templates={"SMS_1001"}) as platform:
        gateway = sms_gateway(platform.settings(NOTICE_SMS_TEMPLATE_IDS={"a": "SMS_1001", "b": "SMS_404"}))
        refused = gateway.send(PHONE, "您好", event="a", reference="7")
        assert not refused.delivered and refused.permanent
        assert refused.status == "101 号码无效：138****8000"
        unknown_template = gateway.send("13900139000", "您好", event="b", reference="8")
        assert unknown_template.permanent and unknown_template.status == "103 模板不存在"
        assert platform.messages == []


def test_a_redirect_is_not_followed():
    with SmsGateway() as elsewhere, SmsGateway() as platform:
        platform.redirect_next(elsewhere.url)
        with pytest.raises(ChannelUnavailable) as failure:
            sms_gateway(platform.settings()).send(PHONE, "您好")
        assert failure.value.status == "HTTP 302: a redirect, not followed"
        assert elsewhere.connections == 0 and platform.messages == []


@pytest.mark.parametrize("server", [SmsGateway, SmppServer, MailServer])
def test_an_address_not_on_the_allow_list_is_never_connected_to(server):
    with server() as listening:
        for allowed in ([], ["sms.gaj.example", "127.0.0.1:1"]):
            settings = listening.settings(NOTICE_ALLOWED_HOSTS=allowed)
            channel = mailer(settings) if server is MailServer else sms_gateway(settings)
            with pytest.raises(AddressNotAllowed) as refusal:
                if server is MailServer:
                    channel.send(EMAIL, "主题", "正文")
                else:
                    channel.send(PHONE, "您好")
            assert "NOTICE_ALLOWED_HOSTS" in str(refusal.value.message)
        assert listening.connections == 0


def test_channels_are_off_until_configured():
    assert sms_gateway({"NOTICE_SMS_GATEWAY": ""}) is None and mailer({"MAIL_SERVER": ""}) is None
    with pytest.raises(ChannelUnavailable):
        sms_gateway({"NOTICE_SMS_GATEWAY": "cmpp"})


# ---------------------------------------------------------------- SMPP

def test_smpp_submits_chinese_as_ucs2_with_the_signature_in_front():
    with SmppServer(system_id="anqi", password="pw", enquire_first=True) as gateway_server:
        outcome = sms_gateway(gateway_server.settings()).send(PHONE, "您的诉求已办结，请评价。", reference="42")
        assert outcome == type(outcome)(delivered=True, permanent=False, status="0x00000000 No Error",
                                        reference="smpp0001")
        assert gateway_server.binds == [("anqi", "pw")]
        [part] = gateway_server.parts
        assert part["destination_addr"] == PHONE and part["source_addr"] == "1069012345"
        assert part["data_coding"] == 8 and part["text"] == "【安企测试】您的诉求已办结，请评价。"
        assert part["concat"] is None and part["user_message_reference"] == 42


def test_smpp_splits_a_long_text_into_concatenated_parts():
    text = "您反映的企业周边交通拥堵问题已转交属地派出所和交警大队联合处置，" * 3   # 6 + 99 characters
    with SmppServer() as gateway_server:
        outcome = sms_gateway(gateway_server.settings()).send(PHONE, text, reference="43")
        assert outcome.delivered and outcome.status == "0x00000000 No Error (2 parts)"
        assert len(gateway_server.parts) == 2
        assert all(part["esm_class"] == 0x40 and len(part["text"]) <= 67 for part in gateway_server.parts)
        assert gateway_server.messages == [{"destination_addr": PHONE, "parts": 2, "text": "【安企测试】" + text}]


def test_smpp_error_statuses():
    with SmppServer(refused={PHONE}, system_id="anqi", password="pw") as gateway_server:
        gateway = sms_gateway(gateway_server.settings())
        refused = gateway.send(PHONE, "您好")
        assert not refused.delivered and refused.permanent
        assert refused.status == "0x0000000B Invalid Destination Address"
        for status in (0x58, 0x14):                  # throttled, queue full: they pass
            gateway_server.fail_next(1, status)
            with pytest.raises(ChannelUnavailable) as failure:
                gateway.send("13900139000", "您好")
            assert failure.value.status.startswith(f"0x{status:08X}")
        with pytest.raises(ChannelUnavailable) as failure:
            sms_gateway(gateway_server.settings(NOTICE_SMPP_PASSWORD="wrong")).send("13900139000", "您好")
        assert failure.value.status == "bind_transmitter: 0x0000000E Invalid Password"
        assert gateway_server.parts == []

    closed = sms_gateway({**gateway_server.settings(), "NOTICE_SMPP_PORT": _closed_port()})
    with pytest.raises(ChannelUnavailable) as failure:
        closed.send(PHONE, "您好")
    assert failure.value.status == "connection failed"


# ---------------------------------------------------------------- SMTP

def test_smtp_delivers_chinese_subject_and_body_with_a_message_id_from_anqi_s_id():
    with MailServer(credentials=("anqi", "mail-secret")) as relay:
        outcome = mailer(relay.settings()).send(EMAIL, "工单 ZJ-0001 已受理", "您好：\n您的诉求已受理。", reference="42")
        assert outcome.delivered and not outcome.permanent
        assert outcome.status == "250 2.0.0 Ok: queued as Q00001" and outcome.reference == "<notice.42@gaj.example>"
        [message] = relay.messages
        assert message["sender"] == "anqi@gaj.example" and message["recipients"] == [EMAIL]
        assert message["subject"] == "工单 ZJ-0001 已受理" and message["body"] == "您好：\n您的诉求已受理。\n"
        assert message["message_id"] == "<notice.42@gaj.example>"
        assert str(message["message"]["From"]) == "安企 <anqi@gaj.example>"
        assert message["message"]["Auto-Submitted"] == "auto-generated"
        assert relay.logins == ["anqi"]

        with pytest.raises(ChannelUnavailable) as failure:
            mailer(relay.settings(MAIL_PASSWORD="wrong")).send(EMAIL, "主题", "正文")
        assert failure.value.status.startswith("535")
        assert len(relay.messages) == 1


def test_smtp_4xx_is_tried_again_and_5xx_is_refused_for_good():
    with MailServer(refused={"nobody@example.org"}) as relay:
        relay_mailer = mailer(relay.settings())
        relay.fail_next(1)
        with pytest.raises(ChannelUnavailable) as failure:
            relay_mailer.send(EMAIL, "主题", "正文", reference="1")
        assert failure.value.status.startswith("RCPT TO: 451 4.7.1 <s***@example.org>")
        assert EMAIL not in str(failure.value) and EMAIL not in failure.value.status

        refused = relay_mailer.send("nobody@example.org", "主题", "正文", reference="2")
        assert not refused.delivered and refused.permanent
        assert refused.status == "RCPT TO: 550 5.1.1 <n***@example.org>: Recipient address rejected: User unknown"
        assert relay_mailer.send(EMAIL, "主题", "正文", reference="1").delivered
        assert [m["recipients"] for m in relay.messages] == [[EMAIL]]

    closed = mailer({**relay.settings(), "MAIL_PORT": _closed_port()})
    with pytest.raises(ChannelUnavailable) as failure:
        closed.send(EMAIL, "主题", "正文")
    assert failure.value.status == "connection failed"


def test_statuses_mask_the_address_they_repeat():
    assert short_status("550 <Someone@Example.org> rejected", EMAIL) == "550 <s***@example.org> rejected"
    assert short_status("号码 8613800138000 无效\n" + "x" * 200, PHONE).startswith("号码 86138****8000 无效 x")
    assert len(short_status("x" * 200)) == 100
    assert mask_address(PHONE) == "138****8000" and mask_address(EMAIL) == "s***@example.org"


# ---------------------------------------------------------------- anqi notices test

@pytest.fixture
def app_config():
    return {"BABEL_DEFAULT_LOCALE": "en"}


def _notices_test(app, *args):
    return app.test_cli_runner().invoke(args=["notices", "test", *args])


def test_the_test_command_sends_by_sms_or_email_and_prints_the_answer(app):
    with SmsGateway() as platform, MailServer() as relay:
        app.config.update({**platform.settings(), **relay.settings()})
        sent = _notices_test(app, "--to", PHONE)
        assert sent.exit_code == 0, sent.output
        assert "The SMS platform accepted the message to 138****8000." in sent.output
        assert "Answer: 0 提交成功" in sent.output and "Reference: gw1" in sent.output
        assert platform.messages[0]["mobile"] == PHONE and platform.messages[0]["msgId"].startswith("test-")

        mailed = _notices_test(app, "--to", EMAIL, "--text", "请忽略本邮件。")
        assert mailed.exit_code == 0, mailed.output
        assert "The mail relay accepted the message to s***@example.org." in mailed.output
        assert "Answer: 250 2.0.0 Ok: queued as Q00001" in mailed.output
        assert relay.messages[0]["body"] == "请忽略本邮件。\n"

        platform.fail_next(1)
        unavailable = _notices_test(app, "--to", PHONE)
        assert unavailable.exit_code == 1
        assert "The SMS platform is unavailable for now (HTTP 503)." in unavailable.output

        app.config["NOTICE_ALLOWED_HOSTS"] = ["sms.gaj.example"]
        not_allowed = _notices_test(app, "--to", EMAIL)
        assert not_allowed.exit_code == 1 and "NOTICE_ALLOWED_HOSTS" in not_allowed.output
        assert len(relay.messages) == 1


def test_the_test_command_says_which_setting_turns_a_channel_on(app):
    app.config.update(NOTICE_SMS_GATEWAY="", MAIL_SERVER="")
    sms = _notices_test(app, "--to", PHONE)
    assert sms.exit_code == 1 and "SMS is not configured: set ANQI_NOTICE_SMS_GATEWAY" in sms.output
    mail = _notices_test(app, "--to", EMAIL)
    assert mail.exit_code == 1 and "Email is not configured: set ANQI_MAIL_SERVER" in mail.output
    assert _notices_test(app, "--to", "0575-87654321").exit_code == 2       # a landline takes no SMS
    assert _notices_test(app, "--to", "12345").exit_code == 2


def test_no_number_or_address_is_logged_or_printed(app, caplog):
    caplog.set_level(logging.DEBUG)
    printed = []
    with SmsGateway(refused={PHONE}) as platform, MailServer(refused={EMAIL}) as relay, SmppServer() as smpp:
        app.config.update({**platform.settings(), **relay.settings()})
        printed += [_notices_test(app, "--to", PHONE).output, _notices_test(app, "--to", EMAIL).output]
        platform.refused.clear()
        relay.refused.clear()
        platform.fail_next(1)
        relay.fail_next(1)
        printed += [_notices_test(app, "--to", PHONE).output, _notices_test(app, "--to", EMAIL).output,
                    _notices_test(app, "--to", PHONE).output, _notices_test(app, "--to", EMAIL).output]
        app.config.update(smpp.settings())
        printed.append(_notices_test(app, "--to", PHONE).output)
        smpp.fail_next(1)
        printed.append(_notices_test(app, "--to", PHONE).output)
        assert len(platform.messages) == len(relay.messages) == len(smpp.messages) == 1

    everything = "\n".join(printed) + "\n" + caplog.text + "\n".join(str(r.args) for r in caplog.records)
    assert "accepted the message to 138****8000" in everything and "SMS message test-" in everything
    for secret in (PHONE, EMAIL, PHONE.encode().hex(), PHONE.encode("utf-16-be").hex(), "sms-secret"):
        assert secret not in everything
    assert not re.search(r"[\w.+-]+@example\.org", everything)       # s***@example.org is not an address

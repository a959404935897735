"""Real servers on 127.0.0.1 for the notice channels' tests: the HTTP SMS platform, an SMTP relay
and an SMPP gateway, each on a free port, each a context manager recording what it was sent.

    with SmsGateway(refused={"13900000000"}) as gateway:
        app.config.update(gateway.settings())
        ...
        assert gateway.messages[0]["content"] == "…"

``settings()`` gives the configuration that points anqi at the server (the allow list included:
``127.0.0.1``, any port). ``connections`` counts the connections the server accepted.
"""
import email
import email.policy
import json
import logging
import socket
import socketserver
import struct
import threading
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import smpplib.client
import smpplib.consts
import smpplib.smpp
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

HOST = "127.0.0.1"
# The servers' own wire logs repeat the addresses they are sent; the tests look for those in
# anqi's logs, so the servers keep quiet.
logging.getLogger("mail.log").setLevel(logging.ERROR)


class _Recorder:
    """What the three servers share: the count of connections, failures to come, a lock."""

    def __init__(self):
        self.connections = 0
        self._lock = threading.Lock()
        self._failures = deque()

    def _next_failure(self):
        with self._lock:
            return self._failures.popleft() if self._failures else None

    def _count_connection(self):
        with self._lock:
            self.connections += 1


# ---------------------------------------------------------------- the HTTP SMS platform

class SmsGateway(_Recorder):
    """The SMS platform's HTTP interface (core.notices.channels.sms_http): a JSON POST answered
    ``{"code", "msg", "msgId"}``. ``messages`` are the accepted ones in order (mobile, content, sign,
    templateId, msgId), ``requests`` every body posted. A number in ``refused`` is answered 101 (its
    answer repeats the number, as platforms do); a ``templateId`` outside ``templates`` (when given)
    103. A ``msgId`` seen before is answered "0" and not recorded again."""

    def __init__(self, *, refused=(), templates=None, account=None, password=None):
        super().__init__()
        self.refused = set(refused)
        self.templates = templates
        self.account, self.password = account, password
        self.messages = []
        self.requests = []
        self._ids = {}
        self._release = threading.Event()

    def fail_next(self, n: int = 1, status: int = 503):
        """The next ``n`` requests are answered with this HTTP status and no JSON."""
        self._failures.extend([("status", status)] * n)

    def redirect_next(self, location: str, status: int = 302):
        self._failures.append(("redirect", (status, location)))

    def stall_next(self, n: int = 1):
        """The next ``n`` requests get no answer until the server stops (a client's timeout)."""
        self._failures.extend([("stall", None)] * n)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/sms/send"

    def settings(self, **extra) -> dict:
        return {"NOTICE_SMS_GATEWAY": "http", "NOTICE_SMS_URL": self.url, "NOTICE_SMS_ACCOUNT": "anqi",
                "NOTICE_SMS_PASSWORD": "sms-secret", "NOTICE_SMS_SIGNATURE": "【安企测试】",
                "NOTICE_ALLOWED_HOSTS": [HOST], "NOTICE_TIMEOUT_SECONDS": 2, **extra}

    def __enter__(self):
        owner = self

        class Server(ThreadingHTTPServer):
            block_on_close = False      # a stalled request does not hold up the end of the test

            def verify_request(self, request, client_address):
                owner._count_connection()
                return True

        self._server = Server((HOST, 0), _sms_handler(self))
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._release.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def _answer(self, body: dict) -> dict:
        mobile, template = str(body.get("mobile", "")), str(body.get("templateId", ""))
        with self._lock:
            if self.account is not None and (body.get("account"), body.get("password")) != (self.account,
                                                                                            self.password):
                return {"code": "107", "msg": "账号或密码错误"}
            if mobile in self.refused:
                return {"code": "101", "msg": f"号码无效：{mobile}"}
            if self.templates is not None and template not in self.templates:
                return {"code": "103", "msg": "模板不存在"}
            msg_id = str(body.get("msgId", ""))
            if msg_id and msg_id in self._ids:
                return {"code": "0", "msg": "重复提交，已忽略", "msgId": self._ids[msg_id]}
            theirs = f"gw{len(self.messages) + 1}"
            if msg_id:
                self._ids[msg_id] = theirs
            self.messages.append({key: body.get(key) for key in ("mobile", "content", "sign", "templateId",
                                                                 "msgId")})
            return {"code": "0", "msg": "提交成功", "msgId": theirs}


def _sms_handler(owner: SmsGateway):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                body = json.loads(raw)
            except ValueError:
                body = None
            with owner._lock:
                owner.requests.append(body)
            failure = owner._next_failure()
            if failure and failure[0] == "stall":
                owner._release.wait(10)
                return
            if failure and failure[0] == "status":
                return self._send(failure[1], b"<html>busy</html>", "text/html")
            if failure and failure[0] == "redirect":
                status, location = failure[1]
                self.send_response(status)
                self.send_header("Location", location)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if not isinstance(body, dict):
                return self._send(400, b"not JSON", "text/plain")
            answer = json.dumps(owner._answer(body), ensure_ascii=False).encode()
            self._send(200, answer, "application/json; charset=utf-8")

        def _send(self, status, content, kind):
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        def log_message(self, *args):
            pass

    return Handler


# ---------------------------------------------------------------- the SMTP relay

class MailServer(_Recorder):
    """An SMTP relay (aiosmtpd). ``messages`` are the accepted ones: envelope sender and recipients,
    the parsed ``subject``, ``body`` and ``message_id``, and the ``message`` itself. A recipient in
    ``refused`` is answered 550; ``fail_next(n)`` answers 451 to the next ``n`` recipients (greylisting).
    Both answers repeat the address, as relays do. With ``credentials=(user, password)`` the relay
    offers AUTH and records in ``logins`` the user of each successful one."""

    def __init__(self, *, refused=(), credentials=None):
        super().__init__()
        self.refused = {address.lower() for address in refused}
        self.credentials = credentials
        self.messages = []
        self.logins = []

    def fail_next(self, n: int = 1):
        self._failures.extend([451] * n)

    def settings(self, **extra) -> dict:
        settings = {"MAIL_SERVER": HOST, "MAIL_PORT": self.port, "MAIL_DEFAULT_SENDER": "安企 <anqi@gaj.example>",
                    "MAIL_TIMEOUT": 2, "NOTICE_ALLOWED_HOSTS": [HOST]}
        if self.credentials:
            settings.update(MAIL_USERNAME=self.credentials[0], MAIL_PASSWORD=self.credentials[1])
        return {**settings, **extra}

    def __enter__(self):
        parameters = {}
        if self.credentials:
            parameters = {"authenticator": self._authenticate, "auth_require_tls": False}
        self._controller = _Controller(_MailHandler(self), owner=self, **parameters)
        self.port = self._controller.port
        self._controller.start()
        self.connections = 0        # the controller's own connection at start
        return self

    def __exit__(self, *exc):
        self._controller.stop()

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        given = (auth_data.login.decode(), auth_data.password.decode())
        if given != tuple(self.credentials):
            return AuthResult(success=False, handled=False)
        with self._lock:
            self.logins.append(given[0])
        return AuthResult(success=True)


class _Controller(Controller):
    """aiosmtpd's controller on a socket bound to a free port first (it takes no port 0)."""

    def __init__(self, handler, owner, **parameters):
        self._socket = socket.create_server((HOST, 0))
        self._owner = owner
        super().__init__(handler, hostname=HOST, port=self._socket.getsockname()[1], **parameters)

    def factory(self):
        self._owner._count_connection()
        return super().factory()

    def _create_server(self):
        return self.loop.create_server(self._factory_invoker, sock=self._socket, ssl=self.ssl_context)


class _MailHandler:
    def __init__(self, owner: MailServer):
        self.owner = owner

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.owner.refused:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        if self.owner._next_failure():
            return f"451 4.7.1 <{address}>: Recipient address rejected: Greylisted, try again later"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 Ok"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content or envelope.content,
                                           policy=email.policy.default)
        body = message.get_body(("plain",))
        with self.owner._lock:
            self.owner.messages.append({
                "sender": envelope.mail_from, "recipients": list(envelope.rcpt_tos),
                "subject": str(message["Subject"]), "body": body.get_content() if body else "",
                "message_id": str(message["Message-ID"]), "message": message})
            number = len(self.owner.messages)
        return f"250 2.0.0 Ok: queued as Q{number:05d}"


# ---------------------------------------------------------------- the SMPP gateway

class SmppServer(_Recorder):
    """An SMPP 3.4 gateway (smpplib's PDU classes) answering bind_transmitter, submit_sm, unbind and
    enquire_link. ``parts`` records every submit_sm (destination_addr, source_addr, data_coding,
    esm_class, the decoded ``text``, ``concat`` = (reference, total, number) or None, and
    user_message_reference); ``messages`` joins concatenated parts into one text per message.
    A destination in ``refused`` is answered ESME_RINVDSTADR (0x0B); ``fail_next(n, status)``
    answers the next ``n`` submit_sm with ``status`` (ESME_RTHROTTLED by default). With
    ``system_id``/``password`` a bind with others is refused (ESME_RINVPASWD). With
    ``enquire_first`` the gateway asks enquire_link before it answers a submit_sm."""

    def __init__(self, *, refused=(), system_id=None, password=None, enquire_first=False):
        super().__init__()
        self.refused = set(refused)
        self.system_id, self.password = system_id, password
        self.enquire_first = enquire_first
        self.parts = []
        self.binds = []

    def fail_next(self, n: int = 1, status: int = smpplib.consts.SMPP_ESME_RTHROTTLED):
        self._failures.extend([status] * n)

    def settings(self, **extra) -> dict:
        return {"NOTICE_SMS_GATEWAY": "smpp", "NOTICE_SMPP_HOST": HOST, "NOTICE_SMPP_PORT": self.port,
                "NOTICE_SMPP_SYSTEM_ID": self.system_id or "anqi", "NOTICE_SMPP_PASSWORD": self.password or "pw",
                "NOTICE_SMPP_SOURCE_ADDR": "1069012345", "NOTICE_SMS_SIGNATURE": "【安企测试】",
                "NOTICE_ALLOWED_HOSTS": [HOST], "NOTICE_TIMEOUT_SECONDS": 2, **extra}

    @property
    def messages(self) -> list[dict]:
        joined, pending = [], {}
        for part in self.parts:
            if part["concat"] is None:
                joined.append({"destination_addr": part["destination_addr"], "text": part["text"], "parts": 1})
                continue
            reference, total, number = part["concat"]
            pieces = pending.setdefault((part["destination_addr"], reference), {})
            pieces[number] = part["text"]
            if len(pieces) == total:
                joined.append({"destination_addr": part["destination_addr"], "parts": total,
                               "text": "".join(pieces[i] for i in range(1, total + 1))})
        return joined

    def __enter__(self):
        owner = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self):
                owner._count_connection()
                owner._converse(self.request)

        self._server = socketserver.ThreadingTCPServer((HOST, 0), Handler)
        self._server.daemon_threads = True
        self._server.block_on_close = False
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def _converse(self, connection):
        connection.settimeout(5)
        sequences = smpplib.client.SimpleSequenceGenerator()
        while True:
            header = _receive(connection, 4)
            if header is None:
                return
            rest = _receive(connection, struct.unpack(">L", header)[0] - 4)
            if rest is None:
                return
            pdu = smpplib.smpp.parse_pdu(header + rest, client=sequences, allow_unknown_opt_params=True)
            if pdu.command == "submit_sm" and self.enquire_first:
                connection.sendall(smpplib.smpp.make_pdu("enquire_link", client=sequences).generate())
                answer = _receive(connection, 4)
                _receive(connection, struct.unpack(">L", answer)[0] - 4)
            reply = self._reply(pdu, sequences)
            reply.sequence = pdu.sequence
            connection.sendall(reply.generate())
            if pdu.command == "unbind":
                return

    def _reply(self, pdu, sequences):
        make = smpplib.smpp.make_pdu
        if pdu.command == "bind_transmitter":
            given = (_text(pdu.system_id), _text(pdu.password))
            refused = self.system_id is not None and given != (self.system_id, self.password)
            with self._lock:
                self.binds.append(given)
            return make("bind_transmitter_resp", client=sequences, system_id="anqi-test",
                        status=smpplib.consts.SMPP_ESME_RINVPASWD if refused else smpplib.consts.SMPP_ESME_ROK)
        if pdu.command == "submit_sm":
            destination = _text(pdu.destination_addr)
            status = self._next_failure()
            if status is None and destination in self.refused:
                status = smpplib.consts.SMPP_ESME_RINVDSTADR
            if status:
                return make("submit_sm_resp", client=sequences, status=status)
            with self._lock:
                self.parts.append(_decoded(pdu, destination))
                number = len(self.parts)
            return make("submit_sm_resp", client=sequences, message_id=f"smpp{number:04d}")
        if pdu.command == "unbind":
            return make("unbind_resp", client=sequences)
        if pdu.command == "enquire_link":
            return make("enquire_link_resp", client=sequences)
        return make("generic_nack", client=sequences, status=smpplib.consts.SMPP_ESME_RINVCMDID)


def _decoded(pdu, destination: str) -> dict:
    data = pdu.short_message or pdu.message_payload or b""
    concat = None
    if (pdu.esm_class or 0) & smpplib.consts.SMPP_GSMFEAT_UDHI:
        header_length = data[0]
        header, data = data[1:1 + header_length], data[1 + header_length:]
        if header[:2] == b"\x00\x03":
            concat = (header[2], header[3], header[4])
    text = data.decode("utf-16-be") if pdu.data_coding == smpplib.consts.SMPP_ENCODING_ISO10646 \
        else data.decode("latin-1")
    return {"destination_addr": destination, "source_addr": _text(pdu.source_addr), "data_coding": pdu.data_coding,
            "esm_class": pdu.esm_class, "text": text, "concat": concat,
            "user_message_reference": pdu.user_message_reference}


def _text(value) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else str(value or "")


def _receive(connection, size: int) -> bytes | None:
    chunks, received = [], 0
    while received < size:
        try:
            chunk = connection.recv(size - received)
        except OSError:
            return None
        if not chunk:
            return None
        chunks.append(chunk)
        received += len(chunk)
    return b"".join(chunks)

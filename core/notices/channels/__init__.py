"""The channels that carry a notice out of anqi: the SMS gateway and the mail relay.

A channel is built from the configuration (``sms_gateway(config)``, ``mailer(config)``;
``None`` when it is off) and sends one message per call. Its answer is an ``Outcome``: accepted,
or refused for good (a wrong number, an unknown template, a rejected recipient: sending it again
would be refused again). A failure that may pass — the gateway down or busy, a timeout, a
temporary SMTP answer, a setting to correct — raises ``ChannelUnavailable``, and the message is
tried again later. Each checks the allow list (``core.notices.allowlist``) before it connects.

Neither an ``Outcome`` nor an exception nor a log line ever holds the phone number or email
address: gateways and relays often repeat it in their answers, so the adapters mask it there.
"""
import re
from dataclasses import dataclass
from typing import Protocol

from flask_babel import lazy_gettext as _l

from core.notices.allowlist import AddressNotAllowed  # noqa: F401  (what a caller catches)
from core.privacy.masking import mask_phone

STATUS_LENGTH = 100       # notice_message.gateway_status
HTTP, SMPP = "http", "smpp"
SMS_GATEWAYS = (HTTP, SMPP)


@dataclass(frozen=True)
class Outcome:
    delivered: bool        # the gateway or relay accepted the message
    permanent: bool        # refused for good: never tried again
    status: str            # the gateway's own short code and message (<= 100 characters), never the address
    reference: str = ""    # the gateway's message id, when it gives one


class ChannelUnavailable(Exception):
    """A failure that may pass (connection refused, timeout, HTTP 5xx, SMTP 4xx, throttling, a
    setting to correct): the message is tried again later. ``message`` is lazy, in the reader's
    language; ``status`` is the technical cause, short, as stored in the delivery log. Neither
    holds the address."""

    def __init__(self, message, status: str = ""):
        super().__init__(str(message))
        self.message = message
        self.status = status[:STATUS_LENGTH]


class SmsGateway(Protocol):
    def send(self, phone: str, text: str, *, event: str = "", reference: str = "") -> Outcome: ...


class Mailer(Protocol):
    def send(self, to: str, subject: str, body: str, *, reference: str = "") -> Outcome: ...


def sms_gateway(config) -> "SmsGateway | None":
    """The configured SMS gateway (``NOTICE_SMS_GATEWAY``: "http" or "smpp"), or None when SMS
    is off (""). Another value raises ``ChannelUnavailable``: a setting to correct, while the
    messages wait as for a gateway that is down."""
    kind = str(config.get("NOTICE_SMS_GATEWAY") or "").strip().lower()
    if not kind:
        return None
    if kind == HTTP:
        from core.notices.channels.sms_http import HttpSmsGateway

        return HttpSmsGateway(config)
    if kind == SMPP:
        from core.notices.channels.sms_smpp import SmppGateway

        return SmppGateway(config)
    raise ChannelUnavailable(_l("NOTICE_SMS_GATEWAY must be “http” or “smpp”, not “%(value)s”.",
                                value=kind[:20]), status="unknown NOTICE_SMS_GATEWAY")


def mailer(config) -> "Mailer | None":
    """The SMTP relay (``MAIL_SERVER``), or None when email is off ("")."""
    if not str(config.get("MAIL_SERVER") or "").strip():
        return None
    from core.notices.channels.email_smtp import SmtpMailer

    return SmtpMailer(config)


def mask_address(address: str) -> str:
    """A phone number or email address as it may be shown: ``138****8000``, ``s***@example.org``."""
    address = str(address or "").strip()
    if "@" in address:
        local, _, domain = address.rpartition("@")
        return f"{local[:1]}***@{domain}"
    return mask_phone(address)


def short_status(text, *addresses: str) -> str:
    """A gateway's answer as kept and shown: one line, at most 100 characters, with every
    ``addresses`` it repeats masked."""
    text = " ".join(str(text or "").split())
    for address in addresses:
        address = str(address or "").strip()
        if address:
            masked = mask_address(address)
            text = re.sub(re.escape(address), lambda _match: masked, text, flags=re.IGNORECASE)
    return text[:STATUS_LENGTH]

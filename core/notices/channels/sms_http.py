"""The SMS platform's HTTP interface, the common form of the police network's SMS platforms.

One message is one ``POST`` of a JSON object to ``NOTICE_SMS_URL``::

    {"account": NOTICE_SMS_ACCOUNT, "password": NOTICE_SMS_PASSWORD,
     "mobile": "13800138000", "content": "the text, without the signature",
     "sign": NOTICE_SMS_SIGNATURE, "templateId": NOTICE_SMS_TEMPLATE_IDS[event] or "",
     "msgId": "anqi's own message id"}

and the platform answers with a JSON object ``{"code": "0", "msg": "...", "msgId": "..."}``:
code "0" is accepted (``msgId`` then is the platform's id for it); any other code is a refusal
for good, the message is never sent again. ``PERMANENT_CODES`` names the refusals the platform is
expected to use. ``msgId`` is anqi's id, which the platform keeps to drop a message sent twice
(after an answer lost on the way back).

Failures that may pass raise ``ChannelUnavailable``: no connection, a timeout, HTTP 5xx or 429,
another HTTP error without an answer in this format, and a redirect, which is never followed (the
address after it is not on the allow list). The number and the password are never logged.
"""
import logging
import os

import requests
from flask_babel import lazy_gettext as _l

from core.notices.allowlist import check_url
from core.notices.channels import ChannelUnavailable, Outcome, short_status

logger = logging.getLogger(__name__)

ACCEPTED = "0"
# The refusals the platform is expected to answer with; any other code but "0" is a refusal too.
PERMANENT_CODES = {
    "101": "invalid mobile number",
    "102": "number refused (blocklist, unsubscribed)",
    "103": "unknown template",
    "104": "content rejected",
    "105": "signature not registered",
    "106": "content too long",
}


class HttpSmsGateway:
    def __init__(self, config):
        self.url = str(config.get("NOTICE_SMS_URL") or "").strip()
        self.account = str(config.get("NOTICE_SMS_ACCOUNT") or "")
        self.password = str(config.get("NOTICE_SMS_PASSWORD") or "")
        self.signature = str(config.get("NOTICE_SMS_SIGNATURE") or "")
        self.template_ids = dict(config.get("NOTICE_SMS_TEMPLATE_IDS") or {})
        self.timeout = float(config.get("NOTICE_TIMEOUT_SECONDS") or 10)
        self.config = config

    def send(self, phone: str, text: str, *, event: str = "", reference: str = "") -> Outcome:
        check_url(self.url, self.config)
        phone = str(phone or "").strip()
        payload = {"account": self.account, "password": self.password, "mobile": phone, "content": text,
                   "sign": self.signature, "templateId": str(self.template_ids.get(event) or ""),
                   "msgId": str(reference or "")}
        try:
            with requests.Session() as session:
                # Proxies and .netrc from the environment would send the message (and the password)
                # somewhere the allow list does not name.
                session.trust_env = False
                response = session.post(self.url, json=payload, timeout=self.timeout, allow_redirects=False,
                                        headers={"Accept": "application/json"},
                                        verify=os.environ.get("REQUESTS_CA_BUNDLE") or True)
        except requests.Timeout:
            raise self._unavailable(reference, f"timed out after {self.timeout:g} s") from None
        except requests.ConnectionError:
            raise self._unavailable(reference, "connection failed") from None
        except requests.RequestException as exc:
            raise self._unavailable(reference, f"request failed ({type(exc).__name__})") from None
        return self._outcome(response, phone, reference)

    def _outcome(self, response, phone: str, reference: str) -> Outcome:
        http = response.status_code
        if 300 <= http < 400:
            raise self._unavailable(reference, f"HTTP {http}: a redirect, not followed")
        if http >= 500 or http == 429:
            raise self._unavailable(reference, f"HTTP {http}")
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if not isinstance(answer, dict) or answer.get("code") is None:
            raise self._unavailable(reference, f"HTTP {http}: an answer not in the platform's format")
        code = str(answer["code"]).strip()
        message = str(answer.get("msg") or "")
        their_reference = short_status(answer.get("msgId") or "", phone)
        if code == ACCEPTED and http < 300:
            status = short_status(f"{code} {message or 'accepted'}", phone)
            logger.info("SMS message %s accepted by the platform: %s", reference or "-", status)
            return Outcome(delivered=True, permanent=False, status=status, reference=their_reference)
        status = short_status(f"{code} {message or PERMANENT_CODES.get(code, 'refused')}", phone)
        logger.info("SMS message %s refused by the platform: %s", reference or "-", status)
        return Outcome(delivered=False, permanent=True, status=status, reference=their_reference)

    @staticmethod
    def _unavailable(reference: str, status: str) -> ChannelUnavailable:
        logger.warning("SMS message %s not sent: %s", reference or "-", status)
        return ChannelUnavailable(_l("The SMS platform is unavailable for now (%(status)s).", status=status),
                                  status=status)

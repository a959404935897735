"""SMS through SMPP 3.4, for platforms reached through their operator's protocol gateway.

Besides their HTTP interface, China Mobile's and China Unicom's SMS gateways and most police SMS
platforms accept SMPP 3.4. It is spoken through smpplib: maintained, pure Python, and it encodes
and decodes every PDU this needs; the CMPP libraries on PyPI are unmaintained.

One message is one connection: ``bind_transmitter`` with ``NOTICE_SMPP_SYSTEM_ID`` and
``NOTICE_SMPP_PASSWORD``, one ``submit_sm`` per part (UCS2, data_coding 8, for Chinese; a text
longer than 70 characters is split into concatenated parts with a user data header by
``smpplib.gsm.make_parts``), then ``unbind``. The signature goes in front of the text, as the
operators want it. The first part's ``message_id`` is the reference. SMPP has no field for
anqi's own id but the 16-bit ``user_message_reference``, which carries a numeric id modulo
65536: a platform cannot be relied on to drop a message sent twice.

A ``submit_sm_resp`` with a non-zero ``command_status`` is a refusal for good, its code in the
status, except ESME_RTHROTTLED (0x58) and ESME_RMSGQFUL (0x14), which pass: those, a refused
bind (a setting to correct), a connection refused or lost and a timeout raise
``ChannelUnavailable``.
"""
import logging

import smpplib.client
import smpplib.consts
import smpplib.exceptions
import smpplib.gsm
import smpplib.smpp
from flask_babel import lazy_gettext as _l

from core.notices.allowlist import check_host
from core.notices.channels import ChannelUnavailable, Outcome, short_status

logger = logging.getLogger(__name__)

# smpplib logs every PDU in hexadecimal at DEBUG, the number and the text among them: its logger
# stays at INFO whatever the application's level.
WIRE_LOGGER = f"{__name__}.wire"
logging.getLogger(WIRE_LOGGER).setLevel(logging.INFO)

TEMPORARY_STATUSES = (smpplib.consts.SMPP_ESME_RTHROTTLED, smpplib.consts.SMPP_ESME_RMSGQFUL)
UCS2 = smpplib.consts.SMPP_ENCODING_ISO10646


def describe(status: int) -> str:
    return f"0x{status:08X} {smpplib.consts.DESCRIPTIONS.get(status, 'unknown status')}"


class SmppGateway:
    def __init__(self, config):
        self.host = str(config.get("NOTICE_SMPP_HOST") or "").strip()
        self.port = int(config.get("NOTICE_SMPP_PORT") or 2775)
        self.system_id = str(config.get("NOTICE_SMPP_SYSTEM_ID") or "")
        self.password = str(config.get("NOTICE_SMPP_PASSWORD") or "")
        self.source_addr = str(config.get("NOTICE_SMPP_SOURCE_ADDR") or "")
        self.signature = str(config.get("NOTICE_SMS_SIGNATURE") or "")
        self.timeout = float(config.get("NOTICE_TIMEOUT_SECONDS") or 10)
        self.config = config

    def send(self, phone: str, text: str, *, event: str = "", reference: str = "") -> Outcome:
        check_host(self.host, self.port, self.config)
        phone = str(phone or "").strip()
        if self.signature and not text.startswith(self.signature):
            text = self.signature + text
        try:
            parts, encoding, esm_class = smpplib.gsm.make_parts(text, encoding=UCS2)
        except smpplib.exceptions.MessageTooLong:
            return Outcome(delivered=False, permanent=True, status="message too long for 255 parts")
        extra = {"user_message_reference": int(reference) % 65536} if str(reference).isdigit() else {}
        client = smpplib.client.Client(self.host, self.port, timeout=self.timeout, logger_name=WIRE_LOGGER,
                                       allow_unknown_opt_params=True)
        try:
            client.connect()
            client.bind_transmitter(system_id=self.system_id, password=self.password)
            message_ids = []
            for part in parts:
                submitted = client.send_message(
                    source_addr_ton=smpplib.consts.SMPP_TON_UNK, source_addr_npi=smpplib.consts.SMPP_NPI_UNK,
                    source_addr=self.source_addr, dest_addr_ton=smpplib.consts.SMPP_TON_UNK,
                    dest_addr_npi=smpplib.consts.SMPP_NPI_ISDN, destination_addr=phone, short_message=part,
                    data_coding=encoding, esm_class=esm_class, registered_delivery=0, **extra)
                answer = self._answer(client, submitted.sequence)
                if answer.status in TEMPORARY_STATUSES:
                    raise self._unavailable(reference, describe(answer.status))
                if answer.status != smpplib.consts.SMPP_ESME_ROK:
                    status = describe(answer.status)
                    logger.info("SMS message %s refused by the SMPP gateway: %s", reference or "-", status)
                    return Outcome(delivered=False, permanent=True, status=status,
                                   reference=message_ids[0] if message_ids else "")
                message_ids.append(short_status((answer.message_id or b"").decode("ascii", "replace"), phone))
        except smpplib.exceptions.PDUError as exc:
            if len(exc.args) > 1:       # the bind refused: the system id or the password
                raise self._unavailable(reference, f"bind_transmitter: {describe(exc.args[1])}") from None
            raise self._unavailable(reference, "SMPP protocol error") from None
        except smpplib.exceptions.UnknownCommandError:
            raise self._unavailable(reference, "SMPP protocol error: an unknown PDU") from None
        except TimeoutError:
            raise self._unavailable(reference, f"timed out after {self.timeout:g} s") from None
        except (smpplib.exceptions.ConnectionError, OSError):
            raise self._unavailable(reference, "connection failed") from None
        finally:
            self._close(client)
        status = describe(smpplib.consts.SMPP_ESME_ROK) + (f" ({len(parts)} parts)" if len(parts) > 1 else "")
        logger.info("SMS message %s accepted by the SMPP gateway: %s", reference or "-", status)
        return Outcome(delivered=True, permanent=False, status=status, reference=message_ids[0])

    @staticmethod
    def _answer(client, sequence: int):
        """The ``submit_sm_resp`` (or ``generic_nack``) to ``sequence``, answering the gateway's
        ``enquire_link`` meanwhile."""
        while True:
            pdu = client.read_pdu()
            if pdu.command == "enquire_link":
                reply = smpplib.smpp.make_pdu("enquire_link_resp", client=client)
                reply.sequence = pdu.sequence
                client.send_pdu(reply)
            elif pdu.command in ("submit_sm_resp", "generic_nack") and pdu.sequence == sequence:
                return pdu

    @staticmethod
    def _close(client) -> None:
        try:
            if client.state == smpplib.consts.SMPP_CLIENT_STATE_BOUND_TX:
                client.unbind()
        except (smpplib.exceptions.ConnectionError, smpplib.exceptions.PDUError, OSError):
            pass        # nothing is left to say: the gateway ends the session itself
        finally:
            client.disconnect()

    @staticmethod
    def _unavailable(reference: str, status: str) -> ChannelUnavailable:
        logger.warning("SMS message %s not sent: %s", reference or "-", status)
        return ChannelUnavailable(_l("The SMS platform is unavailable for now (%(status)s).", status=status),
                                  status=status)

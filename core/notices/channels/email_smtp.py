"""Email through the SMTP relay: ``MAIL_SERVER``, ``MAIL_PORT``, ``MAIL_USE_TLS`` (STARTTLS),
``MAIL_USE_SSL`` (TLS from the first byte), ``MAIL_USERNAME``/``MAIL_PASSWORD`` (AUTH, when set),
``MAIL_DEFAULT_SENDER``, ``MAIL_TIMEOUT``.

Written with the standard library (``smtplib``, ``email.message``) rather than Flask-Mailman: a
job sends one message and needs no extension state (no connection kept, nothing bound to the
application), and the settings keep the names Flask-Mail and Flask-Mailman use.

The subject and the text go as UTF-8 (the subject RFC 2047-encoded, the body in base64), so
Chinese passes any relay. The ``Message-ID`` is made from anqi's own id, so that a relay or a
recipient that sees the same message twice (sent again after an answer lost on the way) can drop
it. A 5xx answer to the recipient or to the message is a refusal for good; a 4xx answer anywhere,
a refused sender, login or STARTTLS (settings to correct), no connection and a timeout raise
``ChannelUnavailable``.
"""
import io
import logging
import re
import smtplib
import ssl
from email.generator import BytesGenerator
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

from flask_babel import lazy_gettext as _l

from core.notices.allowlist import check_host
from core.notices.channels import ChannelUnavailable, Outcome, short_status

logger = logging.getLogger(__name__)

ADDRESS = re.compile(r"[^@\s<>\"]+@[^@\s<>\"]+")


class SmtpMailer:
    def __init__(self, config):
        self.server = str(config.get("MAIL_SERVER") or "").strip()
        self.use_ssl = bool(config.get("MAIL_USE_SSL"))
        self.use_tls = bool(config.get("MAIL_USE_TLS")) and not self.use_ssl
        self.port = int(config.get("MAIL_PORT") or (465 if self.use_ssl else 25))
        self.username = str(config.get("MAIL_USERNAME") or "")
        self.password = str(config.get("MAIL_PASSWORD") or "")
        self.sender = str(config.get("MAIL_DEFAULT_SENDER") or "").strip()
        self.timeout = float(config.get("MAIL_TIMEOUT") or 10)
        self.config = config

    def send(self, to: str, subject: str, body: str, *, reference: str = "") -> Outcome:
        check_host(self.server, self.port, self.config)
        to = str(to or "").strip()
        if not ADDRESS.fullmatch(to):
            return self._refused(reference, "not an email address", to)
        envelope_sender = parseaddr(self.sender)[1]
        if "@" not in envelope_sender:
            raise self._unavailable(reference, "MAIL_DEFAULT_SENDER is not an email address", to)
        message = self.message(to, subject, body, reference)
        international = not (to.isascii() and envelope_sender.isascii())
        try:
            smtp = (smtplib.SMTP_SSL(self.server, self.port, timeout=self.timeout,
                                     context=ssl.create_default_context()) if self.use_ssl
                    else smtplib.SMTP(self.server, self.port, timeout=self.timeout))
        except smtplib.SMTPResponseException as exc:   # the greeting: busy, or not for us
            raise self._unavailable(reference, f"{exc.smtp_code} {_text(exc.smtp_error)}", to) from None
        except TimeoutError:
            raise self._unavailable(reference, f"timed out after {self.timeout:g} s", to) from None
        except OSError:
            raise self._unavailable(reference, "connection failed", to) from None
        try:
            return self._deliver(smtp, envelope_sender, to, message, international, reference)
        except smtplib.SMTPNotSupportedError:
            raise self._unavailable(reference, "the relay offers no STARTTLS or AUTH", to) from None
        except smtplib.SMTPResponseException as exc:   # STARTTLS, AUTH
            raise self._unavailable(reference, f"{exc.smtp_code} {_text(exc.smtp_error)}", to) from None
        except TimeoutError:
            raise self._unavailable(reference, f"timed out after {self.timeout:g} s", to) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise self._unavailable(reference, f"connection failed ({type(exc).__name__})", to) from None
        finally:
            _quit(smtp)

    def message(self, to: str, subject: str, body: str, reference: str = "") -> EmailMessage:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = to
        message["Subject"] = " ".join(str(subject or "").split())
        message["Date"] = formatdate(localtime=True)
        message["Message-ID"] = message_id(reference, self.sender)
        message["Auto-Submitted"] = "auto-generated"      # RFC 3834: no out-of-office answers
        message.set_content(str(body or ""), charset="utf-8", cte="base64")
        return message

    def _deliver(self, smtp, envelope_sender, to, message, international, reference) -> Outcome:
        smtp.ehlo_or_helo_if_needed()
        if self.use_tls:
            smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo()
        if self.username:
            smtp.login(self.username, self.password)
        options = []
        if international:
            if not smtp.has_extn("smtputf8"):
                return self._refused(reference, "the relay takes no address outside ASCII (SMTPUTF8)", to)
            options = ["SMTPUTF8", "BODY=8BITMIME"]
        code, reply = smtp.mail(envelope_sender, options)
        if code != 250:     # the sender: a setting to correct, not this message's fault
            raise self._unavailable(reference, f"MAIL FROM: {code} {_text(reply)}", to)
        code, reply = smtp.rcpt(to)
        if code not in (250, 251):
            return self._answer(reference, code, f"RCPT TO: {code} {_text(reply)}", to)
        try:
            code, reply = smtp.data(_as_bytes(message, international))
        except smtplib.SMTPDataError as exc:    # DATA itself refused
            code, reply = exc.smtp_code, exc.smtp_error
        if code != 250:
            return self._answer(reference, code, f"DATA: {code} {_text(reply)}", to)
        status = short_status(f"{code} {_text(reply)}", to)
        logger.info("Email message %s accepted by the relay: %s", reference or "-", status)
        return Outcome(delivered=True, permanent=False, status=status, reference=message["Message-ID"])

    def _answer(self, reference, code, status, to) -> Outcome:
        if 500 <= code < 600:
            return self._refused(reference, status, to)
        raise self._unavailable(reference, status, to)

    @staticmethod
    def _refused(reference, status, to) -> Outcome:
        status = short_status(status, to)
        logger.info("Email message %s refused by the relay: %s", reference or "-", status)
        return Outcome(delivered=False, permanent=True, status=status)

    @staticmethod
    def _unavailable(reference, status, to) -> ChannelUnavailable:
        status = short_status(status, to)
        logger.warning("Email message %s not sent: %s", reference or "-", status)
        return ChannelUnavailable(_l("The mail relay is unavailable for now (%(status)s).", status=status),
                                  status=status)


def message_id(reference: str, sender: str) -> str:
    """``<notice.<reference>@<the sender's domain>>``: the same for every sending of one message."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "anqi.invalid"
    if not reference:
        return make_msgid(domain=domain)
    return f"<notice.{re.sub(r'[^A-Za-z0-9.-]', '-', str(reference))[:64]}@{domain}>"


def _as_bytes(message: EmailMessage, international: bool) -> bytes:
    with io.BytesIO() as stream:
        policy = message.policy.clone(utf8=True) if international else message.policy
        BytesGenerator(stream, policy=policy).flatten(message, linesep="\r\n")
        return stream.getvalue()


def _text(reply) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def _quit(smtp) -> None:
    """End the session; what the relay says to QUIT changes nothing about the message."""
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        pass
    finally:
        smtp.close()

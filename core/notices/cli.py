"""``anqi notices …``: the SMS platform and the mail relay from the shell."""
import re
import sys
import uuid

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.cli_help import group, option

MOBILE = re.compile(r"^1[3-9]\d{9}$")
EMAIL = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+$")


def _fail(message, code: int = 1):
    click.secho(str(message), fg="red", err=True)
    sys.exit(code)


@group("notices", help=_l("Notices by SMS and email: the SMS platform and the mail relay."))
def notices():
    pass


@notices.command("test", help=_l(
    "Send a test SMS or email and print the answer. --to takes a mobile number (SMS) or an email "
    "address (email). Exits 0 when the SMS platform or mail relay accepted the message, 1 otherwise."))
@option("--to", "address", required=True, metavar="PHONE|EMAIL", help=_l("The mobile number or email address."))
@option("--text", help=_l("The text to send instead of the standard test message."))
@with_appcontext
def test_command(address, text):
    from core.errors import ValidationError
    from core.notices.channels import ChannelUnavailable, mailer, mask_address, sms_gateway
    from core.privacy.validation import phone as valid_phone

    address = address.strip()
    reference = f"test-{uuid.uuid4().hex[:12]}"   # a new id each time: a platform drops a repeated one
    email = "@" in address
    try:
        if email:
            if not EMAIL.match(address):
                _fail(_("That is not an email address."), 2)
            channel = mailer(current_app.config)
            if channel is None:
                _fail(_("Email is not configured: set ANQI_MAIL_SERVER to the mail relay "
                        "(docs/operations.md, “Notices: the SMS platform and the mail relay”)."))
            outcome = channel.send(address, _("anqi test message"),
                                   text or _("This is a test message from anqi: email notices reach this address."),
                                   reference=reference)
        else:
            address = valid_phone(address)
            if not MOBILE.match(address):
                _fail(_("SMS goes to mobile numbers only."), 2)
            channel = sms_gateway(current_app.config)
            if channel is None:
                _fail(_("SMS is not configured: set ANQI_NOTICE_SMS_GATEWAY to “http” or “smpp” "
                        "(docs/operations.md, “Notices: the SMS platform and the mail relay”)."))
            outcome = channel.send(address, text or _("This is a test message from anqi: SMS notices reach this "
                                                      "number."), event="test", reference=reference)
    except ChannelUnavailable as exc:
        _fail(exc.message)
    except ValidationError as exc:      # an address not on the allow list; a number that is none
        _fail(exc.message, 1 if exc.field == "url" else 2)

    masked = mask_address(address)
    if outcome.delivered:
        click.echo(_("The mail relay accepted the message to %(address)s.", address=masked) if email
                   else _("The SMS platform accepted the message to %(address)s.", address=masked))
    else:
        click.secho(_("The mail relay refused the message to %(address)s for good.", address=masked) if email
                    else _("The SMS platform refused the message to %(address)s for good.", address=masked),
                    fg="red", err=True)
    click.echo(_("Answer: %(status)s", status=outcome.status))
    if outcome.reference:
        click.echo(_("Reference: %(reference)s", reference=outcome.reference))
    sys.exit(0 if outcome.delivered else 1)

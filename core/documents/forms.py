"""The official documents' forms. They render the fields and carry the CSRF
token; the rules (what is required, which values are allowed) are checked by
core.documents.services, whose messages are shown on the fields.

The body is typed as plain lines: ``# `` … ``#### `` start a heading of level
1–4 (numbered by the PDF engine), any other non-empty line is a paragraph.
``body_blocks`` and ``body_text`` convert between the two; ``lines`` splits a
one-per-line field."""
import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import FileField, HiddenField, SelectField, StringField, TextAreaField

HEADING = re.compile(r"^(#{1,4})[ \t\u3000]+(.*)$")


def lines(text) -> list[str]:
    """A one-per-line field as its non-empty lines, stripped."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def body_blocks(text) -> list[tuple[str, str]]:
    """The typed body as ``[(kind, text), …]``: ``h1``–``h4`` or ``p``."""
    blocks = []
    for line in lines(text):
        match = HEADING.match(line)
        if match:
            blocks.append((f"h{len(match.group(1))}", match.group(2).strip()))
        else:
            blocks.append(("p", line))
    return blocks


def body_text(blocks) -> str:
    """The stored blocks as the text the body field shows (the inverse of ``body_blocks``)."""
    out = []
    for kind, text in blocks or ():
        out.append(f"{'#' * int(kind[1])} {text}" if kind in ("h1", "h2", "h3", "h4") else text)
    return "\n".join(out)


class DraftForm(FlaskForm):
    doc_type = SelectField(_l("Kind of document"), validate_choice=False)
    title = StringField(_l("Title"), render_kw={"maxlength": 200})
    addressees = TextAreaField(_l("Addressees (主送)"), render_kw={"rows": 2},
                               description=_l("One per line."))
    copies = TextAreaField(_l("Copies to (抄送)"), render_kw={"rows": 2},
                           description=_l("One per line; may be left empty."))
    body = TextAreaField(
        _l("Body"), render_kw={"rows": 16},
        description=_l("One paragraph a line. A line starting with “# ”, “## ”, “### ” or “#### ” is a heading "
                       "of level 1 to 4; the PDF numbers the headings itself (一、 （一） 1. （1）), so type them "
                       "without a number."))
    attachment_titles = TextAreaField(_l("Attachments (附件)"), render_kw={"rows": 2},
                                      description=_l("The title of each attachment, one per line; may be left "
                                                     "empty."))
    ticket_id = HiddenField()
    enterprise_id = HiddenField()
    submission_key = HiddenField()
    version = HiddenField()

    def set_choices(self, kinds: dict):
        self.doc_type.choices = [("", _l("— choose —"))] + [(code, kind.label) for code, kind in kinds.items()]


class ActionForm(FlaskForm):
    """An action with nothing to fill in: the CSRF token only."""


class SendBackForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), render_kw={"rows": 3})


class DeliveryForm(FlaskForm):
    recipient = StringField(_l("Received by"), render_kw={"maxlength": 100})
    received_at = StringField(_l("Received at"), render_kw={"placeholder": "YYYY-MM-DD HH:MM"},
                              description=_l("Beijing time, e.g. 2026-11-20 14:30."))
    method = SelectField(_l("Delivery method"), validate_choice=False)
    receipt = FileField(_l("Scanned receipt"), description=_l("Optional: a photo or PDF scan of the signed receipt."))

    def set_choices(self, methods: dict):
        self.method.choices = [("", _l("— choose —"))] + list(methods.items())

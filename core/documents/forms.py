"""The official documents' forms. They render the fields and carry the CSRF
token; the rules (what is required, which values are allowed) are checked by
core.documents.services, whose messages are shown on the fields.

The body is typed as plain lines: ``# `` … ``#### `` start a heading of level
1–4 (numbered by the PDF engine), any other non-empty line is a paragraph.
Tables, figures and the table of contents (made by the system, e.g. a plugin's
report) show as marker lines such as ``[[表格 1]]``: the author may move or delete
them, and saving puts the block back where its marker stands. ``body_blocks``
and ``body_text`` convert between the two; ``lines`` splits a one-per-line field."""
import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import FileField, HiddenField, SelectField, StringField, TextAreaField

HEADING = re.compile(r"^(#{1,4})[ \t\u3000]+(.*)$")
# The marker words are the document's own (Chinese) vocabulary, like the format's 附件 and 抄送.
MARKER_WORDS = {"table": "表格", "figure": "图", "contents": "目录"}
MARKER = re.compile(r"^\[\[(表格|图|目录)(?: (\d+))?\]\]$")


def _markers(blocks) -> dict[str, tuple]:
    """Each structured block's marker text → the block."""
    counts, out = {}, {}
    for kind, value in blocks or ():
        if kind in MARKER_WORDS:
            counts[kind] = counts.get(kind, 0) + 1
            word = MARKER_WORDS[kind]
            out[f"[[{word}]]" if kind == "contents" else f"[[{word} {counts[kind]}]]"] = (kind, value)
    return out


def lines(text) -> list[str]:
    """A one-per-line field as its non-empty lines, stripped."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def body_blocks(text, kept=()) -> list[tuple]:
    """The typed body as ``[(kind, value), …]``: ``h1``–``h4`` or ``p``, and the
    blocks of ``kept`` (the draft's stored body) whose markers are still there."""
    structured = _markers(kept)
    blocks = []
    for line in lines(text):
        match = HEADING.match(line)
        if line in structured:
            blocks.append(structured.pop(line))
        elif match:
            blocks.append((f"h{len(match.group(1))}", match.group(2).strip()))
        else:
            blocks.append(("p", line))
    return blocks


def body_text(blocks) -> str:
    """The stored blocks as the text the body field shows (the inverse of ``body_blocks``)."""
    blocks = [(kind, value) for kind, value in blocks or ()]
    markers = {id(block[1]): marker for marker, block in _markers(blocks).items()}
    out = []
    for kind, value in blocks:
        if kind in MARKER_WORDS:
            out.append(markers[id(value)])
        else:
            out.append(f"{'#' * int(kind[1])} {value}" if kind in ("h1", "h2", "h3", "h4") else value)
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
                       "without a number. Lines such as [[表格 1]] stand for a table, figure or table of contents "
                       "made by the system: move or delete them as a whole."))
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
    receipt = FileField(_l("Scanned receipt"), description=_l("Optional: a photo or PDF scan of the signed receipt."),
                        render_kw={"accept": ".jpg,.jpeg,.png,.webp,.pdf"})

    def set_choices(self, methods: dict):
        self.method.choices = [("", _l("— choose —"))] + list(methods.items())

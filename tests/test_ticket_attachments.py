"""Ticket attachments: checked by content against the extension, size-limited,
stored outside the web root under generated names, downloaded only by those who
may see the ticket, and never left behind by a failed intake."""
import hashlib
import io
from pathlib import Path

import pytest
from sqlalchemy import select

from core.errors import ValidationError
from core.extensions import db
from core.registry import services as registry
from core.tickets import attachments
from core.tickets import services as tickets
from core.tickets.models import Ticket, TicketAttachment
from tests import pdfs
from tests.conftest import actor_for, login
from tests.helpers import code, count, en, fresh_client
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(200))
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(300)
PDF = pdfs.PLAIN
SAMPLES = {
    "photo.jpg": JPEG, "photo.jpeg": JPEG, "photo.png": PNG,
    "photo.webp": b"RIFF\x24\x00\x00\x00WEBPVP8 " + bytes(40),
    "voice.mp3": b"ID3\x04\x00\x00\x00\x00\x00\x00" + bytes(40),
    "frame.mp3": b"\xff\xfb\x90\x64" + bytes(40),
    "voice.m4a": b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00M4A mp42isom" + bytes(40),
    "voice.aac": b"\xff\xf1\x50\x80\x02\x1f\xfc" + bytes(40),
    "voice.wav": b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(40),
    "voice.ogg": b"OggS\x00\x02" + bytes(40), "voice.opus": b"OggS\x00\x02" + bytes(20) + b"OpusHead",
    "voice.amr": b"#!AMR\n" + bytes(40),
    "clip.mp4": b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(40),
    "clip.webm": b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\xf2\x81\x04\x42\xf3\x81\x08\x42\x82"
                 b"\x84webm" + bytes(20),
    "letter.pdf": PDF,
}


@pytest.fixture
def enterprise_id(city):
    return registry.create(actor_for("desk_a"), {"name": "浙江华达科技有限公司", "credit_code": code(1)}).id


def client_for(app, username):
    client = fresh_client(app)
    login(client, username)
    return client


def uploads(*pairs):
    return [(name, io.BytesIO(data)) for name, data in pairs]


def folder(app) -> Path:
    return Path(app.instance_path) / "attachments"


def stored_files(app) -> list[Path]:
    return sorted(folder(app).glob("*")) if folder(app).exists() else []


def intake_form(enterprise_id, files, **values):
    return {"enterprise_id": str(enterprise_id), "channel": "walk_in", "category": "safety",
            "ticket_class": "general", "handling_mode": "follow", "description": "仓库消防通道被占用。",
            "attachments": [(io.BytesIO(data), name) for name, data in files], **values}


# --- the content check ------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_every_accepted_format_passes(app, name):
    [item] = attachments.check_uploads(uploads((name, SAMPLES[name])))
    assert item.sha256 == hashlib.sha256(SAMPLES[name]).hexdigest()
    assert item.extension == ("jpg" if name.endswith(".jpeg") else name.rsplit(".", 1)[1])


@pytest.mark.parametrize("name, data, says", [
    ("scan.pdf", JPEG, "JPEG"),                       # JPEG bytes named .pdf
    ("photo.png", PDF, "PDF"),
    ("voice.mp3", PNG, "PNG"),
    ("clip.mp4", b"MZ\x90\x00" + bytes(60), None),    # a Windows program named .mp4
    ("photo.jpg", b"<html><script>alert(1)</script>", None),
    ("clip.webm", b"\x1a\x45\xdf\xa3" + bytes(40) + b"matroska", None),  # Matroska but not WebM
    ("clip.mp4", b"\x00\x00\x00\x18ftypheic" + bytes(40), None),        # a HEIC photo named .mp4
])
def test_content_that_does_not_match_the_extension_is_refused(app, name, data, says):
    with pytest.raises(ValidationError) as refused:
        attachments.check_uploads(uploads((name, data)))
    message = str(refused.value.message)
    assert name in message
    if says:
        assert says in message


@pytest.mark.parametrize("name", ["tool.exe", "page.html", "noextension", "archive.zip", "image.svg"])
def test_other_types_are_refused(app, name):
    with pytest.raises(ValidationError):
        attachments.check_uploads(uploads((name, PNG)))


def test_size_and_count_limits(make_app):
    app = make_app(ATTACHMENT_MAX_BYTES=1000, ATTACHMENT_MAX_FILES=2)
    with app.app_context():
        attachments.check_uploads(uploads(("a.png", PNG[:1000])))
        with pytest.raises(ValidationError) as refused:
            attachments.check_uploads(uploads(("big.png", PNG + bytes(1000))))
        assert "big.png" in str(refused.value.message)
        with pytest.raises(ValidationError):
            attachments.check_uploads(uploads(("empty.pdf", b"")))
        with pytest.raises(ValidationError):
            attachments.check_uploads(uploads(("a.png", PNG), ("b.png", PNG), ("c.png", PNG)))


def test_every_problem_is_reported_by_file(app):
    with pytest.raises(ValidationError) as refused:
        attachments.check_uploads(uploads(("ok.png", PNG), ("bad.pdf", JPEG), ("worse.exe", PNG)))
    messages = [str(m) for m in refused.value.errors["attachments"]]
    assert len(messages) == 2 and "bad.pdf" in messages[0] and "worse.exe" in messages[1]


def test_uploaded_names_lose_their_folders(app):
    [item] = attachments.check_uploads(uploads(("../../etc/现场照片.png", PNG)))
    assert item.name == "现场照片.png"
    assert attachments.clean_name("C:\\Users\\x\\a.pdf") == "a.pdf"


# --- intake with attachments ---------------------------------------------------------------

def test_a_valid_photo_is_stored_and_downloaded_only_by_those_who_see_the_ticket(app, city, enterprise_id):
    client = client_for(app, "desk")
    response = client.post("/tickets/new", data=intake_form(enterprise_id, [("现场照片.png", PNG), ("报告.pdf", PDF)]),
                           content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    ticket = db.session.scalar(select(Ticket))
    rows = list(db.session.scalars(select(TicketAttachment).order_by(TicketAttachment.id)))
    assert [r.original_name for r in rows] == ["现场照片.png", "报告.pdf"]
    photo = rows[0]
    assert photo.content_type == "image/png" and photo.size == len(PNG)
    assert photo.sha256 == hashlib.sha256(PNG).hexdigest()
    path = folder(app) / photo.stored_name
    assert path.read_bytes() == PNG
    assert "现场照片" not in photo.stored_name and photo.stored_name.endswith(".png")
    static = Path(app.static_folder).resolve()
    assert not path.resolve().is_relative_to(static)
    assert path.resolve().is_relative_to(Path(app.instance_path).resolve())

    url = f"/tickets/{ticket.id}/attachments/{photo.id}"
    assert url in client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    download = client.get(url)
    assert download.status_code == 200 and download.data == PNG
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.mimetype == "image/png"
    # Station B may not see the ticket: its attachment does not exist for them.
    assert client_for(app, "officer_b").get(url).status_code == 404
    # Station A may once the ticket is dispatched there.
    officer = client_for(app, "officer_a")
    assert officer.get(url).status_code == 404
    tickets.dispatch(actor_for("desk"), ticket.id, city.station_a.id)
    assert officer.get(url).status_code == 200
    # An attachment asked for under another ticket's number is not found.
    other = tickets.register(actor_for("desk"), tickets.Intake(
        enterprise_id=enterprise_id, channel="online", category="other", ticket_class="general",
        handling_mode="follow", description="另一件"))
    assert client.get(f"/tickets/{other.id}/attachments/{photo.id}").status_code == 404
    assert client.get(f"/tickets/{ticket.id}/attachments/999999").status_code == 404


def test_a_mismatched_file_stops_the_intake_and_nothing_is_stored(app, city, enterprise_id):
    client = client_for(app, "desk")
    response = client.post("/tickets/new", data=intake_form(enterprise_id, [("ok.png", PNG), ("fake.pdf", JPEG)]),
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert "fake.pdf" in response.get_data(as_text=True)
    assert count(Ticket) == 0 and count(TicketAttachment) == 0 and stored_files(app) == []


@pytest.mark.parametrize("app_config", [{"ATTACHMENT_MAX_BYTES": 500}])
def test_an_oversize_file_is_a_message_and_nothing_is_stored(app, city, enterprise_id):
    client = client_for(app, "desk")
    response = client.post("/tickets/new", data=intake_form(enterprise_id, [("big.pdf", PDF + bytes(1000))]),
                           content_type="multipart/form-data")
    assert response.status_code == 400 and "big.pdf" in response.get_data(as_text=True)
    assert count(Ticket) == 0 and stored_files(app) == []


def test_a_failed_commit_leaves_no_file_and_no_ticket(app, city, enterprise_id, monkeypatch):
    prepared = attachments.check_uploads(uploads(("a.png", PNG), ("b.pdf", PDF)))

    def broken_commit():
        raise RuntimeError("disk full")

    monkeypatch.setattr(db.session, "commit", broken_commit)
    with pytest.raises(RuntimeError):
        tickets.register(actor_for("desk"), tickets.Intake(
            enterprise_id=enterprise_id, channel="online", category="other", ticket_class="general",
            handling_mode="follow", description="附件写入失败", attachments=prepared))
    monkeypatch.undo()
    assert count(Ticket) == 0 and count(TicketAttachment) == 0 and stored_files(app) == []


def test_a_second_submission_stores_no_second_copy(app, city, enterprise_id):
    client = client_for(app, "desk")
    data = lambda: intake_form(enterprise_id, [("a.png", PNG)], submission_key="s" * 32)  # noqa: E731
    assert client.post("/tickets/new", data=data(), content_type="multipart/form-data").status_code == 302
    assert client.post("/tickets/new", data=data(), content_type="multipart/form-data").status_code == 302
    assert count(Ticket) == 1 and count(TicketAttachment) == 1 and len(stored_files(app)) == 1


# --- adding files on the ticket page --------------------------------------------------------

def test_files_added_on_the_ticket_page(app, city, enterprise_id):
    ticket = tickets.register(actor_for("desk"), tickets.Intake(
        enterprise_id=enterprise_id, channel="online", category="other", ticket_class="general",
        handling_mode="follow", description="补充材料"))
    tickets.dispatch(actor_for("desk"), ticket.id, city.station_a.id)
    officer = client_for(app, "officer_a")
    response = officer.post(f"/tickets/{ticket.id}/attach",
                            data={"attach-attachments": [(io.BytesIO(JPEG), "现场.jpg")]},
                            content_type="multipart/form-data")
    assert response.status_code == 302
    assert count(TicketAttachment) == 1 and len(stored_files(app)) == 1
    page = officer.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "现场.jpg" in page and 'data-testid="event-attached"' in page
    # A bad file: a message, nothing stored; none at all: a message.
    response = officer.post(f"/tickets/{ticket.id}/attach",
                            data={"attach-attachments": [(io.BytesIO(PNG), "x.mp4")]},
                            content_type="multipart/form-data")
    assert response.status_code == 400 and "x.mp4" in response.get_data(as_text=True)
    assert officer.post(f"/tickets/{ticket.id}/attach", data={}).status_code == 400
    assert count(TicketAttachment) == 1 and len(stored_files(app)) == 1
    # Station B cannot add files to it.
    other = client_for(app, "officer_b")
    response = other.post(f"/tickets/{ticket.id}/attach", data={"attach-attachments": [(io.BytesIO(PNG), "y.png")]},
                          content_type="multipart/form-data")
    assert response.status_code == 404 and count(TicketAttachment) == 1


# --- PDFs that act when opened --------------------------------------------------------------

@pytest.mark.parametrize("data, why", [
    (pdfs.JAVASCRIPT_ON_OPEN_IN_OBJECT_STREAM, "OpenAction JavaScript inside a compressed object stream"),
    (pdfs.classic(b"/Names << /J#61vaScript 4 0 R >> ", extra=[b"<< /Names [(a) 5 0 R] >>",
                                                              b"<< /S /JavaScript /JS (x) >>"]),
     "document JavaScript under a name written with #61"),
    (pdfs.classic(page_extra=b"/AA << /O 4 0 R >> ", extra=[b"<< /S /Launch /F (cmd.exe) >>"]),
     "an automatic action on opening the page that launches a program"),
    (pdfs.classic(b"/Names << /EmbeddedFiles 4 0 R >> ", extra=[b"<< /Names [(a.exe) 5 0 R] >>",
                                                               b"<< /Type /Filespec /F (a.exe) /EF << /F 6 0 R >> >>",
                                                               b"<< /Type /EmbeddedFile /Length 0 >>\nstream\n\nendstream"]),
     "an embedded file"),
])
def test_a_pdf_with_scripts_actions_or_embedded_files_is_refused(app, data, why):
    """Before: any file starting with %PDF- was kept as it was."""
    assert b"JavaScript" not in pdfs.JAVASCRIPT_ON_OPEN_IN_OBJECT_STREAM   # invisible to a byte scan
    with pytest.raises(ValidationError) as refused:
        attachments.check_uploads(uploads(("回执.pdf", data)))
    assert "回执.pdf" in str(refused.value.message), why
    assert "Print it to PDF again" in en(refused.value.message)


@pytest.mark.parametrize("data", [pdfs.PLAIN, pdfs.in_object_stream(b"/OpenAction [3 0 R /Fit] ")])
def test_a_plain_pdf_and_one_opening_at_a_page_are_kept(app, data):
    [item] = attachments.check_uploads(uploads(("扫描件.pdf", data)))
    assert item.data == data


@pytest.mark.parametrize("data, says", [(b"%PDF-1.4\n" + bytes(100), "could not be read"),
                                        (pdfs.PLAIN[:40], "could not be read")])
def test_a_pdf_that_cannot_be_parsed_is_refused(app, data, says):
    with pytest.raises(ValidationError) as refused:
        attachments.check_uploads(uploads(("坏.pdf", data)))
    assert says in en(refused.value.message)


@pytest.mark.parametrize("app_config", [{"PDF_CHECK_MAX_OBJECTS": 2}])
def test_a_pdf_beyond_the_checks_bounds_is_refused_as_too_complex(app):
    with pytest.raises(ValidationError) as refused:
        attachments.check_uploads(uploads(("大.pdf", pdfs.PLAIN)))
    assert "too complex" in en(refused.value.message)


def test_the_intake_page_refuses_a_scripted_pdf_and_stores_nothing(app, city, enterprise_id):
    client = client_for(app, "desk")
    response = client.post("/tickets/new", data=intake_form(enterprise_id, [("回执.pdf",
                                                                             pdfs.JAVASCRIPT_ON_OPEN_IN_OBJECT_STREAM)]),
                           content_type="multipart/form-data")
    assert response.status_code == 400 and "回执.pdf" in response.get_data(as_text=True)
    assert count(Ticket) == 0 and count(TicketAttachment) == 0 and stored_files(app) == []

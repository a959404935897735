"""Documents that carry personal data: a recommendation letter printing full ID
numbers keeps them neither in its database row nor in its stored files, yet
every serving (the page's PDF, a preview, the batch ZIP) shows them and is
audited; key rotation re-encrypts the row and the files. And the portal's
confirmation of a letter: two at the same instant record one delivery.

Costs: the encryption and rotation tests under 1 s each (three or four small
renders); the confirmation test about 1.5 s on SQLite (the first thread waits
out the meeting the second cannot reach while it holds the write lock), well
under 1 s on PostgreSQL."""
import hashlib
import io
import re
import threading
from datetime import datetime

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select, text

from core import clock
from core.audit.models import AuditEntry
from core.documents import batches, previews
from core.documents import services as documents
from core.documents.models import Document, DocumentDelivery
from core.extensions import db
from core.portal.actor import PortalActor
from core.portal.models import PortalAccount
from core.privacy import files
from plugins.exit_entry import applications, letters, settings
from tests.conftest import actor_for, login
from tests.exit_entry_world import applicant, build, citizen_id
from tests.helpers import fresh_client
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)
from tests.portal_world import letter_to, verified_account

NUMBERS = [citizen_id(1), citizen_id(2)]


def text_of(pdf: bytes) -> str:
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))


def raw_row(document_id) -> str:
    """Every column of the document's row as the database holds it."""
    db.session.rollback()
    row = db.session.execute(text("SELECT * FROM document WHERE id = :id"), {"id": document_id}).mappings().one()
    db.session.rollback()
    return repr(dict(row))


def openings(document_id) -> list[str]:
    return [entry.detail["opened"] for entry in db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "document.personal_data",
                                 AuditEntry.object_id == str(document_id)).order_by(AuditEntry.id))]


@pytest.fixture
def letter(app, city):
    """A recommendation letter with the applicants' full ID numbers, signed off at station A."""
    world = build(city)
    city.station_a.doc_prefix = "甲公"
    db.session.commit()
    settings.save_settings(actor_for("leader_a"), True)
    application = applications.register(actor_for("desk_a"), world.enterprises[0], [applicant(1), applicant(2)])
    document = letters.recommendation(actor_for("desk_a"), application.id)
    return document.id


def test_full_id_numbers_are_encrypted_at_rest_and_shown_only_when_served(app, letter):
    desk = actor_for("desk_a")
    document = db.session.get(Document, letter)
    assert document.personal_data
    assert all(n in str(document.body) for n in NUMBERS)          # the service reads them
    row = raw_row(letter)
    assert not any(n in row for n in NUMBERS) and "v1:" in row    # the database holds ciphertext only

    # The draft's preview: shown with the numbers, cached sealed, each opening audited.
    preview = documents.preview(desk, letter)
    assert all(n in text_of(preview) for n in NUMBERS)
    cached = next(previews.folder(letter).glob("*.pdf")).read_bytes()
    assert files.version_of(cached) == 1 and not cached.startswith(b"%PDF")
    assert documents.preview(desk, letter) == preview and openings(letter) == ["preview", "preview"]

    documents.submit(desk, letter)
    documents.sign_off(actor_for("leader_a"), letter)
    batch = batches.create(desk, [letter])                         # issued by the batch job
    assert batches.progress(batch.id).issued == 1
    document = db.session.get(Document, letter)
    on_disk = (documents.storage() / document.pdf_name).read_bytes()
    assert not on_disk.startswith(b"%PDF") and files.version_of(on_disk) == 1
    with pytest.raises(Exception):
        PdfReader(io.BytesIO(on_disk))
    assert not any(n.encode() in on_disk for n in NUMBERS)
    assert not any(n in raw_row(letter) for n in NUMBERS)

    # Served: the page's download, the batch ZIP. The fingerprint is the PDF's own.
    client = fresh_client(app)
    login(client, "desk_a")
    served = client.get(f"/documents/{letter}/document.pdf")
    assert served.status_code == 200 and all(n in text_of(served.data) for n in NUMBERS)
    assert hashlib.sha256(served.data).hexdigest() == document.pdf_sha256
    assert documents.verify(document.verification_code).sha256 == document.pdf_sha256
    archive = batches.zip_of(desk, batch.id)
    assert served.data in archive
    page = client.get(f"/documents/{letter}")                   # the page shows the body
    assert page.status_code == 200 and all(n in page.get_data(as_text=True) for n in NUMBERS)
    assert openings(letter) == ["preview", "preview", "pdf", "pdf", "page"]
    details = " ".join(str(e.detail) for e in db.session.scalars(select(AuditEntry)))
    assert not any(n in details for n in NUMBERS)

    # A sealed file altered on disk is refused, not served.
    path = documents.storage() / document.pdf_name
    path.write_bytes(on_disk[:-1] + bytes([on_disk[-1] ^ 1]))
    assert client.get(f"/documents/{letter}/document.pdf").status_code == 400


def test_a_letter_without_full_numbers_is_stored_as_before(app, city):
    world = build(city)
    city.station_a.doc_prefix = "甲公"
    db.session.commit()
    application = applications.register(actor_for("desk_a"), world.enterprises[0], [applicant(1)])
    document = letters.recommendation(actor_for("desk_a"), application.id)
    assert not document.personal_data and "sealed_content': ''" in raw_row(document.id)
    documents.submit(actor_for("desk_a"), document.id)
    documents.sign_off(actor_for("leader_a"), document.id)
    issued = documents.issue(actor_for("desk_a"), document.id)
    assert (documents.storage() / issued.pdf_name).read_bytes().startswith(b"%PDF")
    documents.pdf(actor_for("desk_a"), document.id)
    assert openings(document.id) == []


def test_key_rotation_reencrypts_the_record_and_the_files(app, letter):
    desk = actor_for("desk_a")
    documents.submit(desk, letter)
    documents.sign_off(actor_for("leader_a"), letter)
    documents.issue(desk, letter)
    other = letters.recommendation(desk, db.session.get(Document, letter).related_id)   # a draft with a preview
    preview = documents.preview(desk, other.id)
    document = db.session.get(Document, letter)
    path, sha = documents.storage() / document.pdf_name, document.pdf_sha256

    status = app.test_cli_runner().invoke(args=["privacy", "status"])
    assert "files: document.pdf" in status.output and "files: document.preview" in status.output
    result = app.test_cli_runner().invoke(args=["privacy", "rotate-key"])
    assert result.exit_code == 0, result.output
    assert "files: document.pdf: 1" in result.output and "files: document.preview: 1" in result.output
    assert "v2:" in raw_row(letter) and "v1:" not in raw_row(letter)
    assert files.version_of(path.read_bytes()) == 2
    assert files.version_of(next(previews.folder(other.id).glob("*.pdf")).read_bytes()) == 2
    served = documents.pdf(desk, letter)
    assert hashlib.sha256(served).hexdigest() == sha and all(n in text_of(served) for n in NUMBERS)
    assert documents.preview(desk, other.id) == preview
    status = app.test_cli_runner().invoke(args=["privacy", "status"]).output
    issued_line = next(line for line in status.splitlines() if "files: document.pdf" in line)
    assert issued_line.split()[-2:] == ["v2:", "1"]


# --- the portal's confirmation ----------------------------------------------------------------

@pytest.mark.parametrize("paper_first", [False, True], ids=["issued", "delivered-on-paper"])
def test_two_confirmations_of_one_letter_at_the_same_instant_record_one(app, city, monkeypatch, paper_first):
    clock.freeze(datetime(2026, 11, 20, 2, 0))
    city.centre.doc_prefix = "诸公"
    db.session.commit()
    account = verified_account("desk_a", 1, "甲精密机械有限公司", "13900139001")
    letter = letter_to("desk", "leader", account.enterprise_id)
    if paper_first:
        documents.deliver(actor_for("desk"), letter.id, "王经理", datetime(2026, 11, 20, 2, 0), "post")
    account_id, letter_id = account.id, letter.id
    db.session.commit()
    # Both check "not confirmed yet" before either writes (where the database lets them).
    real, meeting = documents.electronic_receipt, threading.Barrier(2, timeout=1.5)

    def checked(document):
        found = real(document)
        if found is None:
            try:
                meeting.wait()
            except threading.BrokenBarrierError:    # SQLite: the other waits for this one's write lock
                pass
        return found

    monkeypatch.setattr(documents, "electronic_receipt", checked)
    results, errors = [], []

    def confirm():
        with app.app_context():
            try:
                actor = PortalActor(db.session.get(PortalAccount, account_id), "127.0.0.1")
                results.append(documents.confirm_receipt(actor, letter_id).id)
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=confirm) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    db.session.rollback()
    confirmed = db.session.scalars(select(DocumentDelivery).where(DocumentDelivery.method == "electronic")).all()
    assert len(confirmed) == 1 and results == [confirmed[0].id] * 2
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "document.deliver", AuditEntry.object_id == str(letter_id),
        AuditEntry.detail["confirmed_by"].as_string() == "addressee")) == 1

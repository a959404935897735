"""Green-channel applications: ID numbers checked, stored encrypted and never
shown, logged or exported in full (pages, PDFs, Excel, logs, messages, audit);
a batch checked whole before anything is written; target times on the
working-day calendar across National Day; steps strictly in order; the
receipt and the recommendation letter."""
import io
import logging
import re
from datetime import date, datetime

import pytest
from flask import current_app
from openpyxl import load_workbook
from pypdf import PdfReader
from stdnum.cn import ric
from sqlalchemy import func, select, text

from core import clock
from core.audit.models import AuditEntry
from core.documents import services as documents
from core.errors import Forbidden, NotFound, ValidationError
from core.extensions import db
from core.privacy.masking import mask
from plugins.exit_entry import applications, letters, settings
from plugins.exit_entry.models import Applicant, Application
from tests.conftest import actor_for, login
from tests.exit_entry_world import applicant, build, citizen_id
from tests.helpers import en, fresh_client
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)


def text_of(pdf: bytes) -> str:
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))


@pytest.fixture
def world(app, city):
    return build(city)


def _batch(world, *rows, **kwargs):
    return applications.register(actor_for("desk_a"), world.enterprises[0], list(rows) or [applicant(1)], **kwargs)


# --- targets on the working-day calendar ----------------------------------------------------

def test_targets_count_working_days_across_national_day(world):
    """Received on Wednesday 30 September 2026: 1–7 October are National Day,
    Saturday 10 October is worked in lieu, Sunday 11 October is not."""
    application = _batch(world, applicant(1, doc_type="passport", urgency="urgent"),
                         applicant(2, doc_type="passport", urgency="normal"),
                         applicant(3, doc_type="taiwan", urgency="normal"))
    urgent, normal, taiwan = application.applicants
    assert (urgent.target_days, clock.now().date()) == (3, date(2026, 9, 30))
    assert urgent.target_at == datetime(2026, 10, 10, 15, 59, 59)     # 8, 9, 10 October; end of the day in Beijing
    assert normal.target_at == datetime(2026, 10, 15, 15, 59, 59)     # 8, 9, 10, 12, 13, 14, 15 October
    assert taiwan.target_at == datetime(2026, 10, 20, 15, 59, 59)     # ten working days
    assert applications.working_days_between(date(2026, 9, 30), date(2026, 10, 12)) == 4
    assert not urgent.overdue
    clock.freeze(datetime(2026, 10, 11, 2, 0))
    assert urgent.overdue and not normal.overdue
    assert [a.id for a in applications.overdue(actor_for("desk_a"))] == [urgent.id]
    client = fresh_client(current_app._get_current_object())
    login(client, "desk_a")
    page = client.get(f"/p/exit_entry/applications/{application.id}").get_data(as_text=True)
    assert page.count('data-testid="overdue"') == 1
    assert 'data-testid="overdue-row"' in client.get("/p/exit_entry/").get_data(as_text=True)


def test_steps_are_taken_strictly_in_order(world):
    person = _batch(world).applicants[0]
    desk = actor_for("desk_a")
    with pytest.raises(ValidationError) as refused:
        applications.advance(desk, person.id, "submitted")
    assert en(refused.value.message) == ("Steps are taken in order: the next step is “Materials checked”, "
                                         "not “Submitted to the issuing authority”.")
    assert applications.get_applicant(desk, person.id).status == "received"
    for step in ("materials_checked", "submitted", "ready", "collected"):
        applications.advance(desk, person.id, step)
    person = applications.get_applicant(desk, person.id)
    assert person.status == "collected" and person.ready_at and person.collected_at
    with pytest.raises(ValidationError):
        applications.advance(desk, person.id, "collected")
    with pytest.raises(NotFound):                      # another unit's applicant does not exist for them
        applications.advance(actor_for("desk_b"), person.id, "collected")
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "exit_entry_applicant",
                                                                 AuditEntry.result == "ok"))
    assert list(actions) == ["exit_entry.step"] * 4
    # The page offers only the next step, and a skip sent by hand is refused with the message.
    client = fresh_client(current_app._get_current_object())
    login(client, "desk_a")
    other = _batch(world, applicant(5)).applicants[0]
    response = client.post(f"/p/exit_entry/applicants/{other.id}/step", data={"to": "ready"}, follow_redirects=True)
    assert response.status_code == 200 and "flash-error" in response.get_data(as_text=True)
    assert applications.get_applicant(desk, other.id).status == "received"


# --- bad input: checked whole, nothing written ----------------------------------------------

def _nothing_written():
    db.session.rollback()
    return (db.session.scalar(select(func.count()).select_from(Application)),
            db.session.scalar(select(func.count()).select_from(Applicant))) == (0, 0)


def test_an_invalid_id_number_refuses_the_batch_and_never_repeats_the_number(world, caplog):
    good, bad = citizen_id(1), citizen_id(2)[:-1] + ("1" if citizen_id(2)[-1] != "1" else "2")
    caplog.set_level(logging.DEBUG)
    with pytest.raises(ValidationError) as refused:
        _batch(world, applicant(1, id_number=good), applicant(2, id_number=bad))
    message = en(refused.value.message)
    assert message.startswith("Row 2:") and "check character" in message
    assert bad not in message and bad not in str(refused.value)
    assert _nothing_written()
    no_such_day = "11010519990230123"
    no_such_day += ric.calc_check_digit(no_such_day + "0")
    for wrong, words in (("1234", "18 characters"), ("11010519850312A01X", "17 digits"),
                         (no_such_day, "date of birth")):
        with pytest.raises(ValidationError) as refused:
            _batch(world, applicant(1, id_number=wrong))
        assert words in en(refused.value.message) and wrong not in en(refused.value.message)
    # The page: a 400 with the message, the numbers typed neither in the page nor in any log line.
    client = fresh_client(current_app._get_current_object())
    login(client, "desk_a")
    form = _form(world, [applicant(1, id_number=good), applicant(2, id_number=bad)])
    response = client.post("/p/exit_entry/applications/new", data=form)
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and 'data-testid="errors"' in body
    assert good not in body and bad not in body
    assert good not in caplog.text and bad not in caplog.text
    assert _nothing_written()
    details = " ".join(str(d) for d in db.session.scalars(select(AuditEntry.detail)))
    assert good not in details and bad not in details and "exit_entry.apply" in " ".join(
        db.session.scalars(select(AuditEntry.action)))


def test_a_duplicate_applicant_is_the_same_id_number_however_typed(world):
    n = next(n for n in range(1000) if citizen_id(n).endswith("X"))
    number = citizen_id(n)
    wide = "".join(chr(ord(c) + 0xFEE0) for c in number[:6])       # full-width digits, as a Chinese IME types them
    typed = f" {wide}{number[6:-1]}x "
    with pytest.raises(ValidationError) as refused:
        _batch(world, applicant(1, id_number=number), applicant(2), applicant(3, name="另一人", id_number=typed))
    message = en(refused.value.message)
    assert message == "Row 3 is the same person as row 1 (the same ID number)."
    assert number not in message and number[:-1] not in message
    assert _nothing_written()


def test_past_travel_dates_and_missing_fields_are_refused(world):
    with pytest.raises(ValidationError) as refused:
        _batch(world, applicant(1, travel_from=date(2026, 9, 29)))
    assert en(refused.value.message) == "Row 1: the planned travel date is in the past."
    with pytest.raises(ValidationError) as refused:
        _batch(world, applicant(1, travel_to=date(2026, 10, 30)))
    assert "return comes before" in en(refused.value.message)
    with pytest.raises(ValidationError) as refused:
        _batch(world, applicant(1, doc_type="visa"), applicant(2, relation=""))
    assert set(refused.value.errors) == {"doc_type_0", "relation_1"}
    with pytest.raises(ValidationError):
        applications.register(actor_for("desk_a"), world.enterprises[0], [applications.ApplicantInput()])
    with pytest.raises(ValidationError):                # another unit's enterprise
        applications.register(actor_for("desk_b"), world.enterprises[0], [applicant(1)])
    with pytest.raises(Forbidden):                      # officers read, the desk receives
        applications.register(actor_for("officer_a"), world.enterprises[0], [applicant(1)])
    assert _nothing_written()


# --- storage, pages, exports ----------------------------------------------------------------

def test_the_database_holds_no_id_number_in_clear(world):
    numbers = [citizen_id(n) for n in (1, 2, 3)]
    application = _batch(world, *(applicant(n) for n in (1, 2, 3)))
    db.session.expire_all()
    assert [p.id_number for p in applications.get(actor_for("desk_a"), application.id).applicants] == numbers
    rows = db.session.execute(text("SELECT * FROM exit_entry_applicant")).mappings().all()
    assert len(rows) == 3
    for row in rows:
        stored = " ".join(str(v) for v in row.values())
        assert not any(number in stored or number[6:14] + number[14:17] in stored for number in numbers)
        assert row["id_number"].startswith("v") and len(row["id_number_hash"]) == 64
    everything = db.session.execute(text("SELECT detail FROM audit_entry")).scalars().all()
    assert not any(number in str(d) for d in everything for number in numbers)
    # Found by value through the lookup hash.
    from core.plugins.toolkit import lookup

    found = db.session.scalars(select(Applicant).where(lookup(Applicant.id_number, numbers[1].lower()))).all()
    assert [p.name for p in found] == ["员工2"]


def _form(world, rows):
    from core.registry import services as registry

    form = {"enterprise": registry.get(actor_for("desk_a"), world.enterprises[0]).credit_code, "rows": "5"}
    for n, row in enumerate(rows):
        form.update({f"name_{n}": row.name, f"id_number_{n}": row.id_number, f"relation_{n}": row.relation,
                     f"doc_type_{n}": row.doc_type, f"urgency_{n}": row.urgency, f"destination_{n}": row.destination,
                     f"purpose_{n}": row.purpose, f"travel_from_{n}": row.travel_from.isoformat(),
                     f"travel_to_{n}": row.travel_to.isoformat() if row.travel_to else ""})
    return form


def test_pages_and_the_export_show_id_numbers_masked_and_reveal_is_audited(world, caplog):
    caplog.set_level(logging.DEBUG)
    numbers = [citizen_id(n) for n in (1, 2, 3)]
    client = fresh_client(current_app._get_current_object())
    login(client, "desk_a")
    response = client.post("/p/exit_entry/applications/new",
                           data=_form(world, [applicant(n) for n in (1, 2, 3)]))
    assert response.status_code == 303
    url = response.headers["Location"]
    assert not any(number in url for number in numbers)
    application_id = int(url.rsplit("/", 1)[1])
    page = client.get(url).get_data(as_text=True)
    assert page.count('data-testid="applicant"') == 3
    assert all(mask("citizen_id", number) in page and number not in page for number in numbers)
    for path in ("/p/exit_entry/", f"/enterprises/{world.enterprises[0]}", "/"):
        body = client.get(path).get_data(as_text=True)
        assert not any(number in body for number in numbers), path
    assert 'data-testid="exit-entry-panel"' in client.get(f"/enterprises/{world.enterprises[0]}").get_data(as_text=True)
    export = client.get(f"/p/exit_entry/applications/{application_id}/applicants.xlsx")
    assert export.status_code == 200 and export.headers["Content-Disposition"].startswith("attachment")
    sheet = load_workbook(io.BytesIO(export.data)).active
    cells = [str(c.value) for row in sheet.iter_rows() for c in row]
    assert [row[1].value for row in sheet.iter_rows(min_row=2)] == [mask("citizen_id", n) for n in numbers]
    assert not any(number in cell for cell in cells for number in numbers)
    # The desk may see one number in full; the reveal is audited with the field, not the value.
    person = applications.get(actor_for("desk_a"), application_id).applicants[1]
    shown = client.post(f"/p/exit_entry/applications/{application_id}/reveal", data={"ref": person.id})
    body = shown.get_data(as_text=True)
    assert shown.status_code == 200 and numbers[1] in body and numbers[0] not in body
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "personal_data.reveal")).one()
    assert (entry.object_type, entry.object_id, entry.detail["field"]) == ("exit_entry_applicant", str(person.id),
                                                                           "id_number")
    assert numbers[1] not in str(entry.detail)
    officer = fresh_client(current_app._get_current_object())
    login(officer, "officer_a")
    assert officer.post(f"/p/exit_entry/applications/{application_id}/reveal",
                        data={"ref": person.id}).status_code == 403
    assert not any(number in caplog.text for number in numbers)


# --- documents ---------------------------------------------------------------------------------

def _issued_pdf(document_id):
    documents.submit(actor_for("desk_a"), document_id)
    documents.sign_off(actor_for("leader_a"), document_id)
    documents.issue(actor_for("desk_a"), document_id)
    return documents.pdf(actor_for("desk_a"), document_id)


def test_the_receipt_and_the_letter_show_ids_masked_or_in_full_per_setting(world, city):
    city.station_a.doc_prefix = "甲公"
    db.session.commit()
    numbers = [citizen_id(n) for n in (1, 2)]
    application = _batch(world, applicant(1, urgency="urgent"), applicant(2, doc_type="hk_macau"))
    receipt = letters.receipt(actor_for("desk_a"), application.id)
    assert receipt.doc_type == "exit_entry.receipt" and receipt.related_id == application.id
    body = text_of(_issued_pdf(receipt.id))
    assert "关于甲区外贸企业0号出入境证件“绿色通道”申请的受理回执" in body and "甲公函〔2026〕1号" in body
    assert "2026年10月10日" in body and "往来港澳通行证商务签注" in body
    assert all(mask("citizen_id", n) in body and n not in body for n in numbers)

    letter = letters.recommendation(actor_for("desk_a"), application.id)
    body = text_of(_issued_pdf(letter.id))
    assert "关于为甲区外贸企业0号人员优先办理出入境证件的推荐函" in body and "员工1" in body and "员工2" in body and "德国" in body
    assert all(mask("citizen_id", n) in body and n not in body for n in numbers)
    assert settings.DEFAULT_AUTHORITY in body

    with pytest.raises(Forbidden):
        settings.save_settings(actor_for("desk_a"), True)
    settings.save_settings(actor_for("leader_a"), True, "绍兴市公安局出入境管理局")
    with pytest.raises(Forbidden):                       # full numbers: only a role that may reveal
        letters.recommendation(actor_for("officer_a"), application.id)
    full = letters.recommendation(actor_for("desk_a"), application.id)
    body = text_of(_issued_pdf(full.id))
    assert all(n in body for n in numbers) and "绍兴市公安局出入境管理局" in body
    export = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "personal_data.export",
                                                         AuditEntry.result == "ok")).one()
    assert export.detail["rows"] == 2 and not any(n in str(export.detail) for n in numbers)


def test_a_repeated_form_makes_one_application(world):
    first = _batch(world, applicant(1), submission_key="k" * 24)
    again = _batch(world, applicant(1), submission_key="k" * 24)
    assert first.id == again.id
    assert db.session.scalar(select(func.count()).select_from(Application)) == 1


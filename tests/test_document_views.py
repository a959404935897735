"""The official documents' pages: the list and the page scoped by unit, the draft
form, the whole loop through the pages (submit, sign off, issue, download,
delivery), refusals shown as messages, the PDFs' headers, and the public
verification page."""
import hashlib
import re
from datetime import datetime

import pytest
from sqlalchemy import select

from core import clock
from core.audit.models import AuditEntry
from core.documents import services
from core.documents.models import Document
from core.extensions import db
from tests.conftest import actor_for, login
from tests.helpers import count, fresh_client
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)

BODY = [("p", "近期，我市部分企业反映存在以“高额回报”为诱饵的非法集资风险。"),
        ("h1", "风险情况"), ("p", "经排查，发现以下风险点。")]
TITLE = "关于防范非法集资风险的提示函"


@pytest.fixture
def prefixes(city):
    city.centre.doc_prefix = "诸公经"
    city.station_a.doc_prefix = "诸公甲"
    db.session.commit()
    clock.freeze(datetime(2026, 11, 20, 2, 0))


def client_for(app, username):
    client = fresh_client(app)
    login(client, username)
    return client


def draft(username="desk", **changes) -> int:
    values = dict(doc_type="letter", title=TITLE, addressees=["浙江华达科技有限公司"], copies=["诸暨市人民政府办公室"],
                  body=BODY)
    values.update(changes)
    return services.create(actor_for(username), services.Draft(**values)).id


def reload(document_id) -> Document:
    db.session.rollback()
    return db.session.get(Document, document_id)


def form_data(**values):
    return {"doc_type": "letter", "title": TITLE, "addressees": "浙江华达科技有限公司\n浙江西湖食品有限公司",
            "copies": "诸暨市人民政府办公室", "body": "近期发现风险。\n\n# 风险情况\n## 资金往来\n企业账户存在异常往来。",
            "attachment_titles": "风险点清单", **values}


def text(response) -> str:
    return response.get_data(as_text=True)


# --- list and page, scoped --------------------------------------------------------------

def test_the_list_and_the_page_show_the_units_documents_only(app, city, prefixes):
    own = draft("desk_a", title="甲所的提示函")
    other = draft("desk_b", title="乙所的提示函")
    client = client_for(app, "desk_a")
    page = text(client.get("/documents/"))
    assert "甲所的提示函" in page and "乙所的提示函" not in page
    assert 'data-testid="new-document"' in page
    assert f'href="/documents/{own}"' in page
    assert client.get(f"/documents/{own}").status_code == 200
    for url in (f"/documents/{other}", f"/documents/{other}/edit", f"/documents/{other}/preview.pdf",
                f"/documents/{other}/document.pdf", "/documents/999999"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/documents/{other}/submit").status_code == 404
    assert reload(other).status == "draft"
    # The centre coordinates the city: it sees both, newest first.
    page = text(client_for(app, "desk").get("/documents/"))
    assert page.index("乙所的提示函") < page.index("甲所的提示函")


def test_the_list_pages_through_every_document_fifty_at_a_time(app, city, prefixes):
    ids = [draft("desk_a", title=f"第{n}号提示函") for n in range(1, 53)]
    client = client_for(app, "desk_a")
    first = text(client.get("/documents/"))
    shown = [int(i) for i in re.findall(r'href="/documents/(\d+)"', first)]
    assert sorted(set(shown), reverse=True) == ids[::-1][:50]
    older = re.search(r'href="(/documents/\?before=\d+)"[^>]*data-testid="older-documents"', first).group(1)
    second = text(client.get(older.replace("&amp;", "&")))
    assert sorted(set(int(i) for i in re.findall(r'href="/documents/(\d+)"', second)), reverse=True) == ids[1::-1]
    assert 'data-testid="older-documents"' not in second


def test_the_menu_has_the_documents_for_those_who_may_read_them(app, city):
    assert 'href="/documents/"' in text(client_for(app, "desk").get("/"))
    assert 'href="/documents/"' not in text(client_for(app, "auditor").get("/audit/"))
    assert client_for(app, "auditor").get("/documents/").status_code == 403


# --- the draft form ------------------------------------------------------------------------

def test_a_draft_is_written_through_the_form(app, city, prefixes):
    client = client_for(app, "desk")
    page = text(client.get("/documents/new"))
    assert 'name="body"' in page and "#### " in page     # the field explains the heading marks
    response = client.post("/documents/new", data=form_data())
    assert response.status_code == 302
    document = db.session.scalar(select(Document))
    assert response.headers["Location"].endswith(f"/documents/{document.id}")
    assert (document.status, document.unit_id, document.title) == ("draft", city.centre.id, TITLE)
    assert document.addressees == ["浙江华达科技有限公司", "浙江西湖食品有限公司"]
    assert document.body == [["p", "近期发现风险。"], ["h1", "风险情况"], ["h2", "资金往来"], ["p", "企业账户存在异常往来。"]]
    assert document.attachment_titles == ["风险点清单"]

    # The edit form shows the body as it was typed, and saves a change.
    page = text(client.get(f"/documents/{document.id}/edit"))
    assert "# 风险情况\n## 资金往来" in page
    response = client.post(f"/documents/{document.id}/edit", data=form_data(title="关于防范风险的提示函（修改）"))
    assert response.status_code == 302
    assert reload(document.id).title == "关于防范风险的提示函（修改）"


def test_a_bad_form_shows_the_message_and_saves_nothing(app, city, prefixes):
    client = client_for(app, "desk")
    response = client.post("/documents/new", data=form_data(addressees="  \n "))
    assert response.status_code == 400
    page = text(response)
    assert "主送" in page and 'class="field has-error' in page
    assert TITLE in page                      # the typed text is kept
    assert count(Document) == 0
    assert client.post("/documents/new", data=form_data(body="# 只有标题")).status_code == 400
    assert count(Document) == 0


def test_a_draft_links_to_a_visible_ticket_or_enterprise_only(app, city, prefixes):
    from core.registry import services as registry
    from tests.helpers import code

    firm_id = registry.create(actor_for("desk_b"), {"name": "乙所辖区西湖食品有限公司", "credit_code": code(2)}).id
    client = client_for(app, "desk_a")
    response = client.post("/documents/new", data=form_data(enterprise_id=str(firm_id)))
    assert response.status_code == 400 and "flash-error" in text(response)
    assert count(Document) == 0
    client = client_for(app, "desk")
    page = text(client.get(f"/documents/new?enterprise={firm_id}"))
    assert 'data-testid="document-links"' in page and "乙所辖区西湖食品有限公司" in page
    assert client.post("/documents/new", data=form_data(enterprise_id=str(firm_id))).status_code == 302
    assert db.session.scalar(select(Document)).enterprise_id == firm_id


# --- the loop through the pages --------------------------------------------------------------

def test_the_whole_loop_through_the_pages(app, city, prefixes):
    desk, leader = client_for(app, "desk"), client_for(app, "leader")
    desk.post("/documents/new", data=form_data())
    document_id = db.session.scalar(select(Document.id))
    page = text(desk.get(f"/documents/{document_id}"))
    assert 'data-testid="action-submit"' in page and 'data-testid="edit-document"' in page
    assert 'data-testid="action-sign"' not in page

    assert desk.post(f"/documents/{document_id}/submit").status_code == 302
    assert reload(document_id).status == "submitted"
    assert desk.get(f"/documents/{document_id}/edit").status_code == 302    # no longer editable

    page = text(leader.get(f"/documents/{document_id}"))
    assert 'data-testid="action-sign"' in page and 'data-testid="action-send_back"' in page
    response = leader.post(f"/documents/{document_id}/sign", follow_redirects=True)
    assert response.status_code == 200 and 'data-testid="signed-off"' in text(response)
    assert reload(document_id).status == "signed"

    response = desk.post(f"/documents/{document_id}/issue")
    assert response.status_code == 302
    document = reload(document_id)
    assert (document.status, document.number) == ("issued", "诸公经函〔2026〕1号")
    page = text(desk.get(f"/documents/{document_id}"))
    assert "诸公经函〔2026〕1号" in page and 'data-testid="download-pdf"' in page

    response = desk.get(f"/documents/{document_id}/document.pdf")
    assert response.status_code == 200
    assert response.data.startswith(b"%PDF")
    assert hashlib.sha256(response.data).hexdigest() == document.pdf_sha256
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert "filename*=" in response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert count(AuditEntry, AuditEntry.action == "document.download", AuditEntry.object_id == str(document_id)) == 1

    clock.freeze(datetime(2026, 11, 20, 6, 0))     # 14:00 in Beijing
    response = desk.post(f"/documents/{document_id}/deliver",
                         data={"deliver-recipient": "王经理", "deliver-received_at": "2026-11-20 10:30",
                               "deliver-method": "in_person"})
    assert response.status_code == 302
    document = reload(document_id)
    assert document.status == "delivered"
    assert [(d.recipient, d.received_at, d.method) for d in document.deliveries] == [
        ("王经理", datetime(2026, 11, 20, 2, 30), "in_person")]      # 10:30 Beijing time is 02:30 UTC
    assert "王经理" in text(desk.get(f"/documents/{document_id}"))

    # A correction is a new draft naming the issued one.
    response = desk.post(f"/documents/{document_id}/correct")
    assert response.status_code == 302 and response.headers["Location"].endswith("/edit")
    correction = db.session.scalar(select(Document).where(Document.replaces_id == document_id))
    assert correction.status == "draft"
    assert 'data-testid="replaced-by"' in text(desk.get(f"/documents/{document_id}"))
    assert 'data-testid="replaces"' in text(desk.get(f"/documents/{correction.id}"))


def test_refusals_are_messages_not_errors(app, city, prefixes):
    document_id = draft()
    desk = client_for(app, "desk")
    desk.post(f"/documents/{document_id}/submit")
    response = desk.post(f"/documents/{document_id}/sign")
    assert response.status_code == 403
    assert 'class="flash flash-error"' in text(response)
    assert reload(document_id).status == "submitted"

    # A leader of another unit (the station) is refused too: only the issuing unit signs off.
    station_doc = draft("desk_a")
    services.submit(actor_for("desk_a"), station_doc)
    assert client_for(app, "leader").post(f"/documents/{station_doc}/sign").status_code == 403

    services.sign_off(actor_for("leader"), document_id)
    assert desk.post(f"/documents/{document_id}/issue").status_code == 302
    response = desk.post(f"/documents/{document_id}/issue")
    assert response.status_code == 400
    assert "flash-error" in text(response)
    assert reload(document_id).number == "诸公经函〔2026〕1号"

    response = desk.post(f"/documents/{document_id}/deliver",
                         data={"deliver-recipient": "王经理", "deliver-received_at": "yesterday",
                               "deliver-method": "post"})
    assert response.status_code == 400 and "YYYY-MM-DD HH:MM" in text(response)
    response = desk.post(f"/documents/{document_id}/deliver",
                         data={"deliver-recipient": "王经理", "deliver-received_at": "2027-01-01 10:00",
                               "deliver-method": "post"})
    assert response.status_code == 400
    assert reload(document_id).deliveries == []
    assert desk.post(f"/documents/{document_id}/nonsense").status_code == 404


def test_a_unit_without_a_prefix_cannot_issue(app, city):
    clock.freeze(datetime(2026, 11, 20, 2, 0))
    document_id = draft("desk_b")
    services.submit(actor_for("desk_b"), document_id)
    services.sign_off(_leader_of_b(city), document_id)
    response = client_for(app, "desk_b").post(f"/documents/{document_id}/issue")
    assert response.status_code == 400 and "flash-error" in text(response)
    assert reload(document_id).status == "signed"


def _leader_of_b(city):
    from core.org.actor import shell_actor
    from core.org.services import save_user

    save_user(shell_actor(), {"username": "leader_b", "name": "LEADER_B", "unit_id": city.station_b.id,
                              "roles": ["leader"], "password": "Passw0rd-test"})
    return actor_for("leader_b")


# --- the PDFs -----------------------------------------------------------------------------------

def test_the_preview_of_a_draft_is_an_inline_pdf(app, city, prefixes):
    document_id = draft()
    response = client_for(app, "desk").get(f"/documents/{document_id}/preview.pdf")
    assert response.status_code == 200
    assert response.data.startswith(b"%PDF")
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("inline")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert reload(document_id).number is None         # a preview numbers nothing
    # A draft has no issued PDF to download.
    assert client_for(app, "desk").get(f"/documents/{document_id}/document.pdf").status_code == 404


def test_the_file_name_is_the_number_and_the_title_without_unsafe_characters(app, city, prefixes):
    from core.documents.views import _filename

    document = Document(number="诸公经〔2026〕3号", title='关于/“风险”:的\n通知?')
    assert _filename(document) == "诸公经〔2026〕3号 关于_“风险”_的_通知.pdf"
    assert _filename(Document(number=None, title="..")) == "document.pdf"


# --- public verification ----------------------------------------------------------------------

def test_the_verification_page_works_logged_out_and_shows_no_content(app, city, prefixes):
    document_id = draft()
    services.submit(actor_for("desk"), document_id)
    services.sign_off(actor_for("leader"), document_id)
    document = services.issue(actor_for("desk"), document_id)
    code, sha256 = document.verification_code, document.pdf_sha256

    visitor = fresh_client(app)
    response = visitor.get(f"/verify/{code}")
    assert response.status_code == 200
    page = text(response)
    assert "诸公经函〔2026〕1号" in page and "护企优商服务中心" in page and "2026-11-20" in page and sha256 in page
    assert TITLE not in page and "非法集资" not in page and "浙江华达科技有限公司" not in page
    assert visitor.get(f"/verify/{code.lower()}").status_code == 200

    for unknown in ("23456789ABCD", "nonsense-code", "X" * 40):
        response = visitor.get(f"/verify/{unknown}")
        assert response.status_code == 404
        assert 'data-testid="verification-missing"' in text(response)
    # A draft has no code: nothing of it can be verified.
    assert visitor.get("/documents/").status_code == 302       # the staff pages still need a login
    assert re.search(r"/login", visitor.get(f"/documents/{document_id}").headers["Location"])


def test_the_leader_sends_a_document_back_with_a_reason(app, city, prefixes):
    document_id = draft()
    services.submit(actor_for("desk"), document_id)
    response = client_for(app, "leader").post(f"/documents/{document_id}/send_back",
                                              data={"send_back-reason": "请补充风险点清单。"})
    assert response.status_code == 302
    assert reload(document_id).status == "draft"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "document.send_back"))
    assert entry.detail["reason"] == "请补充风险点清单。"
    assert 'data-testid="action-submit"' in text(client_for(app, "desk").get(f"/documents/{document_id}"))


# --- the scanned receipt of a delivery ------------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(200))


def _issued(username="desk") -> int:
    document_id = draft(username)
    services.submit(actor_for(username), document_id)
    services.sign_off(actor_for("leader"), document_id)
    services.issue(actor_for(username), document_id)
    clock.freeze(datetime(2026, 11, 20, 6, 0))
    return document_id


def _deliver(client, document_id, files):
    return client.post(f"/documents/{document_id}/deliver", content_type="multipart/form-data",
                       data={"deliver-recipient": "王经理", "deliver-received_at": "2026-11-20 10:30",
                             "deliver-method": "post", "deliver-receipt": files})


def test_a_delivery_keeps_its_scanned_receipt(app, city, prefixes):
    import io

    document_id = _issued()
    desk = client_for(app, "desk")
    assert 'enctype="multipart/form-data"' in text(desk.get(f"/documents/{document_id}"))
    assert _deliver(desk, document_id, [(io.BytesIO(PNG), "回执.png")]).status_code == 302
    delivery = reload(document_id).deliveries[0]
    assert delivery.receipt_name.endswith(".png")
    stored = services.receipts_folder() / delivery.receipt_name
    assert stored.read_bytes() == PNG
    page = text(desk.get(f"/documents/{document_id}"))
    link = f"/documents/{document_id}/deliveries/{delivery.id}/receipt"
    assert link in page
    response = desk.get(link)
    assert response.status_code == 200 and response.data == PNG
    assert response.headers["Content-Type"] == "image/png"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert count(AuditEntry, AuditEntry.action == "document.view_receipt") == 1
    # Another unit sees neither the document nor its receipt.
    assert client_for(app, "desk_b").get(link).status_code == 404
    assert desk.get(f"/documents/{document_id}/deliveries/{delivery.id + 1}/receipt").status_code == 404


@pytest.mark.parametrize("name, content, says", [
    ("回执.pdf", b"MZ\x90\x00 this is a program", "回执.pdf"),
    ("回执.mp3", b"ID3\x04\x00\x00\x00\x00\x00\x00" + bytes(40), "PDF"),
    ("回执.exe", b"MZ\x90\x00", "回执.exe"),
])
def test_a_receipt_that_is_not_a_scan_is_refused_and_nothing_is_recorded(app, city, prefixes, name, content,
                                                                          says):
    import io

    document_id = _issued()
    client = client_for(app, "desk")
    before = set(services.receipts_folder().iterdir())
    response = _deliver(client, document_id, [(io.BytesIO(content), name)])
    assert response.status_code == 400 and says in text(response)
    document = reload(document_id)
    assert document.status == "issued" and document.deliveries == []
    assert set(services.receipts_folder().iterdir()) == before


def test_a_delivery_shows_every_error_and_holds_the_receipt_for_the_corrected_submit(app, city, prefixes):
    import io

    import lxml.html

    from core.uploads.models import HeldUpload

    document_id = _issued()
    desk = client_for(app, "desk")
    url = f"/documents/{document_id}/deliver"
    first = desk.post(url, content_type="multipart/form-data", data={
        "deliver-recipient": " ", "deliver-received_at": "yesterday", "deliver-method": "post",
        "deliver-receipt": [(io.BytesIO(PNG), "回执.png")]})
    assert first.status_code == 400
    page = lxml.html.fromstring(text(first))
    [form] = page.xpath('//*[@data-testid="action-deliver"]//form')
    errors = {box.xpath(".//input/@name")[0]: [p.text_content() for p in box.xpath(".//p[@class='error']")]
              for box in form.xpath('.//div[contains(@class, "has-error")]')}
    assert set(errors) == {"deliver-recipient", "deliver-received_at"}
    assert errors["deliver-recipient"] == ["请填写签收人。"] and "YYYY-MM-DD HH:MM" in errors["deliver-received_at"][0]
    assert form.xpath('.//select[@name="deliver-method"]/option[@selected]/@value') == ["post"]   # the input kept
    assert reload(document_id).deliveries == [] and reload(document_id).status == "issued"
    [token] = form.xpath('.//*[@data-testid="held-file"]//input/@value')
    assert "回执.png" in form.xpath('string(.//*[@data-testid="held-file"])')
    second = desk.post(url, data={"deliver-recipient": "王经理", "deliver-received_at": "2026-11-20 10:30",
                                  "deliver-method": "post", "held": [token]})
    assert second.status_code == 302
    [delivery] = reload(document_id).deliveries
    assert (services.receipts_folder() / delivery.receipt_name).read_bytes() == PNG
    assert count(HeldUpload) == 0


def test_a_refused_receipt_is_shown_with_the_other_errors_and_not_held(app, city, prefixes):
    import io

    from core.uploads.models import HeldUpload

    document_id = _issued()
    response = client_for(app, "desk").post(f"/documents/{document_id}/deliver", content_type="multipart/form-data",
                                            data={"deliver-recipient": "", "deliver-received_at": "2026-11-20 10:30",
                                                  "deliver-method": "post",
                                                  "deliver-receipt": [(io.BytesIO(b"MZ\x90\x00"), "回执.exe")]})
    assert response.status_code == 400 and "回执.exe" in text(response) and "请填写签收人。" in text(response)
    assert 'data-testid="held-file"' not in text(response) and count(HeldUpload) == 0
    assert reload(document_id).deliveries == []


# --- batches through the pages -------------------------------------------------------------

def _signed(n=3) -> list[int]:
    ids = []
    for i in range(n):
        document_id = draft(title=f"季度风险提示函 {i + 1}")
        services.submit(actor_for("desk"), document_id)
        services.sign_off(actor_for("leader"), document_id)
        ids.append(document_id)
    return ids


def test_a_batch_is_started_from_the_list_and_followed_on_its_page(app, city, prefixes, monkeypatch):
    import io
    import zipfile

    from core.documents import rendering

    ids = _signed(3)
    desk = client_for(app, "desk")
    page = text(desk.get("/documents/"))
    assert page.count('data-testid="select-document"') == 3 and 'data-testid="issue-selected"' in page
    real = rendering.render
    monkeypatch.setattr(rendering, "render",
                        lambda letter: (_ for _ in ()).throw(RuntimeError("字体缺失")) if letter.title.endswith("2")
                        else real(letter))
    response = desk.post("/documents/batches/", data={"document": [str(i) for i in ids]})
    assert response.status_code == 302
    batch_url = response.headers["Location"]
    page = text(desk.get(batch_url))
    assert 'data-finished="yes"' in page and 'http-equiv="refresh"' not in page
    assert page.count('data-status="issued"') == 2 and page.count('data-status="failed"') == 1
    assert "字体缺失" in page and 'data-testid="batch-retry"' in page and 'data-testid="batch-zip"' in page
    archive = zipfile.ZipFile(io.BytesIO(desk.get(f"{batch_url}.zip").data))
    assert len(archive.namelist()) == 2
    monkeypatch.setattr(rendering, "render", real)
    assert desk.post(f"{batch_url}/retry").status_code == 302
    page = text(desk.get(batch_url))
    assert page.count('data-status="issued"') == 3 and 'data-testid="batch-retry"' not in page
    assert [reload(i).status for i in ids] == ["issued"] * 3
    assert "/documents/batches/" in text(desk.get("/documents/batches/"))
    # Another unit's users do not see the batch.
    other = client_for(app, "desk_b")
    assert other.get(batch_url).status_code == 404 and other.get(f"{batch_url}.zip").status_code == 404
    assert other.post(f"{batch_url}/retry").status_code == 404


def test_an_unfinished_batch_page_refreshes_itself_and_bad_selections_are_messages(app, city, prefixes):
    from core.documents import batches

    ids = _signed(2)
    batch = batches.create(actor_for("desk"), ids, enqueue=False)       # the workers have not started
    desk = client_for(app, "desk")
    page = text(desk.get(f"/documents/batches/{batch.id}"))
    assert 'http-equiv="refresh"' in page and 'data-finished="no"' in page
    assert page.count('data-status="pending"') == 2
    response = desk.post("/documents/batches/", data={}, follow_redirects=True)
    assert response.status_code == 200 and "请选择要印发的公文" in text(response)
    unsigned = draft(title="未签发的函")
    response = desk.post("/documents/batches/", data={"document": [str(unsigned)]}, follow_redirects=True)
    assert "未签发的函" in text(response)
    assert reload(unsigned).status == "draft"
    # Roles without the right to issue get neither the selection nor the batch.
    officer = _officer_of_centre(app, city)
    page = text(officer.get("/documents/"))
    assert "季度风险提示函 1" in page and 'data-testid="select-document"' not in page
    assert officer.post("/documents/batches/", data={"document": [str(ids[0])]}).status_code == 403


def _officer_of_centre(app, city):
    from core.org.actor import shell_actor
    from core.org.services import save_user

    save_user(shell_actor(), {"username": "officer_c", "name": "OFFICER_C", "unit_id": city.centre.id,
                              "roles": ["officer"], "password": "Passw0rd-test"})
    return client_for(app, "officer_c")


# --- no lost work -------------------------------------------------------------------------

def test_sending_the_new_draft_form_twice_makes_one_document(app, city, prefixes):
    desk = client_for(app, "desk")
    page = text(desk.get("/documents/new"))
    key = re.search(r'name="submission_key" type="hidden" value="([^"]+)"', page).group(1)
    for _ in range(2):
        response = desk.post("/documents/new", data=form_data(submission_key=key))
        assert response.status_code == 302
    assert db.session.scalars(select(Document.id)).all() == [int(response.headers["Location"].rsplit("/", 1)[1])]
    # Another user cannot reuse the key.
    response = client_for(app, "leader").post("/documents/new", data=form_data(submission_key=key))
    assert response.status_code == 400 and len(db.session.scalars(select(Document.id)).all()) == 1


def test_a_draft_changed_meanwhile_shows_the_other_version_and_keeps_the_authors_entries(app, city, prefixes):
    document_id = draft()
    first, second = client_for(app, "desk"), client_for(app, "leader")
    page = text(first.get(f"/documents/{document_id}/edit"))
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    assert second.post(f"/documents/{document_id}/edit",
                       data=form_data(title="领导改过的标题", version=version)).status_code == 302
    response = first.post(f"/documents/{document_id}/edit", data=form_data(title="窗口改的标题", version=version))
    page = text(response)
    assert response.status_code == 409 and 'data-testid="document-conflict"' in page
    assert "领导改过的标题" in page and 'value="窗口改的标题"' in page
    assert reload(document_id).title == "领导改过的标题"
    new_version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    assert first.post(f"/documents/{document_id}/edit",
                      data=form_data(title="窗口改的标题", version=new_version)).status_code == 302
    assert reload(document_id).title == "窗口改的标题"


def test_the_page_shows_a_body_table_and_figure_as_they_are(app, city, prefixes):
    svg = '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><rect width="30" height="10" fill="#c00"/></svg>'
    document_id = draft(body=[("h1", "评分"), ("table", {"columns": ["领域", "得分"], "rows": [["商标", "80"]]}),
                              ("figure", {"svg": svg, "caption": "图1 趋势"}), ("contents", "")])
    page = text(client_for(app, "desk").get(f"/documents/{document_id}"))
    assert "{'columns'" not in page and "{&#39;columns&#39;" not in page
    table = re.search(r'<table[^>]*data-testid="body-table".*?</table>', page, re.S).group(0)
    assert "<th>领域</th>" in table and "<td>商标</td>" in table and "<td>80</td>" in table
    figure = re.search(r'<figure[^>]*data-testid="body-figure".*?</figure>', page, re.S).group(0)
    assert "<rect" in figure and "图1 趋势" in figure
    # The edit page keeps them as marker lines.
    edit = text(client_for(app, "desk").get(f"/documents/{document_id}/edit"))
    assert "[[表格 1]]" in edit and "[[图 1]]" in edit and "[[目录]]" in edit

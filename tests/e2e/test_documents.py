"""An official document in a real browser: the centre's desk writes a letter,
previews it (a watermarked PDF) and submits it; the leader signs it off; the
desk issues it and downloads the issued PDF, which is the stored file."""
import hashlib
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from core.documents.models import Document
from core.extensions import db
from core.org.models import Unit
from tests.e2e.test_ticket_loop import LOCAL_SCHEMES, log_in, log_out

CENTRE_CODE = "ZJ-HQ"
TITLE = "关于防范非法集资风险的提示函"
RECEIPT_PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(200))


def centre_prefix(app) -> str:
    """The demo centre's number prefix (the demo gives it one; set it if a change of the demo drops it)."""
    with app.app_context():
        centre = db.session.scalar(select(Unit).where(Unit.code == CENTRE_CODE))
        if not centre.doc_prefix:
            centre.doc_prefix = "诸公企"
            db.session.commit()
        return centre.doc_prefix


@pytest.mark.e2e
def test_desk_and_leader_issue_a_document(live_server, visit, report_dir):
    page = visit.page
    prefix = centre_prefix(live_server.app)

    # The desk writes the draft: the menu, the list's button, the form.
    log_in(page, "desk")
    page.locator('nav.side a[href="/documents/"]').click()
    page.get_by_test_id("new-document").click()
    title = page.locator("#title")
    expect(title).to_be_focused()
    page.locator("#doc_type").select_option("letter")
    title.fill(TITLE)
    page.locator("#addressees").fill("浙江华达科技有限公司")
    page.locator("#body").fill("近期，我市部分企业反映存在非法集资风险。\n# 风险情况\n经排查，发现以下风险点。\n"
                               "## 资金往来\n企业账户存在与无资质机构的频繁往来。")
    page.locator("#copies").fill("诸暨市人民政府办公室")
    page.screenshot(path=str(report_dir / "e2e-document-draft.png"), full_page=True)
    page.get_by_test_id("save-document").click()
    expect(page).to_have_url(re.compile(r"/documents/\d+$"))
    document_id = int(page.url.rsplit("/", 1)[1])
    expect(page.get_by_test_id("document-title")).to_have_text(TITLE)

    # The preview is a PDF (the browser's session asks for it).
    href = page.get_by_test_id("preview-pdf").get_attribute("href")
    preview = page.request.get(href)
    assert preview.ok and preview.headers["content-type"] == "application/pdf"
    assert preview.body().startswith(b"%PDF")

    page.get_by_test_id("submit-submit").click()
    expect(page.get_by_test_id("action-submit")).to_have_count(0)
    expect(page.get_by_test_id("edit-document")).to_have_count(0)
    log_out(page)

    # The leader signs it off.
    log_in(page, "leader")
    page.goto(f"/documents/{document_id}")
    page.get_by_test_id("submit-sign").click()
    expect(page.get_by_test_id("signed-off")).to_be_visible()
    log_out(page)

    # The desk issues it and downloads the issued PDF.
    log_in(page, "desk")
    page.goto(f"/documents/{document_id}")
    page.get_by_test_id("submit-issue").click()
    expect(page.get_by_test_id("document-number")).to_contain_text(f"{prefix}函〔")
    page.screenshot(path=str(report_dir / "e2e-document-issued.png"), full_page=True)
    with page.expect_download() as caught:
        page.get_by_test_id("download-pdf").click()
    download = caught.value
    content = Path(download.path()).read_bytes()
    assert content.startswith(b"%PDF")
    assert download.suggested_filename.endswith(".pdf") and prefix in download.suggested_filename

    with live_server.app.app_context():
        document = db.session.get(Document, document_id)
        assert document.status == "issued" and document.number.startswith(f"{prefix}函〔")
        assert hashlib.sha256(content).hexdigest() == document.pdf_sha256

    # The delivery is recorded with a photo of the signed receipt (送达回证).
    delivery = page.get_by_test_id("action-deliver")
    delivery.locator("#deliver-recipient").fill("王经理")
    delivery.locator("#deliver-method").select_option("in_person")
    delivery.locator("#deliver-receipt").set_input_files(
        files=[{"name": "送达回证.png", "mimeType": "image/png", "buffer": RECEIPT_PNG}])
    page.get_by_test_id("submit-deliver").click()
    expect(page.get_by_test_id("document-status")).to_have_text(re.compile("已送达|Delivered"))
    receipt = page.get_by_test_id("receipt-link").get_attribute("href")
    assert page.request.get(receipt).body() == RECEIPT_PNG
    outside = [url for url in visit.requests
               if urlsplit(url).scheme not in LOCAL_SCHEMES and urlsplit(url).hostname != "127.0.0.1"]
    assert not outside, f"the pages loaded something from outside 127.0.0.1: {outside}"
    assert not visit.console_errors, f"the browser logged errors: {visit.console_errors}"
    assert not live_server.errors, f"the server raised: {live_server.errors}"


PDF_VIEWER = "chrome-extension://mhjfbmdgcfjbbpaeojofohoefgiehjai/"   # Chromium's built-in PDF viewer


@pytest.mark.e2e
def test_chromiums_pdf_viewer_shows_the_sandboxed_preview(live_server, visit, report_dir):
    """The inline preview's CSP has ``sandbox``; Chromium still opens it in its own PDF viewer."""
    from core.documents import services
    from core.org.actor import Actor
    from core.org.services import user_by_username

    with live_server.app.app_context():
        document_id = services.create(Actor(user_by_username("desk"), address="127.0.0.1"), services.Draft(
            doc_type="letter", title="预览检查", addressees=["浙江华达科技有限公司"], body=[("p", "请加强内部管理。")])).id
    page = visit.page
    log_in(page, "desk")
    response = page.goto(f"/documents/{document_id}/preview.pdf")
    assert response.ok and response.headers["content-type"] == "application/pdf"
    policy = response.all_headers()["content-security-policy"]     # .headers lacks the security headers
    assert "sandbox" in [part.strip() for part in policy.split(";")]
    page.wait_for_timeout(1500)
    assert any(frame.url.startswith(PDF_VIEWER) for frame in page.frames), [f.url for f in page.frames]
    page.screenshot(path=str(report_dir / "e2e-document-preview-sandboxed.png"))
    assert not live_server.errors

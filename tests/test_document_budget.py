"""The render budget of official documents: a draft beyond the characters
limit is refused when saved and before rendering, a render beyond the pages
or the seconds is stopped in the middle of its layout, each refusal naming
the limit and the draft's size; WeasyPrint's progress lines stay out of the
log unless asked for; the inline preview's CSP sandboxes it.

Costs: each test under a second (the renders stopped in their layout 0.1–0.7 s),
except the CLI test, which starts `anqi` twice (about 3 s each)."""
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core import clock
from core.documents import budget, services
from core.documents.models import Document
from core.errors import ValidationError
from core.extensions import db
from tests.conftest import actor_for, login
from tests.helpers import fresh_client
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)

ANQI = Path(sys.executable).with_name("anqi")
PARAGRAPH = "我局根据企业服务工作安排，对辖区重点企业开展走访调研，了解企业生产经营情况及存在的困难问题并及时协调"
assert len(PARAGRAPH) == 50


@pytest.fixture
def desk(city):
    city.centre.doc_prefix = "诸公经"
    db.session.commit()
    clock.freeze(datetime(2026, 11, 20, 2, 0))
    return actor_for("desk")


def draft(actor, paragraphs: int) -> int:
    return services.create(actor, services.Draft(
        doc_type="letter", title="关于走访调研情况的通报", addressees=["各派出所"],
        body=[("p", PARAGRAPH)] * paragraphs)).id


def signed_in(app, username="desk"):
    client = fresh_client(app)
    login(client, username)
    return client


def test_a_draft_over_the_characters_limit_is_refused_when_saved_naming_both_numbers(app, desk):
    app.config["DOCUMENT_MAX_CHARACTERS"] = 100
    with pytest.raises(ValidationError) as refused:
        draft(desk, 3)                                                   # 150 characters
    assert [str(m) for m in refused.value.errors["body"]] == ["正文共 150 字，超过 100 字的上限。"]
    db.session.rollback()
    # The form shows it on the body field, with status 400, and saves nothing.
    response = signed_in(app).post("/documents/new", data={
        "doc_type": "letter", "title": "通报", "addressees": "各派出所", "body": "\n".join([PARAGRAPH] * 3)})
    assert response.status_code == 400
    assert "正文共 150 字，超过 100 字的上限。" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Document)) == 0


def test_a_3000_paragraph_draft_is_inside_the_default_budget(app, desk):
    document_id = draft(desk, 3000)          # 150,000 characters: a long dossier is real work
    assert budget.characters(db.session.get(Document, document_id).body) == 150_000


def test_a_draft_saved_under_a_larger_limit_is_refused_before_rendering(app, desk):
    document_id = draft(desk, 3)
    app.config["DOCUMENT_MAX_CHARACTERS"] = 100          # lowered by the operator since
    with pytest.raises(budget.BudgetExceeded) as refused:
        services.preview(desk, document_id)
    assert refused.value.limit == "characters"
    response = signed_in(app).get(f"/documents/{document_id}/preview.pdf")
    assert response.status_code == 400 and "正文共 150 字，超过 100 字的上限。" in response.get_data(as_text=True)
    # Nor is it issued: refused before a number is given.
    app.config["DOCUMENT_MAX_CHARACTERS"] = 1000
    services.submit(desk, document_id)
    services.sign_off(actor_for("leader"), document_id)
    app.config["DOCUMENT_MAX_CHARACTERS"] = 100
    with pytest.raises(ValidationError, match="正文共 150 字"):
        services.issue(desk, document_id)
    db.session.rollback()
    document = db.session.get(Document, document_id)
    assert (document.status, document.number) == ("signed", None)


def test_a_render_past_the_page_limit_is_stopped_at_the_next_page(app, desk):
    document_id = draft(desk, 60)            # about six pages
    app.config["DOCUMENT_MAX_PAGES"] = 2
    with pytest.raises(budget.BudgetExceeded) as refused:
        services.preview(desk, document_id)
    assert (refused.value.limit, refused.value.size, refused.value.maximum) == ("pages", 3, 2)
    assert "超过 2 页的上限" in str(refused.value.message)
    response = signed_in(app).get(f"/documents/{document_id}/preview.pdf")
    assert response.status_code == 400 and "超过 2 页的上限" in response.get_data(as_text=True)


def test_a_render_past_its_seconds_is_stopped_in_the_middle_of_the_layout(app, desk):
    document_id = draft(desk, 400)           # about 36 pages: a second or more of layout on any machine
    app.config["DOCUMENT_RENDER_SECONDS"] = 0.05
    with pytest.raises(budget.BudgetExceeded) as refused:
        services.preview(desk, document_id)
    assert refused.value.limit == "seconds" and refused.value.size < 30   # stopped long before the last page
    assert "超过 0.05 秒的上限" in str(refused.value.message)


def test_weasyprints_progress_lines_are_off_unless_asked_for(tmp_path):
    """A real `anqi documents specimen`: the operator sees its result, not a dozen INFO lines a letter."""
    env = {**os.environ, "ANQI_INSTANCE_PATH": str(tmp_path / "instance"), "PYTHONUNBUFFERED": "1"}
    env.pop("ANQI_DOCUMENT_RENDER_LOG", None)
    quiet = subprocess.run([str(ANQI), "documents", "specimen", "--layout", "letter", "--out", str(tmp_path / "a.pdf")],
                           env=env, capture_output=True, text=True, timeout=120)
    assert quiet.returncode == 0, quiet.stderr
    assert (tmp_path / "a.pdf").read_bytes().startswith(b"%PDF")
    assert "Step 5" not in quiet.stdout + quiet.stderr and "weasyprint.progress" not in quiet.stdout + quiet.stderr
    loud = subprocess.run([str(ANQI), "documents", "specimen", "--layout", "letter", "--out", str(tmp_path / "b.pdf")],
                          env={**env, "ANQI_DOCUMENT_RENDER_LOG": "true"}, capture_output=True, text=True, timeout=120)
    assert loud.returncode == 0 and "Step 5 - Creating layout" in loud.stderr


def test_the_inline_preview_is_sandboxed(app, desk):
    document_id = draft(desk, 2)
    response = signed_in(app).get(f"/documents/{document_id}/preview.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    directives = [part.strip() for part in response.headers["Content-Security-Policy"].split(";")]
    assert directives == ["default-src 'none'", "frame-ancestors 'none'", "sandbox"]
    assert response.headers["Content-Disposition"].startswith("inline")

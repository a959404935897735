"""Previews of drafts: a large draft's preview is made by the background
workers while the request answers at once with a page that reloads itself,
then served from what the worker stored; an unchanged draft is never rendered
twice, a changed one is; a failure shows its reason and can be tried again;
no transaction is held while a preview renders; a long document issued from
its page goes to the workers.

The queue is a SQLite file with HUEY_IMMEDIATE off, and the test runs the
queued task itself (``huey.dequeue`` / ``huey.execute``), as a worker does.
Costs: each test 0.2–0.6 s (a few renders of 1–3 pages), plus the app's set-up."""
import sqlite3
import threading
from datetime import datetime

import pytest

from core import clock, tasks
from core.documents import previews, rendering, services
from core.documents.models import Document
from core.extensions import db
from tests.conftest import actor_for, login, on_databases
from tests.helpers import fresh_client
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)

PARAGRAPH = "我局根据企业服务工作安排，对辖区重点企业开展走访调研，了解企业生产经营情况及存在的困难问题并及时协调"
INLINE = 1000    # characters rendered in a request; the "long" drafts below have 1,500


@pytest.fixture
def app(make_app, tmp_path):
    app = make_app(HUEY_IMMEDIATE=False, HUEY_URL=f"sqlite:///{tmp_path / 'queue' / 'huey.db'}",
                   DOCUMENT_INLINE_RENDER_CHARACTERS=INLINE)
    tasks.huey.flush()
    with app.app_context():
        yield app


@pytest.fixture
def renders(monkeypatch):
    """How many PDFs were laid out (the real renderer, counted)."""
    real, calls = rendering.write_pdf, []

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(rendering, "write_pdf", counted)
    return calls


@pytest.fixture
def desk(city):
    city.centre.doc_prefix = "诸公经"
    db.session.commit()
    clock.freeze(datetime(2026, 11, 20, 2, 0))
    return actor_for("desk")


def draft(actor, paragraphs: int, title="关于走访调研情况的通报") -> int:
    return services.create(actor, services.Draft(doc_type="letter", title=title, addressees=["各派出所"],
                                                 body=[("p", PARAGRAPH)] * paragraphs)).id


def signed_in(app, username="desk"):
    client = fresh_client(app)
    login(client, username)
    return client


def run_queued() -> int:
    """Run what is queued, as `anqi worker` would; the number of tasks run."""
    done = 0
    while tasks.huey.pending_count():
        tasks.huey.execute(tasks.huey.dequeue())
        done += 1
    return done


def stored(document_id) -> list[str]:
    folder = previews.folder(document_id)
    return sorted(p.suffix for p in folder.iterdir()) if folder.is_dir() else []


def test_a_long_drafts_preview_is_prepared_by_the_workers_while_the_page_waits(app, desk, renders):
    document_id = draft(desk, 30)
    client = signed_in(app)
    url = f"/documents/{document_id}/preview.pdf"
    waiting = client.get(url)
    assert waiting.status_code == 202 and waiting.mimetype == "text/html"
    page = waiting.get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="3">' in page and 'data-testid="preview-preparing"' in page
    assert "后台任务" in page and waiting.headers["Cache-Control"] == "private, no-store"
    assert client.get(url).status_code == 202                  # a reload waits for the same job
    assert renders == [] and tasks.huey.pending_count() == 1  # nothing rendered in the requests; queued once
    assert stored(document_id) == [".queued"]
    assert run_queued() == 1 and len(renders) == 1
    ready = client.get(url)
    assert ready.status_code == 200 and ready.data.startswith(b"%PDF")
    assert ready.headers["Content-Disposition"].startswith("inline")
    assert client.get(url).data == ready.data and len(renders) == 1   # served from the stored file
    assert stored(document_id) == [".pdf"]


def test_an_unchanged_draft_is_rendered_once_and_a_change_renders_it_again(app, desk, city, renders):
    document_id = draft(desk, 2)
    first = services.preview(desk, document_id)
    assert services.preview(desk, document_id) == first and len(renders) == 1
    old = next(previews.folder(document_id).glob("*.pdf"))
    services.update(desk, document_id, services.Draft(doc_type="letter", title="关于走访调研情况的通报",
                                                      addressees=["各派出所"], body=[("p", PARAGRAPH + "。")]))
    second = services.preview(desk, document_id)
    assert second != first and len(renders) == 2
    assert not old.exists() and len(list(previews.folder(document_id).glob("*.pdf"))) == 1
    # What is rendered includes more than the draft: the issuing unit's name, for one.
    city.centre.name = "护企优商服务中心（新）"
    db.session.commit()
    services.preview(desk, document_id)
    assert len(renders) == 3
    # Issued, its preview is its stored PDF, and the cached previews go.
    services.submit(desk, document_id)
    services.sign_off(actor_for("leader"), document_id)
    issued = services.issue(desk, document_id)
    assert not previews.folder(document_id).exists()
    assert services.preview(desk, document_id) == services.pdf(desk, issued.id) and len(renders) == 4


def test_a_failed_preview_shows_its_reason_and_can_be_tried_again(app, desk, renders):
    document_id = draft(desk, 30)
    app.config["DOCUMENT_MAX_PAGES"] = 1
    client = signed_in(app)
    url = f"/documents/{document_id}/preview.pdf"
    assert client.get(url).status_code == 202
    run_queued()
    failed = client.get(url)
    assert failed.status_code == 400
    page = failed.get_data(as_text=True)
    assert "超过 1 页的上限" in page and 'data-testid="preview-retry"' in page and "refresh" not in page
    assert tasks.huey.pending_count() == 0                     # shown, not queued again by itself
    app.config["DOCUMENT_MAX_PAGES"] = 500
    retried = client.post(f"/documents/{document_id}/preview/retry")
    assert retried.status_code == 302 and retried.headers["Location"].endswith(url)
    assert client.get(url).status_code == 202 and tasks.huey.pending_count() == 1
    run_queued()
    assert client.get(url).data.startswith(b"%PDF")


@on_databases("sqlite")
@pytest.mark.parametrize("where", ["request", "worker"])
def test_no_transaction_is_held_while_a_preview_renders(app, desk, monkeypatch, where):
    """While the PDF is being laid out, another connection writes to the SQLite
    database with a busy timeout of 0.2 s: nothing holds its write lock."""
    document_id = draft(desk, 2 if where == "request" else 30)
    client = signed_in(app)
    if where == "worker":
        assert client.get(f"/documents/{document_id}/preview.pdf").status_code == 202
    unit_id = desk.unit_id
    db.session.commit()          # this test's own session holds nothing either
    real, rendering_now, go_on = rendering.write_pdf, threading.Event(), threading.Event()

    def held(*args, **kwargs):
        rendering_now.set()
        assert go_on.wait(20)
        return real(*args, **kwargs)

    monkeypatch.setattr(rendering, "write_pdf", held)
    answers = []
    if where == "request":
        work = threading.Thread(target=lambda: answers.append(client.get(f"/documents/{document_id}/preview.pdf")))
    else:
        task = tasks.huey.dequeue()
        work = threading.Thread(target=lambda: answers.append(tasks.huey.execute(task)))
    work.start()
    try:
        assert rendering_now.wait(20)
        writer = sqlite3.connect(db.engine.url.database, timeout=0.2, isolation_level=None)
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("UPDATE unit SET name = name || '' WHERE id = ?", (unit_id,))
        writer.execute("COMMIT")
        writer.close()
    finally:
        go_on.set()
        work.join(30)
    if where == "request":
        assert answers[0].status_code == 200 and answers[0].data.startswith(b"%PDF")
    else:
        assert len(list(previews.folder(document_id).glob("*.pdf"))) == 1


def test_a_long_document_issued_from_its_page_goes_to_the_workers(app, desk, renders):
    document_id = draft(desk, 30)
    services.submit(desk, document_id)
    services.sign_off(actor_for("leader"), document_id)
    response = signed_in(app).post(f"/documents/{document_id}/issue")
    assert response.status_code == 302 and "/documents/batches/" in response.headers["Location"]
    assert renders == [] and db.session.get(Document, document_id).status == "signed"
    run_queued()
    db.session.rollback()
    document = db.session.get(Document, document_id)
    assert document.status == "issued" and document.number == "诸公经函〔2026〕1号" and len(renders) == 1


def test_a_queue_that_cannot_be_reached_is_said_so(make_app, city, tmp_path):
    app = make_app(HUEY_IMMEDIATE=False, HUEY_URL="redis://127.0.0.1:1/0", DOCUMENT_INLINE_RENDER_CHARACTERS=INLINE)
    with app.app_context():
        clock.freeze(datetime(2026, 11, 20, 2, 0))
        document_id = draft(actor_for("desk"), 30)
        response = signed_in(app).get(f"/documents/{document_id}/preview.pdf")
        assert response.status_code == 503 and "后台任务队列" in response.get_data(as_text=True)
        assert stored(document_id) == []              # nothing claimed: the next open tries again

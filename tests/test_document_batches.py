"""Batch issue: every item issued in its own transaction, a failure reported
with its reason while the others go on, retry, the ZIP of the results."""
import io
import subprocess
import zipfile
from datetime import datetime

import pytest
from sqlalchemy import func, select, update

from core import clock, tasks
from core.audit.models import AuditEntry
from core.documents import batches, services
from core.documents.models import Document, DocumentBatch, DocumentBatchItem
from core.errors import NotFound, ValidationError
from core.extensions import db
from core.jobqueue import owners
from tests.conftest import actor_for, login
from tests.helpers import ended_process_owner
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)


@pytest.fixture
def signed_letters(city):
    city.centre.doc_prefix = "诸公经"
    db.session.commit()
    clock.freeze(datetime(2026, 11, 20, 2, 0))
    desk, leader = actor_for("desk"), actor_for("leader")
    ids = []
    for n in range(5):
        document = services.create(desk, services.Draft(
            doc_type="letter", title=f"风险提示函 第{n + 1}号企业", addressees=[f"企业{n + 1}"],
            body=[("p", "请贵单位加强内部资金管理，防范职务侵占风险。")]))
        services.submit(desk, document.id)
        services.sign_off(leader, document.id)
        ids.append(document.id)
    return ids


def test_a_batch_issues_all_and_reports_the_one_that_fails(city, signed_letters, monkeypatch):
    from core.documents import rendering

    real = rendering.render

    def flaky(letter):
        if "第3号" in letter.title:
            raise RuntimeError("字体缺失")
        return real(letter)

    monkeypatch.setattr(rendering, "render", flaky)
    batch = batches.create(actor_for("desk"), signed_letters)      # runs at once: HUEY_IMMEDIATE in tests
    result = batches.progress(batch.id)
    assert (result.total, result.issued, result.failed, result.finished) == (5, 4, 1, True)
    failed = db.session.scalars(select(DocumentBatchItem).where(DocumentBatchItem.status == "failed")).one()
    assert failed.error == "字体缺失" and db.session.get(Document, failed.document_id).status == "numbered"
    numbers = sorted(db.session.scalars(select(Document.seq).where(Document.status == "issued")))
    assert numbers == [1, 2, 4, 5]                    # the failed one keeps number 3 for its retry
    monkeypatch.setattr(rendering, "render", real)
    batches.retry_failed(actor_for("desk"), batch.id)
    assert batches.progress(batch.id).issued == 5
    with pytest.raises(ValidationError):
        batches.retry_failed(actor_for("desk"), batch.id)           # nothing failed any more
    archive = zipfile.ZipFile(io.BytesIO(batches.zip_of(actor_for("desk"), batch.id)))
    names = archive.namelist()
    assert len(names) == 5 and all(n.endswith(".pdf") for n in names)
    assert all(archive.read(n).startswith(b"%PDF") for n in names)
    assert sorted(n.split("_")[0] for n in names) == [f"诸公经函〔2026〕{i}号" for i in range(1, 6)]


def test_a_batch_takes_signed_documents_of_the_users_units_only(city, signed_letters):
    desk = actor_for("desk")
    draft = services.create(desk, services.Draft(doc_type="letter", title="未签发", addressees=["企业"],
                                                 body=[("p", "正文")]))
    with pytest.raises(ValidationError):
        batches.create(desk, signed_letters + [draft.id])
    with pytest.raises(NotFound):
        batches.create(actor_for("desk_b"), signed_letters)
    with pytest.raises(ValidationError):
        batches.create(desk, [])
    db.session.rollback()
    assert db.session.scalar(select(Document.id).where(Document.status == "issued")) is None
    with pytest.raises(NotFound):
        batches.get(actor_for("desk_b"), 1)


def test_anqi_documents_render_batch(app, city, signed_letters, tmp_path):
    out = tmp_path / "letters.zip"
    ids = f"{signed_letters[0]}-{signed_letters[2]},{signed_letters[4]}"
    result = app.test_cli_runner().invoke(args=["documents", "render-batch", "--user", "desk", "--ids", ids,
                                                "--zip", str(out)])
    assert result.exit_code == 0, result.output
    assert "4" in result.output
    db.session.rollback()
    assert len(zipfile.ZipFile(out).namelist()) == 4
    assert db.session.get(Document, signed_letters[3]).status == "signed"
    bad = app.test_cli_runner().invoke(args=["documents", "render-batch", "--user", "desk", "--ids", "x-3"])
    assert bad.exit_code != 0 and "x-3" in bad.output
    again = app.test_cli_runner().invoke(args=["documents", "render-batch", "--user", "desk",
                                               "--ids", str(signed_letters[0])])
    assert again.exit_code != 0           # already issued: refused before anything is queued


# --- a job delivered twice ---------------------------------------------------------------------------
# The queue delivers a job at least once: a job whose worker died runs again, and
# may meet a run of itself that is still going. Each item is claimed first.

def claim_as(owner: str, item_id: int) -> None:
    db.session.execute(update(DocumentBatchItem).where(DocumentBatchItem.id == item_id)
                       .values(status="issuing", claimed_by=owner, claimed_at=clock.now()))
    db.session.commit()


def actions_per_document(action: str) -> dict:
    return dict(db.session.execute(select(AuditEntry.object_id, func.count()).where(AuditEntry.action == action)
                                   .group_by(AuditEntry.object_id)).all())


def test_a_job_delivered_again_takes_over_the_items_of_a_run_that_died(city, signed_letters, monkeypatch):
    """The run that died had issued the first item's letter without recording it, and had
    numbered the second one when it died while rendering: each is issued once, no number lost."""
    from core.documents import rendering

    desk = actor_for("desk")
    batch = batches.create(desk, signed_letters, enqueue=False)
    items = [item.id for item in batch.items]
    services.issue(desk, signed_letters[0])
    real = rendering.render
    monkeypatch.setattr(rendering, "render", lambda letter: (_ for _ in ()).throw(MemoryError()))
    with pytest.raises(MemoryError):
        services.issue(desk, signed_letters[1])
    monkeypatch.setattr(rendering, "render", real)
    dead = ended_process_owner()
    claim_as(dead, items[0])
    claim_as(dead, items[1])
    assert batches.progress(batch.id).pending == 5
    batches.issue_items(batch.id, items)                    # the job again (immediate in tests)
    progress = batches.progress(batch.id)
    assert (progress.issued, progress.failed, progress.finished) == (5, 0, True)
    documents = db.session.scalars(select(Document).where(Document.id.in_(signed_letters))).all()
    assert sorted(d.seq for d in documents) == [1, 2, 3, 4, 5]
    for action in ("document.number", "document.issue"):
        assert set(actions_per_document(action).values()) == {1}, action
    assert db.session.get(DocumentBatch, batch.id).finished_at is not None


def test_items_a_live_run_holds_are_left_to_it_until_it_dies(city, signed_letters):
    batch = batches.create(actor_for("desk"), signed_letters, enqueue=False)
    items = [item.id for item in batch.items]
    other = subprocess.Popen(["sleep", "60"])              # another worker, alive, issuing the third
    try:
        claim_as(str(owners.Owner(owners.host_name(), other.pid, owners.start_ticks(other.pid), "w")), items[2])
        batches.issue_items(batch.id, items)
        assert batches.progress(batch.id).issued == 4
        assert db.session.get(DocumentBatchItem, items[2]).status == "issuing"
        assert db.session.get(Document, signed_letters[2]).status == "signed"     # not touched
        assert batches.held_elsewhere(batch.id) == 1
        assert [t.name for t in tasks.huey.scheduled()] == ["anqi.documents.issue_items"]   # it looks again later
    finally:
        other.kill()
        other.wait()
    batches.issue_items(batch.id, items)                    # the retry, after that worker died
    assert batches.progress(batch.id).issued == 5 and batches.held_elsewhere(batch.id) == 0


def test_the_page_of_a_batch_waiting_for_a_worker_says_so(make_app, city, signed_letters, tmp_path):
    """No worker running: the page says the batch waits for one; a stalled batch's waiting
    documents can be queued again."""
    batch = batches.create(actor_for("desk"), signed_letters, enqueue=False)
    batch_id, items = batch.id, [item.id for item in batch.items]
    db.session.rollback()
    app = make_app(HUEY_IMMEDIATE=False, HUEY_URL=f"sqlite:///{tmp_path / 'queue' / 'huey.db'}")
    batches._enqueue(batch_id, items)                       # queued as batches.create does; no worker runs
    desk = app.test_client()
    login(desk, "desk")
    page = desk.get(f"/documents/batches/{batch_id}").get_data(as_text=True)
    assert 'data-testid="batch-waiting-for-worker"' in page and "等待后台" in page
    assert 'data-testid="batch-retry"' not in page            # nothing to do: it goes on by itself
    tasks.huey.storage.register()                           # a worker starts (this process, as one)
    page = desk.get(f"/documents/batches/{batch_id}").get_data(as_text=True)
    assert 'data-testid="batch-waiting-for-worker"' not in page and 'data-testid="batch-stalled"' not in page
    queued = tasks.huey.pending_count()
    clock.freeze(datetime(2026, 11, 20, 2, 10))             # ten minutes without progress: stalled
    page = desk.get(f"/documents/batches/{batch_id}").get_data(as_text=True)
    assert 'data-testid="batch-stalled"' in page and 'data-testid="batch-retry"' in page
    assert desk.post(f"/documents/batches/{batch_id}/retry").status_code == 302
    assert tasks.huey.pending_count() == queued + 1         # the waiting documents are queued again
    tasks.huey.storage.deregister()

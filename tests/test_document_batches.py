"""Batch issue: every item issued in its own transaction, a failure reported
with its reason while the others go on, retry, the ZIP of the results."""
import io
import zipfile
from datetime import datetime

import pytest
from sqlalchemy import select

from core import clock
from core.documents import batches, services
from core.documents.models import Document, DocumentBatchItem
from core.errors import NotFound, ValidationError
from core.extensions import db
from tests.conftest import actor_for
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

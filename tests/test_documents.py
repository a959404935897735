"""Official documents: drafting, the sign-off rules, issue with a gap-free number
and a frozen PDF, delivery, corrections, verification; every refusal changes
nothing."""
import hashlib
import threading
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from core import clock
from core.audit.models import AuditEntry
from core.documents import numbering, services
from core.documents.models import Document, DocumentNumberSequence
from core.errors import Forbidden, NotFound, ValidationError
from core.extensions import db
from tests.conftest import actor_for
from tests.helpers import count
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)

BODY = [("p", "近期，我市部分企业反映存在以“高额回报”为诱饵的非法集资风险。"),
        ("h1", "风险情况"), ("p", "经排查，发现以下风险点。"), ("h2", "资金往来"),
        ("p", "企业账户存在与无资质机构的频繁往来。")]


def draft(**changes):
    values = dict(doc_type="letter", title="关于防范非法集资风险的提示函", addressees=["浙江华达科技有限公司"],
                  copies=["诸暨市人民政府办公室"], body=BODY)
    values.update(changes)
    return services.Draft(**values)


@pytest.fixture
def prefixes(city):
    city.centre.doc_prefix = "诸公经"
    city.station_a.doc_prefix = "诸公甲"
    db.session.commit()
    clock.freeze(datetime(2026, 11, 20, 2, 0))


def signed(username="desk", leader="leader", **changes) -> Document:
    document = services.create(actor_for(username), draft(**changes))
    services.submit(actor_for(username), document.id)
    return services.sign_off(actor_for(leader), document.id)


def test_number_format():
    assert numbering.format_number(numbering.mark_for("诸公经", "file"), 2026, 12) == "诸公经〔2026〕12号"
    assert numbering.format_number(numbering.mark_for("诸公经", "letter"), 2026, 3) == "诸公经函〔2026〕3号"


@pytest.mark.parametrize("changes, field", [
    ({"doc_type": "nonsense"}, "doc_type"),
    ({"addressees": ["  "]}, "addressees"),
    ({"body": [("h1", "只有标题")]}, "body"),
    ({"body": [("script", "x")]}, "body"),
    ({"title": ""}, "title"),
])
def test_a_bad_draft_is_refused_and_nothing_is_saved(city, prefixes, changes, field):
    with pytest.raises(ValidationError) as caught:
        services.create(actor_for("desk"), draft(**changes))
    assert field in caught.value.errors
    db.session.rollback()
    assert count(Document) == 0


def test_the_loop_from_draft_to_delivery(city, prefixes):
    desk, leader = actor_for("desk"), actor_for("leader")
    document = services.create(desk, draft())
    assert document.status == "draft" and document.unit_id == city.centre.id
    services.update(desk, document.id, draft(title="关于防范非法集资风险的提示函（修改）"))
    services.submit(desk, document.id)
    with pytest.raises(ValidationError):
        services.update(desk, document.id, draft())          # submitted: no longer editable
    services.sign_off(leader, document.id)
    issued = services.issue(desk, document.id)
    assert (issued.status, issued.number) == ("issued", "诸公经函〔2026〕1号")
    assert issued.document_date.isoformat() == "2026-11-20"
    content = services.pdf(desk, document.id)
    assert content.startswith(b"%PDF") and hashlib.sha256(content).hexdigest() == issued.pdf_sha256
    with pytest.raises(ValidationError):
        services.issue(desk, document.id)                    # issuing twice
    with pytest.raises(ValidationError):
        services.update(desk, document.id, draft())          # editing an issued document
    db.session.rollback()
    assert db.session.get(Document, document.id).number == "诸公经函〔2026〕1号"
    clock.freeze(datetime(2026, 11, 21, 2, 0))
    services.deliver(desk, document.id, "王经理", datetime(2026, 11, 20, 6, 0), "in_person")
    assert db.session.get(Document, document.id).status == "delivered"
    with pytest.raises(ValidationError):
        services.deliver(desk, document.id, "王经理", datetime(2026, 11, 22, 6, 0), "in_person")  # the future
    actions = set(db.session.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "document")))
    assert {"document.create", "document.update", "document.submit", "document.sign", "document.issue",
            "document.deliver"} <= actions


def test_only_a_leader_of_the_issuing_unit_signs_off(city, prefixes):
    document = services.create(actor_for("desk_a"), draft())       # station A's document
    services.submit(actor_for("desk_a"), document.id)
    with pytest.raises(Forbidden):
        services.sign_off(actor_for("leader"), document.id)          # the centre's leader
    with pytest.raises(Forbidden):
        services.sign_off(actor_for("desk_a"), document.id)          # not a leader
    db.session.rollback()
    assert db.session.get(Document, document.id).status == "submitted"
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "document.sign",
                                                      AuditEntry.result != "ok")) is not None


def test_a_unit_cannot_see_or_issue_anothers_documents(city, prefixes):
    document = signed()                                   # the centre's
    for username in ("desk_b", "officer_a"):
        with pytest.raises(NotFound):
            services.issue(actor_for(username), document.id)
    with pytest.raises(ValidationError):
        services.submit(actor_for("desk"), document.id)   # signed off: not submitted again
    db.session.rollback()
    assert db.session.get(Document, document.id).status == "signed"


def test_numbers_run_per_unit_family_and_year_without_gaps(city, prefixes):
    desk = actor_for("desk")
    numbers = [services.issue(desk, signed(doc_type=kind).id).number for kind in ("letter", "file", "letter")]
    assert numbers == ["诸公经函〔2026〕1号", "诸公经〔2026〕1号", "诸公经函〔2026〕2号"]
    clock.freeze(datetime(2027, 1, 4, 2, 0))
    assert services.issue(desk, signed().id).number == "诸公经函〔2027〕1号"


def test_a_failed_render_keeps_the_number_for_the_retry(city, prefixes, monkeypatch):
    from core.documents import rendering

    desk = actor_for("desk")
    document = signed()

    def broken(_letter):
        raise RuntimeError("the renderer failed")

    monkeypatch.setattr(rendering, "render", broken)
    with pytest.raises(RuntimeError):
        services.issue(desk, document.id)
    db.session.rollback()
    kept = db.session.get(Document, document.id)
    assert (kept.status, kept.number, kept.pdf_name) == ("numbered", "诸公经函〔2026〕1号", None)
    assert not list(services.storage().rglob("*.pdf"))
    monkeypatch.undo()
    second = services.issue(desk, signed().id)            # the next document gets the next number
    assert second.number == "诸公经函〔2026〕2号"
    again = services.issue(desk, document.id)             # the retry keeps its own
    assert (again.status, again.number) == ("issued", "诸公经函〔2026〕1号")
    assert db.session.scalar(select(DocumentNumberSequence.last)) == 2


def test_the_issued_pdf_is_frozen_and_checked(city, prefixes, monkeypatch):
    from core.documents import rendering

    desk = actor_for("desk")
    document = services.issue(desk, signed().id)
    stored = services.pdf(desk, document.id)
    # A later template change does not touch what was issued.
    monkeypatch.setattr(rendering, "render", lambda _letter: b"%PDF-1.7 a different layout")
    assert services.pdf(desk, document.id) == stored
    assert services.preview(desk, document.id) == stored
    # A file altered on disk is refused, not served.
    path = services.storage() / document.pdf_name
    path.write_bytes(stored + b"\n% tampered")
    with pytest.raises(ValidationError):
        services.pdf(desk, document.id)


def test_a_correction_names_what_it_replaces(city, prefixes):
    desk = actor_for("desk")
    original = services.issue(desk, signed().id)
    correction = services.correct(desk, original.id)
    assert (correction.status, correction.replaces_id, correction.number) == ("draft", original.id, None)
    with pytest.raises(ValidationError):
        services.correct(desk, correction.id)


def test_verification_shows_number_issuer_date_and_hash_only(city, prefixes):
    document = services.issue(actor_for("desk"), signed().id)
    found = services.verify(document.verification_code.lower())
    assert (found.number, found.issuer, found.sha256) == (document.number, city.centre.name, document.pdf_sha256)
    assert not hasattr(found, "title") and not hasattr(found, "body")
    assert services.verify("NOTACODE0000") is None and services.verify("<script>") is None
    draft_only = services.create(actor_for("desk"), draft())
    assert draft_only.verification_code is None


def test_concurrent_issues_get_consecutive_numbers(app, city, prefixes):
    ids = [signed().id for _ in range(6)]
    db.session.commit()
    errors = []

    def work(document_id):
        with app.app_context():
            clock.freeze(datetime(2026, 11, 20, 2, 0))
            try:
                services.issue(actor_for("desk"), document_id)
            except Exception as exc:  # pragma: no cover - reported below
                errors.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    db.session.rollback()
    assert sorted(db.session.scalars(select(Document.seq))) == list(range(1, 7))
    assert db.session.scalar(select(DocumentNumberSequence.last)) == 6
    assert len(set(db.session.scalars(select(Document.verification_code)))) == 6


def test_deliveries_need_a_recipient_and_a_method(city, prefixes):
    desk = actor_for("desk")
    document = services.issue(desk, signed().id)
    at = datetime(2026, 11, 20, 2, 0) + timedelta(minutes=1)
    clock.freeze(at + timedelta(hours=1))
    with pytest.raises(ValidationError):
        services.deliver(desk, document.id, " ", at, "in_person")
    with pytest.raises(ValidationError):
        services.deliver(desk, document.id, "王经理", at, "pigeon")
    db.session.rollback()
    assert db.session.get(Document, document.id).status == "issued"


def test_links_and_corrections_stay_within_the_units(city, prefixes):
    from core.registry import services as registry
    from tests.helpers import code

    other = registry.create(actor_for("desk_b"), {"name": "诸暨市宏达袜业有限公司", "credit_code": code(7)})
    with pytest.raises(ValidationError) as caught:
        services.create(actor_for("desk_a"), draft(enterprise_id=other.id))
    assert "enterprise_id" in caught.value.errors
    with pytest.raises(ValidationError):
        services.create(actor_for("desk_a"), draft(ticket_id=99_999))
    # A correction belongs to the unit that issued the original, even when a
    # user of another unit with the original in scope (the centre's desk) writes it.
    original = services.issue(actor_for("desk"), signed().id)
    original.unit_id = city.station_a.id          # as if station A had issued it
    db.session.commit()
    correction = services.correct(actor_for("desk"), original.id)
    assert correction.unit_id == city.station_a.id != actor_for("desk").unit_id


def test_a_missing_pdf_is_a_clear_refusal(city, prefixes):
    document = services.issue(actor_for("desk"), signed().id)
    (services.storage() / document.pdf_name).unlink()
    with pytest.raises(ValidationError):
        services.pdf(actor_for("desk"), document.id)


def test_tables_figures_and_contents_are_kept_and_checked(city, prefixes):
    svg = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="5" height="5"/></svg>'
    body = [("contents", ""), ("h1", "风险清单"),
            ("table", {"columns": ["序号", "企业"], "rows": [["1", "浙江华达科技有限公司"]]}),
            ("figure", {"svg": svg, "caption": "图1"})]
    document = services.create(actor_for("desk"), draft(body=body))
    assert [kind for kind, _value in document.body] == ["contents", "h1", "table", "figure"]
    assert document.body[2][1]["rows"] == [["1", "浙江华达科技有限公司"]]
    assert services.preview(actor_for("desk"), document.id).startswith(b"%PDF")
    for bad in ([("contents", ""), ("contents", ""), ("p", "正文")],
                [("table", {"columns": ["a"], "rows": [["1", "2"]]})],
                [("p", "正文"), ("figure", {"svg": "<svg><script/></svg>", "caption": ""})]):
        with pytest.raises(ValidationError) as caught:
            services.create(actor_for("desk"), draft(body=bad))
        assert "body" in caught.value.errors
    db.session.rollback()
    assert count(Document) == 1


def test_the_body_field_keeps_structured_blocks_where_their_markers_stand():
    from core.documents import forms

    table = {"columns": ["序号"], "rows": [["1"]]}
    stored = [["contents", ""], ["h1", "清单"], ["table", table], ["p", "说明"], ["table", {"columns": ["二"], "rows": []}]]
    text = forms.body_text(stored)
    assert text.splitlines() == ["[[目录]]", "# 清单", "[[表格 1]]", "说明", "[[表格 2]]"]
    edited = "# 清单\n说明改了\n[[表格 1]]\n[[表格 9]]"
    assert forms.body_blocks(edited, stored) == [("h1", "清单"), ("p", "说明改了"), ("table", table), ("p", "[[表格 9]]")]
    assert forms.body_blocks(text, stored) == [tuple(b) for b in stored]

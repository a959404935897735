"""Document numbers unique per issuing mark and year, whatever the family: every
document type of every plugin counted under one mark per layout; the unique
index; a database numbered by the previous version, its shared numbers listed
by ``anqi documents check-numbers`` and renumbered where not yet issued. And the
address the QR codes point at: refused in production when no other computer
reaches it, a document issued under one address verified after it changes."""
import re
from datetime import datetime

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from core import clock, create_app
from core.audit.models import AuditEntry
from core.documents import numbering, services
from core.documents.models import Document, DocumentNumberSequence
from core.errors import ValidationError
from core.extensions import db
from core.org.actor import shell_actor
from core.org.services import save_user
from core.plugins import services as plugins
from core.plugins.services import manager
from tests.conftest import PASSWORD, actor_for
from tests.helpers import count
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)

BODY = [("p", "请按要求办理。")]
PUBLIC = "https://anqi.zhuji.example"


@pytest.fixture
def prefix(city):
    city.centre.doc_prefix = "诸公企"
    db.session.commit()
    clock.freeze(datetime(2026, 11, 20, 2, 0))


def issued(doc_type, title="关于有关事项的通知", username="desk", leader="leader") -> Document:
    document = services.create(actor_for(username), services.Draft(doc_type=doc_type, title=title,
                                                                   addressees=["浙江华达科技有限公司"], body=BODY))
    services.submit(actor_for(username), document.id)
    services.sign_off(actor_for(leader), document.id)
    return services.issue(actor_for(username), document.id)


def cli(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


# --- one count per issuing mark ------------------------------------------------------------------

def test_every_type_of_every_plugin_is_numbered_under_its_units_mark_without_a_duplicate(app, city, prefix):
    for name in manager().manifests:                 # load order: a plugin after those it depends on
        plugins.set_enabled(shell_actor(), "HQ", name, True)
    kinds = services.types(actor_for("desk"))
    assert len(manager().manifests) == 5 and len(kinds) > 10
    assert {code.split(".")[0] for code in kinds} >= set(manager().manifests)

    documents = [issued(code) for code in kinds]
    numbers = [d.number for d in documents]
    assert len(set(numbers)) == len(numbers)
    files = [d for d in documents if d.layout == "file"]
    letters = [d for d in documents if d.layout == "letter"]
    assert files and letters and {d.family for d in documents} > {"file", "letter"}   # several families
    # Counted on across families, in the order issued, one count per layout's mark.
    assert [d.number for d in files] == [f"诸公企〔2026〕{n}号" for n in range(1, len(files) + 1)]
    assert [d.number for d in letters] == [f"诸公企函〔2026〕{n}号" for n in range(1, len(letters) + 1)]
    assert all((d.number_mark, d.year) == (numbering.mark_of(d.number), 2026) for d in documents)
    assert numbering.duplicate_groups() == []
    assert dict(db.session.execute(select(DocumentNumberSequence.mark, DocumentNumberSequence.last)).all()) == {
        "诸公企": len(files), "诸公企函": len(letters)}


def test_the_database_refuses_a_second_document_with_the_same_number(app, city, prefix):
    first = issued("letter")
    db.session.add(Document(doc_type="inspection.notice", family="inspection", layout="letter",
                            unit_id=first.unit_id, status="issued", title="另一份", number=first.number,
                            number_mark=first.number_mark, year=first.year, seq=first.seq))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    assert count(Document) == 1


# --- a database numbered by the previous version --------------------------------------------------

OLD_DOCUMENTS = [
    # id, doc_type, family, layout, status, number, seq: the previous version counted per family,
    # so the project file (a family of its own) printed the numbers of the unit's files.
    (1, "project_officer.dossier", "project_officer.dossier", "file", "issued", "诸公企〔2026〕1号", 1),
    (2, "file", "file", "file", "issued", "诸公企〔2026〕1号", 1),
    (3, "project_officer.dossier", "project_officer.dossier", "file", "numbered", "诸公企〔2026〕2号", 2),
    (4, "file", "file", "file", "issued", "诸公企〔2026〕2号", 2),
    (5, "file", "file", "file", "issued", "诸公企〔2026〕3号", 3),
    (6, "letter", "letter", "letter", "issued", "诸公企函〔2026〕1号", 1),
]


@pytest.fixture
def old_database(tmp_path, monkeypatch):
    """A SQLite database built and filled by the previous version (core_0015), then upgraded."""
    import flask_migrate

    monkeypatch.setenv("ANQI_INSTANCE_PATH", str(tmp_path / "instance"))
    # In English: the operator's report is read below.
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'old.db'}", "TESTING": True,
                      "DOCUMENT_STORAGE": str(tmp_path / "pdfs"), "BABEL_DEFAULT_LOCALE": "en"})
    with app.app_context():
        flask_migrate.upgrade(revision="core_0015")
        db.session.execute(text("INSERT INTO unit (id, code, name, kind, path, doc_prefix, active) "
                                "VALUES (1, 'HQ', '护企优商服务中心', 'centre', '/1/', '诸公企', true)"))
        for number, (document_id, doc_type, family, layout, status, printed, seq) in enumerate(OLD_DOCUMENTS):
            db.session.execute(text(
                "INSERT INTO document (id, doc_type, family, layout, unit_id, status, title, addressees, copies, "
                "body, attachment_titles, document_date, related_type, year, seq, number, verification_code, "
                "created_at, issued_at, version) VALUES (:id, :doc_type, :family, :layout, 1, :status, :title, "
                "'[\"浙江华达科技有限公司\"]', '[]', '[[\"p\", \"请按要求办理。\"]]', '[]', '2026-03-02', '', 2026, "
                ":seq, :number, :code, '2026-03-02 02:00:00', '2026-03-02 02:00:00', 1)"),
                {"id": document_id, "doc_type": doc_type, "family": family, "layout": layout, "status": status,
                 "title": f"关于第{document_id}件事项的通知", "seq": seq, "number": printed,
                 "code": f"OLDCODE{number:05d}"})
        db.session.commit()
        flask_migrate.upgrade(revision="heads")
        clock.freeze(datetime(2026, 11, 20, 2, 0))
        yield app
        clock.freeze(None)
        db.session.remove()
        db.engine.dispose()


def test_a_database_numbered_per_family_is_upgraded_listed_and_renumbered(old_database):
    app = old_database
    marks = dict(db.session.execute(select(Document.id, Document.number_mark)).all())
    # An issued document keeps a shared number, even after a merely numbered one (#3 before #4).
    assert marks == {1: "诸公企", 2: None, 3: None, 4: "诸公企", 5: "诸公企", 6: "诸公企函"}
    assert dict(db.session.execute(select(DocumentNumberSequence.mark, DocumentNumberSequence.last)).all()) == {
        "诸公企": 3, "诸公企函": 1}

    listed = cli(app, "documents", "check-numbers")
    assert listed.exit_code == 1, listed.output
    groups = re.split(r"\n(?=诸公企)", listed.output.strip())
    assert [g.splitlines()[0] for g in groups[:2]] == ["诸公企〔2026〕1号 is printed on 2 documents:",
                                                      "诸公企〔2026〕2号 is printed on 2 documents:"]
    first, second = groups[0], groups[1]
    assert re.search(r"#1 +project_officer\.dossier .*关于第1件事项的通知.*护企优商服务中心 +2026-03-02\n +keeps", first)
    assert re.search(r"#2 +file .*关于第2件事项的通知.*\n +issued, so it keeps its number.*correction", first)
    assert re.search(r"#4 .*\n +keeps", second) and re.search(r"#3 .*\n +numbered, not issued yet.*--renumber", second)
    assert "诸公企函" not in listed.output and "#5" not in listed.output and "#6" not in listed.output

    renumbered = cli(app, "documents", "check-numbers", "--renumber")
    assert renumbered.exit_code == 1, renumbered.output      # the issued #2 still shares its number
    assert "#3: renumbered from 诸公企〔2026〕2号 to 诸公企〔2026〕4号." in renumbered.output
    db.session.expire_all()
    numbers = dict(db.session.execute(select(Document.id, Document.number)).all())
    assert numbers == {1: "诸公企〔2026〕1号", 2: "诸公企〔2026〕1号", 3: "诸公企〔2026〕4号", 4: "诸公企〔2026〕2号",
                       5: "诸公企〔2026〕3号", 6: "诸公企函〔2026〕1号"}
    third = db.session.get(Document, 3)
    assert (third.number_mark, third.year, third.seq, third.status) == ("诸公企", 2026, 4, "numbered")
    [entry] = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "document.renumber"))
    assert (entry.object_id, entry.username) == ("3", "cli")
    assert entry.detail == {"from": "诸公企〔2026〕2号", "number": "诸公企〔2026〕4号"}
    assert [g.number for g in numbering.duplicate_groups()] == ["诸公企〔2026〕1号"]

    # The issued #2 is corrected: the correction, issued, takes the next number, and the shared number is
    # left to the original as printed.
    shell = shell_actor()
    for username, roles in (("desk", ["desk"]), ("leader", ["leader"])):
        save_user(shell, {"username": username, "name": username, "unit_id": 1, "roles": roles,
                          "password": PASSWORD})
    correction = services.correct(actor_for("desk"), 2)
    services.submit(actor_for("desk"), correction.id)
    services.sign_off(actor_for("leader"), correction.id)
    correction = services.issue(actor_for("desk"), correction.id)
    assert correction.number == "诸公企〔2026〕5号"          # the count goes on after the highest number
    done = cli(app, "documents", "check-numbers")
    assert done.exit_code == 0, done.output
    assert f"corrected by #{correction.id} (诸公企〔2026〕5号)." in done.output
    assert "No two documents share a number, except those already corrected." in done.output
    assert cli(app, "documents", "check-numbers", "--renumber").exit_code == 0


@pytest.mark.parametrize("app_config", [{"BABEL_DEFAULT_LOCALE": "en"}])
def test_check_numbers_says_so_when_no_number_is_shared(app, city, prefix):
    issued("letter")
    result = cli(app, "documents", "check-numbers")
    assert (result.exit_code, result.output.strip()) == (0, "No two documents share a number.")


# --- the address the QR codes point at -----------------------------------------------------------

@pytest.mark.parametrize("app_config", [{"PRODUCTION": True, "PUBLIC_BASE_URL": url} for url in (
    None, "http://127.0.0.1:5000", "http://localhost:8000/", "http://[::1]", "http://127.8.0.1")])
def test_a_production_process_refuses_to_issue_under_an_address_no_other_computer_reaches(app, city, prefix):
    document = services.create(actor_for("desk"), services.Draft(doc_type="letter", title="关于有关事项的通知",
                                                                 addressees=["浙江华达科技有限公司"], body=BODY))
    services.submit(actor_for("desk"), document.id)
    services.sign_off(actor_for("leader"), document.id)
    with pytest.raises(ValidationError, match="PUBLIC_BASE_URL") as refused:
        services.issue(actor_for("desk"), document.id)
    assert "ANQI_PUBLIC_BASE_URL" in refused.value.message
    db.session.expire_all()
    document = db.session.get(Document, document.id)
    assert (document.status, document.number, document.verification_code) == ("signed", None, None)
    assert count(DocumentNumberSequence) == 0                 # refused before a number was taken


@pytest.mark.parametrize("app_config", [{"PRODUCTION": True, "PUBLIC_BASE_URL": PUBLIC + "/"}])
def test_a_document_is_verified_after_the_public_address_changes(app, city, prefix):
    import pypdfium2
    import zxingcpp

    document = issued("letter")
    code = document.verification_code
    pages = pypdfium2.PdfDocument(services.pdf(actor_for("desk"), document.id))
    found = [r.text for page in pages for r in zxingcpp.read_barcodes(page.render(scale=200 / 72).to_pil())
             if r.format == zxingcpp.BarcodeFormat.QRCode]
    assert found == [f"{PUBLIC}/verify/{code}"]

    app.config["PUBLIC_BASE_URL"] = "https://anqi.shaoxing.example"   # anqi moved; the paper did not
    assert services.verification_url(code) == f"https://anqi.shaoxing.example/verify/{code}"
    response = app.test_client().get(f"/verify/{code}")
    assert response.status_code == 200
    assert "诸公企函〔2026〕1号" in response.get_data(as_text=True)
    assert services.pdf(actor_for("desk"), document.id)            # the frozen PDF is still the one stored


def test_a_development_process_issues_under_the_loopback_default(app, city, prefix):
    assert app.config["PUBLIC_BASE_URL"] is None and not app.config["PRODUCTION"]
    document = issued("letter")
    assert services.verification_url(document.verification_code).startswith("http://127.0.0.1:5000/verify/")


@pytest.mark.parametrize("url, loopback", [
    ("http://127.0.0.1:5000", True), ("http://127.1.2.3", True), ("http://localhost", True),
    ("http://LOCALHOST.:8000", True), ("http://[::1]:5000/", True), ("http://app.localhost", True), ("", True),
    ("http://10.0.0.5:5000", False), ("https://anqi.zhuji.example", False), ("http://[fd00::5]", False),
    ("http://0.0.0.0:5000", False),
])
def test_loopback_addresses(url, loopback):
    from core.public_address import is_loopback

    assert is_loopback(url) is loopback


def test_a_document_renumbered_while_it_renders_is_not_stored_with_its_former_number(app, city, prefix, monkeypatch):
    from core.documents import rendering

    document = services.create(actor_for("desk"), services.Draft(doc_type="letter", title="关于有关事项的通知",
                                                                 addressees=["浙江华达科技有限公司"], body=BODY))
    services.submit(actor_for("desk"), document.id)
    services.sign_off(actor_for("leader"), document.id)
    real_render = rendering.render

    def render_while_renumbered(letter):        # check-numbers --renumber runs meanwhile
        db.session.execute(text("UPDATE document SET number = '诸公企函〔2026〕9号', seq = 9, version = version + 1"))
        db.session.commit()
        return real_render(letter)

    monkeypatch.setattr(rendering, "render", render_while_renumbered)
    with pytest.raises(ValidationError):
        services.issue(actor_for("desk"), document.id)
    db.session.expire_all()
    document = db.session.get(Document, document.id)
    assert (document.status, document.number, document.pdf_name) == ("numbered", "诸公企函〔2026〕9号", None)
    monkeypatch.setattr(rendering, "render", real_render)
    assert services.issue(actor_for("desk"), document.id).number == "诸公企函〔2026〕9号"   # issued again: its new number

"""The documents' faces: each part of a document set in the face GB/T 9704-2012
names, or in the open stand-in installed here (read back from the PDF's
embedded fonts); a licensed face dropped into the instance's fonts folder
preferred for its role (a copy of LXGW WenKai renamed 仿宋_GB2312 stands for
one); a broken file there skipped and reported; the fonts command, the
administrator's page and the document's page saying which face is used."""
import io
import shutil
from datetime import date, datetime

import pdfplumber
import pytest
from pypdf import PdfReader

from core import clock
from core.documents import fonts, rendering
from core.documents import services as documents
from core.documents.rendering import Letter, RefusedURL
from tests.conftest import actor_for, login
from tests.helpers import fresh_client
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)

WENKAI = "/usr/share/fonts/truetype/lxgw-wenkai/LXGWWenKai-Regular.ttf"
LICENSED = "仿宋_GB2312.ttf"
TITLE = "关于防范非法集资风险的提示书"
MARK = "诸暨市公安局文件"
CHART = ('<svg xmlns="http://www.w3.org/2000/svg" width="300" height="60" viewBox="0 0 300 60">'
         '<rect x="10" y="20" width="80" height="30"/><text x="10" y="15" font-size="12">高风险</text></svg>')
BODY = (
    ("p", "近期我市发生多起以高息理财为名的非法集资案件，请高度重视。"),
    ("h1", "风险情况"),
    ("h2", "资金管理"),
    ("p", "对交易对象的主体资格、履约能力审查不严。"),
    ("figure", {"svg": CHART, "caption": "图1"}),
)
TEXT = ("".join(text for kind, text in BODY if kind != "figure") + TITLE + MARK
        + "诸公经〔2026〕12号浙江华达科技有限公司：一、（）年月日—高风险图")


def letter(**values):
    base = dict(layout="file", authority=MARK, number="诸公经〔2026〕12号", title=TITLE,
                addressees=("浙江华达科技有限公司",), body=BODY, issuer="诸暨市公安局", date=date(2026, 11, 2))
    base.update(values)
    return Letter(**base)


def write_licensed_font(path):
    """A licensed 仿宋_GB2312 for the tests: LXGW WenKai cut down to the characters
    the tests print, its family renamed 仿宋_GB2312 (PostScript name
    FangSongGB2312-Test, so the PDF tells it from the 楷体 stand-in)."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    face = TTFont(WENKAI)
    cutter = subset.Subsetter(subset.Options(name_IDs=["*"], name_languages=["*"]))
    cutter.populate(text=TEXT + "".join(map(chr, range(32, 127))))
    cutter.subset(face)
    for record in face["name"].names:
        if record.nameID in (1, 4):
            record.string = "仿宋_GB2312"
        elif record.nameID == 6:
            record.string = "FangSongGB2312-Test"
    face["name"].names = [r for r in face["name"].names if r.nameID not in (16, 17)]
    face.save(path)
    return path


@pytest.fixture(scope="module")
def licensed_folder(tmp_path_factory):
    """A fonts folder with the licensed face and a file that is not a font."""
    folder = tmp_path_factory.mktemp("fonts")
    write_licensed_font(folder / LICENSED)
    (folder / "broken.ttf").write_bytes(b"\x00\x01\x00\x00 not really a font")
    return folder


@pytest.fixture(scope="module")
def rendered():
    return {}


@pytest.fixture
def pdf_of(app, rendered):
    """One render per fonts folder, shared by the module's tests."""
    def get(folder=None):
        key = str(folder)
        if key not in rendered:
            app.config["DOCUMENT_FONT_FOLDER"] = str(folder) if folder else None
            rendered[key] = rendering.render(letter())
            app.config["DOCUMENT_FONT_FOLDER"] = None
        return rendered[key]

    return get


def embedded(pdf: bytes) -> dict:
    """The PDF's font name (as pdfplumber gives it) → the embedded program's
    (PostScript name, family names, weight class)."""
    from fontTools.ttLib import TTFont

    found = {}
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
            key = next(k for k in ("/FontFile", "/FontFile2", "/FontFile3") if k in descriptor)
            face = TTFont(io.BytesIO(descriptor[key].get_object().get_data()))
            names = face["name"]
            found[str(font["/BaseFont"])[1:]] = (
                names.getDebugName(6), {r.toUnicode() for r in names.names if r.nameID in (1, 16)},
                face["OS/2"].usWeightClass)
    return found


def faces_of(pdf: bytes, text: str) -> set:
    """The embedded programs (PostScript name, weight) that draw ``text``'s characters."""
    programs = embedded(pdf)
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        chars = [c for page in document.pages for c in page.chars]
    line = "".join(c["text"] for c in chars)
    start = line.find(text)
    assert start >= 0, f"{text!r} is not in the PDF"
    return {(programs[c["fontname"]][0], programs[c["fontname"]][2]) for c in chars[start:start + len(text)]}


# ---------------------------------------------------------------- the stand-ins installed here


def test_the_title_and_the_mark_are_set_in_the_black_serif_not_a_sans(pdf_of):
    pdf = pdf_of()
    assert faces_of(pdf, TITLE) == {("NotoSerifCJKsc-Black", 900)}       # 小标宋's stand-in
    assert faces_of(pdf, MARK) == {("NotoSerifCJKsc-Black", 900)}
    assert all("Sans" not in name for name, _weight in faces_of(pdf, TITLE) | faces_of(pdf, MARK))


def test_headings_and_body_take_their_roles_faces(pdf_of):
    pdf = pdf_of()
    assert faces_of(pdf, "风险情况") == {("NotoSansCJKsc-Regular", 400)}    # 黑体's stand-in, not emboldened
    assert faces_of(pdf, "资金管理") == {("LXGWWenKai-Regular", 400)}       # 楷体's
    assert faces_of(pdf, BODY[0][1]) == {("NotoSerifCJKsc-Regular", 400)}  # 仿宋's
    assert faces_of(pdf, "浙江华达科技有限公司：") == {("NotoSerifCJKsc-Regular", 400)}
    assert faces_of(pdf, "高风险") == {("NotoSerifCJKsc-Regular", 400)}


def test_the_resolution_says_stand_in(app):
    resolved = fonts.current()
    assert {face.role: (face.family, face.standard, face.source) for face in resolved.faces} == {
        "body": ("Noto Serif CJK SC", False, "system"), "title": ("Noto Serif CJK SC Black", False, "system"),
        "mark": ("Noto Serif CJK SC Black", False, "system"), "h1": ("Noto Sans CJK SC", False, "system"),
        "kai": ("LXGW WenKai", False, "system"), "page": ("Noto Serif CJK SC", False, "system")}


def test_a_configured_family_goes_first_and_is_not_passed_over(app):
    app.config["DOCUMENT_FONT_H1"] = "Noto Serif CJK SC"
    assert fonts.current().h1 == "Noto Serif CJK SC"
    app.config["DOCUMENT_FONT_HEADING"] = "LXGW WenKai"      # the older setting: title and h1 when theirs is unset
    assert (fonts.current().title, fonts.current().h1) == ("LXGW WenKai", "Noto Serif CJK SC")
    app.config["DOCUMENT_FONT_MARK"] = "No Such Song"
    with pytest.raises(rendering.RenderingError, match="No Such Song"):
        fonts.check_fonts(fonts.current())


def test_a_role_without_any_face_is_refused_by_name(app, monkeypatch):
    monkeypatch.setattr(fonts, "_installed_faces", lambda: ())
    resolved = fonts.current()
    assert resolved.body == ""
    # The previews' key is still made (the draft's page opens), the render is refused.
    assert rendering.fingerprint(letter())
    with pytest.raises(rendering.RenderingError) as refused:
        rendering.render(letter())
    message = str(refused.value)
    assert str(fonts.ROLES_BY_NAME["body"].label) in message and "仿宋_GB2312" in message
    assert "Noto Serif CJK SC" in message and str(fonts.ROLES_BY_NAME["kai"].label) in message


# ---------------------------------------------------------------- the fonts folder


def test_a_licensed_face_in_the_fonts_folder_is_preferred_for_its_role(app, pdf_of, licensed_folder):
    pdf = pdf_of(licensed_folder)
    assert faces_of(pdf, BODY[0][1]) == {("FangSongGB2312-Test", 400)}
    assert faces_of(pdf, "高风险") == {("FangSongGB2312-Test", 400)}     # a drawing's text takes the body's face
    assert faces_of(pdf, "资金管理") == {("LXGWWenKai-Regular", 400)}      # the others keep theirs
    assert faces_of(pdf, TITLE) == {("NotoSerifCJKsc-Black", 900)}
    app.config["DOCUMENT_FONT_FOLDER"] = str(licensed_folder)
    body = fonts.current().face("body")
    assert (body.family, body.standard, body.source, body.file) == ("仿宋_GB2312", True, "folder", LICENSED)


def test_a_broken_file_in_the_folder_is_skipped_and_reported(app, pdf_of, licensed_folder, caplog):
    fonts._scan.cache_clear()
    app.config["DOCUMENT_FONT_FOLDER"] = str(licensed_folder)
    found, skipped = fonts.scan_folder()
    assert [f.file for f in found] == [LICENSED]
    assert [(s.file, s.reason) for s in skipped] == [("broken.ttf", "unreadable")]
    assert "broken.ttf" in caplog.text
    assert pdf_of(licensed_folder).startswith(b"%PDF")      # rendered all the same
    assert fonts.scan_folder(limit=1000) == ((), (fonts.Skipped("broken.ttf", "unreadable"),
                                                   fonts.Skipped(LICENSED, "too_large")))


def test_a_link_out_of_the_folder_is_not_followed(tmp_path, licensed_folder):
    folder = tmp_path / "fonts"
    folder.mkdir()
    (folder / "fangsong.ttf").symlink_to(licensed_folder / LICENSED)
    assert fonts.scan_folder(folder) == ((), (fonts.Skipped("fangsong.ttf", "outside"),))
    with pytest.raises(RefusedURL):
        rendering.fetch_static("anqi-font:fangsong.ttf", folder)


def test_the_fingerprint_changes_when_a_font_is_dropped_in(app, tmp_path, licensed_folder):
    folder = tmp_path / "fonts"
    folder.mkdir()
    app.config["DOCUMENT_FONT_FOLDER"] = str(folder)
    before = rendering.fingerprint(letter())
    assert rendering.fingerprint(letter()) == before
    shutil.copy(licensed_folder / LICENSED, folder / "fangsong.ttf")
    with_font = rendering.fingerprint(letter())
    assert with_font != before
    (folder / "fangsong.ttf").unlink()
    assert rendering.fingerprint(letter()) == before


@pytest.mark.parametrize("url", ["anqi-font:../secret.ttf", "anqi-font:%2e%2e%2fsecret.ttf", "anqi-font:/etc/passwd",
                                 "anqi-font:sub/inner.ttf", "anqi-font:notes.txt", "anqi-font:missing.ttf"])
def test_the_fetcher_serves_font_files_from_the_folder_only(tmp_path, licensed_folder, url):
    folder = tmp_path / "fonts"
    (folder / "sub").mkdir(parents=True)
    (tmp_path / "secret.ttf").write_bytes(b"secret")
    (folder / "sub" / "inner.ttf").write_bytes(b"inner")
    (folder / "notes.txt").write_bytes(b"notes")
    shutil.copy(licensed_folder / LICENSED, folder / LICENSED)
    with pytest.raises(RefusedURL):
        rendering.fetch_static(url, folder)
    with pytest.raises(RefusedURL):
        rendering.url_fetcher(str(folder))(url)
    served = rendering.fetch_static(fonts._font_file_url(LICENSED), folder)
    assert served.read() == (folder / LICENSED).read_bytes()
    with pytest.raises(RefusedURL):        # without a fonts folder the scheme serves nothing
        rendering.url_fetcher()(fonts._font_file_url(LICENSED))


# ---------------------------------------------------------------- saying which face is used


def test_the_fonts_command_lists_every_role(app, licensed_folder):
    from flask_babel import gettext as _

    runner = app.test_cli_runner()
    result = runner.invoke(args=["documents", "fonts"])
    assert result.exit_code == 0, result.output
    for role in fonts.ROLES:
        line = next(line for line in result.output.splitlines() if line.strip().startswith(f"{role.label}:"))
        assert _("stand-in for %(face)s", face=role.standard_face) in line
    app.config["DOCUMENT_FONT_FOLDER"] = str(licensed_folder)
    result = runner.invoke(args=["documents", "fonts"])
    assert result.exit_code == 0
    body = next(line for line in result.output.splitlines() if "仿宋_GB2312" in line)
    assert LICENSED in body and _("standard face") in body
    assert "broken.ttf" in result.output
    app.config["DOCUMENT_FONT_BODY"] = "No Such Font SC"
    result = runner.invoke(args=["documents", "fonts"])
    assert result.exit_code == 1 and "No Such Font SC" in result.output


def test_the_administrator_sees_the_fonts_and_no_one_else(app, city, licensed_folder):
    app.config["DOCUMENT_FONT_FOLDER"] = str(licensed_folder)
    admin = fresh_client(app)
    login(admin, "admin")
    page = admin.get("/admin/documents/fonts")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for role in fonts.ROLE_NAMES:
        assert f'data-testid="font-role-{role}"' in html
    assert "仿宋_GB2312" in html and LICENSED in html and "Noto Serif CJK SC Black" in html
    assert "broken.ttf" in html
    assert "/admin/documents/fonts" in admin.get("/admin/units").get_data(as_text=True)   # in the menu
    desk = fresh_client(app)
    login(desk, "desk")
    assert desk.get("/admin/documents/fonts").status_code == 403


def test_the_document_page_says_stand_ins_plainly(app, city, monkeypatch):
    from flask_babel import gettext as _

    from core.documents.models import Document
    from core.extensions import db

    city.centre.doc_prefix = "诸公经"
    db.session.commit()
    clock.freeze(datetime(2026, 11, 20, 2, 0))
    desk = actor_for("desk")
    document_id = documents.create(desk, documents.Draft(doc_type="letter", title=TITLE, addressees=["浙江华达科技有限公司"],
                                                         body=list(BODY[:4]))).id
    client = fresh_client(app)
    login(client, "desk")
    html = client.get(f"/documents/{document_id}").get_data(as_text=True)
    assert 'data-testid="document-faces"' in html
    body = fonts.ROLES_BY_NAME["body"]
    assert _("%(part)s in %(family)s instead of %(face)s", part=body.label, family="Noto Serif CJK SC",
             face=body.standard_face) in html

    documents.submit(desk, document_id)
    documents.sign_off(actor_for("leader"), document_id)
    documents.issue(desk, document_id)
    issued = db.session.get(Document, document_id)
    assert issued.faces["body"] == {"family": "Noto Serif CJK SC", "standard": False}
    assert issued.faces["title"] == {"family": "Noto Serif CJK SC Black", "standard": False}
    assert set(issued.faces) == set(fonts.ROLE_NAMES)
    # What it was issued with, whatever the machine has since.
    issued.faces = {**issued.faces, "body": {"family": "仿宋_GB2312", "standard": True}}
    db.session.commit()
    html = client.get(f"/documents/{document_id}").get_data(as_text=True)
    assert _("This document was issued in stand-in fonts, not in the faces GB/T 9704-2012 names:") in html
    assert "Noto Serif CJK SC Black" in html and "仿宋_GB2312" not in html

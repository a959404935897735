"""The PDF engine of official documents: the rendered PDFs are read back and
measured (pypdf), their fonts opened (fontTools), their QR code decoded
(pypdfium2 + zxing-cpp)."""
import io
import re
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from core.documents import rendering
from core.documents.rendering import Letter, RefusedURL

MM = 72 / 25.4
A4 = (595.28, 841.89)
NUMBER = "诸公经〔2026〕12号"
URL = "http://anqi.zhuji.gaj/verify/K7M2ABCDEFGH"
BODY = (
    ("p", "近期我市发生多起以高息理财为名的非法集资案件，涉案企业员工多次在社交群组中转发相关信息。"),
    ("h1", "风险情况"),
    ("h2", "资金管理"),
    ("h3", "对外担保未经集体研究。"),
    ("h4", "个别业务人员以个人账户收取货款。"),
    ("h4", "应收账款台账更新不及时。"),
    ("h3", "财务、出纳岗位未严格分离。"),
    ("h2", "合同履约"),
    ("p", "对交易对象的主体资格、履约能力审查不严。"),
    ("h1", "整改要求"),
    ("p", "请于三十日内将整改情况书面反馈我局。"),
)


def make(layout="file", **values):
    base = {"layout": layout, "authority": "诸暨市公安局文件" if layout == "file" else "诸暨市公安局",
            "number": NUMBER, "title": "关于防范非法集资风险的提示书", "addressees": ("浙江华达科技有限公司",),
            "body": BODY, "attachments": ("企业风险自查清单",), "issuer": "诸暨市公安局", "date": date(2026, 11, 2),
            "copies": ("诸暨市人民政府办公室", "诸暨市市场监督管理局"), "printer": "诸暨市公安局经济犯罪侦查大队",
            "print_date": date(2026, 11, 3), "verification": ("K7M2ABCDEFGH", URL)}
    base.update(values)
    return Letter(**base)


def long_body(paragraphs=4):
    text = "为深入贯彻落实市委、市政府关于优化营商环境的决策部署，推进护企优商工作，我局开展常态化企业摸排和风险评估。"
    return BODY + tuple(("p", text) for _ in range(paragraphs))


def spans(page):
    """(text, x, y from the top edge, font size) of every text run on the page, in points."""
    found = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            found.append((text, x, float(page.mediabox.height) - y, size * abs(tm[0]) * abs(cm[0] or 1)))

    page.extract_text(visitor_text=visit)
    return found


def line_at(page, needle):
    hits = [s for s in spans(page) if needle in s[0]]
    assert hits, f"{needle!r} is not on the page: {[s[0] for s in spans(page)]}"
    return hits[0]


def width(text: str, size: float) -> float:
    """The set width of a line: a Chinese character is 1 em, a digit about half."""
    return sum(1 if ord(c) > 0x2000 else 0.55 for c in text.strip()) * size


def text_of(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def rendered():
    """The PDFs both tests and layouts share (rendering takes a tenth of a second each)."""
    return {}


@pytest.fixture
def pdf_of(app, rendered):
    def get(layout, **values):
        key = (layout, tuple(sorted(values.items())))
        if key not in rendered:
            rendered[key] = rendering.render(make(layout, **values))
        return rendered[key]

    return get


# ---------------------------------------------------------------- geometry


@pytest.mark.parametrize("layout", ["file", "letter"])
def test_a4_and_the_text_block(pdf_of, layout):
    reader = PdfReader(io.BytesIO(pdf_of(layout, body=long_body())))
    assert len(reader.pages) == 2
    for page in reader.pages:
        assert float(page.mediabox.width) == pytest.approx(A4[0], abs=1)
        assert float(page.mediabox.height) == pytest.approx(A4[1], abs=1)
    # The addressee is flush left on the text block's left edge, 28 mm in.
    _, x, _, _ = line_at(reader.pages[0], "浙江华达科技有限公司")
    assert x == pytest.approx(28 * MM, abs=1 * MM)
    # Page 2 starts on the first line of the text block, 37 mm from the top:
    # the first baseline lies inside that line (pitch 225/22 mm).
    body = [s for s in spans(reader.pages[1]) if not s[0].strip().startswith("—")]
    top = min(body, key=lambda s: s[2])
    assert 37 * MM < top[2] < (37 + 225 / 22) * MM
    # A full body line holds 28 characters and ends inside the 156 mm text block.
    for text, x, _, size in spans(reader.pages[1]):
        if len(text.strip()) >= 28:
            assert x == pytest.approx(28 * MM, abs=1 * MM) and size == pytest.approx(16, abs=0.1)
            assert x + 28 * 16 * (156 / 28 * MM / 16) <= (28 + 156 + 0.5) * MM
            break
    else:
        pytest.fail("no full body line on page 2")


def test_file_layout_heads_with_the_centred_number(pdf_of):
    page = PdfReader(io.BytesIO(pdf_of("file"))).pages[0]
    text, x, y, size = line_at(page, NUMBER)
    assert text.strip() == NUMBER
    centre = (28 + 156 / 2) * MM
    assert x + width(text, size) / 2 == pytest.approx(centre, abs=3 * MM)        # centred
    mark = line_at(page, "诸暨市公安局文件")
    mark_top = mark[2] - 0.88 * mark[3]                                            # baseline less the ascent
    assert mark_top == pytest.approx((37 + 35) * MM, abs=1 * MM) and mark[2] < y  # 35 mm into the block
    title = line_at(page, "关于防范非法集资风险的提示书")
    assert title[3] == pytest.approx(22, abs=0.1)                                  # 2号


def test_letter_layout_has_its_mark_high_and_the_number_flush_right(pdf_of):
    page = PdfReader(io.BytesIO(pdf_of("letter"))).pages[0]
    text, x, _y, size = line_at(page, NUMBER)
    assert text.strip() == NUMBER
    assert x + width(text, size) == pytest.approx((28 + 156) * MM, abs=3 * MM)   # flush right
    mark = line_at(page, "诸暨市公安局")
    assert mark[2] - 0.88 * mark[3] == pytest.approx(30 * MM, abs=1 * MM)        # 30 mm from the top edge


def test_page_numbers_right_on_odd_left_on_even_and_none_on_a_letters_first_page(pdf_of):
    for layout in ("file", "letter"):
        pages = PdfReader(io.BytesIO(pdf_of(layout, body=long_body()))).pages
        numbers = [[s for s in spans(p) if re.fullmatch(r"—\s*\d+\s*—", s[0].strip())] for p in pages]
        if layout == "file":
            (one,) = numbers[0]
            assert one[0].split() == ["—", "1", "—"] and one[1] > (28 + 156 - 40) * MM
            assert one[3] == pytest.approx(14, abs=0.1)                          # 4号
            assert one[2] > (37 + 225 + 5) * MM                                   # below the text block
        else:
            assert numbers[0] == []
        (two,) = numbers[1]
        assert two[0].split() == ["—", "2", "—"] and two[1] < (28 + 40) * MM


def test_the_colophon_and_dates(pdf_of):
    text = flat(text_of(pdf_of("file")))
    assert "抄送：诸暨市人民政府办公室，诸暨市市场监督管理局。" in text
    assert "诸暨市公安局经济犯罪侦查大队" in text and "2026年11月3日印发" in text
    assert "2026年11月2日" in text and "2026年11月02日" not in text
    assert "附件：企业风险自查清单" in text
    letter = flat(text_of(pdf_of("letter")))
    assert "抄送：" in letter and "印发" not in letter           # GB/T 9704 10.1: the letter's 版记 has 抄送 only


def test_headings_are_numbered_per_level():
    blocks = rendering.numbered(BODY)
    assert [label for kind, label, _ in blocks if kind != "p"] == [
        "一、", "（一）", "1.", "（1）", "（2）", "2.", "（二）", "二、"]
    assert rendering.chinese_numeral(10) == "十" and rendering.chinese_numeral(21) == "二十一"
    assert rendering.chinese_date(date(2026, 1, 9)) == "2026年1月9日"
    with pytest.raises(ValueError):
        make(body=(("h5", "x"),))
    with pytest.raises(ValueError):
        make(layout="memo")


# ---------------------------------------------------------------- fonts


def bfchars(cmap: str) -> dict[int, str]:
    """glyph id → text, from a ToUnicode CMap's bfchar and bfrange entries."""
    found = {}
    for block in re.findall(r"beginbfchar(.*?)endbfchar", cmap, re.DOTALL):
        for gid, text in re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block):
            found[int(gid, 16)] = bytes.fromhex(text).decode("utf-16-be")
    for block in re.findall(r"beginbfrange(.*?)endbfrange", cmap, re.DOTALL):
        for start, end, text in re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block):
            first = int(text, 16)
            for i, gid in enumerate(range(int(start, 16), int(end, 16) + 1)):
                found[gid] = chr(first + i)
    return found


def embedded_fonts(pdf: bytes):
    reader = PdfReader(io.BytesIO(pdf))
    fonts = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            fonts[str(font["/BaseFont"])] = font
    return fonts


@pytest.mark.parametrize("layout", ["file", "letter"])
def test_every_font_is_a_role_s_face_embedded_and_subset(pdf_of, layout):
    from fontTools.ttLib import TTFont

    pdf = pdf_of(layout, draft=True)
    fonts = embedded_fonts(pdf)
    resolved = set(rendering._current_fonts().families())
    assert len(fonts) >= 4                  # body, title and mark, first- and second-level headings
    used = set(flat(text_of(pdf)))
    covered, families = set(), set()
    for name, font in fonts.items():
        assert re.fullmatch(r"/[A-Z]{6}\+.+", name), name                     # subset prefix
        descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
        descriptor = descendant["/FontDescriptor"].get_object()
        files = [k for k in ("/FontFile", "/FontFile2", "/FontFile3") if k in descriptor]
        assert files, f"{name} is not embedded"
        data = descriptor[files[0]].get_object().get_data()
        assert len(data) < 2_000_000                                          # a subset, not the 16 MB face
        face = TTFont(io.BytesIO(data))
        # The embedded program is one of the faces the roles resolved to, not one
        # fontconfig fell back on.
        names = {r.toUnicode() for r in face["name"].names if r.nameID in (1, 16)}
        assert names & resolved, f"{name} ({names}) is none of the roles' faces {resolved}: fontconfig fell back"
        families |= names & resolved
        cmap = face.getBestCmap()
        assert any(0x4E00 <= c <= 0x9FFF for c in cmap), f"{name} has no Chinese glyphs"
        glyph_count = len(face.getGlyphOrder())
        # Every glyph the text uses, with the characters it stands for: none is
        # .notdef (glyph 0, the empty box of a missing character), each is in the subset.
        to_unicode = bfchars(font["/ToUnicode"].get_object().get_data().decode())
        assert 0 not in to_unicode, f"{name} draws {to_unicode.get(0)!r} as .notdef: a glyph is missing"
        assert all(gid < glyph_count for gid in to_unicode)
        covered |= set("".join(to_unicode.values()))
    missing = {c for c in used if c not in covered}
    assert not missing, f"characters without a glyph in the embedded fonts: {sorted(missing)}"
    assert families == resolved                     # and every role's face is used


def test_the_body_text_comes_back_exactly(pdf_of):
    text = flat(text_of(pdf_of("file")))
    for kind, body in BODY:
        assert flat(body) in text


def test_a_missing_font_is_refused_not_replaced(app):
    fonts = rendering.Fonts.of(body="No Such Font SC", title="Noto Serif CJK SC Black", h1="Noto Sans CJK SC",
                               kai="LXGW WenKai")
    with pytest.raises(rendering.RenderingError, match="No Such Font SC"):
        rendering.write_pdf("<p>测试</p>", fonts)
    app.config["DOCUMENT_FONT_KAI"] = "No Such Kai"        # configured, missing: refused, not passed over
    with pytest.raises(rendering.RenderingError, match="No Such Kai"):
        rendering.render(make("letter"))


def test_a_character_the_fonts_lack_is_reported(app, caplog):
    rendering.write_pdf("<p>测试</p>")
    assert "configured fonts lack" not in caplog.text
    rendering.write_pdf("<p>测试😀</p>")
    assert "configured fonts lack" in caplog.text


# ---------------------------------------------------------------- verification, draft, escaping


def test_the_qr_code_takes_you_to_the_verification_page(pdf_of):
    import pypdfium2
    import zxingcpp

    document = pypdfium2.PdfDocument(pdf_of("file"))
    image = document[0].render(scale=200 / 72).to_pil()
    results = zxingcpp.read_barcodes(image)
    assert [r.text for r in results if r.format == zxingcpp.BarcodeFormat.QRCode] == [URL]
    assert "K7M2ABCDEFGH" in text_of(pdf_of("file"))


def test_no_verification_no_qr_code(pdf_of):
    import pypdfium2
    import zxingcpp

    pdf = pdf_of("letter", verification=None, number="")
    image = pypdfium2.PdfDocument(pdf)[0].render(scale=200 / 72).to_pil()
    assert zxingcpp.read_barcodes(image) == []


def test_a_draft_is_watermarked_on_every_page(pdf_of):
    pages = PdfReader(io.BytesIO(pdf_of("file", draft=True, body=long_body()))).pages
    assert len(pages) == 2 and all("草稿" in page.extract_text() for page in pages)
    assert "草稿" not in text_of(pdf_of("file", body=long_body()))


def test_user_text_is_escaped(pdf_of):
    nasty = '<script>alert(1)</script> & <img src="file:///etc/passwd"> 华达&科技'
    pdf = pdf_of("letter", title=nasty, addressees=(nasty,), body=(("p", nasty),))
    text = text_of(pdf)
    assert text.count("<script>alert(1)</script>") >= 3 and "华达&科技" in text
    html = rendering.html_of(make("letter", title=nasty))
    assert "<script>" not in html and "&lt;script&gt;" in html


# ---------------------------------------------------------------- the URL fetcher


@pytest.mark.parametrize("url", ["file:///etc/passwd", "http://example.com/x.png", "https://example.com/a.css",
                                 "ftp://example.com/x", "anqi-static:../../setup.cfg",
                                 "anqi-static:documents/../../../setup.cfg", "anqi-static:%2e%2e/config.py"])
def test_the_fetcher_refuses_everything_but_static_files(url):
    with pytest.raises(RefusedURL):
        rendering.fetch_static(url)
    with pytest.raises(RefusedURL):
        rendering.url_fetcher()(url)


def test_the_fetcher_serves_static_files_and_data_uris():
    css = rendering.fetch_static("anqi-static:documents/document.css")
    assert b"@page" in css.read() and css.content_type == "text/css"
    data = rendering.fetch_static("data:text/plain;base64,5a6J5LyB")
    assert data.read().decode() == "安企"


def test_a_template_cannot_fetch_files_or_the_network(app, tmp_path):
    hits = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        import segno

        image = tmp_path / "secret.png"
        segno.make("secret").save(str(image), scale=4)
        html = (f'<p>测试</p><img src="file://{image}"><img src="file:///etc/passwd">'
                f'<img src="http://127.0.0.1:{server.server_port}/x.png">'
                f'<link rel="stylesheet" href="http://127.0.0.1:{server.server_port}/x.css">')
        pdf = rendering.write_pdf(html)
    finally:
        server.shutdown()
    assert hits == []
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    xobjects = page["/Resources"].get("/XObject", {})
    assert not [x for x in xobjects.values() if x.get_object().get("/Subtype") == "/Image"]


# ---------------------------------------------------------------- metadata, size, the CLI


def test_metadata_and_size(pdf_of):
    pdf = pdf_of("letter", body=BODY[:3], attachments=())
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    assert reader.metadata.title == "关于防范非法集资风险的提示书"
    assert reader.metadata.author == "诸暨市公安局"
    assert len(pdf) < 400 * 1024


@pytest.mark.parametrize("layout", ["file", "letter"])
def test_the_specimen_command_writes_two_pages(app, tmp_path, layout):
    out = tmp_path / f"{layout}.pdf"
    result = CliRunner().invoke(app.cli, ["documents", "specimen", "--layout", layout, "--out", str(out)])
    assert result.exit_code == 0, result.output
    reader = PdfReader(out)
    assert len(reader.pages) == 2
    text = flat("".join(p.extract_text() for p in reader.pages))
    number = "诸公经〔2026〕1号" if layout == "file" else "诸公经函〔2026〕1号"
    assert number in text
    for label in ("一、", "（一）", "1.", "（1）", "抄送："):
        assert label in text
    assert ("印发" in text) == (layout == "file")
    from core.documents import fonts     # then the face of every part, as `anqi documents fonts` says it
    for face in fonts.current().faces:
        assert f"{fonts.ROLES_BY_NAME[face.role].label}: {face.family} · " in result.output


# ---------------------------------------------------------------- tables, figures, contents

CHART = ('<svg xmlns="http://www.w3.org/2000/svg" width="300" height="120" viewBox="0 0 300 120">'
         '<rect x="10" y="20" width="80" height="90" fill="#c00"/><rect x="110" y="60" width="80" height="50"/>'
         '<text x="10" y="15" font-size="12">高风险</text></svg>')


def structured_body(risks=60):
    rows = tuple((str(n), f"企业{n:03d}", "非法集资" if n % 2 else "合同诈骗", "高" if n % 3 == 0 else "中")
                 for n in range(1, risks + 1))
    return (("contents", ""), ("h1", "风险概况"), ("p", "本季度共梳理风险如下。"),
            ("figure", {"svg": CHART, "caption": "图1 风险等级分布"}),
            ("h1", "风险清单"), ("h2", "重点企业"),
            ("table", {"columns": ["序号", "企业", "类别", "等级"], "rows": [list(r) for r in rows]}),
            ("h1", "工作建议"), ("p", "请相关部门加强监管。"))


def test_a_table_spans_pages_with_its_header_and_every_row(app):
    pdf = rendering.render(make("file", body=structured_body()))
    pages = PdfReader(io.BytesIO(pdf)).pages
    table_pages = [p for p in pages if "企业001" in p.extract_text() or "企业060" in p.extract_text()
                   or "企业030" in p.extract_text()]
    text = flat(text_of(pdf))
    assert all(f"企业{n:03d}" in text for n in range(1, 61))
    assert len(pages) >= 3
    with_rows = [p for p in pages if re.search(r"企业\d{3}", p.extract_text())]
    assert len(with_rows) >= 2 and all("序号" in p.extract_text() for p in with_rows)   # the header repeats
    assert table_pages


def test_the_table_of_contents_names_each_section_and_its_page(app):
    # Long enough (over six pages) for its contents: a short document has none (test_document_layout).
    pdf = rendering.render(make("file", body=structured_body() + long_body(40)[len(BODY):]))
    pages = [flat(p.extract_text()) for p in PdfReader(io.BytesIO(pdf)).pages]
    assert len(pages) > 6
    contents = pages[0]
    assert "目录" in contents
    assert "本季度共梳理风险如下" in contents               # the text goes on under the contents
    for heading in ("一、风险概况", "二、风险清单", "（一）重点企业", "三、工作建议"):
        entry = re.search(re.escape(heading) + r"\.*(\d+)", contents)
        assert entry, (heading, contents)
        page = int(entry.group(1))
        assert heading in pages[page - 1], (heading, page)   # the page the entry names holds the heading


def test_a_figure_is_drawn_from_its_svg(app):
    import pypdfium2

    pdf = rendering.render(make("letter", body=(("p", "见下图。"), ("figure", {"svg": CHART, "caption": "图1 分布"}))))
    assert "图1分布" in flat(text_of(pdf)) and "高风险" in flat(text_of(pdf))
    image = pypdfium2.PdfDocument(pdf)[0].render(scale=1).to_pil().convert("RGB")
    reds = sum(n for n, (r, g, b) in image.getcolors(1 << 24) if r > 180 and g < 60 and b < 60)
    assert reds > 500          # the red bar, not only the red mark (which is far smaller at this scale)


def test_structured_blocks_are_checked():
    from core.documents.blocks import BlockError, cleaned

    table = {"columns": ["序号", "名称"], "rows": [["1", "甲"]]}
    assert cleaned("table", table) == ["table", table]
    assert cleaned("contents", "") == ["contents", ""]
    for bad in ({"columns": [], "rows": []}, {"columns": ["a"], "rows": [["1", "2"]]},
                {"columns": ["a"] * 13, "rows": []}, {"columns": ["a"], "rows": [[{"x": 1}]]}, "text"):
        with pytest.raises(BlockError):
            cleaned("table", bad)
    for svg in ('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
                '<svg xmlns="http://www.w3.org/2000/svg"><image href="file:///etc/passwd"/></svg>',
                '<svg xmlns="http://www.w3.org/2000/svg"><rect style="fill:url(http://x/y)"/></svg>',
                '<svg xmlns="http://www.w3.org/2000/svg" onload="x()"></svg>',
                '<!DOCTYPE svg [<!ENTITY a "aaaa">]><svg xmlns="http://www.w3.org/2000/svg">&a;</svg>',
                '<svg><rect/></svg>', "<p>not a drawing</p>", "<svg xmlns='http://www.w3.org/2000/svg'><rect>"):
        with pytest.raises(BlockError):
            cleaned("figure", {"svg": svg, "caption": ""})
    local = '<svg xmlns="http://www.w3.org/2000/svg"><defs><linearGradient id="g"/></defs><rect fill="url(#g)"/></svg>'
    assert cleaned("figure", {"svg": local, "caption": "图"})[1]["caption"] == "图"


def test_letters_are_laid_out_one_at_a_time_in_a_process(app, monkeypatch):
    """Two job threads laying out at once corrupted the heap under WeasyPrint's shared
    font configuration and aborted the worker: threads take turns."""
    import weasyprint

    real, inside, most = weasyprint.HTML.render, [0], [0]
    counting = threading.Lock()

    def render(self, *args, **kwargs):
        with counting:
            inside[0] += 1
            most[0] = max(most[0], inside[0])
        try:
            return real(self, *args, **kwargs)
        finally:
            with counting:
                inside[0] -= 1

    monkeypatch.setattr(weasyprint.HTML, "render", render)
    pdfs, barrier = [], threading.Barrier(3)

    def lay_out():
        with app.app_context():
            barrier.wait()
            pdfs.append(rendering.render(make("letter")))

    threads = [threading.Thread(target=lay_out) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(pdfs) == 3 and all(pdf.startswith(b"%PDF") for pdf in pdfs)
    assert most[0] == 1

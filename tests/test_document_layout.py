"""GB/T 9704-2012 geometry and typesetting of the rendered documents, measured
on the PDFs (tests/pdf_measure.py): the head's distances, full lines, titles
broken well, 签发人 on a document going up, the 版记 on an even page, no table
of contents in a short report, table headers whole. Each PDF is rendered once
per module."""
from datetime import date

import pytest
from click.testing import CliRunner
from flask import Flask

from core.documents import rendering, typesetting
from core.documents.cli import specimen_letter
from core.documents.rendering import Letter
from tests import pdf_measure as pm

PARAGRAPH = ("为深入贯彻落实市委、市政府关于优化营商环境的决策部署，推进护企优商工作，"
             "我局开展常态化企业摸排和风险评估。")
QUARTERLY = "关于2026年第三季度全市企业风险情况的报告"
LONG_TITLE = ("诸暨市公安局关于开展2026年度护企优商专项行动暨企业风险隐患排查整治工作的实施方案"
              "（试行）的通知")
INDENT_MM = 2 * (16 - 0.21) / pm.MM          # two characters as the letters are set
DENSE = ("2026年1至10月，全市共受理企业诉求1,286件，办结率98.6%，较上年同期提高12.5个百分点；依据GB/T 9704-2012"
         "《党政机关公文格式》和《浙江省公安机关护企优商工作规范（2025年版）》，对全市3,412家规模以上企业开展走访，"
         "发现风险隐患217条，其中高风险19条（占8.8%），已于2026年10月31日前全部交办，联系电话0575-87012345。")


def letter(paragraphs=1, layout="file", **values):
    base = {"layout": layout, "authority": "诸暨市公安局文件" if layout == "file" else "诸暨市公安局",
            "number": "诸公经〔2026〕12号", "title": QUARTERLY, "addressees": ("各派出所",),
            "body": tuple(("p", PARAGRAPH) for _ in range(paragraphs)), "issuer": "诸暨市公安局",
            "date": date(2026, 11, 2), "copies": ("市委政法委",), "printer": "诸暨市公安局办公室",
            "print_date": date(2026, 11, 3)}
    base.update(values)
    return Letter(**base)


@pytest.fixture(scope="module")
def specimens():
    """The two specimens and the 上行文 specimen, as the shell command writes them."""
    app = Flask(__name__)
    with app.app_context():
        plain = {"file": specimen_letter("file"), "letter": specimen_letter("letter"),
                 "upward": specimen_letter("file", upward=True)}
    return {name: rendering.render(value) for name, value in plain.items()}


@pytest.fixture(scope="module")
def measured(specimens):
    return {name: (pdf, pm.open_pdf(pdf)) for name, pdf in specimens.items()}


def head(doc):
    found = pm.lines(doc.pages[0], 1)
    mark = next(line for line in found if line.size > 30)
    number = pm.find(found, "〔2026〕")
    return found, mark, number


# ---------------------------------------------------------------- the head

@pytest.mark.parametrize("name", ["file", "upward"])
def test_file_layout_mark_at_72_mm_and_the_separator_4_mm_under_the_number(measured, name):
    _pdf, doc = measured[name]
    _lines, mark, number = head(doc)
    assert mark.em_top == pytest.approx(37 + 35, abs=1)
    (separator,) = pm.red_rules(doc.pages[0])
    assert separator.top - number.em_bottom == pytest.approx(4, abs=0.8)
    assert separator.left == pytest.approx(pm.TEXT_LEFT, abs=0.3)
    assert separator.right == pytest.approx(pm.TEXT_RIGHT, abs=0.3)
    # The number two lines under the mark.
    assert number.em_top - mark.em_bottom == pytest.approx(2 * 225 / 22, abs=1.5)


def test_the_file_number_is_centred(measured):
    _lines, _mark, number = head(measured["file"][1])
    assert number.centre == pytest.approx((pm.TEXT_LEFT + pm.TEXT_RIGHT) / 2, abs=1)


def test_letter_layout_mark_at_30_mm_and_the_number_just_under_the_double_line(measured):
    _pdf, doc = measured["letter"]
    _lines, mark, number = head(doc)
    assert mark.em_top == pytest.approx(30, abs=1)
    upper = [rule for rule in pm.red_rules(doc.pages[0]) if rule.top < 100]
    double_bottom = max(rule.bottom for rule in upper)
    assert min(rule.top for rule in upper) - mark.em_bottom == pytest.approx(4, abs=1)
    assert 0 < number.em_top - double_bottom <= 7            # 7/8 of a 3号 character: 4.9 mm
    assert number.right == pytest.approx(pm.TEXT_RIGHT, abs=0.5)


@pytest.mark.parametrize("name", ["file", "letter"])
def test_page_number_dashes_7_mm_under_the_text_block(measured, name):
    pdf, doc = measured[name]
    checked = 0
    for index, page in enumerate(doc.pages):
        line = pm.page_number_line(page, index + 1)
        if line is None:
            assert name == "letter" and index == 0               # a letter's first page has none
            continue
        assert line.size == pytest.approx(14, abs=0.1)
        dashes = [ink for ink in pm.ink(pdf, index) if ink.char == "—" and ink.top > pm.TEXT_BOTTOM]
        assert len(dashes) == 2
        assert all(dash.top - pm.TEXT_BOTTOM == pytest.approx(7, abs=1) for dash in dashes)
        if (index + 1) % 2:                                      # odd: right, one character in
            assert line.right == pytest.approx(pm.TEXT_RIGHT - 14 / pm.MM, abs=1)
        else:
            assert line.left == pytest.approx(pm.TEXT_LEFT + 14 / pm.MM, abs=1)
        checked += 1
    assert checked >= 1


# ---------------------------------------------------------------- full lines

@pytest.mark.parametrize("name", ["file", "letter", "upward"])
def test_every_line_of_a_paragraph_but_the_last_reaches_the_right_edge(measured, name):
    _pdf, doc = measured[name]
    paragraphs = pm.paragraphs_lines(pm.all_lines(doc), INDENT_MM)
    assert sum(len(p) > 1 for p in paragraphs) >= 4
    for paragraph in paragraphs:
        for line in paragraph[:-1]:
            assert line.right == pytest.approx(pm.TEXT_RIGHT, abs=0.5), (line.text, line.right)
        assert paragraph[0].left == pytest.approx(pm.TEXT_LEFT + INDENT_MM, abs=0.3)


@pytest.fixture(scope="module")
def dense():
    """A 文件 whose paragraphs are full of dates, counts, percentages and a Latin
    standard's name, with numbered run-in headings and a long 附件说明, long
    enough for a paragraph to run from page 1 onto page 2."""
    body = (("p", DENSE + DENSE), ("h3", "关于2026年度GB/T 9704-2012格式执行情况的检查安排和各单位的自查要求"), ("p", DENSE),
            ("h4", "第3季度共排查企业1,286家，整改率达到98.6%以上，未整改的12家企业须在30日内完成整改"),
            ("p", DENSE), ("p", DENSE))
    pdf = rendering.render(letter(0, body=body, attachments=(
        "2026年度企业风险隐患排查整治工作情况汇总表（含12家重点企业名单、联系人及联系电话）", "名单")))
    return pdf, pm.open_pdf(pdf)


def body_lines(doc):
    """The 3号 lines inside the text block: no page number, no 版记."""
    return [line for line in pm.all_lines(doc) if pm.TEXT_TOP < line.top < pm.TEXT_BOTTOM
            and line.size == pytest.approx(16, abs=0.1)]


def test_lines_with_digits_and_latin_letters_reach_the_right_edge_too(dense):
    _pdf, doc = dense
    paragraphs = pm.paragraphs_lines(body_lines(doc), INDENT_MM)
    assert len(paragraphs) >= 6
    checked = 0
    for paragraph in paragraphs:
        assert paragraph[0].left == pytest.approx(pm.TEXT_LEFT + INDENT_MM, abs=0.3)
        for line in paragraph[:-1]:
            assert line.right == pytest.approx(pm.TEXT_RIGHT, abs=0.5), (line.text, line.right)
            checked += any(c.isdigit() for c in line.text)
    assert checked >= 10
    # A paragraph runs from one page onto the next, every line but its last still full.
    assert any(len({line.page for line in paragraph}) == 2 and len(paragraph) > 2 for paragraph in paragraphs)


def test_no_line_breaks_a_number_or_the_rules_of_chinese_line_breaking(dense):
    _pdf, doc = dense
    lines = [line.text for line in body_lines(doc)]
    for before, after in zip(lines, lines[1:]):
        assert after[0] not in typesetting.NOT_AT_LINE_START, (before, after)
        assert before[-1] not in typesetting.NOT_AT_LINE_END, (before, after)
        assert not (before[-1].isdigit() and after[0].isdigit()), (before, after)   # 2026, 1,286 whole
        assert not (before.endswith("GB/T") or after.startswith("9704"))


def test_the_text_comes_back_exactly(dense):
    _pdf, doc = dense
    text = "".join(line.text for line in pm.all_lines(doc))
    assert DENSE.replace(" ", "") in text
    assert "附件：1.2026年度企业风险隐患排查整治工作情况汇总表（含12家重点企业名单、联系人及联系电话）" in text


def test_a_long_attachment_name_aligns_under_its_first_character(dense):
    _pdf, doc = dense
    found = pm.all_lines(doc)
    first = pm.find(found, "附件：")
    following = found[found.index(first) + 1]
    assert first.left == pytest.approx(pm.TEXT_LEFT + INDENT_MM, abs=0.3)               # 左空二字
    assert first.right == pytest.approx(pm.TEXT_RIGHT, abs=0.5)
    name_start = next(c for c in first.chars if c["text"] == "2")                          # after "附件：1. "
    assert following.left == pytest.approx(pm.mm(name_start["x0"]), abs=0.3)


# ---------------------------------------------------------------- the line breaker

def em(char):
    return typesetting.char_width(char)


def test_the_line_breaker_fills_every_line_but_the_last_exactly():
    width = typesetting.TEXT_WIDTH_PT
    lines = typesetting.break_lines(DENSE * 3, width, 16, em, indent=31.58)
    assert "".join(line.text for line in lines) == DENSE * 3
    for index, line in enumerate(lines[:-1]):
        room = width - (31.58 if index == 0 else 0)
        advances = sum(em(c) * 16 for c in line.text)
        assert advances + (len(line.text) - 1) * line.spacing + line.text.count(" ") * line.word_spacing \
            == pytest.approx(room, abs=1e-6)
        assert line.spacing >= typesetting.MIN_SPACING_EM * 16
    assert lines[-1].spacing is None


@pytest.mark.parametrize("width_em", [9, 10.5, 13, 17.2, 27.6])
def test_the_line_breaker_keeps_the_rules_at_any_width(width_em):
    text = ("（一）依据GB/T 9704-2012，于2026年完成“回头看”检查！共12.5%……"
            "其中《规范》（试行）——即“七个不准”——已印发、执行。") * 3
    lines = typesetting.break_lines(text, width_em * 16, 16, em)
    assert "".join(line.text for line in lines) == text
    for before, after in zip(lines, lines[1:]):
        assert after.text[0] not in "，。、；：？！）》”…—%", (before.text, after.text)
        assert before.text[-1] not in "（《“", (before.text, after.text)
        assert not (before.text[-1].isdigit() and after.text[0].isdigit())
        assert not before.text.endswith(("GB/T", "GB/T 9704-")) and not after.text.startswith(("9704", "2012"))


def test_a_run_longer_than_a_line_is_broken_somewhere():
    identifier = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789" * 3
    lines = typesetting.break_lines(f"编号{identifier}。", 10 * 16, 16, em)
    assert len(lines) >= 4 and "".join(line.text for line in lines) == f"编号{identifier}。"
    for line in lines:
        assert sum(em(c) * 16 for c in line.text) + (len(line.text) - 1) * (line.spacing or 0) <= 10 * 16 + 1e-6


def test_a_closing_mark_is_pulled_onto_a_full_line_or_takes_a_character_with_it():
    lines = typesetting.break_lines("中" * 28 + "。后文" + "中" * 10, typesetting.TEXT_WIDTH_PT, 16, em)
    assert lines[1].text[0] != "。"
    assert lines[0].text.endswith("中。") or lines[1].text.startswith("中。")


def test_running_text_is_left_to_the_layout_when_the_face_cannot_be_measured(app, monkeypatch, caplog):
    rendering._advances.cache_clear()
    monkeypatch.setattr(rendering, "face_file", lambda fonts, role: None)
    try:
        fonts = rendering._current_fonts()
        html = rendering.html_of(letter(2), fonts)
        rendering.html_of(letter(2), fonts)
    finally:
        rendering._advances.cache_clear()
    assert 'class="line"' not in html and PARAGRAPH in html
    assert caplog.text.count("justified by the layout engine") == 1


def test_the_engine_fingerprint_follows_the_typesetting_code(monkeypatch):
    fonts = rendering._current_fonts()
    rendering._engine_fingerprint.cache_clear()
    before = rendering._engine_fingerprint(fonts)
    real = rendering.Path.read_bytes
    source = rendering.Path(typesetting.__file__)
    monkeypatch.setattr(rendering.Path, "read_bytes",
                        lambda self: real(self) + (b"# changed" if self == source else b""))
    rendering._engine_fingerprint.cache_clear()
    try:
        assert rendering._engine_fingerprint(fonts) != before
    finally:
        rendering._engine_fingerprint.cache_clear()


# ---------------------------------------------------------------- titles

def test_titles_are_broken_into_balanced_lines_without_an_orphan():
    quarterly = typesetting.title_lines(QUARTERLY)
    assert len(quarterly) == 2 and "".join(quarterly) == QUARTERLY
    assert all(len(line) >= 2 for line in quarterly)
    assert typesetting.text_width(quarterly[0]) >= typesetting.text_width(quarterly[1])   # 正梯形
    assert not any(line.startswith(("026", "26", "6年")) for line in quarterly)          # 2026 whole
    long = typesetting.title_lines(LONG_TITLE)
    assert len(long) == 3 and "".join(long) == LONG_TITLE
    widths = [typesetting.text_width(line) for line in long]
    assert widths[1] >= widths[0] and widths[1] >= widths[2]                              # 菱形
    assert max(widths) - min(widths) <= 3
    assert "（试行）" in "".join(line for line in long if "（试行）" in line)              # the group whole
    assert typesetting.title_lines("关于浙江华达科技有限公司经营风险的提示书") == ("关于浙江华达科技有限公司经营风险的提示书",)
    for title in ("关于对浙江华达科技有限公司等12家企业开展涉企风险专项检查情况的通报",
                  "关于印发《诸暨市公安局护企优商服务中心企业走访工作规范（试行）》的通知"):
        for line in typesetting.title_lines(title):
            assert len(line) >= 2 and not line[0] in "，。、）》〕" and not line[-1] in "（《〔"


@pytest.fixture(scope="module")
def titled():
    return {title: rendering.render(letter(1, layout="letter", title=title, copies=()))
            for title in (QUARTERLY, LONG_TITLE)}


@pytest.mark.parametrize("title, count", [(QUARTERLY, 2), (LONG_TITLE, 3)])
def test_no_title_line_holds_one_character(titled, title, count):
    doc = pm.open_pdf(titled[title])
    lines = [line for line in pm.lines(doc.pages[0], 1) if line.size == pytest.approx(22, abs=0.1)]
    assert len(lines) == count and "".join(line.text for line in lines) == title
    for line in lines:
        assert len(line.text) >= 2
        assert line.centre == pytest.approx((pm.TEXT_LEFT + pm.TEXT_RIGHT) / 2, abs=1)
        assert pm.TEXT_LEFT - 0.5 <= line.left and line.right <= pm.TEXT_RIGHT + 0.5


# ---------------------------------------------------------------- 签发人

def test_a_document_going_up_names_its_signer_beside_the_number(measured):
    _pdf, doc = measured["upward"]
    lines, _mark, number = head(doc)
    assert number.text == "诸公经〔2026〕1号签发人：王建国"           # one line
    one_character = 16 / pm.MM
    assert number.left == pytest.approx(pm.TEXT_LEFT + one_character, abs=0.5)    # flush left, one in
    assert number.right == pytest.approx(pm.TEXT_RIGHT - one_character, abs=0.5)  # the name, one in
    (separator,) = pm.red_rules(doc.pages[0])
    assert separator.top - number.em_bottom == pytest.approx(4, abs=0.8)
    assert pm.find(lines, "中共诸暨市委、诸暨市人民政府：").left == pytest.approx(pm.TEXT_LEFT, abs=0.3)


def test_the_specimen_command_writes_a_document_going_up(app, tmp_path):
    out = tmp_path / "up.pdf"
    result = CliRunner().invoke(app.cli, ["documents", "specimen", "--layout", "file", "--upward",
                                          "--out", str(out)])
    assert result.exit_code == 0, result.output
    text = "".join(line.text for line in pm.all_lines(out.read_bytes()))
    assert "签发人：王建国" in text and "中共诸暨市委" in text


# ---------------------------------------------------------------- the 版记

@pytest.fixture(scope="module")
def colophons():
    """文件 whose text ends on page 1, page 2 and page 3, and a letter ending on page 1."""
    return {"ends on 1": rendering.render(letter(1)), "ends on 2": rendering.render(letter(10)),
            "ends on 3": rendering.render(letter(22)), "letter": rendering.render(letter(1, layout="letter"))}


def colophon_pages(pdf):
    doc = pm.open_pdf(pdf)
    return doc, [index + 1 for index, page in enumerate(doc.pages)
                 if any("抄送" in line.text for line in pm.lines(page))]


@pytest.mark.parametrize("case, pages", [("ends on 1", 2), ("ends on 2", 2), ("ends on 3", 4)])
def test_the_colophon_is_at_the_foot_of_an_even_last_page(colophons, case, pages):
    doc, found = colophon_pages(colophons[case])
    assert len(doc.pages) == pages and found == [pages]
    last = pm.lines(doc.pages[-1], pages)
    printed = pm.find(last, "印发")
    assert printed.bottom == pytest.approx(pm.TEXT_BOTTOM, abs=2)              # on the block's lower edge
    has_text = any(PARAGRAPH[:10] in line.text for line in last)
    # A page holding only the 版记 carries no page number; one with text does.
    assert (pm.page_number_line(doc.pages[-1]) is not None) == has_text
    assert has_text == (case == "ends on 2")


def test_a_one_page_letter_keeps_its_colophon_on_its_page(colophons):
    doc, found = colophon_pages(colophons["letter"])
    assert len(doc.pages) == 1 and found == [1]                 # 10.1: the letter's last face, one sheet


def test_a_document_is_laid_out_twice_only_when_its_colophon_must_move(app, monkeypatch):
    calls = []
    real = rendering._lay_out
    monkeypatch.setattr(rendering, "_lay_out", lambda *a: calls.append(1) or real(*a))
    rendering.render(letter(10))
    rendering.render(letter(1, layout="letter"))
    assert len(calls) == 2
    rendering.render(letter(1))
    assert len(calls) == 4


# ---------------------------------------------------------------- contents and tables

RISK_COLUMNS = ["序号", "企业名称", "风险等级", "风险类型", "主要问题", "整改要求", "反馈期限"]


def risk_rows(count):
    return [[str(n), f"浙江华达科技有限公司第{n}分公司", "高" if n % 3 else "中", "非法集资",
             "部分大额资金往来未经集体研究，财务、出纳岗位未严格分离", "完善资金审批制度，关键岗位定期轮岗",
             "2026年12月31日"] for n in range(1, count + 1)]


def report(rows):
    return letter(0, body=(("contents", ""), ("h1", "风险概况"), ("p", PARAGRAPH),
                           ("h1", "风险清单"), ("table", {"columns": RISK_COLUMNS, "rows": risk_rows(rows)}),
                           ("h1", "工作建议"), ("p", PARAGRAPH)))


@pytest.fixture(scope="module")
def short_report():
    return rendering.render(report(4))


def test_a_short_report_has_no_table_of_contents_and_no_gap(short_report):
    doc = pm.open_pdf(short_report)
    text = "".join(line.text for line in pm.all_lines(doc))
    assert "目录" not in text and "目　录" not in text
    assert "风险概况" in "".join(line.text for line in pm.lines(doc.pages[0]))   # the text starts on page 1
    text_pages = [[line for line in pm.lines(page, number) if line.top < pm.TEXT_BOTTOM
                   and not line.text.startswith(("抄送", "诸暨市公安局办公室"))]
                  for number, page in enumerate(doc.pages, 1)]
    text_pages = [page for page in text_pages if page]
    for body in text_pages[:-1]:                                   # no page but the last left half empty
        assert body[-1].bottom > pm.TEXT_TOP + 225 / 2, body[-1]
    assert typesetting.contents_wanted(report(4).body) is False
    assert typesetting.contents_wanted(report(150).body) is True


def test_table_headers_are_never_wrapped(short_report):
    doc = pm.open_pdf(short_report)
    found = pm.all_lines(doc)
    header_line = pm.find(found, "序号")
    for column in RISK_COLUMNS:
        assert column in header_line.text                            # every header whole on one line
    few = rendering.render(letter(0, layout="letter", copies=(), body=(
        ("table", {"columns": ["序号", "风险", "反馈期限"], "rows": [["1", "高", "2026年12月31日"]]}),)))
    found = pm.all_lines(few)
    assert "序号风险反馈期限" in pm.find(found, "序号").text
    assert pm.find(found, "2026年12月31日")                          # a short cell kept whole when there is room


def test_column_widths_leave_the_long_columns_the_rest():
    layout = typesetting.column_widths(RISK_COLUMNS, risk_rows(3))
    assert sum(layout.widths) == pytest.approx(100, abs=0.1) and all(layout.whole)
    by_name = dict(zip(RISK_COLUMNS, layout.widths))
    per_em = 100 / (typesetting.TEXT_WIDTH_PT / 12)                 # per cent of the width per 12 pt em
    assert by_name["序号"] >= 2 * per_em and by_name["风险等级"] >= 4 * per_em
    assert by_name["主要问题"] == max(layout.widths)
    many = typesetting.column_widths([f"第{n}列标题" for n in range(12)], [["甲" * 30] * 12])
    assert sum(many.widths) == pytest.approx(100, abs=0.1)          # too many columns: scaled to fit

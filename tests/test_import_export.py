"""Bulk import from CSV and Excel (plan first, all or nothing, or only the good
rows), the per-row report, the web flow and the shell command; export to Excel
within the user's scope, and an export imported back unchanged."""
import io
import random
import re
import zipfile

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from core.audit.models import AuditEntry
from core.errors import ValidationError
from core.extensions import db
from core.registry import importer, services
from core.registry.models import Enterprise
from tests.conftest import actor_for, login
from tests.helpers import code, count, csv_bytes, en, fresh_client
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)

ZH = ["企业名称", "统一社会信用代码", "法定代表人", "所属区域", "行业", "规上企业", "重点企业", "联系人", "联系电话", "标签"]
EN = ["name", "credit_code", "legal_representative", "district", "industry", "above_scale", "is_key",
      "contact_name", "contact_phone", "tags"]
ROW1 = ["浙江华达科技有限公司", code(1), "王伟", "暨阳街道", "信息技术", "是", "否", "李娜", "13800000000", "出口企业，高新"]
ROW2 = ["杭州西湖食品有限公司", code(2), "张敏", "浣东街道", "食品", "否", "是", "", "", ""]
BAD = ["坏代码有限公司", "91330681MA0000001X", "", "", "", "", "", "", "", ""]



def rows_by_code():
    db.session.rollback()
    return {e.credit_code: e for e in db.session.scalars(select(Enterprise))}


def xlsx_bytes(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def client_for(app, username, english=True):
    client = fresh_client(app)
    login(client, username)
    if english:
        client.post("/lang", data={"lang": "en"})
    return client


# --- reading files ---------------------------------------------------------------------

def test_csv_with_chinese_headers(app, city):
    report = importer.apply(actor_for("desk_a"), "企业.csv", csv_bytes([ZH, ROW1, ROW2]))
    assert report.counts == {"created": 2, "updated": 0, "unchanged": 0, "rejected": 0}
    assert [r.line for r in report.rows] == [2, 3]
    found = rows_by_code()
    first = found[code(1)]
    assert (first.name, first.legal_representative, first.district, first.industry) == (
        "浙江华达科技有限公司", "王伟", "暨阳街道", "信息技术")
    assert first.above_scale is True and first.is_key is False and first.unit_id == city.station_a.id
    assert first.tags == ["出口企业", "高新"]
    assert [(c.name, c.phone) for c in first.contacts] == [("李娜", "13800000000")]
    assert first.name_initials == "zjhdkj"
    assert found[code(2)].is_key is True and found[code(2)].contacts == []


def test_csv_with_english_headers(app, city):
    report = importer.apply(actor_for("desk_a"), "companies.csv", csv_bytes([EN, ROW1, ROW2]))
    assert report.count("created") == 2
    assert rows_by_code()[code(2)].district == "浣东街道"


def test_headers_may_carry_spaces_asterisks_and_any_case(app, city):
    header = ["＊企业名称", " 统一社会 信用代码 *", "District", "NAME_OF_SOMETHING_ELSE"]
    report = importer.plan(actor_for("desk_a"), "x.csv", csv_bytes([header, [ROW1[0], ROW1[1], "暨阳街道", "x"]]))
    assert report.count("created") == 1
    assert report.ignored_columns == ["NAME_OF_SOMETHING_ELSE"]
    assert report.rows[0].data["district"] == "暨阳街道"


def test_csv_in_gb18030(app, city):
    content = csv_bytes([ZH, ROW1, ["诸暨市枫桥镇𠀀茶叶专业合作社", code(3)] + [""] * 8], encoding="gb18030")
    with pytest.raises(UnicodeDecodeError):
        content.decode("utf-8")  # really not UTF-8
    report = importer.apply(actor_for("desk_a"), "excel-export.csv", content)
    assert report.count("created") == 2
    found = rows_by_code()
    assert found[code(1)].name == "浙江华达科技有限公司"
    assert found[code(3)].name == "诸暨市枫桥镇𠀀茶叶专业合作社"


def test_csv_with_a_byte_order_mark(app, city):
    content = csv_bytes([ZH, ROW1], encoding="utf-8-sig")
    assert importer.apply(actor_for("desk_a"), "bom.csv", content).count("created") == 1


def test_xlsx_with_numbers_booleans_and_blank_rows(app, city):
    content = xlsx_bytes([
        ["企业名称", "统一社会信用代码", "联系人", "联系电话", "规上企业", "重点企业"],
        ["浙江华达科技有限公司", code(1), "李娜", 13800000000, True, "是"],
        [None, None, None, None, None, None],
        ["杭州西湖食品有限公司", code(2).lower(), None, None, False, None],
    ])
    report = importer.apply(actor_for("desk_a"), "名录.xlsx", content)
    assert report.counts["created"] == 2
    assert [r.line for r in report.rows] == [2, 4]  # the blank row is skipped, line numbers kept
    found = rows_by_code()
    assert found[code(1)].above_scale is True and found[code(1)].is_key is True
    assert [(c.name, c.phone) for c in found[code(1)].contacts] == [("李娜", "13800000000")]
    assert found[code(2)].above_scale is False
    assert set(found) == {code(1), code(2)}


def test_xlsx_is_recognised_by_content_whatever_its_name(app, city):
    content = xlsx_bytes([EN[:2], ROW1[:2]])
    assert importer.plan(actor_for("desk_a"), "upload", content).count("created") == 1


# --- planning: nothing is written --------------------------------------------------------

def test_plan_writes_nothing(app, city):
    audits_before = count(AuditEntry)
    report = importer.plan(actor_for("desk_a"), "x.csv", csv_bytes([ZH, ROW1, ROW2, BAD]))
    assert report.counts == {"created": 2, "updated": 0, "unchanged": 0, "rejected": 1}
    assert count(Enterprise) == 0
    assert count(AuditEntry) == audits_before


def test_one_bad_row_imports_nothing_and_the_report_says_where_and_why(app, city):
    content = csv_bytes([ZH, ROW1, BAD, ROW2])
    report = importer.plan(actor_for("desk_a"), "x.csv", content)
    rejected = report.rejected
    assert [(r.line, r.name) for r in rejected] == [(3, "坏代码有限公司")]
    assert any("check character" in reason for reason in _english_reasons_for(app, [ZH, ROW1, BAD, ROW2])[1])

    with pytest.raises(ValidationError) as caught:
        importer.apply(actor_for("desk_a"), "x.csv", content)
    assert "1 rows were rejected, so nothing was imported" in en(caught.value.message)
    assert count(Enterprise) == 0
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "enterprise.import"))
    assert entry.result == "rejected" and entry.detail["rejected"] == 1


@pytest.mark.parametrize("row, reason", [
    (["", code(4)], "Enter the enterprise's name."),
    (["无代码有限公司", ""], "Enter the unified social credit code."),
    (["太长的代码", code(4) + "1"], "18 characters"),
    (["禁用字母", "91330681MA00O0001K"], "cannot contain O"),
    (["x" * 201, code(4)], "under 200 characters"),
])
def test_each_rejection_gives_its_reason(app, city, row, reason):
    reasons = _english_reasons_for(app, [["企业名称", "统一社会信用代码"], row])[0]
    assert any(reason in r for r in reasons), reasons


def test_only_valid_imports_the_good_rows(app, city):
    report = importer.apply(actor_for("desk_a"), "x.csv", csv_bytes([ZH, ROW1, BAD, ROW2]), only_valid=True)
    assert report.counts == {"created": 2, "updated": 0, "unchanged": 0, "rejected": 1}
    assert set(rows_by_code()) == {code(1), code(2)}
    created = {r.credit_code: r.enterprise_id for r in report.rows if r.action == "created"}
    assert created[code(1)] == rows_by_code()[code(1)].id


def test_an_existing_code_updates_rather_than_duplicates(app, city):
    existing = services.create(actor_for("desk_a"), {"name": "浙江华达科技有限公司", "credit_code": code(1),
                                                     "district": "旧街道"})
    existing_id = existing.id
    row = list(ROW1)
    row[1] = code(1).lower()
    report = importer.apply(actor_for("desk_a"), "x.csv", csv_bytes([ZH, row]))
    assert report.counts["updated"] == 1 and report.rows[0].enterprise_id == existing_id
    found = rows_by_code()
    assert list(found) == [code(1)]
    assert found[code(1)].district == "暨阳街道" and found[code(1)].id == existing_id
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "enterprise.update",
                                                       AuditEntry.object_id == str(existing_id)))
    assert entry is not None and entry.detail["via"] == "import" and "district" in entry.detail["fields"]

    again = importer.apply(actor_for("desk_a"), "x.csv", csv_bytes([ZH, row]))
    assert again.counts == {"created": 0, "updated": 0, "unchanged": 1, "rejected": 0}


def test_a_code_repeated_in_the_file_is_rejected_for_the_second_row(app, city):
    twin = ["另一家公司", code(1).lower()] + [""] * 8
    report = importer.plan(actor_for("desk_a"), "x.csv", csv_bytes([ZH, ROW1, ROW2, twin]))
    assert [r.action for r in report.rows] == ["created", "created", "rejected"]
    assert "row 2" in _english_reasons_for(app, [ZH, ROW1, ROW2, twin])[2][0]


def _english_reasons_for(app, rows):
    from flask_babel import force_locale

    with force_locale("en"):
        return [r.reasons for r in importer.plan(actor_for("desk_a"), "x.csv", csv_bytes(rows)).rows]


def test_import_keeps_to_the_users_scope(app, city):
    services.create(actor_for("desk_b"), {"name": "乙所企业", "credit_code": code(9)})
    rows = [["企业名称", "统一社会信用代码", "属地单位代码", "助企联络官账号"],
            ["改名企图", code(9), "", ""],
            ["放到乙所", code(10), "STB", ""],
            ["乙所联络官", code(11), "", "officer_b"],
            ["无此单位", code(12), "NOPE", ""],
            ["无此人", code(13), "", "nobody"],
            ["甲所自己的", code(14), "sta", "officer_a"]]
    reasons = _english_reasons_for(app, rows)
    assert "another unit's area" in reasons[0][0]
    assert "within your area" in reasons[1][0]
    assert "liaison officer from your units" in reasons[2][0]
    assert "NOPE" in reasons[3][0] and "nobody" in reasons[4][0]
    assert reasons[5] == []
    importer.apply(actor_for("desk_a"), "x.csv", csv_bytes(rows), only_valid=True)
    found = rows_by_code()
    assert found[code(9)].name == "乙所企业"
    assert set(found) == {code(9), code(14)}
    assert found[code(14)].liaison_officer.username == "officer_a"


# --- malformed files ----------------------------------------------------------------------

def _zip_that_is_not_a_workbook():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("hello.txt", "hi")
    return out.getvalue()


@pytest.mark.parametrize("filename, content, message", [
    ("x.csv", csv_bytes([["企业名称", "法定代表人"], ["某公司", "王伟"]]), "统一社会信用代码 (credit_code)"),
    ("x.csv", csv_bytes([["名字", "代码"], ["某公司", code(1)]]), "企业名称 (name)"),
    ("x.xlsx", b"this is not a workbook at all" * 10, "cannot be read"),
    ("x.xlsx", b"PK\x03\x04 and then garbage" * 10, "cannot be read"),
    ("x.xlsx", _zip_that_is_not_a_workbook(), "cannot be read"),
    ("x.csv", b"", "empty"),
    ("x.csv", b"\n\n  \n", "empty"),
    ("x.csv", bytes(range(256)) * 4, "neither UTF-8 nor GBK"),
    ("x.csv", "名称,代码\n\x00\n".encode(), "not a CSV"),
    ("x.pdf", b"%PDF-1.4 ...", "CSV file or an Excel workbook"),
])
def test_malformed_files_give_a_clear_error(app, city, filename, content, message):
    from flask_babel import force_locale

    with pytest.raises(ValidationError) as caught:
        importer.plan(actor_for("desk_a"), filename, content)
    with force_locale("en"):
        assert message in str(caught.value.message)
    assert caught.value.field == "file"


def test_random_bytes_never_crash_the_import(app, city):
    generator = random.Random(2)
    for n in range(30):
        content = bytes(generator.randrange(256) for _ in range(generator.randrange(1, 3000)))
        for name in ("x.csv", "x.xlsx"):
            try:
                importer.plan(actor_for("desk_a"), name, content)
            except ValidationError:
                pass


@pytest.mark.parametrize("app_config", [{"IMPORT_MAX_BYTES": 2048}])
def test_an_oversized_file_is_refused(app, city):
    content = csv_bytes([ZH] + [[f"企业{n}有限公司", code(n)] + [""] * 8 for n in range(100)])
    assert len(content) > 2048
    with pytest.raises(ValidationError) as caught:
        importer.plan(actor_for("desk_a"), "big.csv", content)
    assert "larger than" in en(caught.value.message)

    client = client_for(app, "desk_a")
    response = client.post("/enterprises/import", data={"file": (io.BytesIO(content), "big.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 200
    assert "larger than" in response.get_data(as_text=True)
    assert count(Enterprise) == 0


@pytest.mark.parametrize("app_config", [{"IMPORT_MAX_ROWS": 3}])
def test_too_many_rows_are_refused(app, city):
    content = csv_bytes([ZH] + [[f"企业{n}有限公司", code(n)] + [""] * 8 for n in range(4)])
    with pytest.raises(ValidationError) as caught:
        importer.plan(actor_for("desk_a"), "big.csv", content)
    assert "more than 3 rows" in en(caught.value.message)


def test_garbage_named_xlsx_gets_a_message_not_a_500(app, city):
    client = client_for(app, "desk_a")
    for content in (b"\x00\x01\x02garbage" * 50, b"PK\x03\x04" + b"\x00" * 100, _zip_that_is_not_a_workbook()):
        response = client.post("/enterprises/import", data={"file": (io.BytesIO(content), "名录.xlsx")},
                               content_type="multipart/form-data")
        assert response.status_code == 200
        assert "cannot be read" in response.get_data(as_text=True)
    response = client.post("/enterprises/import", data={}, content_type="multipart/form-data")
    assert response.status_code == 200 and "Choose a file" in response.get_data(as_text=True)
    assert count(Enterprise) == 0


# --- the web flow ----------------------------------------------------------------------------

def upload(client, content, filename="企业.csv"):
    """Upload a file and follow to the import's page (the tests run the jobs at once)."""
    response = client.post("/enterprises/import", data={"file": (io.BytesIO(content), filename)},
                           content_type="multipart/form-data")
    assert response.status_code == 303, response.get_data(as_text=True)
    token = re.search(r"/enterprises/import/([0-9a-f]+)$", response.headers["Location"]).group(1)
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    return page.get_data(as_text=True), token


def test_upload_check_confirm(app, city):
    client = client_for(app, "desk_a")
    html, token = upload(client, csv_bytes([ZH, ROW1, ROW2]))
    assert "浙江华达科技有限公司" in html and "What the import would do" in html
    assert f'action="/enterprises/import/{token}"' in html
    assert count(Enterprise) == 0  # the check writes nothing

    response = client.post(f"/enterprises/import/{token}", data={})
    assert response.status_code == 303
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Import finished" in html and 'data-testid="import-counts"' in html
    assert re.search(r'<span class="figure">2</span><span>new</span>', html)
    assert set(rows_by_code()) == {code(1), code(2)}
    assert client.post(f"/enterprises/import/{token}", data={}).status_code == 404  # used up


def test_the_check_shows_each_rejected_row_and_confirming_writes_nothing(app, city):
    client = client_for(app, "desk_a")
    html, token = upload(client, csv_bytes([ZH, ROW1, BAD]))
    assert "坏代码有限公司" in html and "check character" in html and "<td>3</td>" in html
    response = client.post(f"/enterprises/import/{token}", data={})
    assert response.status_code == 303
    assert "so nothing was imported" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert count(Enterprise) == 0

    response = client.post(f"/enterprises/import/{token}", data={"only_valid": "y"})
    assert response.status_code == 303
    assert "Import finished" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert set(rows_by_code()) == {code(1)}


def test_another_user_cannot_see_or_confirm_someone_elses_upload(app, city):
    html, token = upload(client_for(app, "desk_a"), csv_bytes([ZH, ROW1]))
    for username in ("desk_b", "desk"):
        other = client_for(app, username)
        assert other.get(f"/enterprises/import/{token}").status_code == 404
        assert other.post(f"/enterprises/import/{token}", data={}).status_code == 404
    assert count(Enterprise) == 0
    other = client_for(app, "desk_b")
    for bad in ("../../etc/passwd", "*", "0" * 100):
        assert other.post(f"/enterprises/import/{bad}", data={}).status_code == 404
        assert other.get(f"/enterprises/import/{bad}").status_code == 404


def test_officers_and_admins_cannot_import(app, city):
    for username in ("officer_a", "admin"):
        client = client_for(app, username)
        assert client.get("/enterprises/import").status_code == 403
        response = client.post("/enterprises/import", data={"file": (io.BytesIO(csv_bytes([ZH, ROW1])), "x.csv")},
                               content_type="multipart/form-data")
        assert response.status_code == 403
    assert count(Enterprise) == 0


def test_the_template_has_every_column_and_imports_cleanly(app, city):
    client = client_for(app, "desk_a")
    response = client.get("/enterprises/import/template.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    header = [c.value for c in sheet[1]]
    assert header == [zh for _en, zh, _ex in importer.COLUMNS.values()]
    report = importer.plan(actor_for("desk_a"), "template.xlsx", response.data)
    assert report.ignored_columns == []
    assert report.rows[0].credit_code == "91330681MA2BCDEF16"  # the example's code is valid


# --- the shell command --------------------------------------------------------------------------

def run_import(app, tmp_path, rows, *options, name="企业.csv"):
    path = tmp_path / name
    path.write_bytes(csv_bytes(rows) if not name.endswith(".xlsx") else xlsx_bytes(rows))
    return app.test_cli_runner().invoke(args=["enterprises", "import", str(path), *options])


def test_cli_imports_and_exits_zero(app, city, tmp_path):
    result = run_import(app, tmp_path, [ZH, ROW1, ROW2], "--unit", "STA")
    assert result.exit_code == 0, result.output
    assert re.search(r"row\s+2\s+created\s+" + code(1), result.output)
    assert "Imported: 2 created" in result.output
    found = rows_by_code()
    assert set(found) == {code(1), code(2)} and found[code(1)].unit_id == city.station_a.id


def test_cli_xlsx_file(app, city, tmp_path):
    result = run_import(app, tmp_path, [EN[:2] + ["unit"], ROW1[:2] + ["STB"]], name="list.xlsx")
    assert result.exit_code == 0, result.output
    assert rows_by_code()[code(1)].unit_id == city.station_b.id


def test_cli_rejected_row_exits_one_prints_the_report_and_writes_nothing(app, city, tmp_path):
    result = run_import(app, tmp_path, [ZH, ROW1, BAD], "--unit", "STA")
    assert result.exit_code == 1
    assert re.search(r"row\s+3\s+rejected\s+.*坏代码有限公司\s+— ", result.output)
    assert re.search(r"row\s+2\s+created", result.output)
    assert "Nothing imported" in result.output
    assert count(Enterprise) == 0


def test_cli_dry_run_writes_nothing(app, city, tmp_path):
    result = run_import(app, tmp_path, [ZH, ROW1, ROW2], "--unit", "STA", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Dry run, nothing written: 2 created" in result.output
    assert count(Enterprise) == 0
    result = run_import(app, tmp_path, [ZH, ROW1, BAD], "--unit", "STA", "--dry-run")
    assert result.exit_code == 1
    assert count(Enterprise) == 0


def test_cli_only_valid_imports_good_rows_and_still_exits_one(app, city, tmp_path):
    result = run_import(app, tmp_path, [ZH, ROW1, BAD, ROW2], "--unit", "STA", "--only-valid")
    assert result.exit_code == 1
    assert set(rows_by_code()) == {code(1), code(2)}


def test_cli_needs_a_unit_for_new_rows(app, city, tmp_path):
    result = run_import(app, tmp_path, [ZH, ROW1])
    assert result.exit_code == 1
    assert "属地单位代码" in result.output
    assert count(Enterprise) == 0


@pytest.mark.parametrize("rows, options, expected", [
    ([["企业名称"], ["某公司"]], ["--unit", "STA"], "credit_code"),
    ([ZH, ROW1], ["--unit", "NOPE"], "NOPE"),
])
def test_cli_file_errors_exit_non_zero(app, city, tmp_path, rows, options, expected):
    result = run_import(app, tmp_path, rows, *options)
    assert result.exit_code not in (0, None)
    assert expected in result.output and "Traceback" not in result.output
    assert count(Enterprise) == 0


# --- export ------------------------------------------------------------------------------------

@pytest.fixture
def both_stations(city):
    officer = city.user("officer_a")
    services.create(actor_for("desk_a"), {
        "name": "浙江华达科技有限公司", "credit_code": code(1), "legal_representative": "王伟", "district": "暨阳街道",
        "industry": "信息技术", "above_scale": True, "is_key": True, "tags": "出口企业，高新", "notes": "第一行\n第二行",
        "liaison_officer_id": officer.id, "contacts": [{"name": "李娜", "phone": "13800000000"}]})
    services.create(actor_for("desk_a"), {"name": "杭州西湖食品有限公司", "credit_code": code(2)})
    services.create(actor_for("desk_b"), {"name": "乙所企业有限公司", "credit_code": code(3)})


def exported(client, query=""):
    response = client.get("/enterprises/export.xlsx" + query)
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.data)).active
    return response.data, [[c.value for c in row] for row in sheet.iter_rows()]


def test_export_holds_only_the_users_scope(app, both_stations):
    _content, rows = exported(client_for(app, "desk_a"))
    assert rows[0][:2] == ["企业名称", "统一社会信用代码"]
    assert {r[1] for r in rows[1:]} == {code(1), code(2)}
    _content, rows = exported(client_for(app, "desk_b"))
    assert {r[1] for r in rows[1:]} == {code(3)}
    _content, rows = exported(client_for(app, "desk"))
    assert {r[1] for r in rows[1:]} == {code(1), code(2), code(3)}
    _content, rows = exported(client_for(app, "desk"), "?q=zjhd")  # the list's filters apply
    assert [r[1] for r in rows[1:]] == [code(1)]
    assert client_for(app, "officer_a").get("/enterprises/export.xlsx").status_code == 403
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "enterprise.export")
                              .order_by(AuditEntry.id))
    assert entry.username == "desk_a" and entry.detail == {"rows": 2}


def test_an_export_imports_back_unchanged(app, both_stations):
    content, rows = exported(client_for(app, "desk_a"))
    record = {r[1]: dict(zip(rows[0], r)) for r in rows[1:]}[code(1)]
    assert record["助企联络官账号"] == "officer_a" and record["规上企业"] == "是" and record["属地单位代码"] == "STA"
    report = importer.plan(actor_for("desk_a"), "企业名录.xlsx", content)
    assert report.counts == {"created": 0, "updated": 0, "unchanged": 2, "rejected": 0}, [
        (r.line, r.reasons) for r in report.rows]
    assert report.ignored_columns == []
    before = count(AuditEntry)
    importer.apply(actor_for("desk_a"), "企业名录.xlsx", content)
    assert count(AuditEntry) == before + 1  # the import itself, and no updates
    assert rows_by_code()[code(1)].version == 1


def test_cli_export_writes_the_whole_registry(app, both_stations, tmp_path):
    path = tmp_path / "all.xlsx"
    result = app.test_cli_runner().invoke(args=["enterprises", "export", str(path)])
    assert result.exit_code == 0 and "Exported 3 enterprises" in result.output
    rows = list(load_workbook(path).active.iter_rows(values_only=True))
    assert {r[1] for r in rows[1:]} == {code(1), code(2), code(3)}


def test_text_that_looks_like_a_formula_is_exported_as_text_that_cannot_run(app, city):
    payload = '=HYPERLINK("http://example.com","点击")'
    services.create(actor_for("desk_a"), {"name": "=等号开头的企业有限公司", "credit_code": code(1),
                                          "notes": payload, "district": "+1+1", "industry": "-2+3",
                                          "legal_representative": "@SUM(A1)", "address": "正常的地址"})
    content, rows = exported(client_for(app, "desk_a"))
    sheet = load_workbook(io.BytesIO(content)).active
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    # Each begins with the apostrophe a spreadsheet reads as "text", so it stays inert when edited or saved as CSV.
    for value in ("=等号开头的企业有限公司", payload, "+1+1", "-2+3", "@SUM(A1)"):
        assert "'" + value in rows[1], value
    assert "正常的地址" in rows[1]
    report = importer.plan(actor_for("desk_a"), "back.xlsx", content)
    assert report.counts["unchanged"] == 1, [(r.action, r.reasons) for r in report.rows]


@pytest.mark.parametrize("app_config", [{"MAX_CONTENT_LENGTH": 4096, "IMPORT_MAX_BYTES": 2048}])
def test_an_upload_beyond_the_request_limit_gets_413_with_a_message(app, city):
    client = client_for(app, "desk_a")
    response = client.post("/enterprises/import", data={"file": (io.BytesIO(b"x" * 10_000), "big.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 413
    assert "The file is too large." in response.get_data(as_text=True)

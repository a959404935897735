"""Updating registered enterprises by import: a blank cell keeps the field, the
row's contacts are merged into the enterprise's, the check counts what would
change and the audit trail holds only what changed, before and after."""
import io
import re

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from core.audit.models import AuditEntry
from core.extensions import db
from core.registry import importer, services
from core.registry.models import Enterprise
from tests.conftest import actor_for, login
from tests.helpers import code, csv_bytes, fresh_client
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)

HEADER = ["企业名称", "统一社会信用代码", "法定代表人", "地址", "所属区域", "行业", "规上企业", "标签", "备注",
          "联系人", "联系电话", "联系人职务"]


def xlsx_bytes(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


FILES = {"csv": ("企业.csv", csv_bytes), "xlsx": ("企业.xlsx", xlsx_bytes)}


@pytest.fixture
def registered(app, city):
    enterprise = services.create(actor_for("desk_a"), {
        "name": "浙江华达科技有限公司", "credit_code": code(1), "legal_representative": "王伟",
        "address": "望云路1号", "district": "暨阳街道", "industry": "信息技术", "above_scale": True,
        "tags": "出口企业", "notes": "重点走访",
        "contacts": [{"name": "李娜", "phone": "13800000000", "title": "行政主管"},
                     {"name": "张强", "phone": "13900000000", "title": "财务"}]})
    return enterprise.id


def fetched(enterprise_id) -> Enterprise:
    db.session.rollback()
    return db.session.get(Enterprise, enterprise_id)


def contacts_of(enterprise_id) -> list[tuple]:
    return [(c.name, c.phone, c.title) for c in fetched(enterprise_id).contacts]


@pytest.mark.parametrize("kind", FILES)
def test_a_blank_cell_keeps_what_the_enterprise_has(app, registered, kind):
    filename, make = FILES[kind]
    row = ["浙江华达科技有限公司", code(1), "", "", "浣东街道", "", "", "", "", "", "", ""]
    report = importer.apply(actor_for("desk_a"), filename, make([HEADER, row]))
    assert report.counts == {"created": 0, "updated": 1, "unchanged": 0, "rejected": 0}
    enterprise = fetched(registered)
    assert enterprise.district == "浣东街道"
    assert (enterprise.legal_representative, enterprise.address, enterprise.industry) == ("王伟", "望云路1号", "信息技术")
    assert enterprise.above_scale is True and enterprise.tags == ["出口企业"] and enterprise.notes == "重点走访"
    assert contacts_of(registered) == [("李娜", "13800000000", "行政主管"), ("张强", "13900000000", "财务")]


@pytest.mark.parametrize("kind", FILES)
def test_a_row_of_blank_cells_changes_nothing(app, registered, kind):
    filename, make = FILES[kind]
    row = ["浙江华达科技有限公司", code(1)] + [""] * 10
    report = importer.apply(actor_for("desk_a"), filename, make([HEADER, row]))
    assert report.counts == {"created": 0, "updated": 0, "unchanged": 1, "rejected": 0}
    assert fetched(registered).version == 1


def test_a_new_enterprise_takes_the_defaults_for_blank_cells(app, city):
    row = ["杭州西湖食品有限公司", code(2), "", "", "浣东街道", "", "", "", "", "", "", ""]
    report = importer.apply(actor_for("desk_a"), "x.csv", csv_bytes([HEADER, row]))
    assert report.counts["created"] == 1
    enterprise = fetched(report.rows[0].enterprise_id)
    assert (enterprise.district, enterprise.industry, enterprise.above_scale, enterprise.contacts) == (
        "浣东街道", "", False, [])


@pytest.mark.parametrize("kind", FILES)
def test_contacts_are_merged_by_name_and_phone(app, registered, kind):
    filename, make = FILES[kind]
    contact_ids = {c.name: c.id for c in fetched(registered).contacts}
    row = ["浙江华达科技有限公司", code(1)] + [""] * 7 + [
        "李娜\n王芳\n张强", "13800000000\n13700000000\n13600000000", "总经理助理\n出纳\n"]
    report = importer.apply(actor_for("desk_a"), filename, make([HEADER, row]))
    assert report.counts["updated"] == 1
    assert contacts_of(registered) == [("李娜", "13800000000", "总经理助理"), ("张强", "13900000000", "财务"),
                                       ("王芳", "13700000000", "出纳"), ("张强", "13600000000", "")]
    kept = {c.name: c.id for c in fetched(registered).contacts if c.phone in ("13800000000", "13900000000")}
    assert kept == contact_ids                     # the same rows, updated in place

    again = importer.apply(actor_for("desk_a"), filename, make([HEADER, row]))
    assert again.counts["unchanged"] == 1


def test_merged_contacts_beyond_the_limit_reject_the_row(app, registered):
    names = "\n".join(f"联系人{n}" for n in range(services.MAX_CONTACTS - 1))
    row = ["浙江华达科技有限公司", code(1)] + [""] * 7 + [names, "", ""]
    report = importer.plan(actor_for("desk_a"), "x.csv", csv_bytes([HEADER, row]))
    assert report.counts["rejected"] == 1


def test_the_check_counts_what_would_change(app, registered):
    other = services.create(actor_for("desk_a"), {"name": "杭州西湖食品有限公司", "credit_code": code(2),
                                                  "district": "暨阳街道", "industry": "食品"})
    rows = [HEADER,
            ["浙江华达科技有限公司", code(1), "", "", "浣东街道", "", "", "", "", "李娜\n王芳",
             "13800000000\n13700000000", "总经理助理\n出纳"],
            ["杭州西湖食品有限公司", code(2), "", "", "浣东街道", "餐饮", "", "", "", "", "", ""],
            ["诸暨新开公司", code(3), "", "", "陶朱街道", "", "", "", "", "", "", ""]]
    report = importer.plan(actor_for("desk_a"), "x.csv", csv_bytes(rows))
    assert report.counts == {"created": 1, "updated": 2, "unchanged": 0, "rejected": 0}
    assert report.changes == {"district": 2, "industry": 1, "contact_name": 1, "contacts_added": 1,
                              "contacts_updated": 1}
    summary = importer.check(actor_for("desk_a"), "x.csv", io.BytesIO(csv_bytes(rows)))
    assert summary.changes == report.changes
    assert fetched(other.id).district == "暨阳街道"       # nothing written


def test_the_audit_holds_the_changed_fields_before_and_after(app, registered):
    row = ["浙江华达科技有限公司", code(1), "", "", "浣东街道", "", "", "", "", "李娜\n王芳",
           "13800000000\n13700000000", "总经理助理\n出纳"]
    importer.apply(actor_for("desk_a"), "x.csv", csv_bytes([HEADER, row]))
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "enterprise.update",
                                                       AuditEntry.object_id == str(registered)))
    assert entry.detail == {
        "via": "import", "fields": ["contacts", "district"],
        "before": {"district": "暨阳街道", "contacts": [{"name": "李娜", "title": "行政主管"}]},
        "after": {"district": "浣东街道", "contacts": [{"name": "李娜", "title": "总经理助理"},
                                                    {"name": "王芳", "title": "出纳"}]}}
    assert "1380000" not in str(entry.detail) and "1370000" not in str(entry.detail)


def test_the_cli_dry_run_counts_what_would_change(app, registered, tmp_path):
    path = tmp_path / "企业.csv"
    path.write_bytes(csv_bytes([HEADER, ["浙江华达科技有限公司", code(1), "", "", "浣东街道", "餐饮"] + [""] * 6]))
    result = app.test_cli_runner().invoke(args=["enterprises", "import", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "Changes to the enterprises updated: 1 district, 1 industry" in result.output
    assert "Dry run, nothing written: 0 created, 1 updated" in result.output
    assert fetched(registered).district == "暨阳街道"


def test_the_import_page_shows_what_would_change(app, registered):
    client = fresh_client(app)
    login(client, "desk_a")
    content = csv_bytes([HEADER, ["浙江华达科技有限公司", code(1), "", "", "浣东街道"] + [""] * 7])
    response = client.post("/enterprises/import", data={"file": (io.BytesIO(content), "企业.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 303
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    section = re.search(r'data-testid="import-changes".*?</section>', html, re.S).group(0)
    assert re.search(r"<td>所属区域</td><td>1</td>", section)
    assert "空白单元格" in section or "blank cell" in section


def test_the_template_says_how_blank_cells_and_contacts_are_read(app, city):
    client = fresh_client(app)
    login(client, "desk_a")
    book = load_workbook(io.BytesIO(client.get("/enterprises/import/template.xlsx").data))
    assert book.sheetnames[0] == "企业名录"
    notes = " ".join(str(c.value) for row in book[importer.HELP_SHEET].iter_rows() for c in row if c.value)
    assert "空白单元格不改动" in notes and "按姓名和电话合并" in notes

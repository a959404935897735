"""Setting up an installation at the server's shell, without a Python shell:
``anqi init``, ``anqi users create``, ``anqi units import`` and ``anqi users import``."""
import re
from io import BytesIO

from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from core.audit.models import AuditEntry
from core.extensions import db
from core.org.models import Unit, User
from core.org.services import unit_by_code, user_by_username
from tests.conftest import PASSWORD, login
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)

ADMIN_PASSWORD = "Ch4nge-me-later!"


def anqi(app, *args, input=None):
    return app.test_cli_runner().invoke(args=[str(a) for a in args], input=input)


def init(app, password=ADMIN_PASSWORD, code="ZJ", name="诸暨市公安局"):
    return anqi(app, "init", "--unit-code", code, "--unit-name", name, "--admin", "root",
                "--password-stdin", input=password + "\n")


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_init_sets_up_the_top_unit_and_the_first_administrator(app):
    result = init(app)
    assert result.exit_code == 0, result.output
    unit = unit_by_code("ZJ")
    assert (unit.name, unit.kind, unit.parent_id) == ("诸暨市公安局", "city_bureau", None)
    admin = user_by_username("root")
    assert admin.roles == {"admin"} and admin.unit_id == unit.id
    assert not admin.must_change_password          # the operator chose it for themselves
    actions = set(db.session.scalars(select(AuditEntry.action).where(AuditEntry.username == "cli")))
    assert {"unit.create", "user.create"} <= actions


def test_init_is_refused_once_the_database_has_units(app):
    assert init(app).exit_code == 0
    again = init(app, code="OTHER")
    assert again.exit_code != 0
    assert "anqi users create" in again.output
    assert count(Unit) == 1 and count(User) == 1


def test_init_refuses_a_weak_password_and_leaves_the_database_empty(app):
    result = init(app, password="short")
    assert result.exit_code != 0
    assert count(Unit) == 0 and count(User) == 0
    assert init(app).exit_code == 0             # and can be run again


def test_init_asks_for_what_the_options_do_not_give(app):
    answers = "ZJ\n诸暨市公安局\n\nroot\n王伟\n" + ADMIN_PASSWORD + "\n" + ADMIN_PASSWORD + "\n"
    result = anqi(app, "init", input=answers)
    assert result.exit_code == 0, result.output
    assert ADMIN_PASSWORD not in result.output     # typed hidden
    assert user_by_username("root").name == "王伟"



def test_users_create_takes_the_role_in_words_and_generates_a_password(app):
    assert init(app).exit_code == 0
    result = anqi(app, "users", "create", "Zhang.Wei", "--unit", "zj", "--role", "窗口人员", "--name", "张伟")
    assert result.exit_code == 0, result.output
    user = user_by_username("zhang.wei")
    assert user.roles == {"desk"} and user.name == "张伟" and user.must_change_password
    generated = re.split(r"[:：]\s*", result.output.strip().splitlines()[-1])[-1]
    from core.auth.services import authenticate
    from core.org.actor import Actor

    assert authenticate(Actor(user=None, address="127.0.0.1"), "zhang.wei", generated)
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "user.create")
                               .order_by(AuditEntry.id.desc())).first()
    assert entry.username == "cli" and generated not in str(entry.detail)


def test_users_create_reads_the_password_from_stdin(app):
    assert init(app).exit_code == 0
    result = anqi(app, "users", "create", "li.na", "--unit", "ZJ", "--role", "Auditor", "--password-stdin",
                  input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output
    assert user_by_username("li.na").roles == {"auditor"}


def test_users_create_names_the_valid_units_and_roles_when_one_is_wrong(app):
    assert init(app).exit_code == 0
    result = anqi(app, "users", "create", "bob", "--unit", "NOPE", "--role", "boss")
    assert result.exit_code != 0
    assert "诸暨市公安局（ZJ）" in result.output
    assert "窗口人员（desk）" in result.output and "民警（officer）" in result.output
    assert user_by_username("bob") is None


# --- imports -----------------------------------------------------------------------

UNIT_ROWS = [("单位代码", "单位名称", "单位类型", "上级单位代码"),
             ("ZJ-HQ", "护企优商服务中心", "服务中心", "ZJ"),        # a parent already in anqi
             ("ZJ-JY", "暨阳派出所", "派出所", "ZJ"),
             ("ZJ-TD", "陶朱派出所", "station", "ZJ"),
             ("ZJ-HQ-1", "店口分中心", "分中心", "ZJ-HQ"),          # a parent of an earlier row
             ("ZJ-BR", "治安大队", "Brigade", "ZJ")]


def user_rows():
    rows = [("用户名", "姓名", "单位代码", "角色", "初始密码")]
    rows.append(("hq.leader", "周领导", "ZJ-HQ", "领导", ""))
    rows.append(("hq.auditor", "吴审计", "ZJ", "安全审计员", PASSWORD))
    for i in range(18):
        unit = ["ZJ-HQ", "ZJ-JY", "ZJ-TD", "ZJ-HQ-1", "ZJ-BR"][i % 5]
        roles = "窗口人员、民警" if i % 3 else "desk"
        rows.append((f"staff{i:02d}", f"民警{i:02d}", unit, roles, "" if i % 2 else f"Xy7-kq{i:02d}abc"))
    return rows


def workbook(path, rows):
    book = Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def test_units_and_users_import_from_xlsx(app, tmp_path):
    assert init(app).exit_code == 0
    result = anqi(app, "units", "import", workbook(tmp_path / "units.xlsx", UNIT_ROWS))
    assert result.exit_code == 0, result.output
    assert count(Unit) == 6
    sub_centre = unit_by_code("ZJ-HQ-1")
    assert sub_centre.parent_id == unit_by_code("ZJ-HQ").id and sub_centre.path.startswith(unit_by_code("ZJ-HQ").path)
    assert unit_by_code("ZJ-BR").kind == "brigade"

    result = anqi(app, "users", "import", workbook(tmp_path / "users.xlsx", user_rows()))
    assert result.exit_code == 0, result.output
    assert count(User) == 21
    assert user_by_username("staff01").roles == {"desk", "officer"}
    assert user_by_username("staff00").unit.code == "ZJ-HQ"
    assert all(u.must_change_password for u in db.session.scalars(select(User).where(User.username != "root")))
    # The generated passwords are printed once, one line per user without one in the file.
    printed = dict(line.split() for line in result.output.splitlines() if line.startswith("  "))
    assert set(printed) == {"hq.leader"} | {f"staff{i:02d}" for i in range(1, 18, 2)}
    from core.auth.services import authenticate
    from core.org.actor import Actor

    assert authenticate(Actor(user=None, address="127.0.0.1"), "staff03", printed["staff03"])
    assert authenticate(Actor(user=None, address="127.0.0.1"), "staff02", "Xy7-kq02abc")
    summary = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "user.import")).one()
    assert summary.username == "cli" and summary.detail["rows"] == 20
    assert not any(p in str(summary.detail) for p in printed.values())


def test_a_dry_run_writes_nothing(app, tmp_path):
    assert init(app).exit_code == 0
    audited = count(AuditEntry)
    result = anqi(app, "units", "import", "--dry-run", workbook(tmp_path / "units.xlsx", UNIT_ROWS))
    assert result.exit_code == 0, result.output
    assert "ZJ-HQ-1" in result.output
    assert count(Unit) == 1 and count(AuditEntry) == audited


def test_wrong_rows_are_all_named_and_nothing_is_written(app, tmp_path):
    assert init(app).exit_code == 0
    rows = UNIT_ROWS + [("ZJ-X", "某单位", "总局", "ZJ"), ("ZJ-Y", "", "派出所", "LATER"), ("LATER", "后定义", "派出所", "ZJ")]
    result = anqi(app, "units", "import", workbook(tmp_path / "units.xlsx", rows))
    assert result.exit_code != 0
    assert "第 7 行：" in result.output and "派出所（station）" in result.output      # the kinds, in words
    assert "第 8 行：" in result.output and "LATER" in result.output
    assert "第 9 行" not in result.output
    assert count(Unit) == 1

    assert anqi(app, "units", "import", workbook(tmp_path / "good.xlsx", UNIT_ROWS)).exit_code == 0
    users = user_rows()
    users[5] = ("staff02", "民警02", "ZJ-NONE", "窗口人员", "")
    users[7] = ("staff04", "民警04", "ZJ-HQ", "系统管理员、领导", "")
    users[9] = ("staff06", "民警06", "ZJ-HQ", "民警", "password")
    result = anqi(app, "users", "import", workbook(tmp_path / "users.xlsx", users))
    assert result.exit_code != 0
    for line in (6, 8, 10):
        assert f"第 {line} 行：" in result.output
    assert "第 7 行" not in result.output
    assert count(User) == 1
    refused = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "user.import")).one()
    assert refused.result != "ok" and refused.detail["rejected"] == 3


def test_the_users_import_reads_csv(app, tmp_path):
    assert init(app).exit_code == 0
    path = tmp_path / "users.csv"
    path.write_text("username,name,unit,roles,password\nwang.fang,王芳,ZJ,leader,\n", encoding="utf-8")
    result = anqi(app, "users", "import", path)
    assert result.exit_code == 0, result.output
    assert user_by_username("wang.fang").roles == {"leader"}


def test_the_templates_name_the_kinds_and_roles_in_words(app, tmp_path):
    for kind, words in (("units", ["派出所", "station", "上级单位代码"]), ("users", ["窗口人员", "desk", "初始密码"])):
        path = tmp_path / f"{kind}.xlsx"
        assert anqi(app, kind, "template", path).exit_code == 0
        book = load_workbook(path)
        text = " ".join(str(c) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
                        for c in row if c)
        assert all(word in text for word in words)


def test_the_first_administrator_logs_in_and_enables_a_plugin_for_an_imported_unit(app, client, tmp_path):
    assert init(app).exit_code == 0
    assert anqi(app, "units", "import", workbook(tmp_path / "units.xlsx", UNIT_ROWS)).exit_code == 0
    response = client.post("/login", data={"username": "root", "password": ADMIN_PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/account/second-factor")   # the admin role needs one
    result = anqi(app, "plugins", "enable", "inspection", "--unit", "ZJ-JY")
    assert result.exit_code == 0, result.output
    from core.plugins.services import is_enabled

    db.session.rollback()
    assert is_enabled(unit_by_code("ZJ-JY").id, "inspection")


def test_the_login_page_names_the_set_up_command_on_an_empty_database(app, client):
    page = client.get("/login").get_data(as_text=True)
    assert "<code>anqi init</code>" in page and "创建顶级单位和第一个系统管理员" in page
    client.post("/lang", data={"lang": "en", "next": "/login"})
    english = client.get("/login").get_data(as_text=True)
    assert "<code>anqi init</code>" in english and "sets up the top unit and the first administrator" in english
    assert init(app).exit_code == 0
    assert "first-setup" not in client.get("/login").get_data(as_text=True)


def test_the_administrator_imports_units_and_users_on_a_page(app, tmp_path):
    from tests.helpers import fresh_client

    assert init(app).exit_code == 0
    from tests.conftest import enrol_second_factor

    enrol_second_factor("root")
    admin = fresh_client(app)
    login(admin, "root", ADMIN_PASSWORD)
    assert 'href="/admin/units/import"' in admin.get("/admin/units").get_data(as_text=True)
    template = admin.get("/admin/users/import/template.xlsx")
    assert template.status_code == 200 and "窗口人员" in str([c.value for row in load_workbook(
        BytesIO(template.data)).worksheets[1].iter_rows() for c in row])

    units_file = workbook(tmp_path / "units.xlsx", UNIT_ROWS).read_bytes()
    checked = admin.post("/admin/units/import", data={"action": "check", "file": (BytesIO(units_file), "u.xlsx")})
    assert checked.status_code == 200 and "ZJ-HQ-1" in checked.get_data(as_text=True)
    assert count(Unit) == 1
    done = admin.post("/admin/units/import", data={"action": "import", "file": (BytesIO(units_file), "u.xlsx")})
    assert done.status_code == 200 and count(Unit) == 6

    bad = user_rows()
    bad[4] = ("staff01", "民警01", "ZJ-HQ", "老板", "")
    refused = admin.post("/admin/users/import", data={"action": "import", "file": (
        BytesIO(workbook(tmp_path / "bad.xlsx", bad).read_bytes()), "users.xlsx")})
    assert refused.status_code == 400 and "第 5 行" in refused.get_data(as_text=True)
    assert count(User) == 1
    done = admin.post("/admin/users/import", data={"action": "import", "file": (
        BytesIO(workbook(tmp_path / "users.xlsx", user_rows()).read_bytes()), "users.xlsx")})
    page = done.get_data(as_text=True)
    assert done.status_code == 200 and done.headers["Cache-Control"] == "no-store"
    assert count(User) == 21 and 'data-testid="import-passwords"' in page and "hq.leader" in page


def test_a_file_that_cannot_be_read_is_refused_with_its_reason(app, tmp_path):
    assert init(app).exit_code == 0
    wrong_columns = tmp_path / "units.csv"
    wrong_columns.write_text("编号,名字\nA,甲\n", encoding="gb18030")
    result = anqi(app, "units", "import", wrong_columns)
    assert result.exit_code == 2 and "单位代码" in result.output and "单位类型" in result.output
    not_a_table = tmp_path / "units.xlsx"
    not_a_table.write_bytes(b"PK\x03\x04 not really a workbook")
    result = anqi(app, "units", "import", not_a_table)
    assert result.exit_code == 2 and "Traceback" not in result.output
    gbk = tmp_path / "gbk.csv"
    gbk.write_text("单位代码,单位名称,单位类型,上级单位代码\nZJ-A,安华派出所,派出所,ZJ\n", encoding="gb18030")
    assert anqi(app, "units", "import", gbk).exit_code == 0
    assert unit_by_code("ZJ-A").name == "安华派出所"
    assert count(Unit) == 2

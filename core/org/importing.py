"""Units and user accounts imported from a CSV or .xlsx file.

The file is read as a stream within limits (core/spreadsheets/reading.py).
Every row is checked first, against the database and the rows before it, and
every row's problems are reported by its line number; nothing is written when
one row is wrong. Then the rows are saved in their order through
core.org.services (the same rules and audit as the administrator's pages), so
a unit may have as parent a unit of an earlier row. An organisation's units
and staff are a few thousand rows at most: the checked rows are kept in memory.

Users without an initial password in the file get a generated one, returned
once for the operator to hand over; every imported person replaces theirs at
the first login.
"""
import io
import re
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from sqlalchemy import select

from core.audit import services as audit
from core.auth import passwords
from core.errors import ValidationError
from core.extensions import db
from core.org import services, setup
from core.org.models import UNIT_KINDS, Unit, User
from core.org.roles import ROLES, separation_problem
from core.spreadsheets import reading
from core.spreadsheets.cells import row_of, unquote
from core.text import clean_text

MAX_ROWS = 5000
UNITS, USERS = "units", "users"

# field: (English header, Chinese header, example, what the help sheet says of it)
COLUMNS = {
    UNITS: {
        "code": ("code", "单位代码", "ZJ-HQ", _l("Letters, digits, - or _; unique.")),
        "name": ("name", "单位名称", "护企优商服务中心", _l("Required.")),
        "kind": ("kind", "单位类型", "服务中心", _l("One of the kinds below, in words or by code.")),
        "parent": ("parent", "上级单位代码", "ZJ", _l(
            "The code of a unit already in anqi or of an earlier row; empty only for a city bureau.")),
    },
    USERS: {
        "username": ("username", "用户名", "zhang.wei", _l("Letters, digits, . _ or -; unique.")),
        "name": ("name", "姓名", "张伟", _l("Required.")),
        "unit": ("unit", "单位代码", "ZJ-HQ", _l("The code of a unit already in anqi.")),
        "roles": ("roles", "角色", "窗口人员", _l(
            "One of the roles below, in words or by code; several separated by 、 or commas.")),
        "password": ("password", "初始密码", "", _l(
            "Empty: one is generated and shown once. Either way it is changed at the first login.")),
    },
}
REQUIRED = {UNITS: ("code", "name", "kind"), USERS: ("username", "name", "unit", "roles")}
SHEET_TITLES = {UNITS: "单位", USERS: "用户"}
ROLE_SEPARATORS = re.compile(r"[,，、;；\n]+")


def _header_key(text) -> str:
    return "".join(str(text or "").split()).strip("*＊").lower()


def _headers(kind: str) -> dict[str, str]:
    headers = {}
    for name, (english, chinese, _example, _help) in COLUMNS[kind].items():
        headers[_header_key(english)] = name
        headers[_header_key(chinese)] = name
    return headers


@dataclass
class Row:
    line: int
    label: str                 # what the report shows of it: code and name, user name and unit
    data: dict


@dataclass
class Result:
    rows: list[Row] = field(default_factory=list)
    problems: list[tuple[int, list]] = field(default_factory=list)    # (line, reasons), in file order
    passwords: list[tuple[str, str]] = field(default_factory=list)    # (user name, generated password)
    ignored_columns: list[str] = field(default_factory=list)


def limits() -> reading.Limits:
    config = current_app.config
    return reading.Limits(max_bytes=config["IMPORT_MAX_BYTES"], max_rows=MAX_ROWS,
                          max_columns=config["IMPORT_MAX_COLUMNS"])


def _cell(value) -> str:
    if value is None or isinstance(value, bool):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)        # a code typed as a number in a spreadsheet
    return unquote(str(value).strip())


def read(kind: str, filename: str, stream) -> tuple[list[tuple[int, dict]], list[str]]:
    """The file's rows as ``(line, {field: text})``, and the headers that name no field."""
    headers = _headers(kind)
    with reading.open_table(filename, stream, limits()) as table:
        columns = [headers.get(_header_key(h)) for h in table.header]
        missing = [f"{COLUMNS[kind][f][1]} ({COLUMNS[kind][f][0]})" for f in REQUIRED[kind] if f not in columns]
        if missing:
            raise ValidationError(_l("The header row lacks the required columns: %(cols)s.",
                                     cols="、".join(missing)), field="file")
        ignored = [h for h, c in zip(table.header, columns) if c is None and h.strip()]
        rows = [(line, {c: _cell(v) for c, v in zip(columns, cells) if c}) for line, cells in table.rows]
    if not rows:
        raise ValidationError(_l("The file has no rows under its header."), field="file")
    return rows, ignored


def run(actor, kind: str, filename: str, stream, dry_run: bool = False) -> Result:
    """Check every row of the file; unless ``dry_run`` or a row is wrong, save them all.
    ``Result.problems`` lists the wrong rows (then nothing was written)."""
    actor.require("system.manage")
    rows, ignored = read(kind, filename, stream)
    result = _check_units(rows) if kind == UNITS else _check_users(rows)
    result.ignored_columns = ignored
    action, object_type = ("unit.import", "unit") if kind == UNITS else ("user.import", "user_account")
    if result.problems:
        audit.record_failure(actor, action, object_type=object_type,
                             detail={"file": filename[:100], "rows": len(rows), "rejected": len(result.problems)})
        return result
    if dry_run:
        return result
    if kind == UNITS:
        for row in result.rows:
            data = dict(row.data)
            parent = data.pop("parent")
            data["parent_id"] = services.unit_by_code(parent).id if parent else None
            services.save_unit(actor, data)
    else:
        for row in result.rows:
            data = dict(row.data)
            generated = data.pop("generated")
            data["unit_id"] = services.unit_by_code(data.pop("unit")).id
            services.save_user(actor, data, must_change_password=True)
            if generated:
                result.passwords.append((data["username"], data["password"]))
    audit.record(actor, action, object_type=object_type,
                 detail={"file": filename[:100], "rows": len(result.rows),
                         "generated_passwords": len(result.passwords)})
    db.session.commit()
    return result


def _check_units(rows) -> Result:
    result = Result()
    existing = {u.code: u for u in db.session.scalars(select(Unit))}
    earlier: dict[str, int] = {}            # code → line of the row that adds it
    for line, raw in rows:
        reasons = []
        code = clean_text(raw.get("code"), 32).upper()
        name = clean_text(raw.get("name"), 100)
        kind = setup.kind_code(raw.get("kind"))
        parent = clean_text(raw.get("parent"), 32).upper()
        if not code or len(raw.get("code", "")) > 32 or not code.replace("-", "").replace("_", "").isalnum():
            reasons.append(_l("Use up to 32 letters, digits, - or _ for the code."))
        elif code in existing:
            reasons.append(_l("Another unit already has this code."))
        elif code in earlier:
            reasons.append(_l("Row %(line)d already has this code.", line=earlier[code]))
        if not name:
            reasons.append(_l("Enter the unit's name."))
        if kind is None:
            reasons.append(_l("Choose the kind of unit: %(kinds)s.", kinds=setup.in_words(UNIT_KINDS)))
        if parent:
            if parent == code:
                reasons.append(_l("A unit cannot be placed under itself or its own sub-units."))
            elif parent not in existing and parent not in earlier:
                reasons.append(_l("There is no unit with the code %(code)s, in anqi or in an earlier row.",
                                  code=parent))
        elif kind is not None and kind != setup.TOP_KIND:
            reasons.append(_l("Only a city bureau stands at the top of the tree."))
        if code and code not in earlier:
            earlier[code] = line
        if reasons:
            result.problems.append((line, reasons))
        else:
            result.rows.append(Row(line, f"{code}  {name}  {UNIT_KINDS[kind]}",
                                   {"code": code, "name": name, "kind": kind, "parent": parent}))
    return result


def _check_users(rows) -> Result:
    result = Result()
    taken = set(db.session.scalars(select(User.username)))
    units = {u.code: u for u in db.session.scalars(select(Unit))}
    earlier: dict[str, int] = {}
    for line, raw in rows:
        reasons = []
        username = clean_text(raw.get("username"), 64).lower()
        name = clean_text(raw.get("name"), 100)
        unit_code = clean_text(raw.get("unit"), 32).upper()
        role_texts = [t for t in ROLE_SEPARATORS.split(raw.get("roles", "")) if t.strip()]
        codes = [setup.role_code(t) for t in role_texts]
        roles = sorted({c for c in codes if c})
        password = raw.get("password", "")
        if not username or not username.isascii() \
                or not username.replace(".", "").replace("_", "").replace("-", "").isalnum():
            reasons.append(_l("Use letters, digits, . _ or - for the user name."))
        elif username in taken:
            reasons.append(_l("This user name is taken."))
        elif username in earlier:
            reasons.append(_l("Row %(line)d already has this user name.", line=earlier[username]))
        if not name:
            reasons.append(_l("Enter the person's name."))
        if unit_code not in units:
            reasons.append(_l("There is no unit with the code %(code)s. The units are: %(units)s.",
                              code=unit_code or "-", units=setup.unit_list()))
        if not codes or None in codes:
            reasons.append(_l("Name the role by its code or its name: %(roles)s.", roles=setup.in_words(ROLES)))
        elif separation_problem(roles):
            reasons.append(separation_problem(roles))
        if password:
            try:
                passwords.check_new_password(password, username)
            except ValidationError as exc:
                reasons.append(exc.message)
        if username and username not in earlier:
            earlier[username] = line
        if reasons:
            result.problems.append((line, reasons))
            continue
        unit = units[unit_code]
        labels = "、".join(str(ROLES[r]) for r in roles)
        result.rows.append(Row(line, f"{username}  {name}  {unit.name}  {labels}",
                               {"username": username, "name": name, "unit": unit_code, "roles": roles,
                                "password": password or setup.generated_password(), "generated": not password}))
    return result


def template(kind: str) -> bytes:
    """The import template: the columns with an example row, and a help sheet
    naming every column and every unit kind or role in words."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET_TITLES[kind]
    columns = COLUMNS[kind]
    sheet.append(row_of(sheet, [chinese for _en, chinese, _ex, _help in columns.values()]))
    sheet.append(row_of(sheet, [example for _en, _zh, example, _help in columns.values()]))
    for column in sheet.columns:
        sheet.column_dimensions[column[0].column_letter].width = 20
    notes = workbook.create_sheet("说明")
    with force_locale("zh_Hans_CN"):
        notes.append([_("Column"), _("English header"), _("What to write")])
        for english, chinese, _example, help_text in columns.values():
            notes.append(row_of(notes, [chinese, english, str(help_text)]))
        notes.append([])
        choices = UNIT_KINDS if kind == UNITS else ROLES
        notes.append([_("Kinds of unit") if kind == UNITS else _("Roles"), _("Code"), "English"])
        for code, label in choices.items():
            with force_locale("en"):
                english_label = str(label)
            notes.append([str(label), code, english_label])
        if kind == USERS:
            notes.append([])
            notes.append([_("The system administrator and the auditor hold no other role (三权分立).")])
    for letter, width in (("A", 22), ("B", 22), ("C", 60)):
        notes.column_dimensions[letter].width = width
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()

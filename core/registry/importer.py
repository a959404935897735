"""Bulk import of enterprises from CSV or Excel (.xlsx).

Every import is checked first: each row is marked created, updated, unchanged
or rejected with its reasons, and nothing is written. Writing goes through the
file again in parts of ``CHUNK_ROWS`` rows, each part checked against the
registry as it is then and written in its own short transaction, so that an
import of any size never holds the database for long (on SQLite, the one
writer's lock). A file with rejected rows is not written at all unless the
user chose to import only the good rows. A credit code already in the
registry updates that enterprise rather than adding a second one: a blank
cell leaves its field as it is, and the row's contacts are merged into the
enterprise's by name and phone (one of the same name and phone is updated,
another added, none removed). The check counts, of the enterprises updated,
how many change in each column.

The file is read as a stream within ``IMPORT_MAX_BYTES``, ``IMPORT_MAX_ROWS``
and ``IMPORT_MAX_COLUMNS`` (core/spreadsheets/reading.py): at most one part of
the file is in memory. Large files are checked and written by the background
jobs (import_jobs.py) and the shell (cli.py) with ``check`` and ``write``;
``plan`` and ``apply`` do both on content in memory, every row's result kept.
"""
import io
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core import clock
from core.audit import services as audit
from core.database import READ_ONLY
from core.errors import ValidationError
from core.extensions import db
from core.org.models import Unit, User
from core.plugins.services import broadcast
from core.registry import services
from core.registry.models import Enterprise
from core.spreadsheets import reading
from core.spreadsheets.cells import unquote

CHUNK_ROWS = 200          # rows checked or written in one transaction
SQLITE_PAUSE_SECONDS = 0.1  # at least; longer after a longer part (see _give_way)
WRITE_ATTEMPTS = 3        # a part is checked and written again when a clerk registered one of its codes meanwhile

# field: (English header, Chinese header, example)
COLUMNS = {
    "name": ("name", "企业名称", "浙江华达科技有限公司"),
    "credit_code": ("credit_code", "统一社会信用代码", "91330681MA2BCDEF16"),
    "legal_representative": ("legal_representative", "法定代表人", "王伟"),
    "address": ("address", "地址", "诸暨市暨阳街道望云路1号"),
    "district": ("district", "所属区域", "暨阳街道"),
    "industry": ("industry", "行业", "信息技术"),
    "above_scale": ("above_scale", "规上企业", "是"),
    "is_key": ("is_key", "重点企业", "否"),
    "unit": ("unit", "属地单位代码", "ZJ-JY"),
    "liaison_officer": ("liaison_officer", "助企联络官账号", "jy.officer1"),
    "tags": ("tags", "标签", "出口企业"),
    "notes": ("notes", "备注", ""),
    "contact_name": ("contact_name", "联系人", "李娜"),
    "contact_phone": ("contact_phone", "联系电话", "13800000000"),
    "contact_title": ("contact_title", "联系人职务", "行政主管"),
}
REQUIRED = ("name", "credit_code")
# The enterprise's fields that are not named as their column.
FIELD_COLUMNS = {"unit_id": "unit", "liaison_officer_id": "liaison_officer", "tags_text": "tags",
                 "contacts": "contact_name"}
CONTACTS_ADDED, CONTACTS_UPDATED = "contacts_added", "contacts_updated"
CREATED, UPDATED, UNCHANGED, REJECTED = "created", "updated", "unchanged", "rejected"


def _header_key(text) -> str:
    return "".join(str(text or "").split()).strip("*＊").lower()


HEADERS = {}
for _field, (_en, _zh, _example) in COLUMNS.items():
    HEADERS[_header_key(_en)] = _field
    HEADERS[_header_key(_zh)] = _field


@dataclass
class RowResult:
    line: int
    action: str
    credit_code: str = ""
    name: str = ""
    reasons: list = field(default_factory=list)
    enterprise_id: int | None = None
    data: dict = field(default_factory=dict, repr=False)
    changed: list[str] = field(default_factory=list)        # an update's fields, as the columns name them
    contacts: services.ContactMerge | None = field(default=None, repr=False)


# --- reading files ------------------------------------------------------------

def limits() -> reading.Limits:
    config = current_app.config
    return reading.Limits(max_bytes=config["IMPORT_MAX_BYTES"], max_rows=config["IMPORT_MAX_ROWS"],
                          max_columns=config["IMPORT_MAX_COLUMNS"])


@dataclass
class Source:
    """An opened import file: what each column is, and its rows to come."""
    table: reading.Table
    columns: list
    ignored_columns: list[str]

    def chunks(self, size: int = CHUNK_ROWS) -> Iterator[list[tuple[int, dict]]]:
        chunk = []
        for line, cells in self.table.rows:
            raw = {}
            for column, value in zip(self.columns, cells):
                if column:
                    raw[column] = "" if value is None else (
                        unquote(str(value).strip()) if not isinstance(value, bool) else value)
            chunk.append((line, raw))
            if len(chunk) >= size:
                yield chunk
                chunk = []
        if chunk:
            yield chunk


@contextmanager
def opened(filename: str, stream) -> Iterator[Source]:
    """The file's header checked: raises ValidationError when it cannot be read,
    passes a limit, or lacks a required column."""
    with reading.open_table(filename, stream, limits()) as table:
        columns = [HEADERS.get(_header_key(h)) for h in table.header]
        missing = [COLUMNS[f][1] + " (" + COLUMNS[f][0] + ")" for f in REQUIRED if f not in columns]
        if missing:
            raise ValidationError(_l("The header row lacks the required columns: %(cols)s.",
                                     cols="、".join(missing)), field="file")
        ignored = [h for h, c in zip(table.header, columns) if c is None and h.strip()]
        yield Source(table, columns, ignored)


# --- checking and writing -------------------------------------------------------

@dataclass
class Summary:
    """What an import did or would do, counted as the rows come."""
    ignored_columns: list[str] = field(default_factory=list)
    counts: dict = field(default_factory=lambda: dict.fromkeys((CREATED, UPDATED, UNCHANGED, REJECTED), 0))
    # Of the enterprises updated: how many change in each column (in COLUMNS' order), and the contacts added and updated.
    changes: dict = field(default_factory=dict)

    def add(self, results: list[RowResult]) -> None:
        for result in results:
            self.counts[result.action] += 1
            if result.action == UPDATED:
                count_changes(self.changes, result)

    @property
    def rows(self) -> int:
        return sum(self.counts.values())

    @property
    def rejected(self) -> int:
        return self.counts[REJECTED]


class Planner:
    """Plans rows part by part, remembering across the file which codes it has seen."""

    def __init__(self, actor, default_unit_id: int | None):
        self.actor = actor
        self.default_unit_id = default_unit_id or actor.unit_id
        self.seen: dict[str, int] = {}
        self.units = {u.code: u.id for u in db.session.scalars(select(Unit))}
        self.users = {u.username: u.id for u in db.session.scalars(select(User).where(User.active.is_(True)))}

    def plan(self, chunk: list[tuple[int, dict]]) -> list[RowResult]:
        existing = _existing_by_code({services.uscc.normalize(raw.get("credit_code")) for _, raw in chunk})
        return [_plan_row(self.actor, line, raw, self.units, self.users, existing, self.seen, self.default_unit_id)
                for line, raw in chunk]

    def forget(self, results: list[RowResult]) -> None:
        """The part is planned again: its codes are not yet seen."""
        for result in results:
            if self.seen.get(result.credit_code) == result.line:
                del self.seen[result.credit_code]


def count_changes(changes: dict, result: RowResult) -> None:
    for column in result.changed:
        changes[column] = changes.get(column, 0) + 1
    if result.contacts is not None:
        for key, found in ((CONTACTS_ADDED, result.contacts.added), (CONTACTS_UPDATED, result.contacts.updated)):
            if found:
                changes[key] = changes.get(key, 0) + len(found)
    order = [*COLUMNS, CONTACTS_ADDED, CONTACTS_UPDATED]
    ordered = sorted(changes.items(), key=lambda item: order.index(item[0]))
    changes.clear()
    changes.update(ordered)


def _read_only() -> None:
    """The transaction about to begin only reads: on SQLite it does not take the writer's lock."""
    db.session.connection(execution_options={READ_ONLY: True})


Progress = Callable[[list[RowResult], "Summary"], None]


def measure(filename: str, stream) -> int:
    """Read the file once through without looking anything up, so that a limit
    it passes is found at once rather than after the slower check of every
    row. Returns the number of rows after the header."""
    rows = 0
    with opened(filename, stream) as source:
        for _row in source.table.rows:
            rows += 1
    return rows


def check(actor, filename: str, stream, default_unit_id: int | None = None,
          on_rows: Progress | None = None, on_measured: Callable[[int], None] | None = None) -> Summary:
    """Plan every row against the registry's rules without writing anything.
    New enterprises whose row names no unit go to ``default_unit_id``, else
    to the actor's own unit. ``on_rows`` is called with each part's results."""
    actor.require("enterprise.import")
    db.session.rollback()
    total = measure(filename, stream)
    if on_measured:
        on_measured(total)
    stream.seek(0)
    _read_only()
    with opened(filename, stream) as source:
        planner = Planner(actor, default_unit_id)
        db.session.rollback()
        summary = Summary(ignored_columns=source.ignored_columns)
        for chunk in source.chunks():
            _read_only()
            results = planner.plan(chunk)
            db.session.rollback()
            summary.add(results)
            if on_rows:
                on_rows(results, summary)
    return summary


def write(actor, filename: str, stream, only_valid: bool = False, default_unit_id: int | None = None,
          on_rows: Progress | None = None) -> Summary:
    """Write the file part by part, each part checked again as the registry is
    now. Rows rejected now are left out (and counted); call ``check`` first to
    refuse a file with rejected rows."""
    actor.require("enterprise.import")
    db.session.rollback()
    with opened(filename, stream) as source:
        planner = Planner(actor, default_unit_id)
        db.session.rollback()
        summary = Summary(ignored_columns=source.ignored_columns)
        for chunk in source.chunks():
            results = _write_part(actor, planner, chunk)
            summary.add(results)
            if on_rows:
                on_rows(results, summary)
    audit.record(actor, "enterprise.import", object_type="enterprise",
                 detail={"file": filename[:100], **summary.counts, **({"only_valid": True} if only_valid else {})})
    db.session.commit()
    return summary


def _write_part(actor, planner: Planner, chunk) -> list[RowResult]:
    """Check a part as the registry is now (reading only), then write it in a short
    transaction; on SQLite, leave the database to the others for as long again."""
    for attempt in range(WRITE_ATTEMPTS):
        _read_only()
        results = planner.plan(chunk)
        db.session.rollback()
        written = []
        for row in results:                 # new enterprises first: their values are made without the database
            if row.action == CREATED:
                enterprise = Enterprise(name="", name_pinyin="", name_initials="", credit_code="")
                services.apply_values(enterprise, row.data)
                written.append((row, enterprise, None))
        began = time.monotonic()
        for _row, enterprise, _changed in written:
            db.session.add(enterprise)
        for row in results:
            if row.action == UPDATED:
                enterprise = db.session.get(Enterprise, row.enterprise_id)
                if enterprise is None:              # removed since it was read: check the part again
                    written = None
                    break
                before = _values_of(enterprise, services.changed_fields(enterprise, row.data))
                services.apply_values(enterprise, row.data, contacts_in_place=True)
                written.append((row, enterprise, before))
                enterprise.updated_at = clock.now()
        try:
            if written is None:
                raise IntegrityError("", {}, Exception("an enterprise was removed meanwhile"))
            db.session.flush()
            for row, enterprise, before in written:
                row.enterprise_id = enterprise.id
                if before is None:
                    audit.record(actor, "enterprise.create", enterprise,
                                 detail={"credit_code": enterprise.credit_code, "via": "import"})
                else:
                    audit.record(actor, "enterprise.update", enterprise, detail=_change_detail(row, enterprise, before))
            db.session.commit()
        except IntegrityError:   # a clerk registered one of these codes meanwhile: check the part again
            db.session.rollback()
            planner.forget(results)
            if attempt == WRITE_ATTEMPTS - 1:
                audit.record_failure(actor, "enterprise.import", detail={"reason": "race", "line": chunk[0][0]})
                raise ValidationError(_l("Enterprises of the rows from %(line)d on were being registered by "
                                         "someone else at the same time; the rows before were imported. Import "
                                         "the file again to finish.", line=chunk[0][0])) from None
            continue
        held = time.monotonic() - began
        for _row, enterprise, _changed in written:
            broadcast("anqi_enterprise_event", event="imported", enterprise=enterprise, actor=actor)
        db.session.commit()
        _give_way(held)
        return results
    raise AssertionError("unreachable")


def _values_of(enterprise: Enterprise, fields: list[str]) -> dict:
    return {f: getattr(enterprise, f) for f in fields if f != "contacts"} | (
        {"contacts": None} if "contacts" in fields else {})


def _contact_words(contact: dict) -> dict:
    """A contact in the audit trail: the phone is left out (it is personal data)."""
    return {"name": contact["name"], "title": contact["title"]}


def _change_detail(row: RowResult, enterprise: Enterprise, before: dict) -> dict:
    """What an update changed, before and after: the changed fields only, and
    of the contacts only those added or updated."""
    detail = {"fields": sorted(before), "before": {}, "after": {}, "via": "import"}
    for name, value in before.items():
        if name == "contacts":
            merge = row.contacts
            detail["before"]["contacts"] = [_contact_words(was) for was, _now in merge.updated]
            detail["after"]["contacts"] = [_contact_words(now) for _was, now in merge.updated] + [
                _contact_words(c) for c in merge.added]
        else:
            detail["before"][name] = value
            detail["after"][name] = getattr(enterprise, name)
    return detail


def _give_way(held: float) -> None:
    """On SQLite the import is the one writer while it writes a part: the requests
    waiting for the database ask again every few milliseconds and must find it
    free, or a writer that comes straight back starves them. PostgreSQL locks
    rows, not the database, and needs no pause."""
    if db.engine.dialect.name == "sqlite":
        time.sleep(max(SQLITE_PAUSE_SECONDS, held))


@dataclass
class ImportReport:
    """Every row's result, for a file small enough to hold them (the shell, tests)."""
    rows: list[RowResult]
    ignored_columns: list[str]

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

    @property
    def rejected(self) -> list[RowResult]:
        return [r for r in self.rows if r.action == REJECTED]

    @property
    def counts(self) -> dict:
        return {a: self.count(a) for a in (CREATED, UPDATED, UNCHANGED, REJECTED)}

    @property
    def changes(self) -> dict:
        changes: dict = {}
        for row in self.rows:
            if row.action == UPDATED:
                count_changes(changes, row)
        return changes


def plan(actor, filename: str, content: bytes, default_unit_id: int | None = None) -> ImportReport:
    """``check`` on content in memory, every row's result kept."""
    rows = []
    summary = check(actor, filename, io.BytesIO(content), default_unit_id, lambda results, _s: rows.extend(results))
    return ImportReport(rows=rows, ignored_columns=summary.ignored_columns)


def apply(actor, filename: str, content: bytes, only_valid: bool = False,
          default_unit_id: int | None = None) -> ImportReport:
    """Check, then write. Raises ValidationError (and writes nothing) when a row
    is rejected, unless ``only_valid``."""
    report = plan(actor, filename, content, default_unit_id)
    refuse_rejected(actor, filename, report.counts, only_valid)
    rows = []
    write(actor, filename, io.BytesIO(content), only_valid, default_unit_id, lambda results, _s: rows.extend(results))
    return ImportReport(rows=rows, ignored_columns=report.ignored_columns)


def refuse_rejected(actor, filename: str, counts: dict, only_valid: bool) -> None:
    if counts[REJECTED] and not only_valid:
        audit.record_failure(actor, "enterprise.import", detail={"file": filename[:100], **counts})
        raise ValidationError(_l("%(n)d rows were rejected, so nothing was imported. Correct them, or choose "
                                 "to import only the good rows.", n=counts[REJECTED]))


def _existing_by_code(codes) -> dict[str, Enterprise]:
    found, codes = {}, [c for c in codes if c]
    for start in range(0, len(codes), 500):
        chunk = codes[start:start + 500]
        for e in db.session.scalars(select(Enterprise).where(Enterprise.credit_code.in_(chunk))):
            found[e.credit_code] = e
    return found


def _plan_row(actor, line, raw, units, users, existing, seen, default_unit_id) -> RowResult:
    result = RowResult(line=line, action=REJECTED, credit_code=str(raw.get("credit_code", ""))[:40],
                       name=str(raw.get("name", ""))[:200])
    # A blank cell says nothing: a new enterprise takes the field's default, an existing one keeps its value.
    data = {k: raw[k] for k in ("name", "credit_code", "legal_representative", "address", "district",
                                "industry", "tags", "notes", "above_scale", "is_key") if not _blank(raw.get(k))}
    reasons = []
    if raw.get("unit"):
        unit_id = units.get(str(raw["unit"]).strip().upper())
        if unit_id is None:
            reasons.append(_l("There is no unit with the code “%(code)s”.", code=raw["unit"]))
        else:
            data["unit_id"] = unit_id
    if raw.get("liaison_officer"):
        officer_id = users.get(str(raw["liaison_officer"]).strip().lower())
        if officer_id is None:
            reasons.append(_l("There is no active user “%(name)s” to be the liaison officer.",
                              name=raw["liaison_officer"]))
        else:
            data["liaison_officer_id"] = officer_id
    if any(raw.get(k) for k in ("contact_name", "contact_phone", "contact_title")):
        # One contact a line, as the export writes them.
        names, phones, titles = (_lines(raw.get(k)) for k in ("contact_name", "contact_phone", "contact_title"))
        data["contacts"] = [{"name": _nth(names, i), "phone": _nth(phones, i), "title": _nth(titles, i)}
                            for i in range(max(len(names), len(phones), len(titles)))]
    try:
        clean = services.validate(actor, data)
    except ValidationError as exc:
        reasons += [m for messages in exc.errors.values() for m in messages]
        clean = {}
    for required in REQUIRED:
        if not str(raw.get(required) or "").strip():
            message = _l("Enter the enterprise's name.") if required == "name" else _l(
                "Enter the unified social credit code.")
            if message not in reasons:
                reasons.append(message)
    code = clean.get("credit_code")
    if code:
        result.credit_code = code
        if code in seen:
            reasons.append(_l("This credit code already appears in row %(line)d.", line=seen[code]))
        else:
            seen[code] = line
    if reasons:
        result.reasons = [str(r) for r in reasons]
        return result
    current = existing.get(code)
    if current is not None and not actor.scope.allows(current.unit_id):
        result.reasons = [str(_l("This credit code is already registered, in another unit's area."))]
        return result
    try:
        services.resolve_masked_phones(current, clean)  # an exported file holds the phones masked
    except ValidationError as exc:
        result.reasons = [str(exc.message)]
        return result
    if "contacts" in clean:
        result.contacts = services.merge_contacts(current, clean["contacts"])
        if len(result.contacts.contacts) > services.MAX_CONTACTS:
            result.reasons = [str(_l("Keep at most %(n)d contacts.", n=services.MAX_CONTACTS))]
            return result
        clean["contacts"] = result.contacts.contacts
    if current is None:
        clean.setdefault("unit_id", default_unit_id)
        if clean["unit_id"] is None:
            result.reasons = [str(_l("Give the responsible unit's code (column 属地单位代码)."))]
            return result
        result.action = CREATED
    else:
        result.enterprise_id = current.id
        changed = services.changed_fields(current, clean)
        result.action = UPDATED if changed else UNCHANGED
        result.changed = [FIELD_COLUMNS.get(f, f) for f in changed]
    result.data = clean
    return result


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _lines(value) -> list[str]:
    return str(value).splitlines() if value is not None else []


def _nth(values: list, i: int) -> str:
    return values[i] if i < len(values) else ""


# The template's second sheet; the import reads the first sheet only.
HELP_SHEET = "填写说明"
HELP_LINES = (
    "第一张工作表为企业名录：第一行为列名（中文或英文，见下），每家企业一行。",
    "企业名称、统一社会信用代码两列必填。",
    "统一社会信用代码已登记的企业，按该行更新：空白单元格不改动该项原有内容（不会清空）；"
    "如需清空某项，请在系统中编辑该企业。",
    "联系人、联系电话、联系人职务：一个单元格内每行一位联系人，三列按行对应。"
    "已登记企业的联系人按姓名和电话合并：姓名和电话都相同的更新其职务，其余的新增，原有联系人不会删除。",
    "规上企业、重点企业填“是”或“否”。属地单位代码、助企联络官账号须为系统中已有的代码和账号。",
    "导入前先逐行检查，显示每行将新增、更新、不变或被拒绝及原因，以及将更新的各项数量，确认后才写入。",
)


def template_workbook() -> bytes:
    """The downloadable template: Chinese headers and one example row, then a
    sheet saying how the rows are read."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "企业名录"
    sheet.append([zh for _en, zh, _ex in COLUMNS.values()])
    sheet.append([ex for _en, _zh, ex in COLUMNS.values()])
    for column in sheet.columns:
        sheet.column_dimensions[column[0].column_letter].width = 18
    notes = workbook.create_sheet(HELP_SHEET)
    for line in HELP_LINES:
        notes.append([line])
    notes.append([])
    notes.append(["列名", "英文列名", "示例"])
    for en, zh, example in COLUMNS.values():
        notes.append([zh, en, example])
    for letter, width in (("A", 20), ("B", 24), ("C", 30)):   # the lines above run on into the empty cells
        notes.column_dimensions[letter].width = width
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()

"""Bulk import of enterprises from CSV or Excel (.xlsx).

Every import is planned first: each row is checked and marked created, updated,
unchanged or rejected with its reasons. Applying writes the plan in one
transaction: nothing at all when any row is rejected, unless the user chose to
import only the good rows. A credit code already in the registry updates that
enterprise rather than adding a second one.
"""
import csv
import io
import zipfile
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook, load_workbook
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core import clock
from core.audit import services as audit
from core.errors import ValidationError
from core.extensions import db
from core.org.models import Unit, User
from core.plugins.services import broadcast
from core.registry import services
from core.registry.models import Enterprise

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


@dataclass
class ImportReport:
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


# --- reading files ------------------------------------------------------------

def read_table(filename: str, content: bytes) -> tuple[list[str], list[tuple[int, list]]]:
    """(header cells, [(line number, cells)]) from CSV or .xlsx content."""
    limit = current_app.config["IMPORT_MAX_BYTES"]
    if len(content) > limit:
        raise ValidationError(_l("The file is larger than %(mb)d MB. Split it and import the parts.",
                                 mb=limit // (1024 * 1024)), field="file")
    if not content.strip():
        raise ValidationError(_l("The file is empty."), field="file")
    lower = (filename or "").lower()
    if content[:4] == b"PK\x03\x04" or lower.endswith(".xlsx"):
        rows = _read_xlsx(content)
    elif lower.endswith((".csv", ".txt")) or not lower:
        rows = _read_csv(content)
    else:
        raise ValidationError(_l("Upload a CSV file or an Excel workbook (.xlsx)."), field="file")
    rows = [(n, cells) for n, cells in rows if any(str(c).strip() for c in cells if c is not None)]
    if not rows:
        raise ValidationError(_l("The file has no header row."), field="file")
    max_rows = current_app.config["IMPORT_MAX_ROWS"]
    if len(rows) - 1 > max_rows:
        raise ValidationError(_l("The file has more than %(n)d rows. Split it and import the parts.", n=max_rows),
                              field="file")
    header = ["" if c is None else str(c) for c in rows[0][1]]
    return header, rows[1:]


def _read_csv(content: bytes):
    # Excel on Chinese Windows saves CSV in GB18030 (GBK); everything else uses UTF-8.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValidationError(_l("The CSV file is neither UTF-8 nor GBK text."), field="file")
    if "\x00" in text:
        raise ValidationError(_l("This is not a CSV text file."), field="file")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        return [(i + 1, row) for i, row in enumerate(csv.reader(io.StringIO(text), dialect))]
    except csv.Error as exc:
        raise ValidationError(_l("The CSV file is malformed: %(error)s", error=str(exc)), field="file") from None


def _read_xlsx(content: bytes):
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError):
        raise ValidationError(_l("The Excel file cannot be read. Save it again as .xlsx and retry."),
                              field="file") from None
    try:
        sheet = workbook.worksheets[0]
        return [(i + 1, ["" if c is None else c for c in row])
                for i, row in enumerate(sheet.iter_rows(values_only=True))]
    finally:
        workbook.close()


# --- planning and applying ----------------------------------------------------

def plan(actor, filename: str, content: bytes, default_unit_id: int | None = None) -> ImportReport:
    """Check every row against the registry's rules without writing anything.
    New enterprises whose row names no unit go to ``default_unit_id``, else
    to the actor's own unit."""
    actor.require("enterprise.import")
    header, rows = read_table(filename, content)
    columns = [HEADERS.get(_header_key(h)) for h in header]
    missing = [COLUMNS[f][1] + " (" + COLUMNS[f][0] + ")" for f in REQUIRED if f not in columns]
    if missing:
        raise ValidationError(_l("The header row lacks the required columns: %(cols)s.", cols="、".join(missing)),
                              field="file")
    ignored = [h for h, c in zip(header, columns) if c is None and h.strip()]

    units = {u.code: u.id for u in db.session.scalars(select(Unit))}
    users = {u.username: u.id for u in db.session.scalars(select(User).where(User.active.is_(True)))}
    raw_rows = []
    for line, cells in rows:
        raw = {}
        for column, value in zip(columns, cells):
            if column:
                raw[column] = "" if value is None else (str(value).strip() if not isinstance(value, bool) else value)
        raw_rows.append((line, raw))
    codes = {services.uscc.normalize(raw.get("credit_code")) for _, raw in raw_rows}
    existing = _existing_by_code(codes)

    results, seen = [], {}
    for line, raw in raw_rows:
        results.append(_plan_row(actor, line, raw, units, users, existing, seen,
                                  default_unit_id or actor.unit_id))
    return ImportReport(rows=results, ignored_columns=ignored)


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
    data = {k: raw[k] for k in ("name", "credit_code", "legal_representative", "address", "district",
                                "industry", "tags", "notes", "above_scale", "is_key") if k in raw}
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
    if current is None:
        clean.setdefault("unit_id", default_unit_id)
        if clean["unit_id"] is None:
            result.reasons = [str(_l("Give the responsible unit's code (column 属地单位代码)."))]
            return result
        result.action = CREATED
    else:
        result.enterprise_id = current.id
        result.action = UPDATED if services.changed_fields(current, clean) else UNCHANGED
    result.data = clean
    return result


def _lines(value) -> list[str]:
    return str(value).splitlines() if value is not None else []


def _nth(values: list, i: int) -> str:
    return values[i] if i < len(values) else ""


def apply(actor, filename: str, content: bytes, only_valid: bool = False,
          default_unit_id: int | None = None) -> ImportReport:
    """Plan, then write. Raises ValidationError (and writes nothing) when a row
    is rejected, unless ``only_valid``."""
    report = plan(actor, filename, content, default_unit_id)
    if report.rejected and not only_valid:
        audit.record_failure(actor, "enterprise.import", detail={"file": filename[:100], **report.counts})
        raise ValidationError(_l("%(n)d rows were rejected, so nothing was imported. Correct them, or choose "
                                 "to import only the good rows.", n=len(report.rejected)))
    created = []
    for row in report.rows:
        if row.action == CREATED:
            enterprise = Enterprise(name="", name_pinyin="", name_initials="", credit_code="")
            services.apply_values(enterprise, row.data)
            db.session.add(enterprise)
            created.append((row, enterprise))
        elif row.action == UPDATED:
            enterprise = db.session.get(Enterprise, row.enterprise_id)
            changed = services.apply_values(enterprise, row.data)
            enterprise.updated_at = clock.now()
            audit.record(actor, "enterprise.update", enterprise, detail={"fields": changed, "via": "import"})
    db.session.flush()
    for row, enterprise in created:
        row.enterprise_id = enterprise.id
        audit.record(actor, "enterprise.create", enterprise,
                     detail={"credit_code": enterprise.credit_code, "via": "import"})
    audit.record(actor, "enterprise.import", object_type="enterprise",
                 detail={"file": filename[:100], **report.counts})
    try:
        db.session.commit()
    except IntegrityError:  # another import or a clerk registered one of these codes meanwhile
        audit.record_failure(actor, "enterprise.import", detail={"file": filename[:100], "reason": "race"})
        raise ValidationError(_l("Some of these enterprises were registered by someone else while the file "
                                 "was being imported; nothing was imported. Check the file again.")) from None
    for row in report.rows:
        if row.action in (CREATED, UPDATED):
            broadcast("anqi_enterprise_event", event="imported",
                      enterprise=db.session.get(Enterprise, row.enterprise_id), actor=actor)
    return report


def template_workbook() -> bytes:
    """The downloadable template: Chinese headers and one example row."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "企业名录"
    sheet.append([zh for _en, zh, _ex in COLUMNS.values()])
    sheet.append([ex for _en, _zh, ex in COLUMNS.values()])
    for column in sheet.columns:
        sheet.column_dimensions[column[0].column_letter].width = 18
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()

"""Export of the registry (what the user may see, as filtered) to Excel, in the
import template's columns, so an exported file can be corrected and imported back.

Contacts are one line each in the three contact columns. Their phones are
masked (the import recognises a masked phone as the one already stored) unless
the user asks for them in full, which needs ``personal_data.reveal`` and is
recorded as ``personal_data.export``."""
import io

from openpyxl import Workbook
from sqlalchemy.orm import selectinload

from core.audit import services as audit
from core.extensions import db
from core.privacy import masking
from core.privacy import services as privacy
from core.registry import services
from core.registry.importer import COLUMNS
from core.registry.models import Enterprise
from core.spreadsheets.cells import row_of

FIELDS = ("name", "credit_code", "legal_representative", "address", "district", "industry", "above_scale",
          "is_key", "unit", "liaison_officer", "tags", "notes", "contact_name", "contact_phone", "contact_title")


def _row(e, reveal: bool) -> list:
    values = {
        "above_scale": "是" if e.above_scale else "否",
        "is_key": "是" if e.is_key else "否",
        "unit": e.unit.code,
        "liaison_officer": e.liaison_officer.username if e.liaison_officer else "",
        "tags": "，".join(e.tags),
        "contact_name": "\n".join(c.name for c in e.contacts),
        "contact_phone": "\n".join(c.phone if reveal else masking.mask("phone", c.phone) for c in e.contacts),
        "contact_title": "\n".join(c.title for c in e.contacts),
    }
    return [values[f] if f in values else getattr(e, f) for f in FIELDS]


def workbook(actor, filters: services.EnterpriseFilter, reveal: bool = False) -> tuple[bytes, int]:
    """The workbook's bytes and the number of enterprises in it; ``reveal``:
    the contacts' phones in full."""
    actor.require("enterprise.export")
    if reveal:
        privacy.check_export(actor, "enterprise", ["contact_phone"])
    stmt = (services.scoped_select(actor, filters).order_by(*services.SORTS["name"])
            .options(selectinload(Enterprise.contacts)))
    book = Workbook(write_only=True)
    sheet = book.create_sheet("企业名录")
    sheet.append([COLUMNS[f][1] for f in FIELDS])
    count = 0
    for enterprise in db.session.scalars(stmt.execution_options(yield_per=1000)):
        sheet.append(row_of(sheet, _row(enterprise, reveal)))
        count += 1
    out = io.BytesIO()
    book.save(out)
    audit.record(actor, "enterprise.export", object_type="enterprise",
                 detail={"rows": count, **({"personal_data": "unmasked"} if reveal else {})})
    if reveal:
        privacy.record_export(actor, "enterprise", ["contact_phone"], count)
    db.session.commit()
    return out.getvalue(), count

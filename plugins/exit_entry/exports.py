"""An application's applicants as an Excel workbook, ID numbers masked (an
export never holds a number in full)."""
import io

from flask_babel import gettext as _
from openpyxl import Workbook

from core.audit import services as audit
from core.extensions import db
from core.privacy.masking import mask
from core.spreadsheets.cells import row_of
from core.tickets.deadlines import local_date
from plugins.exit_entry import applications
from plugins.exit_entry.vocabulary import DOC_TYPES, RELATIONS, STATUSES, URGENCIES


def workbook(actor, application_id) -> bytes:
    application = applications.get(actor, application_id)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Applicants"))
    sheet.append([_("Name"), _("Citizen ID number"), _("Relation"), _("Document"), _("Urgency"), _("Destination"),
                  _("Purpose"), _("Travel from"), _("Status"), _("Target")])
    for person in application.applicants:
        sheet.append(row_of(sheet, [
            person.name, mask("citizen_id", person.id_number), str(RELATIONS[person.relation]),
            str(DOC_TYPES[person.doc_type]), str(URGENCIES[person.urgency]), person.destination, person.purpose,
            person.travel_from, str(STATUSES[person.status]), local_date(person.target_at)]))
    out = io.BytesIO()
    book.save(out)
    audit.record(actor, "exit_entry.export", application, detail={"rows": len(application.applicants)})
    db.session.commit()
    return out.getvalue()

"""The administrator's page of the documents' fonts, and the faces note of a document's page."""
from flask import Blueprint, render_template

from core.documents import fonts
from core.web import permission_required

bp = Blueprint("document_fonts", __name__, url_prefix="/admin/documents")


@bp.route("/fonts")
@permission_required("system.manage")
def index():
    rows, skipped = fonts.report()
    return render_template("documents_pages/fonts.html", rows=rows, skipped=skipped, folder=fonts.folder())


@bp.app_template_global("document_stand_ins")
def document_stand_ins(document) -> list[dict]:
    """The roles of ``document`` set in a stand-in (detail.html says so plainly)."""
    return fonts.stand_ins(fonts.faces_of(document))

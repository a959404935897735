"""The plugin's official documents, made as drafts through core's document
service (numbered, signed off and issued there): the green-channel acceptance
receipt (受理回执) to the enterprise, and the recommendation letter (推荐函) to
the issuing authority listing the applicants.

The receipt always shows ID numbers masked. The letter shows them masked
unless the unit's setting asks for them in full; then only a role that may
reveal personal data makes it, the export of full numbers is audited, and the
letter is drafted as carrying personal data: core keeps its content and its
PDF encrypted at rest and audits every opening (core/documents/sealing.py).
"""
from flask_babel import lazy_gettext as _l

from core.documents import services as documents
from core.org.services import self_reference
from core.plugins.toolkit import DocumentType
from core.privacy import services as privacy
from core.privacy.masking import mask
from core.tickets.deadlines import local_date
from plugins.exit_entry import applications, settings
from plugins.exit_entry.vocabulary import DOC_TYPE_WORDS, RELATION_WORDS, URGENCY_WORDS

RECEIPT, RECOMMENDATION = "exit_entry.receipt", "exit_entry.recommendation"
TYPES = [DocumentType(RECEIPT, _l("Green-channel acceptance receipt (受理回执)")),
         DocumentType(RECOMMENDATION, _l("Recommendation letter to the issuing authority (推荐函)"))]


def _day(value) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


def titled_name(name: str) -> str:
    """An enterprise's name inside a title, shortened only past any real name's
    length so that the title stays within the 200 characters core allows."""
    return name if len(name) <= 100 else name[:99] + "…"


def receipt(actor, application_id):
    application = applications.get(actor, application_id)
    enterprise = application.enterprise
    received = _day(local_date(application.received_at))
    issuer = self_reference(actor.user.unit)
    body = [("p", f"你单位于{received}通过出入境“绿色通道”提交的{len(application.applicants)}人出入境证件申请，"
                  f"{issuer}已受理，受理情况如下：")]
    body.append(("table", {"columns": ["序号", "姓名", "公民身份号码", "申办证件", "办理方式", "预计可领取日期"],
                           "rows": [[str(n), person.name, mask("citizen_id", person.id_number),
                                     DOC_TYPE_WORDS[person.doc_type], URGENCY_WORDS[person.urgency],
                                     _day(local_date(person.target_at))]
                                    for n, person in enumerate(application.applicants, start=1)]}))
    body.append(("p", f"证件制作完成后{issuer}将及时通知领取。如需补充材料，请按通知要求办理。"))
    title = f"关于{titled_name(enterprise.name)}出入境证件“绿色通道”申请的受理回执"
    return documents.create(actor, documents.Draft(
        doc_type=RECEIPT, title=title, addressees=[enterprise.name], body=body,
        enterprise_id=enterprise.id, related_type="exit_entry_application", related_id=application.id))


def recommendation(actor, application_id):
    application = applications.get(actor, application_id)
    enterprise = application.enterprise
    full = settings.settings_of(actor.unit_id).letter_full_ids
    people = application.applicants
    if full:      # full numbers leave the masked pages: only a role that may reveal, recorded as an export
        privacy.record_export(actor, "exit_entry_applicant", ["id_number"], len(people),
                              detail={"application_id": application.id, "document": RECOMMENDATION})
    body = [("p", f"{enterprise.name}（统一社会信用代码：{enterprise.credit_code}）系我辖区重点服务企业，"
                  f"因商务需要，现有{len(people)}名人员申请办理出入境证件。经审核，申请材料齐全，"
                  "特推荐通过“绿色通道”优先办理。申请人员如下：")]
    rows = []
    for n, person in enumerate(people, start=1):
        trip = _day(person.travel_from) + (f"至{_day(person.travel_to)}" if person.travel_to else "")
        rows.append([str(n), f"{person.name}（{RELATION_WORDS[person.relation]}）",
                     person.id_number if full else mask("citizen_id", person.id_number),
                     f"{DOC_TYPE_WORDS[person.doc_type]}（{URGENCY_WORDS[person.urgency]}）",
                     f"{person.destination}，{person.purpose}", trip])
    body.append(("table", {"columns": ["序号", "姓名", "公民身份号码", "申办证件", "前往地及事由", "行程"],
                           "rows": rows}))
    body.append(("p", "请予支持为盼。"))
    # With full numbers the letter carries personal data: core seals its content and its PDF.
    return documents.create(actor, documents.Draft(
        doc_type=RECOMMENDATION, title=f"关于为{titled_name(enterprise.name)}人员优先办理出入境证件的推荐函",
        addressees=[settings.authority_of(actor.unit_id)], body=body, enterprise_id=enterprise.id,
        related_type="exit_entry_application", related_id=application.id, personal_data=full))

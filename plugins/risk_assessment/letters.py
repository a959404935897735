"""The two letters and one list (两书一单), drafted from an assessment as core
documents (edited, submitted, signed off, numbered, issued and delivered on
core's document pages), each expecting a response by a working day.

- 提示书 (notice): the risks found, the legal duties they touch, what to do and
  by when; to the enterprise in 信函格式, or to a department in 文件格式;
- 意见建议书 (advice): the problems and numbered recommendations; to the
  enterprise (信函格式) or to a department (文件格式);
- 风险预警单 (warning list): a table of the risks with level, category,
  enterprise and industry, and suggested measures; to the government or a
  department, in 文件格式.

A warning list may also be drawn for a class of enterprises (一类事: one
industry in one district, as core's classes of similar tickets group them):
it lists the open assessed risks of every enterprise of that class within the
actor's units, by enterprise, and has no assessment of its own.
"""
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from core import clock
from core.audit import services as audit
from core.documents import services as documents
from core.errors import NotFound, ValidationError
from core.extensions import db
from core.org.services import self_reference
from core.plugins.toolkit import DocumentType
from core.registry import services as registry
from core.registry.models import Enterprise
from core.text import clean_text
from core.tickets import services as tickets
from core.tickets.deadlines import after_working_days, local_date
from plugins.risk_assessment import assessments, blocks, matrix
from plugins.risk_assessment.assessments import AREA_WORDS, CATEGORY_WORDS
from plugins.risk_assessment.models import Letter, LetterRisk, RiskItem
from plugins.risk_assessment.sources import TICKET_CLASS

KINDS = {"notice": _l("Reminder letter (提示书)"), "advice": _l("Opinion and suggestion letter (意见建议书)"),
         "warning": _l("Risk warning list (风险预警单)")}
# The 文种 of each kind, ending its title: 关于<事由>的<文种> (GB/T 9704-2012, 7.3.1; the mark names the issuer).
DOC_KINDS = {"notice": "提示书", "advice": "意见建议书", "warning": "风险预警单"}
ADDRESSEE_KINDS = {"enterprise": _l("The enterprise"), "department": _l("A department"),
                   "government": _l("The party committee and government")}
ALLOWED_ADDRESSEES = {"notice": ("enterprise", "department"), "advice": ("enterprise", "department"),
                      "warning": ("government", "department")}
# Working days the addressee has to respond, counted from the day the letter is drafted.
RESPONSE_WORKING_DAYS = {"notice": 10, "advice": 15, "warning": 20}
DEFAULT_GOVERNMENT = "市委、市政府"
MAX_CLASS_RISKS = 200          # a class warning list names at most these, the most serious

NOTICE_LETTER, NOTICE_FILE = "risk_assessment.notice_letter", "risk_assessment.notice_file"
ADVICE_LETTER, ADVICE_FILE = "risk_assessment.advice_letter", "risk_assessment.advice_file"
WARNING_LIST, QUARTERLY_REPORT = "risk_assessment.warning_list", "risk_assessment.quarterly_report"
TYPES = [
    DocumentType(NOTICE_LETTER, _l("Risk reminder letter to an enterprise (提示书)"), layout="letter", family="letter"),
    DocumentType(NOTICE_FILE, _l("Risk reminder to a department (提示书)"), layout="file", family="file"),
    DocumentType(ADVICE_LETTER, _l("Opinion and suggestion letter to an enterprise (意见建议书)"),
                 layout="letter", family="letter"),
    DocumentType(ADVICE_FILE, _l("Opinions and suggestions to a department (意见建议书)"), layout="file", family="file"),
    # The warning list and the quarterly report go up, to the party committee and government.
    DocumentType(WARNING_LIST, _l("Risk warning list (风险预警单)"), layout="file", family="file", upward=True),
    DocumentType(QUARTERLY_REPORT, _l("Quarterly risk report (季度风险报告)"), layout="file", family="file",
                 upward=True),
]
# What the law asks in each category: cited in the reminder letter.
LEGAL_DUTIES = {
    "fundraising": "《防范和处置非法集资条例》禁止任何单位和个人未经依法许可或者违反国家金融管理规定，"
                   "以许诺还本付息或者给予其他投资回报等方式，向不特定对象吸收资金；构成犯罪的，依照《中华人民共和国刑法》"
                   "第一百七十六条、第一百九十二条追究刑事责任。",
    "contract_fraud": "以非法占有为目的，在签订、履行合同过程中骗取对方当事人财物，数额较大的，"
                      "依照《中华人民共和国刑法》第二百二十四条以合同诈骗罪追究刑事责任。",
    "embezzlement": "公司、企业人员利用职务上的便利，将本单位财物非法占为己有或者挪用本单位资金归个人使用的，"
                    "依照《中华人民共和国刑法》第二百七十一条、第二百七十二条追究刑事责任。企业应当健全财务审批和内部监督制度。",
    "bid_rigging": "投标人相互串通投标报价，或者与招标人串通投标，损害招标人、其他投标人或者国家、集体利益的，"
                   "依照《中华人民共和国招标投标法》第五十三条和《中华人民共和国刑法》第二百二十三条追究责任。",
    "bribery": "《中华人民共和国反不正当竞争法》第七条禁止经营者采用财物或者其他手段贿赂交易相对方的工作人员等单位或者个人；"
               "构成犯罪的，依照《中华人民共和国刑法》第一百六十三条、第一百六十四条追究刑事责任。",
    "ip": "侵犯注册商标专用权、专利权、著作权和商业秘密的，依照《中华人民共和国商标法》《中华人民共和国专利法》"
          "等法律承担责任；构成犯罪的，依照《中华人民共和国刑法》第二百一十三条至第二百二十条追究刑事责任。",
    "tax": "虚开增值税专用发票或者用于骗取出口退税、抵扣税款的其他发票的，依照《中华人民共和国刑法》"
           "第二百零五条追究刑事责任。",
    "security": "企业事业单位应当依照《企业事业单位内部治安保卫条例》落实内部治安保卫制度和防范措施，"
                "及时消除治安隐患。",
    "cyber": "网络运营者应当依照《中华人民共和国网络安全法》《中华人民共和国数据安全法》履行网络安全保护义务，"
             "建立数据安全管理制度。",
    "reputation": "企业应当建立舆情监测和应急处置机制，依法维护自身合法权益。",
    "other": "企业应当依法合规经营，健全内部控制和风险防范制度。",
}


def _day(value: date) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


def doc_type(kind: str, addressee_kind: str) -> str:
    if kind == "warning":
        return WARNING_LIST
    to_enterprise = addressee_kind == "enterprise"
    if kind == "notice":
        return NOTICE_LETTER if to_enterprise else NOTICE_FILE
    return ADVICE_LETTER if to_enterprise else ADVICE_FILE


# --- reading ---------------------------------------------------------------------------

def get(actor, letter_id) -> Letter:
    actor.require("risk_assessment.read")
    row = db.session.get(Letter, letter_id) if letter_id else None
    if row is None or not actor.scope.allows(row.unit_id):
        raise NotFound(_l("There is no such letter in your units' area."))
    return row


def risks_of(letter: Letter) -> list[RiskItem]:
    return list(db.session.scalars(select(RiskItem).join(LetterRisk, LetterRisk.risk_item_id == RiskItem.id)
                                   .where(LetterRisk.letter_id == letter.id)
                                   .order_by(RiskItem.score.desc(), RiskItem.id)))


def of_enterprise(actor, enterprise_id) -> list[Letter]:
    actor.require("risk_assessment.read")
    return list(db.session.scalars(select(Letter).where(Letter.enterprise_id == enterprise_id,
                                                        actor.scope.filter(Letter.unit_id))
                                   .order_by(Letter.id.desc())))


def for_classes(actor, limit: int = 20) -> list[Letter]:
    """The warning lists drawn for a class of enterprises by the actor's units, newest first."""
    actor.require("risk_assessment.read")
    return list(db.session.scalars(select(Letter).where(Letter.assessment_id.is_(None),
                                                        actor.scope.filter(Letter.unit_id))
                                   .order_by(Letter.id.desc()).limit(limit)))


# --- drafting --------------------------------------------------------------------------

def draft(actor, assessment_id, kind: str, risk_ids, addressee_kind: str = "", addressee: str = "",
          due_on: date | None = None) -> Letter:
    """A letter of ``kind`` naming the assessment's open risks ``risk_ids``, as a
    core document draft pre-filled from them; the response is expected by
    ``due_on`` (by default the kind's number of working days from today)."""
    assessment = assessments.get(actor, assessment_id)
    actor.require("risk_assessment.assess")
    actor.require("document.draft")
    errors = {}
    if kind not in KINDS:
        errors["kind"] = [_l("Choose the kind of letter.")]
    addressee_kind = addressee_kind or ("government" if kind == "warning" else "enterprise")
    if kind in KINDS and addressee_kind not in ALLOWED_ADDRESSEES[kind]:
        errors["addressee_kind"] = [_l("This kind of letter cannot be addressed there.")]
    addressee = clean_text(addressee, 200)
    if addressee_kind == "enterprise":
        addressee = assessment.enterprise.name
    elif addressee_kind == "government" and not addressee:
        addressee = DEFAULT_GOVERNMENT
    if not addressee:
        errors["addressee"] = [_l("Name the department the letter is addressed to.")]
    elif len(addressee) > 200:
        errors["addressee"] = [_l("Keep this under %(n)d characters.", n=200)]
    wanted = {int(i) for i in risk_ids or [] if str(i).isdigit()}
    chosen = [r for r in assessment.risks if r.id in wanted and r.status == "open"]
    if not wanted:
        errors["risk_ids"] = [_l("A letter must name at least one risk: choose the risks it is about.")]
    elif len(chosen) != len(wanted):
        errors["risk_ids"] = [_l("Choose open risks of this assessment.")]
    now = clock.now()
    today = local_date(now)
    if due_on is None and kind in KINDS:
        due_on = local_date(after_working_days(now, RESPONSE_WORKING_DAYS[kind]).at)
    elif due_on is not None and due_on <= today:
        errors["due_on"] = [_l("The response must be due after today.")]
    if errors:
        audit.record_failure(actor, "risk_assessment.letter", object_type="risk_assessment_assessment",
                             object_id=assessment.id, detail={"fields": sorted(errors)})
        raise ValidationError(next(iter(errors.values()))[0], errors=errors)
    chosen.sort(key=lambda r: (-r.score, r.id))
    letter = Letter(unit_id=assessment.unit_id, assessment_id=assessment.id, enterprise_id=assessment.enterprise_id,
                    kind=kind, addressee_kind=addressee_kind, addressee=addressee[:200], due_on=due_on,
                    created_by_id=actor.user_id)
    letter.risk_rows = [LetterRisk(risk_item_id=r.id) for r in chosen]
    db.session.add(letter)
    db.session.flush()
    body = BODIES[kind](assessment, chosen, letter, self_reference(actor.user.unit))
    try:
        document = documents.create(actor, documents.Draft(
            doc_type=doc_type(kind, addressee_kind), title=title(kind, assessment.enterprise, chosen),
            addressees=[letter.addressee], body=body,
            enterprise_id=assessment.enterprise_id, related_type="risk_assessment_letter", related_id=letter.id))
    except BaseException:
        db.session.rollback()
        raise
    letter.document_id = document.id
    audit.record(actor, "risk_assessment.letter", letter, detail={
        "kind": kind, "addressee_kind": addressee_kind, "risks": letter.risk_ids, "document_id": document.id,
        "due_on": due_on.isoformat()})
    db.session.commit()
    return letter


# --- a warning list for a class of enterprises ----------------------------------------------

def class_choices(actor) -> tuple[list[str], list[str]]:
    """The industries and the districts of the enterprises in the actor's units."""
    return registry.distinct_values(actor, "industry"), registry.distinct_values(actor, "district")


def class_risks(actor, industry: str, district: str) -> list[RiskItem]:
    """The open risks, assessed by the actor's units, of the enterprises of one
    industry in one district within those units; the most serious first."""
    actor.require("risk_assessment.read")
    return list(db.session.scalars(
        select(RiskItem).join(Enterprise, Enterprise.id == RiskItem.enterprise_id)
        .where(RiskItem.status == "open", actor.scope.filter(RiskItem.unit_id), actor.scope.filter(Enterprise.unit_id),
               Enterprise.industry == industry, Enterprise.district == district)
        .order_by(RiskItem.score.desc(), RiskItem.id).limit(MAX_CLASS_RISKS)))


def class_size(actor, industry: str, district: str) -> int:
    """How many enterprises of the class the actor's units have."""
    stmt = registry.scoped_select(actor, registry.EnterpriseFilter(industry=industry, district=district))
    return db.session.scalar(select(func.count()).select_from(stmt.subquery()))


def by_enterprise(risks: list[RiskItem]) -> list[tuple]:
    """``(enterprise, its risks)``, the enterprise with the most serious risk first."""
    grouped: dict[int, tuple] = {}
    for risk in risks:                          # the risks come most serious first
        grouped.setdefault(risk.enterprise_id, (risk.enterprise, []))[1].append(risk)
    return list(grouped.values())


def draft_for_class(actor, industry: str, district: str, addressee_kind: str = "", addressee: str = "",
                    due_on: date | None = None) -> Letter:
    """A warning list (风险预警单) for the enterprises of one industry in one
    district within the actor's units, naming their open assessed risks, as a
    core document draft; the response is expected by ``due_on`` (by default
    the warning list's number of working days from today)."""
    actor.require("risk_assessment.assess")
    actor.require("document.draft")
    errors = {}
    industries, districts = class_choices(actor)
    industry, district = clean_text(industry, 50), clean_text(district, 50)
    if industry not in industries:
        errors["industry"] = [_l("Choose an industry of the enterprises in your units' area.")]
    if district not in districts:
        errors["district"] = [_l("Choose a district of the enterprises in your units' area.")]
    risks = class_risks(actor, industry, district) if not errors else []
    if not errors and not risks:
        errors["industry"] = [_l("No enterprise of this industry in this district has an open assessed risk: "
                                 "there is nothing to warn of.")]
    addressee_kind = addressee_kind or "government"
    if addressee_kind not in ALLOWED_ADDRESSEES["warning"]:
        errors["addressee_kind"] = [_l("This kind of letter cannot be addressed there.")]
    addressee = clean_text(addressee, 200)
    if addressee_kind == "government" and not addressee:
        addressee = DEFAULT_GOVERNMENT
    if not addressee:
        errors["addressee"] = [_l("Name the department the letter is addressed to.")]
    elif len(addressee) > 200:
        errors["addressee"] = [_l("Keep this under %(n)d characters.", n=200)]
    now = clock.now()
    if due_on is None:
        due_on = local_date(after_working_days(now, RESPONSE_WORKING_DAYS["warning"]).at)
    elif due_on <= local_date(now):
        errors["due_on"] = [_l("The response must be due after today.")]
    if actor.unit_id is None:
        errors["unit"] = [_l("Only a member of a unit can make its assessments.")]
    if errors:
        audit.record_failure(actor, "risk_assessment.class_warning", object_type="risk_assessment_letter",
                             detail={"fields": sorted(errors)})
        raise ValidationError(next(iter(errors.values()))[0], errors=errors)
    letter = Letter(unit_id=actor.unit_id, assessment_id=None, enterprise_id=None, industry=industry,
                    district=district, kind="warning", addressee_kind=addressee_kind, addressee=addressee[:200],
                    due_on=due_on, created_by_id=actor.user_id)
    letter.risk_rows = [LetterRisk(risk_item_id=r.id) for r in risks]
    db.session.add(letter)
    db.session.flush()
    body = class_warning_body(actor, industry, district, risks, class_size(actor, industry, district), letter,
                              self_reference(actor.user.unit))
    try:
        document = documents.create(actor, documents.Draft(
            doc_type=WARNING_LIST, title=class_title(industry, district, risks), addressees=[letter.addressee],
            body=body, related_type="risk_assessment_letter", related_id=letter.id))
    except BaseException:
        db.session.rollback()
        raise
    letter.document_id = document.id
    audit.record(actor, "risk_assessment.class_warning", letter, detail={
        "industry": industry, "district": district, "addressee_kind": addressee_kind,
        "enterprises": sorted({r.enterprise_id for r in risks}), "risks": letter.risk_ids,
        "document_id": document.id, "due_on": due_on.isoformat()})
    db.session.commit()
    return letter


def class_words(industry: str, district: str) -> str:
    return f"{district}{industry}行业"


def class_title(industry: str, district: str, risks) -> str:
    """关于<镇街><行业>行业企业<类别>[等]隐患的风险预警单."""
    categories = list(dict.fromkeys("经营管理" if r.category == "other" else CATEGORY_WORDS[r.category]
                                    for r in risks))
    matter = categories[0] + ("等" if len(categories) > 1 else "")
    return f"关于{class_words(industry, district)}企业{matter}隐患的{DOC_KINDS['warning']}"


def _similar_tickets(actor, industry: str, district: str) -> str:
    """The classes of similar tickets of the class flagged now, in words; "" when
    there are none or the actor may not read the ticket analysis."""
    if not actor.can("ticket.stats"):
        return ""
    groups = [g for g in tickets.similar_classes(actor, industry=industry, district=district) if g.flagged]
    if not groups:
        return ""
    listed = "、".join(f"“{g.category_label or g.category}”类{g.count}件（上一周期{g.previous}件）" for g in groups[:5])
    return f"近期该类企业集中提出的诉求：{listed}。"


def class_warning_body(actor, industry, district, risks, size: int, letter, issuer: str) -> list:
    where = class_words(industry, district)
    grouped = by_enterprise(risks)
    counted = {}
    for risk in risks:
        counted[risk.category] = counted.get(risk.category, 0) + 1
    kinds = "、".join(f"{CATEGORY_WORDS[c]}{n}项" for c, n in sorted(counted.items(), key=lambda i: -i[1]))
    body = [("p", f"{issuer}辖区内{where}企业共{size}家。经企业风险评估，其中{len(grouped)}家企业存在尚未销号的风险隐患"
                  f"{len(risks)}项（{kinds}），现将风险预警如下，建议有关部门加强行业监管，采取相应防范处置措施。")]
    similar = _similar_tickets(actor, industry, district)
    if similar:
        body.append(("p", similar))
    rows = []
    for n, (enterprise, found) in enumerate(grouped, start=1):
        for risk in found:
            rows.append([str(n), enterprise.name, matrix.LEVEL_WORDS[risk.level], CATEGORY_WORDS[risk.category],
                         risk.title, risk.measures or "加强监管，督促整改"])
    body += blocks.table(["序号", "企业", "风险等级", "风险类别", "风险内容", "建议措施"], rows)
    body.append(("p", f"请于{_day(letter.due_on)}前将处置情况反馈{issuer}。"))
    return body


def title(kind: str, enterprise, risks) -> str:
    """关于<企业><类别>[等]风险的<文种>: the enterprise and the category of its most
    serious risk (``risks`` come most serious first), 等 when there are others."""
    categories = list(dict.fromkeys("经营管理" if r.category == "other" else CATEGORY_WORDS[r.category]
                                    for r in risks))
    matter = categories[0] + ("等" if len(categories) > 1 else "")
    name = titled_name(enterprise.name)
    if kind == "advice":
        return f"关于防范{name}{matter}风险的{DOC_KINDS[kind]}"
    if kind == "warning":          # not 风险…风险预警单
        return f"关于{name}{matter}隐患的{DOC_KINDS[kind]}"
    return f"关于{name}{matter}风险的{DOC_KINDS[kind]}"


def titled_name(name: str) -> str:
    """A name inside a title, shortened only past any real enterprise's length so
    that the title stays within the 200 characters core allows."""
    return name if len(name) <= 100 else name[:99] + "…"


def _risk_line(risk: RiskItem) -> str:
    return (f"{risk.title}（{AREA_WORDS[risk.area]}，{CATEGORY_WORDS[risk.category]}，"
            f"风险等级：{matrix.LEVEL_WORDS[risk.level]}）")


def _findings(risks) -> list:
    body = []
    for risk in risks:
        body.append(("h2", _risk_line(risk)))
        if risk.description:
            body.append(("p", risk.description))
        if risk.evidence:
            body.append(("p", f"依据：{risk.evidence}"))
    return body


def notice_body(assessment, risks, letter, issuer: str) -> list:
    to_enterprise = letter.addressee_kind == "enterprise"
    whom = "你单位" if to_enterprise else f"{assessment.enterprise.name}"
    body = [("p", f"{issuer}于{_day(assessment.assessed_on)}对{assessment.enterprise.name}开展了企业风险评估"
                  f"（{assessment.title}），发现{whom}在经营管理中存在以下风险隐患，现予提示。")]
    body.append(("h1", "存在的风险隐患"))
    body += _findings(risks)
    body.append(("h1", "相关法律责任"))
    for category in dict.fromkeys(r.category for r in risks):
        body.append(("p", f"{CATEGORY_WORDS[category]}：{LEGAL_DUTIES[category]}"))
    body.append(("h1", "防范整改要求"))
    for risk in risks:
        body.append(("p", f"{risk.title}：{risk.measures or '请对照有关规定自查自纠，健全制度，消除隐患。'}"))
    reply = f"将整改情况书面反馈{issuer}" if to_enterprise else f"将处置情况函复{issuer}"
    body.append(("p", f"请于{_day(letter.due_on)}前{reply}。"))
    return body


def advice_body(assessment, risks, letter, issuer: str) -> list:
    whom = "你单位" if letter.addressee_kind == "enterprise" else "贵单位"
    body = [("p", f"{issuer}在对{assessment.enterprise.name}的风险评估中（{assessment.title}，{_day(assessment.assessed_on)}），"
                  f"发现以下问题。为防范风险、护航企业健康发展，提出意见建议如下，请{whom}研究采纳。")]
    body.append(("h1", "发现的问题"))
    body += _findings(risks)
    body.append(("h1", "意见建议"))
    for n, risk in enumerate(risks, start=1):
        body.append(("p", f"{n}. {risk.measures or f'针对{risk.title}，健全相关制度和内部监督，堵塞管理漏洞。'}"))
    body.append(("p", f"请于{_day(letter.due_on)}前将采纳和落实情况反馈{issuer}。"))
    return body


def _concerns(risk: RiskItem, enterprise) -> str:
    """Whom a warning is about: the industry (and district) when the risk came
    from a class of similar tickets, which spans the industry; else the enterprise."""
    for source in risk.sources:
        if source.source_type == TICKET_CLASS:
            _category, industry, district = (source.ref.split("|") + ["", "", ""])[:3]
            return f"{industry or '未填行业'}行业（{district or '未填镇街'}）"
    return f"{enterprise.name}（{enterprise.industry or '未填行业'}）"


def warning_body(assessment, risks, letter, issuer: str) -> list:
    enterprise = assessment.enterprise
    where = f"{enterprise.name}（{enterprise.industry or '未填行业'}）"
    body = [("p", f"根据{_day(assessment.assessed_on)}开展的企业风险评估（{assessment.title}），现将{where}及相关行业存在的"
                  f"风险预警如下，建议有关部门采取相应防范处置措施。")]
    rows = [[str(n), matrix.LEVEL_WORDS[r.level], CATEGORY_WORDS[r.category], _concerns(r, enterprise), r.title,
             r.measures or "加强监管，督促整改"] for n, r in enumerate(risks, start=1)]
    body += blocks.table(["序号", "风险等级", "风险类别", "企业（行业）", "风险内容", "建议措施"], rows)
    body.append(("p", f"请于{_day(letter.due_on)}前将处置情况反馈{issuer}。"))
    return body


BODIES = {"notice": notice_body, "advice": advice_body, "warning": warning_body}

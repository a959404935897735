"""Where a risk comes from, besides what the assessor writes by hand: a class of
similar tickets (一件事 → 一类事, from core's ticket analysis) and what the
plugins the unit has enabled know of the enterprise (inspection issues,
project risks …, through ``core.registry.services.findings``).

Each helper returns a ``RiskInput`` pre-filled from the source, with the link
(source type + ref) kept as its source; the assessor completes it (the
likelihood and the impact above all, unless the source grades the risk) and
adds it to the assessment like any other risk.
"""
import re
from datetime import date

from flask_babel import lazy_gettext as _l

from core.errors import NotFound
from core.registry import services as registry
from core.tickets import services as tickets
from core.tickets.deadlines import local_date
from plugins.risk_assessment.assessments import RiskInput, SourceInput, get
from plugins.risk_assessment.models import Assessment

TICKET_CLASS = "tickets.class"
SOURCE_TYPES = {"manual": _l("Entered by hand"), TICKET_CLASS: _l("Class of similar tickets"),
                "inspection.issue": _l("Inspection issue"), "project_officer.risk": _l("Project risk")}
MAX_LISTED_TICKETS = 20
# A source that grades its finding suggests a likelihood and an impact (the assessor may change them).
SUGGESTED = {"high": (4, 4), "medium": (3, 3), "low": (2, 2)}
KEYWORDS = [
    ("fundraising", r"集资|吸收.*存款|理财|借贷"),
    ("contract_fraud", r"合同|诈骗|骗取"),
    ("embezzlement", r"侵占|挪用"),
    ("bid_rigging", r"投标|招标|围标|串标"),
    ("bribery", r"贿赂|回扣"),
    ("ip", r"知识产权|商标|专利|假冒|侵权"),
    ("tax", r"发票|税"),
    ("cyber", r"网络|数据|信息系统|网站"),
    ("reputation", r"舆情|声誉"),
    ("security", r"消防|安全|治安|登记|保安|危险"),
]


def guess_category(*texts) -> str:
    """The risk category that the source's words point to, or "other"."""
    text = " ".join(t or "" for t in texts)
    for code, pattern in KEYWORDS:
        if re.search(pattern, text):
            return code
    return "other"


def source_label(source_type: str) -> str:
    return str(SOURCE_TYPES.get(source_type, source_type))


# --- classes of similar tickets --------------------------------------------------------

def ticket_classes(actor, assessment: Assessment, since: date | None = None, until: date | None = None) -> list:
    """The flagged classes of similar tickets the actor may see (core's analysis)
    in the assessed enterprise's industry and district: those bear on its risks."""
    enterprise = assessment.enterprise
    return tickets.similar_classes(actor, since, until, industry=enterprise.industry or "",
                                   district=enterprise.district or "")


def flagged_classes(actor) -> list[dict]:
    """The industries × districts whose enterprises' similar tickets are flagged
    now (一类事), each with its ticket classes: the classes of enterprises a
    warning list may be drawn for first. Empty when the actor may not read the
    ticket analysis."""
    if not actor.can("ticket.stats"):
        return []
    found: dict[tuple, list] = {}
    for group in tickets.similar_classes(actor):
        if group.flagged and group.industry and group.district:
            found.setdefault((group.industry, group.district), []).append(group)
    return [{"industry": industry, "district": district, "groups": groups, "count": sum(g.count for g in groups)}
            for (industry, district), groups in found.items()]


def class_key(category: str, industry: str, district: str, since: date, until: date) -> str:
    return "|".join((category, industry, district, since.isoformat(), until.isoformat()))


def from_ticket_class(actor, assessment_id, category: str, industry: str, district: str,
                      since: date | None = None, until: date | None = None) -> RiskInput:
    """A risk pre-filled from one class of similar tickets: how many, the
    change against the period before, the tickets' numbers as evidence."""
    get(actor, assessment_id)
    groups = tickets.similar_classes(actor, since, until, min_count=1)
    group = next((g for g in groups if g.key == (category, industry or "", district or "")), None)
    found = tickets.tickets_of_class(actor, category, industry or "", district or "", since, until)
    if group is None or not found:
        raise NotFound(_l("There is no such class of similar tickets in your units' area."))
    first = min(local_date(t.registered_at) for t in found)
    last = max(local_date(t.registered_at) for t in found)
    where = f"{district or '（未填镇街）'}{industry or '（未填行业）'}"
    label = group.category_label or category
    title = f"{where}企业“{label}”类诉求集中"
    description = (f"{first.year}年{first.month}月{first.day}日至{last.year}年{last.month}月{last.day}日，"
                   f"{where}企业共提出“{label}”类诉求{group.count}件，上一周期{group.previous}件。")
    numbers = "、".join(t.number for t in found[:MAX_LISTED_TICKETS])
    more = f"等{len(found)}件" if len(found) > MAX_LISTED_TICKETS else ""
    evidence = f"诉求工单：{numbers}{more}。"
    since_day = since or first
    until_day = until or last
    return RiskInput(
        area="business_management", category=guess_category(label, *(t.description for t in found[:5])),
        title=title[:200], description=description, evidence=evidence,
        sources=[SourceInput(TICKET_CLASS, class_key(category, industry or "", district or "", since_day, until_day),
                             title=title[:300], detail=evidence)])


# --- what the enabled plugins know of the enterprise ---------------------------------------

def findings(actor, assessment: Assessment) -> list:
    """The findings of the assessment's enterprise (inspection issues, project
    risks …) that the actor may see, newest first."""
    return registry.findings(actor, assessment.enterprise_id)


def from_finding(actor, assessment_id, source: str, ref) -> RiskInput:
    """A risk pre-filled from one finding of the assessment's enterprise."""
    assessment = get(actor, assessment_id)
    finding = next((f for f in findings(actor, assessment) if f.source == source and str(f.ref) == str(ref)), None)
    if finding is None:
        raise NotFound(_l("There is no such finding for this enterprise."))
    likelihood, impact = SUGGESTED.get(finding.level, (None, None))
    day = finding.found_on
    state = "尚未整改完毕" if finding.is_open else "已整改"
    description = f"{day.year}年{day.month}月{day.day}日发现：{finding.title}。{finding.detail}".rstrip("。") + f"。目前{state}。"
    return RiskInput(
        area="risk_management", category=guess_category(finding.category, finding.title, finding.detail),
        title=finding.title[:200], description=description, evidence=finding.detail,
        likelihood=likelihood, impact=impact,
        sources=[SourceInput(finding.source, str(finding.ref), title=finding.title[:300], detail=finding.detail)])

"""The quarterly risk report (季度风险报告) to the party committee and government.

Asking for one records it and queues a background job (huey; ``anqi worker``,
immediate in tests) that computes the quarter's figures step by step, keeping
its progress on the report row so every page and worker sees the same, then
writes the report as a 文件格式 draft in core's documents, through the same
sign-off and numbering as any document. A quarter that has not ended yet gives
only a provisional report: its figures and a watermarked draft PDF, never a
document that could be signed off.
"""
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from core import clock, tasks
from core.audit import services as audit
from core.documents import services as documents
from core.errors import NotFound, ValidationError
from core.extensions import db
from core.jobqueue import claims
from core.org.actor import Actor
from core.org.models import User
from core.text import clean_text
from core.tickets.deadlines import local_date
from plugins.risk_assessment import blocks, charts, quarters
from plugins.risk_assessment.letters import QUARTERLY_REPORT
from plugins.risk_assessment.models import Report

ADDRESSEES = ["中共市委", "市人民政府"]
STATUSES = {"queued": _l("Queued"), "running": _l("Being computed"), "done": _l("Ready"), "failed": _l("Failed")}
DOCUMENT_STEP = 1          # after the figures: writing the document


def get(actor, report_id) -> Report:
    actor.require("risk_assessment.read")
    row = db.session.get(Report, report_id) if report_id else None
    if row is None or not actor.scope.allows(row.unit_id):
        raise NotFound(_l("There is no such report in your units' area."))
    return row


def recent(actor, limit: int = 20) -> list[Report]:
    actor.require("risk_assessment.read")
    return list(db.session.scalars(select(Report).where(actor.scope.filter(Report.unit_id))
                                   .order_by(Report.id.desc()).limit(limit)))


def request(actor, year, quarter, recommendations: str, *, enqueue: bool = True) -> Report:
    """Ask for the report of a quarter; the job computes it. The brigade's
    recommendations are part of it. A quarter not yet ended: provisional."""
    actor.require("risk_assessment.report")
    errors = {}
    try:
        q = quarters.check(year, quarter)
    except ValidationError as error:
        errors["quarter"] = [error.message]
    text = clean_text(recommendations, 10000)
    if not text:
        errors["recommendations"] = [_l("Write the brigade's recommendations to the party committee and government.")]
    elif len(text) > 10000:
        errors["recommendations"] = [_l("Keep this under %(n)d characters.", n=10000)]
    if actor.unit_id is None:
        errors["unit"] = [_l("Only a member of a unit can write its reports.")]
    if errors:
        audit.record_failure(actor, "risk_assessment.report", object_type="risk_assessment_report",
                             detail={"fields": sorted(errors)})
        raise ValidationError(next(iter(errors.values()))[0], errors=errors)
    report = Report(unit_id=actor.unit_id, year=q.year, quarter=q.quarter,
                    provisional=not q.ended(local_date(clock.now())), recommendations=text, status="queued",
                    steps_total=len(quarters.STEPS) + DOCUMENT_STEP, created_by_id=actor.user_id)
    db.session.add(report)
    db.session.flush()
    audit.record(actor, "risk_assessment.report", report, detail={"year": q.year, "quarter": q.quarter,
                                                                  "provisional": report.provisional})
    db.session.commit()
    if enqueue:
        build_report(report.id)
    return report


@tasks.huey.task(name="anqi.risk_assessment.build_report")
def build_report(report_id):
    with tasks.app_context():
        build(report_id)


def build(report_id) -> Report | None:
    """The job: the figures, step by step, then the document (unless provisional),
    as the user who asked. A failure is kept on the report with its reason.

    The queue may deliver the job twice: the report is claimed first (one
    conditional UPDATE), so a second run while the first goes on, or after it
    has finished, does nothing; a run whose worker died is taken over. The
    document is drafted with a submission key of the report's own, so a run
    that died after drafting it and the run that takes over make one document."""
    if not claims.claim(Report, report_id, free=("queued", "failed"), working="running",
                        values={"steps_done": 0, "error": ""}):
        return db.session.get(Report, report_id)      # none, done, or being built by a run still going
    report = db.session.get(Report, report_id)
    actor = Actor(db.session.get(User, report.created_by_id), address="worker")

    def progress(done, _total):
        db.session.execute(update(Report).where(Report.id == report_id, Report.claimed_by == claims.me())
                           .values(steps_done=done).execution_options(synchronize_session=False))
        db.session.commit()

    try:
        q = quarters.Quarter(report.year, report.quarter)
        figures = quarters.figures(actor, q, on_step=progress)
        report = db.session.get(Report, report_id)
        report.figures = figures
        document_id = None
        if not report.provisional:
            draft = draft_of(report)
            draft.submission_key = f"risk_assessment.report.{report_id}"
            document_id = documents.create(actor, draft).id
        report = db.session.get(Report, report_id)
        if claims.finish(Report, report_id, working="running",
                         values={"figures": figures, "document_id": document_id, "steps_done": report.steps_total,
                                 "status": "done", "finished_at": clock.now()}):
            audit.record(actor, "risk_assessment.report_built", report, detail={"document_id": document_id})
        db.session.commit()
    except Exception as exc:  # noqa: BLE001 - the reason is kept on the report for its page
        db.session.rollback()
        claims.finish(Report, report_id, working="running",
                      values={"status": "failed",
                              "error": str(getattr(exc, "message", None) or exc or type(exc).__name__)[:500]})
        db.session.commit()
    db.session.expire_all()
    return db.session.get(Report, report_id)


def preview(actor, report_id) -> bytes:
    """The watermarked draft PDF of a provisional report (core renders it, stores nothing)."""
    report = get(actor, report_id)
    if report.status != "done":
        raise ValidationError(_l("The report is still being computed."))
    return documents.preview_draft(actor, draft_of(report))


# --- the document ----------------------------------------------------------------------

def _signed(n: int) -> str:
    return f"+{n}" if n > 0 else str(n)


def _change_words(line: dict) -> str:
    change = line["change"]
    if change == 0:
        return "与上季度持平"
    word = "增加" if change > 0 else "减少"
    percent = f"（{abs(line['percent'])}%）" if line["percent"] is not None else ""
    return f"较上季度{word}{abs(change)}项{percent}"


def _count_table(title: str, lines: list) -> list:
    rows = [[line["label"], str(line["current"]), str(line["previous"]), _signed(line["change"])] for line in lines]
    return blocks.table([title, "本季度", "上季度", "增减"], rows or [["无", "0", "0", "0"]])


def draft_of(report: Report) -> documents.Draft:
    f = report.figures
    total = f["total"]
    levels = {line["key"]: line["current"] for line in f["by_level"]}
    name, previous = f["name"], f["previous"]
    body = [("p", f"按照“两书一单”工作预警机制，现将{name}（{_day(f['first'])}至{_day(f['last'])}）我市企业风险评估情况"
                  f"报告如下。")]
    body += blocks.contents()
    body.append(("h1", "总体情况"))
    body.append(("p", f"本季度共评估发现企业风险{total['current']}项，涉及企业{total['enterprises']}家，"
                      f"{_change_words(total)}。其中高风险{levels['high']}项、中风险{levels['medium']}项、"
                      f"低风险{levels['low']}项；已处置销号{total['closed']}项，尚未销号{total['open']}项。"))
    body += _count_table("风险等级", f["by_level"])
    body += blocks.figure(charts.svg(charts.compare(f["by_level"], name, previous)), "图1 各等级风险数量与上季度对比")
    body.append(("h1", "风险分布"))
    body.append(("h2", "按风险类别"))
    body += _count_table("风险类别", f["by_category"])
    body += blocks.figure(charts.svg(charts.compare(f["by_category"], name, previous)), "图2 各类别风险数量与上季度对比")
    body.append(("h2", "按行业"))
    body += _count_table("行业", f["by_industry"])
    body += blocks.figure(charts.svg(charts.compare(f["by_industry"], name, previous)), "图3 各行业风险数量与上季度对比")
    body.append(("h2", "按镇街"))
    body += _count_table("镇街", f["by_district"])
    body.append(("h1", "重点风险"))
    if f["top"]:
        body.append(("p", f"本季度风险程度最高的{len(f['top'])}项风险如下。"))
        body += blocks.table(["序号", "企业", "行业", "风险类别", "风险内容", "等级", "状态"],
                             [[str(n), t["enterprise"], t["industry"], t["category"], t["title"], t["level"],
                               t["status"]] for n, t in enumerate(f["top"], start=1)])
    else:
        body.append(("p", "本季度未评估发现企业风险。"))
    body.append(("h1", "“两书一单”发出及反馈情况"))
    issued = sum(line["issued"] for line in f["letters"])
    body.append(("p", f"本季度共发出提示书、意见建议书和风险预警单{issued}份。"))
    body += blocks.table(["文书", "发出", "按期反馈", "逾期反馈", "尚未反馈"],
                         [[line["label"], str(line["issued"]), str(line["answered"]), str(line["late"]),
                           str(line["awaiting"])] for line in f["letters"]])
    closed = [f"{line['label']}{line['count']}项" for line in f["outcomes"] if line["count"]]
    if closed:
        body.append(("p", f"本季度发现的风险中，经跟踪已销号{total['closed']}项，其中{'、'.join(closed)}。"))
    body.append(("h1", "意见建议"))
    body += [("p", line.strip()) for line in report.recommendations.splitlines() if line.strip()]
    return documents.Draft(doc_type=QUARTERLY_REPORT, title=f"关于{name}全市企业风险情况的报告",
                           addressees=list(ADDRESSEES), body=body, related_type="risk_assessment_report",
                           related_id=report.id)


def _day(iso: str) -> str:
    year, month, day = (int(p) for p in iso.split("-"))
    return f"{year}年{month}月{day}日"

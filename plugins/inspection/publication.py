"""一公开: a plan's results as published — a snapshot of plain rows taken at
publication (enterprise, date, items, outcome, rectification status and, when
the lead unit's settings allow, the inspectors' names) and its PDF rendered
once by core's document engine, both under the plan's inspection type. The
public page reads only the snapshot and the plan's heading."""
from flask_babel import lazy_gettext as _l

from core import clock
from core.audit import services as audit
from core.documents.rendering import Letter, render
from core.errors import NotFound
from core.extensions import db
from core.plugins.services import is_enabled
from core.org.models import Unit
from core.tickets.deadlines import local_date
from plugins.inspection import catalogue, plans
from plugins.inspection.models import Plan

OUTCOMES = {"pass": "未发现问题", "issues": "发现问题", "": "未检查"}
# The letter to the public is always in Chinese, whatever the publishing officer's language.
INSPECTION_TYPES = {"routine": "日常检查", "seasonal": "季节性检查", "holiday": "节假日检查",
                    "adhoc": "临时检查（突击检查）", "specialist": "专项检查"}


def _rectification_status(visit) -> str:
    orders = [f.rectification for f in visit.findings if f.rectification is not None]
    if not orders:
        return "无需整改"
    open_count = sum(1 for r in orders if r.status == "open")
    return f"整改中（{open_count}/{len(orders)}）" if open_count else "已整改"


def rows_of(plan, hide_names: bool) -> list[dict]:
    rows = []
    for visit in plan.visits:
        issues = [f.item.name for f in visit.findings if f.result == "issue"]
        rows.append({
            "enterprise": visit.enterprise.name,
            "date": str(local_date(visit.visited_at)) if visit.visited_at else "",
            "items": len(visit.findings) or len(plan.form.items),
            "issues": issues,
            "outcome": OUTCOMES[visit.outcome],
            "rectification": _rectification_status(visit) if visit.status == "done" else "",
            "inspectors": [] if hide_names else [row.user.name for row in visit.inspector_rows],
        })
    return rows


def letter_of(plan, rows, unit) -> Letter:
    body = [("p", f"根据“双随机、一公开”工作要求，现将{plan.title}的检查结果公开如下。检查期间："
                  f"{plan.period_start}至{plan.period_end}；检查类型：{INSPECTION_TYPES[plan.inspection_type]}；"
                  f"检查表单：{plan.form.name}。")]
    for number, row in enumerate(rows, 1):
        text = f"{number}. {row['enterprise']}：检查日期{row['date'] or '—'}，检查事项{row['items']}项，{row['outcome']}"
        if row["issues"]:
            text += f"（{'、'.join(row['issues'])}）"
        if row["rectification"]:
            text += f"，{row['rectification']}"
        if row["inspectors"]:
            text += f"；检查人员：{'、'.join(row['inspectors'])}"
        body.append(("p", text + "。"))
    today = local_date(clock.now())
    return Letter(layout="letter", authority=unit.name, number="", title=f"{plan.title}检查结果公示",
                  addressees=("社会公众",), body=tuple(body), issuer=unit.name, date=today, printer=unit.name,
                  print_date=today)


def publish(actor, plan_id) -> Plan:
    """Snapshot the rows and render their PDF. The rows and the letter are read
    first and the transaction ends; the PDF is rendered with nothing held in the
    database; the snapshot is then written in a short transaction of its own."""
    plan = plans.managed(actor, plan_id, "inspection.publish")
    if plan.status not in ("drawn", "published") or not plan.visits:
        plans._refuse(actor, "inspection.publish", plan, _l("Draw the plan before publishing its results."))
    hide = catalogue.settings_of(plan.unit_id).hide_inspector_names
    rows = rows_of(plan, hide)
    # The lead unit itself (``managed`` checked it is in the actor's scope), whether or not
    # it is still active: a closed unit's plan is published under the name it ran under.
    unit = db.session.get(Unit, plan.unit_id)
    plain = letter_of(plan, rows, unit)
    db.session.commit()
    pdf = render(plain)
    plan = db.session.get(Plan, plan_id)
    if plan.status not in ("drawn", "published"):     # changed while the PDF was made
        plans._refuse(actor, "inspection.publish", plan, _l("Draw the plan before publishing its results."))
    plan.published_rows, plan.published_pdf = rows, pdf
    plan.status, plan.published_at = "published", clock.now()
    audit.record(actor, "inspection.publish", plan, detail={"rows": len(rows), "names_hidden": hide})
    db.session.commit()
    return plan


def public(plan_id) -> Plan:
    """A published plan of a unit that still has the plugin enabled; else NotFound (no login needed)."""
    plan = db.session.get(Plan, plan_id) if plan_id else None
    if plan is None or plan.status != "published" or not is_enabled(plan.unit_id, "inspection"):
        raise NotFound(_l("There is no such published result."))
    return plan

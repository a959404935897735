"""The inspection records the host's security suite opens as another station (``anqi_security_samples``)."""
from datetime import date

from plugins.inspection import catalogue, credit, plans, visits


def make(context) -> dict:
    """A drawn manual plan with one recorded visit (an issue, a photo, a
    rectification order rechecked) and a credit repair."""
    catalogue.load_standard(context.leader)
    form = catalogue.forms(context.leader)[0]
    plan = plans.create(context.desk, plans.PlanInput(
        title="综合查一次", form_id=form.id, police_types=["public_order"], unit_ids=[context.unit.id],
        period_start=date(2026, 11, 1), period_end=date(2026, 12, 31), selection="manual"))
    visit = plans.add_target(context.desk, plan.id, context.enterprise_id)
    plans.run_draw(context.desk, plan.id)
    results = {item.id: visits.ItemResult("compliant") for item in form.items}
    results[form.items[0].id] = visits.ItemResult("issue", "台账缺失", context.image("现场.png"))
    visits.record(context.leader, visit.id, results)
    finding = visits.get(context.desk, visit.id).findings[0]
    order = finding.rectification
    visits.recheck(context.leader, order.id, passed=True)
    repair = credit.request_repair(context.desk, context.enterprise_id, "已整改")
    return {"plan_id": plan.id, "visit_id": visit.id, "rectification_id": order.id, "photo_id": finding.photos[0].id,
            "repair_id": repair.id, "kind": "notice"}

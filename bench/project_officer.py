"""The project file benchmark (``make bench``, ``--only project_officer``).

In one run, interleaved, medians: the whole file (一套档案) of a key project
with 100 visits, 50 risks (each with an action, half resolved, five registered
as tickets), three meetings, two handovers and an approved plan — the body
read from the database, the document drafted through core's document service
(``dossier.make``) and its PDF rendered (``dossier.pdf``, a table of contents
and seven tables) — against rendering a one-page letter
(``core.documents.rendering.render``). The goal: each page of the file costs
no more than a one-page letter (file ÷ letter ≤ its number of pages).
"""
import statistics
import time
from datetime import timedelta

VISITS, RISKS, TICKETS = 100, 50, 5


def _setup(app, log):
    from sqlalchemy import select

    from core.extensions import db
    from core.org.actor import Actor
    from core.org.models import User, UserRole
    from core.org.services import user_by_username
    from core.registry.models import Enterprise
    from plugins.project_officer import meetings, plan_versions, projects, risks, team, visits
    from plugins.project_officer.checks import today

    with app.app_context():
        desk = Actor(user=user_by_username("desk"), address="bench")
        leader = Actor(user=user_by_username("leader"), address="bench")
        officers = list(db.session.scalars(select(User.id).where(User.role_rows.any(UserRole.role == "officer"))
                                           .order_by(User.id).limit(3)))
        enterprise = db.session.scalar(select(Enterprise.id).order_by(Enterprise.id).limit(1))
        day = today()
        project = projects.create(desk, projects.ProjectInput(
            name="杭诸高铁诸暨站综合枢纽工程", enterprise_id=enterprise, location="暨阳街道高铁新城",
            investment="285000", stage="construction", starts_on=day - timedelta(days=400),
            officer_id=officers[0], leader_id=leader.user_id, visit_interval_months=1))
        team.add_police(desk, project.id, officers[1], "协助走访")
        team.add_contact(desk, project.id, "周经理", "项目经理", "13857512345")
        team.handover(desk, project.id, "officer", officers[2], "移交走访台账和联系人")
        team.handover(desk, project.id, "officer", officers[0], "交回")
        version = plan_versions.start(desk, project.id)
        plan_versions.save(desk, version.id, {
            "risks": "征地拆迁遗留问题可能引发阻工；分包单位欠薪可能引发聚集。",
            "measures": "责任民警每月走访一次，重要节点驻点服务。", "contacts": "项目经理周经理，安全员吴工。",
            "emergency": "发生阻工、聚集立即报告并出警，会同街道稳控化解。"})
        plan_versions.approve(leader, version.id)
        for n in range(1, VISITS + 1):
            visits.record(desk, project.id, day - timedelta(days=4 * n), f"走访民警{n:03d}",
                          f"施工方反映周边道路拥堵、夜间施工投诉等问题（第{n}次）", "现场协调交警和街道", "一周后回访")
        for n in range(3):
            meetings.record(desk, project.id, "joint", day - timedelta(days=30 * n + 3), "街道、住建、派出所、建设单位",
                            "阻工和欠薪问题", "明确分工，限期化解")
        types = list(risks.TYPES)
        for n in range(1, RISKS + 1):
            risk = risks.create(desk, project.id, risks.RiskInput(
                risk_type=types[n % len(types)], level=("high", "medium", "low")[n % 3], title=f"第{n:02d}号矛盾纠纷",
                description="部分村民以补偿款未到位为由阻挠施工车辆进出，现场约二十人。", found_on=day - timedelta(days=7 * n)))
            risks.add_action(desk, risk.id, "action", "会同街道约谈带头人员，督促建设单位落实补偿")
            if n % 2:
                risks.resolve(desk, risk.id, "补偿款发放到位，恢复正常施工")
            if n <= TICKETS:
                risks.register_ticket(desk, risk.id)
        log(f"  a project with {VISITS} visits, {RISKS} risks ({TICKETS} tickets), 3 meetings, 2 handovers")
        return project.id


def run(options, workdir, log=print) -> dict:
    import io
    import re

    from pypdf import PdfReader

    from core import create_app
    from core.documents import rendering
    from core.extensions import db
    from core.org.actor import Actor
    from core.org.services import user_by_username
    from bench import databases
    from bench.documents import _letter
    from plugins.project_officer import dossier

    database = databases.working_copy(databases.ensure(options.small, options.seed, options.rebuild, log),
                                      workdir / "project_officer")
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}"})
    project_id = _setup(app, log)
    reps = 3 if options.quick else 15
    makes, renders, letters = [], [], []
    with app.app_context():
        actor = Actor(user=user_by_username("desk"), address="bench")
        rendering.render(_letter(0))                 # fonts and templates loaded before the clock starts
        for n in range(reps + 1):
            started = time.perf_counter()
            dossier.make(actor, project_id)
            made = time.perf_counter()
            pdf = dossier.pdf(actor, project_id)
            rendered = time.perf_counter()
            rendering.render(_letter(n + 1))
            letter = time.perf_counter() - rendered
            if n:                                    # the first round warms the caches
                makes.append(made - started)
                renders.append(rendered - made)
                letters.append(letter)
        pages = len(PdfReader(io.BytesIO(pdf)).pages)
        text = re.sub(r"\s+", "", "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))
        complete = all(f"走访民警{n:03d}" in text for n in range(1, VISITS + 1)) and all(
            f"第{n:02d}号矛盾纠纷" in text for n in range(1, RISKS + 1))
        db.session.remove()
        db.engine.dispose()
    make, render, letter = statistics.median(makes), statistics.median(renders), statistics.median(letters)
    whole = make + render
    return {"reps": reps, "make": make, "render": render, "whole": whole, "letter": letter, "pages": pages,
            "bytes": len(pdf), "complete": complete, "ratio": whole / letter, "per_page": whole / letter / pages,
            "met": whole / letter <= pages}


def markdown(result) -> str:
    met = "yes" if result["met"] else "NO"
    return "\n".join([
        "## Project file (一套档案)",
        "",
        f"The file of a key project with {VISITS} visits and {RISKS} risks ({TICKETS} linked tickets, an approved plan, "
        f"3 meetings, 2 handovers): the body read and the draft written through core's document service, then its "
        f"PDF rendered ({result['pages']} pages, {result['bytes'] / 1024:.0f} KB, table of contents and tables; every "
        f"visit and risk present in the text: {'yes' if result['complete'] else 'NO'}), against a one-page letter "
        f"rendered in the same run; medians of {result['reps']}.",
        "",
        "| figure | median | goal | met |",
        "| --- | ---: | --- | --- |",
        f"| body and draft (`dossier.make`) | {result['make'] * 1000:.0f} ms | | |",
        f"| PDF (`dossier.pdf`) | {result['render'] * 1000:.0f} ms | | |",
        f"| the whole file | {result['whole'] * 1000:.0f} ms | | |",
        f"| one-page letter | {result['letter'] * 1000:.0f} ms | | |",
        f"| file ÷ letter | {result['ratio']:.2f}× | ≤ {result['pages']}× (its pages) | {met} |",
        f"| file ÷ letter, per page | {result['per_page']:.2f}× | ≤ 1.00× | {met} |",
        "",
    ])

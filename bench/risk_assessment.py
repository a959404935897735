"""The quarterly risk report benchmark (``make bench``, ``--only risk_assessment``).

In one run, interleaved, medians: the whole quarterly report for a quarter
holding 10,000 risks over 5,000 enterprises (and 8,000 in the quarter before,
with 400 letters issued in the quarter, some answered) — asked for, computed
by the job (run in the caller, as huey's immediate mode does), written as a
document draft, submitted, signed off, numbered, rendered to PDF and stored —
against rendering a one-page letter (``core.documents.rendering.render``).
The figures alone (the grouped queries) are timed too.
"""
import random
import statistics
import time
from datetime import date, datetime, timedelta

ENTERPRISES = 5_000
RISKS = 10_000            # in the report's quarter
PREVIOUS = 8_000          # in the quarter before
LETTERS = 400
QUARTER = (2026, 3)
NOW = datetime(2026, 10, 15, 2, 0)
INDUSTRIES = ["袜业", "五金机械", "珍珠", "纺织服装", "建筑建材", "电子信息", "新能源", "住宿餐饮", "商贸流通", "物流运输",
              "生物医药", "环保设备", "汽车零部件", "金融服务", "文化旅游", "农业", "化工", "家居用品"]
DISTRICTS = ["暨阳街道", "浣东街道", "陶朱街道", "大唐街道", "店口镇", "枫桥镇", "山下湖镇", "次坞镇", "璜山镇", "牌头镇",
             "安华镇", "赵家镇", "东白湖镇", "同山镇", "五泄镇", "岭北镇", "应店街镇", "马剑镇"]


def _setup(database_url, log):
    """A fresh migrated database: the brigade with the plugin, its desk and
    leader, 5,000 enterprises, the two quarters' assessments and risks, and
    letters issued in the quarter (their documents written as issued)."""
    import flask_migrate
    from sqlalchemy import insert

    from core import clock, create_app
    from core.documents.models import Document
    from core.extensions import db
    from core.org.actor import shell_actor
    from core.org.services import save_unit, save_user
    from core.plugins import services as plugin_services
    from core.registry.credit_code import with_check_character
    from core.registry.models import Enterprise
    from plugins.risk_assessment import matrix
    from plugins.risk_assessment.assessments import AREAS, CATEGORIES
    from plugins.risk_assessment.models import Assessment, Letter, LetterRisk, Response, RiskItem

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "HUEY_IMMEDIATE": True})
    rng = random.Random(2026)
    with app.app_context():
        flask_migrate.upgrade(revision="heads")
        clock.freeze(NOW)
        shell = shell_actor()
        city = save_unit(shell, {"code": "ZJ", "name": "诸暨市公安局", "kind": "city_bureau", "doc_prefix": "诸公"})
        brigade = save_unit(shell, {"code": "ZJ-JZ", "name": "经侦大队", "kind": "brigade", "parent_id": city.id,
                                    "doc_prefix": "诸公经"})
        for username, role in (("desk", "desk"), ("leader", "leader")):
            save_user(shell, {"username": username, "name": username, "unit_id": brigade.id, "roles": [role],
                              "password": "bench-Passw0rd"})
        plugin_services.set_enabled(shell, "ZJ-JZ", "risk_assessment", True)
        unit_id = brigade.id
        db.session.execute(insert(Enterprise), [
            {"unit_id": unit_id, "name": f"诸暨市基准企业{n}有限公司", "name_pinyin": f"zhujishijizhunqiye{n}",
             "name_initials": "zjsjzqy", "credit_code": with_check_character(f"91330681MA{n:07d}"),
             "industry": INDUSTRIES[n % len(INDUSTRIES)], "district": DISTRICTS[(n * 7) % len(DISTRICTS)],
             "created_at": NOW, "updated_at": NOW, "version": 1}
            for n in range(ENTERPRISES)])
        db.session.commit()
        ids = [row[0] for row in db.session.execute(db.select(Enterprise.id).order_by(Enterprise.id))]
        areas, categories = list(AREAS), list(CATEGORIES)

        def quarter_rows(first: date, count: int):
            """One assessment per enterprise in the quarter, ``count`` risks shared among them."""
            db.session.execute(insert(Assessment), [
                {"unit_id": unit_id, "enterprise_id": e, "investment_promotion": n % 10 == 0, "title": "企业风险评估",
                 "assessed_on": first + timedelta(days=n % 90), "summary": "", "created_at": NOW}
                for n, e in enumerate(ids)])
            db.session.commit()
            made = db.session.execute(db.select(Assessment.id, Assessment.enterprise_id, Assessment.assessed_on)
                                      .where(Assessment.assessed_on >= first,
                                             Assessment.assessed_on < first + timedelta(days=92))).all()
            risks = []
            for i in range(count):
                assessment_id, enterprise_id, day = made[i % len(made)]
                likelihood, impact = rng.randint(1, 5), rng.randint(1, 5)
                closed = rng.random() < 0.3
                risks.append({"assessment_id": assessment_id, "unit_id": unit_id, "enterprise_id": enterprise_id,
                              "area": rng.choice(areas), "category": rng.choice(categories), "title": "企业经营风险",
                              "description": "", "evidence": "", "measures": "", "likelihood": likelihood,
                              "impact": impact, "score": likelihood * impact,
                              "level": matrix.level(None, likelihood, impact), "found_on": day,
                              "status": "closed" if closed else "open", "outcome": "mitigated" if closed else "",
                              "outcome_note": "", "created_at": NOW})
            db.session.execute(insert(RiskItem), risks)
            db.session.commit()

        quarter_rows(date(2026, 4, 1), PREVIOUS)
        quarter_rows(date(2026, 7, 1), RISKS)
        first_risks = db.session.execute(db.select(RiskItem.id, RiskItem.assessment_id, RiskItem.enterprise_id)
                                         .where(RiskItem.found_on >= date(2026, 7, 1)).limit(LETTERS)).all()
        for n, (risk_id, assessment_id, enterprise_id) in enumerate(first_risks):
            kind = ("notice", "advice", "warning")[n % 3]
            issued = datetime(2026, 7, 10, 2, 0) + timedelta(hours=n)
            document = Document(doc_type=f"risk_assessment.{kind}_letter" if kind != "warning" else
                                "risk_assessment.warning_list", family="file" if kind == "warning" else "letter",
                                layout="file" if kind == "warning" else "letter", unit_id=unit_id,
                                status="delivered", title="风险提示书", addressees=["企业"], body=[["p", "正文"]],
                                issued_at=issued, document_date=issued.date())   # no number: the series stays the report's
            db.session.add(document)
            db.session.flush()
            letter = Letter(unit_id=unit_id, assessment_id=assessment_id, enterprise_id=enterprise_id, kind=kind,
                            addressee_kind="government" if kind == "warning" else "enterprise", addressee="企业",
                            document_id=document.id, due_on=issued.date() + timedelta(days=20))
            letter.risk_rows = [LetterRisk(risk_item_id=risk_id)]
            db.session.add(letter)
            if n % 2 == 0:
                db.session.add(Response(letter=letter, received_on=issued.date() + timedelta(days=10 + n % 20),
                                        result="rectified", content="已整改", late=10 + n % 20 > 20))
        db.session.commit()
        log(f"  {ENTERPRISES:,} enterprises, {RISKS:,} risks in {QUARTER[0]} Q{QUARTER[1]}, "
            f"{PREVIOUS:,} in the quarter before, {LETTERS} letters")
    return app


def run(options, workdir, log=print) -> dict:
    from core import clock
    from core.documents import rendering
    from core.documents import services as documents
    from core.extensions import db
    from core.org.actor import Actor
    from core.org.services import user_by_username
    from bench.documents import _letter
    from plugins.risk_assessment import quarters, reports

    folder = workdir / "risk_assessment"
    folder.mkdir(parents=True, exist_ok=True)
    app = _setup(f"sqlite:///{folder / 'anqi.db'}", log)
    reps = 3 if options.quick else 10
    whole, figures_only, issues, letters, pages = [], [], [], [], 0
    with app.app_context():
        clock.freeze(NOW)
        desk = Actor(user=user_by_username("desk"), address="bench")
        leader = Actor(user=user_by_username("leader"), address="bench")
        rendering.render(_letter(0))                # fonts and templates loaded before the clock starts
        q = quarters.Quarter(*QUARTER)
        for n in range(reps + 1):
            started = time.perf_counter()
            report = reports.request(desk, *QUARTER, "建议加强对重点行业民间借贷和合同诈骗风险的监测预警。")
            report = reports.get(desk, report.id)
            assert report.status == "done", report.error
            documents.submit(desk, report.document_id)
            documents.sign_off(leader, report.document_id)
            issuing = time.perf_counter()
            documents.issue(desk, report.document_id)
            rendered = time.perf_counter() - issuing
            elapsed = time.perf_counter() - started
            started = time.perf_counter()
            quarters.figures(desk, q)
            figures = time.perf_counter() - started
            started = time.perf_counter()
            rendering.render(_letter(n + 1))
            letter = time.perf_counter() - started
            if n:                                   # the first round warms the caches
                whole.append(elapsed)
                figures_only.append(figures)
                issues.append(rendered)
                letters.append(letter)
        total = report.figures["total"]["current"]
        from pypdf import PdfReader

        pages = len(PdfReader(documents.storage() / documents.get(desk, report.document_id).pdf_name).pages)
        db.session.remove()
        db.engine.dispose()
    report_time, figure_time, letter = statistics.median(whole), statistics.median(figures_only), statistics.median(letters)
    return {"risks": total, "reps": reps, "report": report_time, "figures": figure_time, "letter": letter,
            "issue": statistics.median(issues),
            "ratio": report_time / letter, "pages": pages}


def markdown(result) -> str:
    return "\n".join([
        "## Quarterly risk report",
        "",
        f"The quarterly risk report of {QUARTER[0]} Q{QUARTER[1]} over {result['risks']:,} risks of {ENTERPRISES:,} "
        f"enterprises ({PREVIOUS:,} in the quarter before, {LETTERS} letters issued): asked for, computed by the job, "
        f"written as a draft, submitted, signed off, numbered, rendered ({result['pages']} pages with 6 tables and "
        f"3 charts) and stored, against a one-page letter rendered in the same run; medians of {result['reps']}, SQLite.",
        "",
        "| figure | median |",
        "| --- | ---: |",
        f"| quarterly report, end to end | {result['report'] * 1000:.0f} ms |",
        f"| of which the figures (grouped queries) | {result['figures'] * 1000:.0f} ms |",
        f"| of which issuing (numbering, rendering the PDF, storing it) | {result['issue'] * 1000:.0f} ms |",
        f"| one-page letter | {result['letter'] * 1000:.0f} ms |",
        f"| report ÷ letter | {result['ratio']:.2f}× |",
        "",
    ])

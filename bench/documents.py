"""The official-documents benchmark (``make bench``, ``--only documents``).

In one run:

(a) a one-page letter rendered through the document service
    (``core.documents.rendering.render``: template, context, fonts, fetcher)
    against WeasyPrint alone on the same HTML with the same fonts and fetcher
    (goal: the service within 1.2×), interleaved, medians;
(b) a batch of 500 letters issued by one ``anqi worker`` process and by two
    (goal: two at least 1.7× faster): time per letter from queueing to the last
    one issued, each letter numbered, rendered, stored and committed;
    and the same letter sealed and signed as an issue makes it (rendered with the
    unit's seal, then signed: ``signing.sign``) against WeasyPrint alone on the
    sealed letter's HTML (goal: within 1.3×), in the same interleaved rounds;
(c) the size of a one-page issued letter, sealed and signed (goal: under 400 KB);
(d) the single worker's resident memory after 100 and after 500 letters
    (goal: growth under 20 %);
and whether HarfBuzz subsetting is available (without it every figure above is
tens of times worse).

The workers are real ``anqi worker`` processes on a throw-away instance (SQLite
database, huey's SQLite queue), started and warmed up before the clock starts.
"""
import os
import statistics
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

BATCH = 500
REPS = 30
BODY = (
    ("p", "根据《中华人民共和国公司法》《防范和处置非法集资条例》等规定，结合我局在护企优商工作中掌握的情况，"
          "现就贵公司经营管理中存在的风险提示如下。"),
    ("h1", "风险情况"),
    ("p", "经排查，贵公司近期与多家无金融资质的投资咨询机构存在频繁资金往来，部分合同约定年化回报率明显高于市场水平，"
          "存在被卷入非法集资活动的风险。"),
    ("p", "请贵公司对上述情况进行自查，并于三十日内将整改情况书面反馈我局。"),
)


def _letter(n: int):
    from core.documents.rendering import Letter, Verification

    return Letter(layout="letter", authority="诸暨市公安局", number=f"诸公经函〔2026〕{n}号",
                  title="关于防范非法集资和职务侵占风险的提示函", addressees=(f"浙江华达科技有限公司{n}",),
                  body=BODY, issuer="诸暨市公安局", date=datetime(2026, 11, 20).date(),
                  copies=("诸暨市人民政府办公室",), printer="诸暨市公安局经济犯罪侦查大队",
                  print_date=datetime(2026, 11, 20).date(),
                  verification=Verification("ABCD2345EFGH", "http://anqi.intranet/verify/ABCD2345EFGH"))


def single_letter(app, reps: int, log) -> dict:
    """(a) and (c): the service against WeasyPrint alone, plain and sealed and
    signed, interleaved."""
    import dataclasses
    import io

    import weasyprint
    from pypdf import PdfReader

    from core.documents import rendering, seals, signing
    from core.extensions import db
    from core.org.actor import shell_actor
    from core.org.models import User

    with app.app_context():
        fonts = rendering._current_fonts()
        engine = rendering.engine(fonts)
        plain = _letter(1)
        sealed_letter = dataclasses.replace(plain, seal=seals.sample("诸暨市公安局"))
        html = rendering.html_of(plain, fonts)
        sealed_html = rendering.html_of(sealed_letter, fonts)
        unit = db.session.scalar(db.select(User).where(User.username == "desk")).unit
        signer = signing.prepare(shell_actor(), unit)     # the unit's key, as on its first issue
        db.session.commit()

        def alone(markup):
            # The same HTML, stylesheets, fonts and fetcher, straight into WeasyPrint.
            return lambda: weasyprint.HTML(string=markup, url_fetcher=rendering.url_fetcher()).write_pdf(
                stylesheets=engine.stylesheets, font_config=engine.font_config)

        calls = {
            "alone": alone(html),
            "service": lambda: rendering.render(plain),
            "sealed_alone": alone(sealed_html),
            "sealed": lambda: signing.sign(signer, rendering.render(sealed_letter)),
        }
        for _ in range(3):
            for call in calls.values():
                call()
        times = {name: [] for name in calls}
        for _ in range(reps):
            for name, call in calls.items():
                began = time.perf_counter()
                call()
                times[name].append(time.perf_counter() - began)
        pdf = calls["sealed"]()
        pages = len(PdfReader(io.BytesIO(pdf)).pages)
    medians = {name: statistics.median(values) for name, values in times.items()}
    log(f"  one letter: service {medians['service'] * 1000:.0f} ms, WeasyPrint alone {medians['alone'] * 1000:.0f} ms; "
        f"sealed and signed {medians['sealed'] * 1000:.0f} ms, WeasyPrint alone {medians['sealed_alone'] * 1000:.0f} ms")
    return {**medians, "size": len(pdf), "pages": pages}


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _instance(workdir: Path, name: str, log) -> dict:
    """A fresh instance with the demo city: its environment for the workers."""
    folder = workdir / name
    folder.mkdir(parents=True)
    env = dict(os.environ, ANQI_INSTANCE_PATH=str(folder), ANQI_DATABASE_URL=f"sqlite:///{folder / 'anqi.db'}",
               ANQI_HUEY_URL=f"sqlite:///{folder / 'huey.db'}")
    anqi = str(Path(sys.executable).with_name("anqi"))
    subprocess.run([anqi, "db", "upgrade"], env=env, check=True, capture_output=True)
    subprocess.run([anqi, "demo", "--enterprises", "20", "--no-plugin-data"], env=env, check=True, capture_output=True)
    return env


def _app(env):
    from core import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": env["ANQI_DATABASE_URL"], "HUEY_URL": env["ANQI_HUEY_URL"],
                       "HUEY_IMMEDIATE": False})


def _signed_letters(app, count: int) -> list[int]:
    from core.documents import services
    from core.extensions import db
    from core.org.actor import Actor
    from core.org.models import Unit, User

    with app.app_context():
        desk = Actor(db.session.scalar(db.select(User).where(User.username == "desk")), address="bench")
        leader = Actor(db.session.scalar(db.select(User).where(User.username == "leader")), address="bench")
        db.session.get(Unit, desk.unit_id).doc_prefix = "诸公经"
        db.session.commit()
        ids = []
        for n in range(count):
            document = services.create(desk, services.Draft(
                doc_type="letter", title="关于防范非法集资和职务侵占风险的提示函", addressees=[f"企业{n + 1}"],
                copies=["诸暨市人民政府办公室"], body=[list(block) for block in BODY]))
            services.submit(desk, document.id)
            services.sign_off(leader, document.id)
            ids.append(document.id)
        return ids


def _issue(app, database: Path, ids, workers, log, memory_at=()) -> dict:
    """Queue a batch of ``ids`` and wait until the workers have issued it all.
    Progress is read through a plain read-only connection: the app's sessions
    open every SQLite transaction with BEGIN IMMEDIATE, and polling with them
    would take the write lock from the workers."""
    import sqlite3

    from core.documents import batches
    from core.extensions import db
    from core.org.actor import Actor
    from core.org.models import User

    memory = {}
    with app.app_context():
        desk = Actor(db.session.scalar(db.select(User).where(User.username == "desk")), address="bench")
        began = time.perf_counter()
        batch_id = batches.create(desk, ids).id
        db.session.remove()
    reader = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        while True:
            counts = dict(reader.execute("SELECT status, count(*) FROM document_batch_item WHERE batch_id = ? "
                                         "GROUP BY status", (batch_id,)).fetchall())
            done = counts.get("issued", 0) + counts.get("failed", 0)
            for mark in memory_at:
                if mark not in memory and done >= mark:
                    memory[mark] = sum(_rss_kib(w.pid) for w in workers)
            if done >= len(ids):
                break
            if any(w.poll() is not None for w in workers):
                raise SystemExit("bench: a document worker stopped")
            time.sleep(0.05)
    finally:
        reader.close()
    wall = time.perf_counter() - began
    return {"wall": wall, "issued": counts.get("issued", 0), "failed": counts.get("failed", 0), "memory": memory}


def batch(workdir: Path, count: int, processes: int, log) -> dict:
    """(b) and (d): ``count`` letters issued by ``processes`` worker processes."""
    env = _instance(workdir, f"documents-{processes}", log)
    database = Path(env["ANQI_DATABASE_URL"][len("sqlite:///"):])
    app = _app(env)
    warm = _signed_letters(app, 2 * processes)
    ids = _signed_letters(app, count)
    anqi = str(Path(sys.executable).with_name("anqi"))
    workers = [subprocess.Popen([anqi, "worker", "--workers", "1", "--no-periodic"], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(processes)]
    try:
        _issue(app, database, warm, workers, log)    # fonts loaded, first renders done
        log(f"  {count} letters with {processes} worker process(es) …")
        result = _issue(app, database, ids, workers, log, memory_at=(100, count) if processes == 1 else ())
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=30)
    result["per_letter"] = result["wall"] / count
    log(f"  {processes} worker(s): {result['per_letter'] * 1000:.0f} ms a letter, {result['failed']} failed")
    return result


def run(options, workdir: Path, log) -> dict:
    from core import health

    log("Documents: one letter, service against WeasyPrint alone …")
    env = _instance(workdir, "documents-single", log)
    single = single_letter(_app(env), REPS if not options.quick else 5, log)
    count = options.letters
    one = batch(workdir, count, 1, log)
    two = batch(workdir, count, 2, log)
    return {"single": single, "one": one, "two": two, "count": count,
            "harfbuzz": health.harfbuzz_subset_available(), "cjk": health.cjk_font_available()}


def markdown(result) -> str:
    s, one, two, n = result["single"], result["one"], result["two"], result["count"]
    overhead = s["service"] / s["alone"]
    sealed_overhead = s["sealed"] / s["sealed_alone"]
    speedup = one["per_letter"] / two["per_letter"]
    memory = one["memory"]
    growth = memory[n] / memory[100] - 1 if memory.get(100) and memory.get(n) else None
    rows = [
        ("(a) one-page letter: the service vs WeasyPrint alone on the same HTML", f"{overhead:.2f}×", "≤ 1.2×",
         overhead <= 1.2),
        ("(a) the same letter sealed and signed (render + sign) vs WeasyPrint alone on its HTML",
         f"{sealed_overhead:.2f}×", "≤ 1.3×", sealed_overhead <= 1.3),
        (f"(b) {n}-letter batch: time per letter, 1 worker process vs 2", f"{speedup:.2f}× faster with 2",
         "≥ 1.7×", speedup >= 1.7),
        ("(c) size of a one-page issued letter, sealed and signed", f"{s['size'] / 1024:.0f} KB ({s['pages']} page)", "< 400 KB",
         s["size"] < 400 * 1024),
        (f"(d) worker memory after 100 and after {n} letters",
         f"{memory.get(100, 0) / 1024:.0f} → {memory.get(n, 0) / 1024:.0f} MB"
         + (f" ({growth * 100:+.1f} %)" if growth is not None else ""), "growth < 20 %",
         growth is not None and growth < 0.2),
    ]
    lines = ["# Official documents benchmark", "",
             f"- HarfBuzz subsetting (libharfbuzz-subset): {'active' if result['harfbuzz'] else '**missing**'}; "
             f"a CJK font installed: {'yes' if result['cjk'] else '**no**'}",
             f"- one letter: {REPS} interleaved rounds, medians; batches: `anqi worker --workers 1` processes on a "
             "fresh SQLite instance with huey's SQLite queue, warmed up first, timed from queueing to the last "
             "letter committed", "",
             "| measurement | result | goal | met |", "| --- | --- | --- | --- |"]
    lines += [f"| {a} | {b} | {c} | {'yes' if ok else '**no**'} |" for a, b, c, ok in rows]
    lines += ["", "| figure | value |", "| --- | ---: |",
              f"| one letter through the service, median | {s['service'] * 1000:.0f} ms |",
              f"| the same HTML, WeasyPrint alone, median | {s['alone'] * 1000:.0f} ms |",
              f"| the letter sealed and signed (render + sign), median | {s['sealed'] * 1000:.0f} ms |",
              f"| its HTML, WeasyPrint alone, median | {s['sealed_alone'] * 1000:.0f} ms |",
              f"| batch, 1 worker: wall / per letter | {one['wall']:.1f} s / {one['per_letter'] * 1000:.0f} ms |",
              f"| batch, 2 workers: wall / per letter | {two['wall']:.1f} s / {two['per_letter'] * 1000:.0f} ms |",
              f"| failed items (1 worker / 2 workers) | {one['failed']} / {two['failed']} |"]
    return "\n".join(lines) + "\n"

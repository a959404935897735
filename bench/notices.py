"""The notices benchmark (issue 23): ``anqi worker`` sends 1,000 queued SMS
through an HTTP SMS gateway on 127.0.0.1 (tests/notice_servers.py, the one the
tests use), once with one worker process and once with two, in the same run.

    make bench BENCH_ARGS="--only notices"

Each round makes 1,000 portal accounts' messages (one each, so the hourly limit
per recipient does not apply), queues their jobs in the SQLite job queue, starts
the worker processes (``--workers 2`` threads each, no periodic jobs) on the
embedded SQLite database and waits until the gateway has accepted all of them.
Throughput is counted from the gateway's first accepted message to its last,
so the processes' start-up is left out; memory is each worker process's peak
resident size (``VmHWM``), read before it is stopped.
"""
import os
import subprocess
import sys
import time
from pathlib import Path

MESSAGES = 1_000
THREADS = 2
ROUNDS = (1, 2)   # worker processes


def _app(workdir: Path):
    from core import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'notices.db'}",
                       "HUEY_URL": f"sqlite:///{workdir / 'queue.db'}", "HUEY_IMMEDIATE": False})


def _prepare(app, tag: str) -> list[int]:
    """A unit, 1,000 verified portal accounts and one queued message to each; their ids."""
    from sqlalchemy import select

    from core import clock
    from core.extensions import db
    from core.notices.models import QUEUED, TO_ACCOUNT, NoticeMessage
    from core.org.models import Unit
    from core.portal.models import VERIFIED, PortalAccount

    with app.app_context():
        unit = db.session.scalar(select(Unit).where(Unit.code == "BENCH"))
        if unit is None:
            from core.org.actor import shell_actor
            from core.org.services import save_unit

            unit = save_unit(shell_actor(), {"code": "BENCH", "name": "示范市公安局", "kind": "city_bureau"})
        accounts = [PortalAccount(credit_code=f"9133068{tag}{n:010d}"[:18], enterprise_name=f"示范企业{n}",
                                  unit_id=unit.id, name="联系人", phone=f"139{tag}{n:07d}"[:11], password_hash="-",
                                  status=VERIFIED) for n in range(MESSAGES)]
        db.session.add_all(accounts)
        db.session.flush()
        messages = [NoticeMessage(event="enterprise.accepted", channel="sms", recipient_kind=TO_ACCOUNT,
                                  recipient_id=account.id, locale="zh_Hans_CN", status=QUEUED, attempts=0,
                                  text=f"您的诉求已受理，编号2026-{n:06d}，我们将及时告知办理进展。",
                                  created_at=clock.now())
                    for n, account in enumerate(accounts)]
        db.session.add_all(messages)
        db.session.commit()
        ids = [m.id for m in messages]
        from core.notices import delivery

        for message_id in ids:
            delivery.enqueue(message_id)
        db.session.remove()
        return ids


def _peak_rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _round(workdir: Path, app, gateway, processes: int, log) -> dict:
    tag = str(processes)
    before = len(gateway.times)
    _prepare(app, tag)
    env = {**os.environ, "ANQI_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "ANQI_HUEY_URL": app.config["HUEY_URL"], "ANQI_INSTANCE_PATH": app.instance_path,
           "ANQI_NOTICE_SMS_GATEWAY": "http", "ANQI_NOTICE_SMS_URL": gateway.url,
           "ANQI_NOTICE_SMS_SIGNATURE": "【安企】", "ANQI_NOTICE_ALLOWED_HOSTS": '["127.0.0.1"]',
           "ANQI_NOTICE_QUIET_HOURS": "[0, 0]", "ANQI_NOTICE_RECIPIENT_LIMIT_PER_HOUR": "0",
           "ANQI_WORKER_NICE": "0"}
    anqi = Path(sys.executable).with_name("anqi")
    workers = [subprocess.Popen([str(anqi), "worker", "--workers", str(THREADS), "--no-periodic"], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(processes)]
    peaks = []
    try:
        deadline = time.monotonic() + 600
        while len(gateway.times) - before < MESSAGES and time.monotonic() < deadline:
            time.sleep(0.05)
            peaks = [max(p, _peak_rss_mb(w.pid)) for p, w in zip(peaks or [0.0] * processes, workers)]
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=60)
    times = gateway.times[before:]
    sent = len(times)
    if sent < MESSAGES:
        raise SystemExit(f"bench: only {sent} of {MESSAGES} notices were sent with {processes} worker process(es)")
    seconds = times[-1] - times[0]
    log(f"notices: {processes} worker process(es): {sent} messages in {seconds:.1f} s")
    return {"processes": processes, "sent": sent, "seconds": seconds, "rate": (sent - 1) / seconds,
            "peak_mb": max(peaks) if peaks else 0.0}


def run(options, workdir: Path, log) -> dict:
    import flask_migrate

    from tests.notice_servers import SmsGateway

    class TimedGateway(SmsGateway):
        """The tests' gateway, noting when it accepted each message."""

        def __init__(self):
            super().__init__()
            self.times = []

        def _answer(self, body):
            answer = super()._answer(body)
            if answer.get("code") == "0":
                self.times.append(time.monotonic())
            return answer

    folder = workdir / "notices"
    folder.mkdir(parents=True, exist_ok=True)
    app = _app(folder)
    with app.app_context():
        flask_migrate.upgrade(revision="heads")
    with TimedGateway() as gateway:
        rounds = [_round(folder, app, gateway, processes, log) for processes in ROUNDS]
    return {"rounds": rounds}


def markdown(result) -> str:
    rounds = result["rounds"]
    base = rounds[0]["rate"]
    lines = ["# Notices benchmark", "",
             f"- {MESSAGES:,} queued SMS to as many portal accounts, sent by `anqi worker --workers {THREADS}` "
             "through the HTTP SMS gateway of tests/notice_servers.py on 127.0.0.1, on the embedded SQLite "
             "database and job queue; one and two worker processes in the same run",
             "", "| worker processes | messages | seconds | messages per second | ratio | peak memory per process |",
             "| ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in rounds:
        lines.append(f"| {r['processes']} | {r['sent']:,} | {r['seconds']:.1f} | {r['rate']:.0f} | "
                     f"{r['rate'] / base:.2f}× | {r['peak_mb']:.0f} MB |")
    return "\n".join(lines) + "\n"

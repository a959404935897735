"""No request may stall the others: real `anqi serve` and `anqi worker` processes,
one user asking for the preview of a 3,000-paragraph draft and importing a
100,000-row file (its check, then its first minute of writing), while other users log in, open their queue and register a
ticket every half second. Every one of those answers 2xx within 1 s and the
readiness probe stays ready — on SQLite (its one writer) and on PostgreSQL.

The heavy work goes to the job worker (which runs at a lower CPU priority) and
never holds a transaction across rendering or parsing; an import writes in
short chunks. About a minute and a half per database."""
import csv
import io
import os
import re
import signal
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from core import tasks
from core.documents import services as documents
from core.extensions import db
from core.registry import services as registry
from core.registry.models import Enterprise
from core.tickets.models import Ticket
from tests.conftest import PASSWORD, actor_for
from tests.helpers import code
from tests.test_serving import free_port

pytestmark = pytest.mark.quiet   # counts milliseconds: runs alone, after the rest of the suite

ANQI = Path(sys.executable).with_name("anqi")
REDIS_URL = os.environ.get("ANQI_TEST_REDIS_URL")
PARAGRAPHS = 3000
IMPORT_ROWS = 100_000
PACE = 0.5             # seconds between one user's requests
LIMIT = 1.0            # the longest any of them may wait
WRITE_WATCH = 60       # seconds the others are watched while the import writes
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
KEY = re.compile(r'name="submission_key" type="hidden" value="([^"]+)"')


@pytest.fixture
def queue_url(database_url, tmp_path):
    if REDIS_URL and database_url.startswith("postgresql"):
        return REDIS_URL
    return f"sqlite:///{tmp_path / 'queue' / 'huey.db'}"


@pytest.fixture
def app(make_app, queue_url):
    app = make_app(HUEY_IMMEDIATE=False, HUEY_URL=queue_url)
    tasks.huey.flush()
    with app.app_context():
        yield app


@contextmanager
def deployment(app, port: int):
    """`anqi serve` (three web workers) and `anqi worker` on the app's database, queue and folder."""
    env = {**os.environ, "ANQI_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "ANQI_INSTANCE_PATH": app.instance_path, "ANQI_HUEY_URL": app.config["HUEY_URL"],
           "ANQI_SERVE_WORKERS": "3", "ANQI_AUTH_LOGIN_RATE_LIMIT": "1000 per minute", "PYTHONUNBUFFERED": "1"}
    folder = Path(app.instance_path)
    folder.mkdir(parents=True, exist_ok=True)
    db.session.rollback()
    logs = {name: (folder / f"{name}.log").open("w") for name in ("serve", "worker")}
    processes = [
        subprocess.Popen([str(ANQI), "serve", "--bind", f"127.0.0.1:{port}"], env=env,
                         stdout=logs["serve"], stderr=subprocess.STDOUT),
        subprocess.Popen([str(ANQI), "worker", "--workers", "2", "--no-periodic"], env=env,
                         stdout=logs["worker"], stderr=subprocess.STDOUT),
    ]
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if requests.get(f"http://127.0.0.1:{port}/readyz", timeout=5).status_code == 200:
                    break
            except (requests.ConnectionError, requests.Timeout):   # a cold start may take longer than one try
                pass
            assert time.monotonic() < deadline, "anqi serve did not start"
            assert all(p.poll() is None for p in processes), "a process stopped at start"
            time.sleep(0.3)
        yield
    finally:
        processes[0].send_signal(signal.SIGTERM)
        processes[1].kill()          # an import may still be writing: its job would finish before a graceful stop
        for process in processes:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
        for name, out in logs.items():
            out.close()
            print(f"--- {name} ---\n" + (folder / f"{name}.log").read_text(errors="replace")[-6000:])


@dataclass
class Record:
    """What the other users saw: each request's name, status and seconds."""

    answers: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, name, response, began):
        with self.lock:
            self.answers.append((name, response.status_code, time.monotonic() - began))

    def timed(self, session, name, method, url, **kwargs):
        began = time.monotonic()
        response = session.request(method, url, allow_redirects=False, timeout=30, **kwargs)
        self.add(name, response, began)
        return response


def logged_in(record, base, username):
    session = requests.Session()
    page = record.timed(session, "login page", "GET", f"{base}/login")
    response = record.timed(session, "login", "POST", f"{base}/login",
                            data={"csrf_token": CSRF.search(page.text).group(1), "username": username,
                                  "password": PASSWORD})
    assert response.status_code == 302, response.text[:300]
    record.timed(session, "home page", "GET", base + response.headers["Location"])
    return session


def every_half_second(stop, action):
    while not stop.is_set():
        began = time.monotonic()
        action()
        stop.wait(max(0.0, PACE - (time.monotonic() - began)))


def the_desk_at_work(record, base, stop, enterprise_id):
    """The others: one logs in again and again, one reads the queue, one registers tickets, and
    the readiness probe is asked; each every half second, in threads of their own."""
    queue = logged_in(record, base, "desk_a")
    intake = logged_in(record, base, "desk_b")

    def log_in():
        logged_in(record, base, "officer_b")

    def read_queue():
        record.timed(queue, "ticket queue", "GET", f"{base}/tickets/")

    def register():
        form = record.timed(intake, "intake form", "GET", f"{base}/tickets/new?enterprise={enterprise_id}")
        if form.status_code != 200:
            return
        response = record.timed(intake, "register a ticket", "POST", f"{base}/tickets/new", data={
            "csrf_token": CSRF.search(form.text).group(1), "submission_key": KEY.search(form.text).group(1),
            "enterprise_id": str(enterprise_id), "contact_name": "王伟", "contact_phone": "13800138000",
            "channel": "hotline", "category": "service", "ticket_class": "general", "handling_mode": "follow",
            "description": "企业反映门前路灯损坏，夜间员工出行不便，请协调修复。"})
        if response.status_code == 302:
            record.timed(intake, "ticket page", "GET", base + response.headers["Location"])

    def ready():
        began = time.monotonic()
        record.add("readyz", requests.get(f"{base}/readyz", timeout=30), began)

    threads = [threading.Thread(target=every_half_second, args=(stop, action), daemon=True)
               for action in (log_in, read_queue, register, ready)]
    for thread in threads:
        thread.start()
    return threads


def large_draft(app):
    desk = actor_for("desk")
    paragraph = "为进一步优化营商环境，本单位对辖区企业反映的问题逐项梳理，明确责任、限期整改并跟踪问效。"
    body = [("p", f"{n + 1}. {paragraph}") for n in range(PARAGRAPHS)]
    document = documents.create(desk, documents.Draft(doc_type="letter", title="关于全年护企工作情况的报告",
                                                      addressees=["市公安局"], body=body))
    db.session.commit()
    return document.id


def import_file() -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["企业名称", "统一社会信用代码", "行业", "所属区域", "属地单位代码"])
    for n in range(IMPORT_ROWS):
        writer.writerow([f"示范市第{n + 1}号企业有限公司", code(100 + n, "91330681MB"), "制造业", "暨阳街道", "STA"])
    return out.getvalue().encode("utf-8")


def test_heavy_work_of_one_user_stalls_nobody(app, city, tmp_path):
    enterprise_id = registry.create(actor_for("desk_b"), {"name": "乙所辖区安瑞科技有限公司", "credit_code": code(1),
                                                          "unit_id": city.station_b.id}).id
    document_id = large_draft(app)
    content = import_file()
    assert len(content) < app.config["IMPORT_MAX_BYTES"]
    tickets_before = db.session.scalar(select(func.count()).select_from(Ticket))
    db.session.rollback()     # this process holds no transaction while the servers work (SQLite: no lock)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    record, stop = Record(), threading.Event()
    with deployment(app, port):
        heavy = logged_in(Record(), base, "desk")
        threads = the_desk_at_work(record, base, stop, enterprise_id)
        try:
            time.sleep(2)
            # The preview: answered at once, made by the worker, then served.
            began = time.monotonic()
            first = heavy.get(f"{base}/documents/{document_id}/preview.pdf", timeout=30)
            assert first.status_code == 202 and time.monotonic() - began < LIMIT * 3, first.text[:300]
            # The import: uploaded, planned by the worker, confirmed, written in chunks by the worker.
            page = heavy.get(f"{base}/enterprises/import", timeout=30)
            upload = heavy.post(f"{base}/enterprises/import", allow_redirects=False, timeout=60,
                                data={"csrf_token": CSRF.search(page.text).group(1)},
                                files={"file": ("企业名录.csv", content, "text/csv")})
            assert upload.status_code == 303, upload.text[:300]
            status_url = base + upload.headers["Location"]
            preview_ready = checked = None
            written = 0
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline:
                time.sleep(2)
                if preview_ready is None:
                    response = heavy.get(f"{base}/documents/{document_id}/preview.pdf", timeout=30)
                    if response.status_code == 200:
                        assert response.headers["Content-Type"] == "application/pdf"
                        preview_ready = time.monotonic() - began
                status = heavy.get(status_url, timeout=30)
                assert status.status_code == 200
                assert 'data-testid="import-problem"' not in status.text, status.text[:3000]
                if checked is None and 'data-testid="import-confirm"' in status.text:
                    checked = time.monotonic() - began
                    confirm = heavy.post(status_url, data={"csrf_token": CSRF.search(status.text).group(1)},
                                         timeout=30, allow_redirects=False)
                    assert confirm.status_code == 303
                    deadline = min(deadline, time.monotonic() + WRITE_WATCH)
                elif checked is not None:
                    done = re.search(r'<progress max="\d+" value="(\d+)"', status.text)
                    written = int(done.group(1)) if done else written
                    if "http-equiv=\"refresh\"" not in status.text:
                        written = IMPORT_ROWS
                        break
                if preview_ready is not None and checked is not None and written == IMPORT_ROWS:
                    break
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=30)
    print(f"preview ready after {preview_ready} s, import checked after {checked} s, {written} rows written, "
          f"{len(record.answers)} answers to the others; the slowest: "
          f"{sorted(record.answers, key=lambda a: -a[2])[:5]}")
    assert preview_ready is not None, "the preview was never made"
    assert checked is not None, "the import was never checked"
    # Writing 100,000 enterprises takes minutes here; the others are watched while it goes on, and it must move.
    assert written > 0 or db.session.scalar(select(func.count()).select_from(Enterprise)) > 1
    slow = [a for a in record.answers if a[2] > LIMIT]
    failed = [a for a in record.answers if not 200 <= a[1] < 400]
    assert not failed, failed[:20]
    assert not slow, sorted(slow, key=lambda a: -a[2])[:20]
    registered = db.session.scalar(select(func.count()).select_from(Ticket)) - tickets_before
    names = {name for name, _status, _seconds in record.answers}
    assert {"login", "ticket queue", "register a ticket", "readyz"} <= names and registered >= 10

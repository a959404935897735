"""`anqi serve`: gunicorn workers on the test's database, a graceful reload and
stop; the settings a deployment gives by environment (workers, pool, storage)."""
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from core import config as config_module
from core import serving
from core.documents import services as documents
from core.extensions import db
from core.tickets import attachments
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)

ANQI = Path(sys.executable).with_name("anqi")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def wait_for(url: str, seconds: int = 120) -> tuple[int, str]:
    deadline = time.monotonic() + seconds
    while True:
        try:
            return get(url)
        except (urllib.error.URLError, ConnectionError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def worker_pids(master: int) -> set[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(master)], capture_output=True, text=True).stdout
    return {int(p) for p in out.split()}


def login_pages_served(port: int) -> float:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/metrics", headers={"Authorization": "Bearer s3cret"})
    with urllib.request.urlopen(request, timeout=10) as response:
        text = response.read().decode()
    pattern = r'anqi_http_request_duration_seconds_count\{[^}]*endpoint="auth.login"[^}]*method="GET"[^}]*\} (\S+)'
    return sum(float(n) for n in re.findall(pattern, text))


def test_anqi_serve_runs_workers_reloads_and_stops_gracefully(app, city, tmp_path):
    port = free_port()
    env = {**os.environ, "ANQI_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "ANQI_INSTANCE_PATH": app.instance_path, "ANQI_SERVE_WORKERS": "2", "ANQI_METRICS_TOKEN": "s3cret"}
    db.session.rollback()  # no SQLite lock held by the test while the workers start
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen([str(ANQI), "serve", "--bind", f"127.0.0.1:{port}"], env=env,
                              stdout=log, stderr=subprocess.STDOUT)
    try:
        status, page = wait_for(f"http://127.0.0.1:{port}/login")
        assert status == 200 and 'name="username"' in page and '<html lang="zh' in page
        first = worker_pids(server.pid)
        assert len(first) == 2  # ANQI_SERVE_WORKERS
        for _ in range(6):
            assert get(f"http://127.0.0.1:{port}/login")[0] == 200
        # systemctl reload: new workers, built from what is on disk now; the old ones finish.
        (Path(app.instance_path) / "config.py").write_text('BABEL_DEFAULT_LOCALE = "en"\n')
        server.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and (worker_pids(server.pid) & first or len(worker_pids(server.pid)) < 2):
            time.sleep(0.3)
        assert not worker_pids(server.pid) & first and len(worker_pids(server.pid)) == 2
        status, page = wait_for(f"http://127.0.0.1:{port}/login")
        assert status == 200 and '<html lang="en"' in page
        # Every login page served, by any worker, the replaced ones included, is in one figure.
        assert login_pages_served(port) == 8
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=60) == 0
    finally:
        if server.poll() is None:
            server.kill()
        log.close()
    output = (tmp_path / "serve.log").read_text()
    assert "Listening at: http://127.0.0.1:%d" % port in output, output
    # The login rate limit in process memory would count per worker: the command says so.
    assert "ANQI_RATELIMIT_STORAGE_URI" in output


def test_anqi_serve_refuses_a_database_behind_the_code(tmp_path):
    env = {**os.environ, "ANQI_DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}",
           "ANQI_INSTANCE_PATH": str(tmp_path / "instance")}
    result = subprocess.run([str(ANQI), "serve", "--bind", f"127.0.0.1:{free_port()}"], env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1 and "anqi db upgrade" in result.stderr


def test_serve_options_come_from_the_command_then_the_settings_then_the_defaults():
    options = serving.ServeOptions.from_config({"SERVE_WORKERS": 3, "SERVE_TIMEOUT": 90}, workers=None,
                                               timeout=30, bind=None)
    assert (options.workers, options.timeout, options.bind) == (3, 30, "127.0.0.1:8000")
    assert serving.ServeOptions.from_config({}).workers == serving.default_workers()


def test_postgresql_connections_are_pooled_per_process_as_configured(make_app):
    config = {"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://anqi@db.local/anqi", "DB_POOL_SIZE": 3,
              "DB_MAX_OVERFLOW": 2, "DB_POOL_RECYCLE_SECONDS": 600,
              "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True}}
    config_module._pool(config)
    assert config["SQLALCHEMY_ENGINE_OPTIONS"] == {"pool_pre_ping": True, "pool_size": 3, "max_overflow": 2,
                                                   "pool_recycle": 600}
    sqlite = {"SQLALCHEMY_DATABASE_URI": "sqlite:///x.db", "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True}}
    config_module._pool(sqlite)
    assert sqlite["SQLALCHEMY_ENGINE_OPTIONS"] == {"pool_pre_ping": True}


def test_stored_files_go_under_the_storage_folder(make_app, tmp_path):
    shared = tmp_path / "shared-volume"
    app = make_app(STORAGE_DIR=str(shared))
    with app.app_context():
        assert attachments.folder() == shared / "attachments"
        assert documents.storage() == shared / "documents"
    app = make_app(STORAGE_DIR=str(shared), DOCUMENT_STORAGE=str(tmp_path / "pdfs"))
    with app.app_context():
        assert documents.storage() == tmp_path / "pdfs"  # one kind may still live elsewhere


# --- the address the QR codes on issued documents point at (core/public_address.py) -----------

def test_anqi_serve_warns_at_start_when_the_public_address_is_unset_or_loopback(app, monkeypatch):
    started = []
    monkeypatch.setattr(serving, "exec_master", lambda options, shared=None: started.append(options))
    for setting in (None, "http://localhost:8000"):
        app.config["PUBLIC_BASE_URL"] = setting
        result = app.test_cli_runner().invoke(args=["serve", "--bind", "127.0.0.1:8123"])
        assert result.exit_code == 0, result.output
        [warning] = [line for line in result.output.splitlines() if "PUBLIC_BASE_URL" in line]
        assert warning.startswith("Warning: ") and "ANQI_PUBLIC_BASE_URL" in warning
    app.config["PUBLIC_BASE_URL"] = "https://anqi.zhuji.example"
    result = app.test_cli_runner().invoke(args=["serve", "--bind", "127.0.0.1:8123"])
    assert result.exit_code == 0 and "PUBLIC_BASE_URL" not in result.output
    assert len(started) == 3


def test_the_served_workers_run_in_production_mode(app, monkeypatch):
    monkeypatch.setenv("ANQI_DATABASE_URL", app.config["SQLALCHEMY_DATABASE_URI"])
    worker_app = serving.Server.load(None)        # what each gunicorn worker builds
    try:
        assert worker_app.config["PRODUCTION"] is True and app.config["PRODUCTION"] is False
    finally:
        with worker_app.app_context():
            db.engine.dispose()


def run_command(app, monkeypatch, *args) -> tuple[str, list]:
    """`anqi run …` up to the point where it serves: what it printed and what it served."""
    import werkzeug.serving

    served = []
    monkeypatch.setattr(werkzeug.serving, "run_simple", lambda host, port, *rest, **kw: served.append((host, port)))
    result = app.test_cli_runner().invoke(args=["run", "--no-worker", *args])
    assert result.exit_code == 0, result.output
    return result.output, served


def test_anqi_run_points_the_qr_codes_at_the_address_it_serves(app, monkeypatch):
    from core.public_address import is_loopback

    output, served = run_command(app, monkeypatch, "--port", "5123")
    assert served == [("127.0.0.1", 5123)]
    assert app.config["PUBLIC_BASE_URL"] == "http://127.0.0.1:5123"
    assert "http://127.0.0.1:5123" in output and "PUBLIC_BASE_URL" in output

    app.config["PUBLIC_BASE_URL"] = None
    run_command(app, monkeypatch, "--host", "0.0.0.0", "--port", "8080")   # every interface: this machine's address
    address = app.config["PUBLIC_BASE_URL"]
    assert address.startswith("http://") and address.endswith(":8080") and "0.0.0.0" not in address
    assert not is_loopback(address)

    app.config["PUBLIC_BASE_URL"] = "https://anqi.zhuji.example"      # configured: kept
    output, _served = run_command(app, monkeypatch, "--port", "5124")
    assert app.config["PUBLIC_BASE_URL"] == "https://anqi.zhuji.example"
    assert "https://anqi.zhuji.example" in output

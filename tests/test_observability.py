"""Monitoring: the load balancer's probes, the request id and the access log,
JSON logs, and the Prometheus metrics (also across several processes)."""
import io
import json
import logging
import os
import shutil
import subprocess
import sys
import textwrap
from datetime import datetime
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from core import clock, tasks
from core.audit.models import AuditEntry
from core.observability import logs
from core.observability.metrics import prepare_multiprocess_dir
from core.registry import services as registry
from core.tickets import deadlines
from core.tickets import services as tickets
from core.tickets.queues import count_overdue
from tests.conftest import actor_for, login
from tests.helpers import code, count
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)

TOKEN = "scrape-token-0123456789"
PHONE = "13800138000"
CLOSED_PORT_REDIS = "redis://:queue-secret@127.0.0.1:1/0"


@pytest.fixture
def app_config():
    return {"METRICS_TOKEN": TOKEN}


def metrics_of(response) -> dict:
    """{(name, frozenset(labels)): value} of a /metrics answer."""
    assert response.status_code == 200, response.status_code
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(response.get_data(as_text=True)) for s in family.samples}


def scrape(client):
    return client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})


def request_count(samples, endpoint, status="2xx") -> float:
    key = ("anqi_http_request_duration_seconds_count",
           frozenset({"endpoint": endpoint, "method": "GET", "status": status}.items()))
    return samples.get(key, 0)


# --- probes ----------------------------------------------------------------------------------

def test_healthz_answers_ok_with_no_cookie_and_no_audit_entry(app, client):
    before = count(AuditEntry)
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_data(as_text=True).strip() == "ok"
    assert "Set-Cookie" not in response.headers
    assert count(AuditEntry) == before


def test_readyz_answers_ok_when_the_database_and_the_queue_answer(app, client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ready", "checks": {"database": "ok", "queue": "ok"}}
    assert "Set-Cookie" not in response.headers


def test_readyz_answers_ok_with_the_queue_in_a_sqlite_file(make_app, tmp_path):
    app = make_app(HUEY_URL=f"sqlite:///{tmp_path / 'queue.db'}", HUEY_IMMEDIATE=False)
    assert app.test_client().get("/readyz").status_code == 200


def test_readyz_names_the_unreachable_queue_without_its_address(make_app):
    app = make_app(HUEY_URL=CLOSED_PORT_REDIS, HUEY_IMMEDIATE=False)
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "checks": {"database": "ok", "queue": "unavailable"}}
    body = response.get_data(as_text=True)
    assert "queue-secret" not in body and "127.0.0.1" not in body


def test_readyz_names_the_unreachable_database(make_app):
    app = make_app(SQLALCHEMY_DATABASE_URI="postgresql+psycopg://anqi:db-secret@127.0.0.1:1/anqi")
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"] == {"database": "unavailable", "queue": "ok"}
    assert "db-secret" not in response.get_data(as_text=True)
    # The process itself is alive: the liveness probe does not depend on the database.
    assert app.test_client().get("/healthz").status_code == 200


def test_readyz_with_a_live_redis_queue(make_app):
    redis = pytest.importorskip("redis")
    url = "redis://127.0.0.1:6379/4"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    app = make_app(HUEY_URL=url, HUEY_IMMEDIATE=False)
    assert app.test_client().get("/readyz").get_json()["checks"]["queue"] == "ok"


def test_probes_need_no_login_and_no_csrf_token(make_app):
    app = make_app(WTF_CSRF_ENABLED=True, RATELIMIT_ENABLED=True, METRICS_TOKEN=TOKEN)  # as in production
    client = app.test_client()
    for path in ("/healthz", "/readyz"):
        assert client.get(path).status_code == 200
        assert client.head(path).status_code == 200
    assert scrape(client).status_code == 200


# --- request id and access log -----------------------------------------------------------------

@pytest.mark.parametrize("sent, kept", [
    ("lb-7f3a.2_X", True),
    ("a" * 64, True),
    ("a" * 65, False),
    ("two words", False),
    ("<script>", False),
    ("", False),
])
def test_the_request_id_is_taken_when_sane_and_made_otherwise(client, sent, kept):
    response = client.get("/healthz", headers={"X-Request-ID": sent})
    echoed = response.headers["X-Request-ID"]
    if kept:
        assert echoed == sent
    else:
        assert echoed != sent and len(echoed) == 32 and int(echoed, 16) >= 0


def test_each_request_gets_its_own_id(client):
    assert client.get("/healthz").headers["X-Request-ID"] != client.get("/healthz").headers["X-Request-ID"]


def test_every_record_of_a_request_carries_its_id(make_app, caplog):
    app = make_app()

    @app.route("/logs-something")
    def logs_something():
        logging.getLogger("anqi.somewhere").warning("something happened")
        return "done"

    caplog.set_level(logging.DEBUG)
    response = app.test_client().get("/logs-something", headers={"X-Request-ID": "req-1"})
    assert response.headers["X-Request-ID"] == "req-1"
    inside = [r for r in caplog.records if r.getMessage() == "something happened"]
    access = [r for r in caplog.records if r.name == "anqi.access"]
    assert [r.request_id for r in inside] == ["req-1"]
    assert [(r.request_id, r.path, r.status, r.method) for r in access] == [("req-1", "/logs-something", 200, "GET")]
    # Outside a request there is no id.
    logging.getLogger("anqi.somewhere").warning("later")
    assert caplog.records[-1].request_id == "-"


def test_the_access_log_names_the_route_user_and_unit_never_the_query(app, city, caplog):
    client = app.test_client()
    login(client, "desk")
    desk = city.user("desk")
    caplog.set_level(logging.DEBUG)
    response = client.get(f"/enterprises/?q={PHONE}&page_size=20", headers={"X-Request-ID": "search-1"})
    assert response.status_code == 200
    access = [r for r in caplog.records if r.name == "anqi.access"]
    assert len(access) == 1
    record = access[0]
    assert (record.path, record.endpoint, record.status, record.user_id, record.unit_id) == \
        ("/enterprises/", "registry.index", 200, desk.id, desk.unit_id)
    assert record.duration_ms >= 0
    assert "?" not in record.getMessage()
    for r in caplog.records:
        assert PHONE not in r.getMessage() and PHONE not in str(vars(r)), r.getMessage()


def test_a_route_with_an_id_is_logged_by_its_rule(app, city, caplog):
    client = app.test_client()
    login(client, "desk")
    caplog.set_level(logging.INFO)
    client.get("/tickets/4242")
    access = [r for r in caplog.records if r.name == "anqi.access"]
    assert [(r.path, r.status) for r in access] == [("/tickets/<int:ticket_id>", 404)]


def test_an_address_that_matches_no_route_is_not_logged_as_typed(client, caplog):
    caplog.set_level(logging.INFO)
    assert client.get(f"/people/{PHONE}").status_code == 404
    access = [r for r in caplog.records if r.name == "anqi.access"]
    assert [(r.path, r.status) for r in access] == [("-", 404)]
    assert not [r for r in caplog.records if PHONE in r.getMessage()]


def test_probes_are_logged_at_debug_only(client, caplog):
    caplog.set_level(logging.INFO)
    client.get("/healthz")
    client.get("/readyz")
    assert not [r for r in caplog.records if r.name == "anqi.access"]


def test_json_log_lines_parse_with_the_expected_keys(make_app, caplog):
    app = make_app()
    caplog.set_level(logging.DEBUG, logger="anqi.access")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.formatter("json"))
    access = logging.getLogger("anqi.access")
    access.addHandler(handler)
    try:
        app.test_client().get("/healthz?x=" + PHONE, headers={"X-Request-ID": "json-1"})
        logging.getLogger("anqi.access").info("outside a request")
    finally:
        access.removeHandler(handler)
    first, second = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert {"time", "level", "logger", "message", "request_id", "method", "path", "endpoint", "status",
            "duration_ms"} <= set(first)
    assert (first["request_id"], first["path"], first["status"], first["level"], first["logger"]) == \
        ("json-1", "/healthz", 200, "DEBUG", "anqi.access")
    assert datetime.fromisoformat(first["time"])
    assert PHONE not in stream.getvalue()
    assert "request_id" not in second and second["message"] == "outside a request"


def test_text_log_lines_show_the_request_id(client, caplog):
    caplog.set_level(logging.DEBUG, logger="anqi.access")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.formatter("text"))
    logging.getLogger("anqi.access").addHandler(handler)
    try:
        client.get("/readyz?x=1", headers={"X-Request-ID": "text-1"})
    finally:
        logging.getLogger("anqi.access").removeHandler(handler)
    assert "[text-1]" in stream.getvalue() and "GET /readyz 200" in stream.getvalue()


@pytest.mark.parametrize("setting", [{"LOG_FORMAT": "xml"}, {"LOG_LEVEL": "LOUD"}])
def test_a_wrong_log_setting_stops_the_start_and_says_which(make_app, setting):
    with pytest.raises(ValueError, match=next(iter(setting))):
        make_app(**setting)


def test_a_job_s_records_carry_its_name(app, city, caplog):
    caplog.set_level(logging.INFO)
    tasks.sweep_tickets()   # immediate mode in tests: runs here and now
    records = [r for r in caplog.records if r.getMessage().startswith("ticket sweep:")]
    assert [r.job_name for r in records] == ["anqi.tickets.sweep"] and records[0].job_id != "-"
    logging.getLogger("anqi.somewhere").info("after the job")
    assert caplog.records[-1].job_name == "-"


# --- metrics -------------------------------------------------------------------------------------

def test_metrics_are_off_without_a_token(make_app):
    client = make_app().test_client()
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 404


@pytest.mark.parametrize("header", [None, "Bearer wrong-token", f"Basic {TOKEN}", f"Bearer {TOKEN}x", "Bearer 令牌"])
def test_metrics_refuse_a_wrong_token_without_an_audit_entry(client, header):
    before = count(AuditEntry)
    response = client.get("/metrics", headers={"Authorization": header} if header else {})
    assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "anqi_" not in response.get_data(as_text=True)
    assert count(AuditEntry) == before


def _overdue_world(city):
    """Two tickets overdue now (registered a week ago), one not (registered now)."""
    enterprise = registry.create(actor_for("desk_a"), {"name": "浙江华达科技有限公司", "credit_code": code(1)})

    def register(at):
        clock.freeze(at)
        return tickets.register(actor_for("desk"), tickets.Intake(
            enterprise_id=enterprise.id, channel="hotline", category="dispute", ticket_class="general",
            handling_mode="follow", description="厂区门口有人堵路，影响出货。"))

    def beijing(d, hh):
        return datetime(2026, 3, d, hh).replace(tzinfo=deadlines.LOCAL).astimezone(deadlines.UTC).replace(tzinfo=None)

    for _ in range(2):
        tickets.dispatch(actor_for("desk"), register(beijing(2, 9)).id, city.station_a.id)
    register(beijing(30, 9))
    clock.freeze(beijing(30, 10))


def test_a_scrape_with_the_token_reports_latency_overdue_tickets_and_queue_depth(client, city):
    _overdue_world(city)
    assert count_overdue() == 2
    before = metrics_of(scrape(client))
    client.get("/healthz")
    client.get("/healthz")
    audit_before = count(AuditEntry)
    response = scrape(client)
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    assert "Set-Cookie" not in response.headers
    assert count(AuditEntry) == audit_before
    samples = metrics_of(response)
    assert request_count(samples, "probes.healthz") == request_count(before, "probes.healthz") + 2
    assert samples[("anqi_tickets_overdue", frozenset())] == 2
    assert samples[("anqi_job_queue_depth", frozenset())] == 0
    assert samples[("anqi_dependency_up", frozenset({"dependency": "database"}.items()))] == 1
    assert samples[("anqi_http_requests_in_progress", frozenset())] >= 1   # this scrape


def test_the_queue_depth_counts_waiting_jobs(make_app, tmp_path):
    app = make_app(METRICS_TOKEN=TOKEN, HUEY_URL=f"sqlite:///{tmp_path / 'queue.db'}", HUEY_IMMEDIATE=False)
    tasks.forget_old_form_keys()   # queued: no worker runs in this test
    tasks.forget_old_form_keys()
    assert metrics_of(scrape(app.test_client()))[("anqi_job_queue_depth", frozenset())] == 2


def test_an_invented_method_makes_no_new_series(client):
    assert client.open("/healthz", method="BREW").status_code == 405
    labels = {dict(labels).get("method") for name, labels in metrics_of(scrape(client))
              if name == "anqi_http_request_duration_seconds_count"}
    assert "BREW" not in labels and "other" in labels


def test_a_scrape_with_the_queue_down_still_answers(make_app):
    app = make_app(METRICS_TOKEN=TOKEN, HUEY_URL=CLOSED_PORT_REDIS, HUEY_IMMEDIATE=False)
    samples = metrics_of(scrape(app.test_client()))
    assert samples[("anqi_dependency_up", frozenset({"dependency": "queue"}.items()))] == 0
    assert ("anqi_job_queue_depth", frozenset()) not in samples
    assert samples[("anqi_dependency_up", frozenset({"dependency": "database"}.items()))] == 1


def test_jobs_are_counted_by_task(client, city):
    key = ("anqi_jobs_completed_total", frozenset({"task": "anqi.tickets.sweep"}.items()))
    before = metrics_of(scrape(client)).get(key, 0)
    tasks.sweep_tickets()
    assert metrics_of(scrape(client))[key] == before + 1


def test_a_metrics_folder_is_not_taken_once_the_library_counts_per_process(tmp_path):
    # This test process imported prometheus_client without PROMETHEUS_MULTIPROC_DIR.
    with pytest.raises(RuntimeError, match="PROMETHEUS_MULTIPROC_DIR"):
        prepare_multiprocess_dir(tmp_path / "metrics")
    assert "PROMETHEUS_MULTIPROC_DIR" not in os.environ


# --- several processes -----------------------------------------------------------------------------

PROCESSES = textwrap.dedent('''
    """master DIR URL: as `anqi serve`'s master would (build the app, prepare the folder, start
    the workers, note an exit); worker N URL: serve N /healthz requests and
    print its pid; scraper N URL: the same, then print a /metrics answer."""
    import json, os, subprocess, sys
    from pathlib import Path

    role, url = sys.argv[1], sys.argv[-1]

    def app():
        from core import create_app
        return create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "METRICS_TOKEN": "t"})

    if role == "master":
        app()   # `anqi serve` builds the app in the master before it forks
        assert "prometheus_client" not in sys.modules
        from core.observability.metrics import prepare_multiprocess_dir, process_exited
        prepare_multiprocess_dir(Path(sys.argv[2]))
        worker = subprocess.run([sys.executable, __file__, "worker", "2", url], check=True, capture_output=True,
                                text=True)
        process_exited(int(worker.stdout))
        scraper = subprocess.run([sys.executable, __file__, "scraper", "3", url], check=True, capture_output=True,
                                 text=True)
        pid, metrics = scraper.stdout.split("\\n", 1)
        print(json.dumps({"pids": [int(worker.stdout), int(pid)], "metrics": metrics}))
    else:
        import prometheus_client.values
        assert prometheus_client.values.ValueClass.__name__ != "MutexValue"
        client = app().test_client()
        for _ in range(int(sys.argv[2])):
            assert client.get("/healthz").status_code == 200
        sys.stdout.write(f"{os.getpid()}\\n")
        if role == "scraper":
            response = client.get("/metrics", headers={"Authorization": "Bearer t"})
            assert response.status_code == 200
            sys.stdout.write(response.get_data(as_text=True))
''')


def test_metrics_of_several_processes_add_up(sqlite_template, tmp_path):
    database_url = f"sqlite:///{tmp_path / 'anqi.db'}"
    shutil.copy(sqlite_template, tmp_path / "anqi.db")
    script = tmp_path / "processes.py"
    script.write_text(PROCESSES)
    folder = tmp_path / "metrics"
    folder.mkdir()
    (folder / "counter_999999.db").write_bytes(b"left by an earlier run")
    (folder / "README").write_text("not a metrics file")
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    done = subprocess.run([sys.executable, str(script), "master", str(folder), database_url], env=env,
                          capture_output=True, text=True, timeout=300, cwd=Path(__file__).parent.parent)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout)
    assert len(set(result["pids"])) == 2
    samples = {(s.name, frozenset(s.labels.items())): s.value
               for family in text_string_to_metric_families(result["metrics"]) for s in family.samples}
    assert request_count(samples, "probes.healthz") == 5   # 2 in one process, 3 in the other
    assert samples[("anqi_http_requests_in_progress", frozenset())] == 1   # the scrape; the worker has ended
    assert not (folder / "counter_999999.db").exists() and (folder / "README").exists()
    worker, scraper = result["pids"]
    assert not list(folder.glob(f"gauge_livesum_{worker}.db"))    # dropped by process_exited
    assert list(folder.glob(f"gauge_livesum_{scraper}.db")) and list(folder.glob(f"histogram_{worker}.db"))

"""Fixtures for the browser tests: the real app served over HTTP, and Debian's Chromium.

The live server is a real anqi application (CSRF on, not TESTING) on its own
SQLite file, built by the real migrations and filled with the demo city. It
does not use the ``app``/``database_url`` fixtures of tests/conftest.py: those
run each test on every database, and one browser run on SQLite is enough.

Chromium comes from Debian (``scripts/sysdeps.sh test`` installs it; ``make
test`` runs that script). Playwright's own browser download does not work
here and is never attempted. When the browser is missing the tests FAIL: a
browser test that skips itself in CI is a browser test that never runs.
"""
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]
VIEWPORT = {"width": 1366, "height": 768}  # the common desk screen
TIMEOUT_MS = 15_000
DEMO_ENTERPRISES = 300
DEMO_SEED = 7110


@dataclass
class LiveServer:
    url: str
    app: object
    errors: list = field(default_factory=list)  # unhandled exceptions raised while serving


@pytest.fixture(scope="module")
def live_server(tmp_path_factory, request):
    """The real app with the demo city, served on 127.0.0.1 on a free port; a test module
    that sets ``DEMO_PLUGIN_DATA = True`` gets the plugins' year of records as well."""
    import flask_migrate
    from flask import got_request_exception
    from werkzeug.serving import make_server

    from core import create_app
    from core.database import check_schema
    from core.demo import data as demo
    from core.extensions import db

    folder = tmp_path_factory.mktemp("e2e")
    with pytest.MonkeyPatch.context() as mp:
        # The app reads its instance folder (config.py, secret_key) when it is built.
        mp.setenv("ANQI_INSTANCE_PATH", str(folder / "instance"))
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'anqi.db'}"})
    assert app.config.get("WTF_CSRF_ENABLED", True) and not app.testing  # the real app
    with app.app_context():
        flask_migrate.upgrade(revision="heads")
        check_schema()
        demo.build(enterprises=DEMO_ENTERPRISES, seed=DEMO_SEED, progress=lambda *_: None)
        if getattr(request.module, "DEMO_PLUGIN_DATA", False):
            from core.demo import plugin_data

            plugin_data.build(seed=DEMO_SEED, progress=lambda *_: None)
        db.session.remove()

    server = LiveServer(url="", app=app)

    def _record(sender, exception, **_):
        server.errors.append(repr(exception))

    got_request_exception.connect(_record, app, weak=False)
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    server.url = f"http://127.0.0.1:{httpd.server_port}"
    thread = threading.Thread(target=httpd.serve_forever, name="anqi-e2e-server", daemon=True)
    thread.start()
    try:
        yield server
    finally:
        httpd.shutdown()
        thread.join(timeout=10)
        httpd.server_close()
        got_request_exception.disconnect(_record, app)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture(scope="session")
def browser():
    """Debian's headless Chromium, driven by Playwright; fails (never skips) when missing."""
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(f"{CHROMIUM} is missing: the browser test needs Debian's chromium. "
                    "Run `scripts/sysdeps.sh test` as root (or `make test`, which runs it), then test again.",
                    pytrace=False)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        pytest.fail(f"Playwright is not installed ({exc}). Install the test dependencies: "
                    "`pip install -e '.[test]'` (or run `make test`).", pytrace=False)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def report_dir(request) -> Path:
    """test-report/ at the repository root (gitignored): screenshots for people to look at."""
    path = Path(request.config.rootpath) / "test-report"
    path.mkdir(exist_ok=True)
    return path


@dataclass
class Visit:
    """A browser page plus what it did: every URL it requested and every error it logged."""

    page: object
    requests: list = field(default_factory=list)
    console_errors: list = field(default_factory=list)


def _is_favicon(url: str) -> bool:
    # Chromium asks every site for /favicon.ico on its own; anqi has none, and the 404 is no page error.
    return urlsplit(url).path == "/favicon.ico"


@pytest.fixture
def visit(browser, live_server, request, report_dir):
    context = browser.new_context(base_url=live_server.url, viewport=VIEWPORT, locale="zh-CN",
                                  timezone_id="Asia/Shanghai")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    seen = Visit(page=page)
    page.on("request", lambda r: seen.requests.append(r.url))
    page.on("console", lambda m: seen.console_errors.append(f"{m.text} ({m.location.get('url', '')})")
            if m.type == "error" and not _is_favicon(m.location.get("url", "")) else None)
    page.on("pageerror", lambda e: seen.console_errors.append(str(e)))
    try:
        yield seen
    finally:
        outcome = getattr(request.node, "report_call", None)
        if outcome is not None and outcome.failed:
            try:
                page.screenshot(path=str(report_dir / f"{request.node.name}-failure.png"), full_page=True)
            except Exception:  # the page may be gone; the failure itself matters more
                pass
        context.close()

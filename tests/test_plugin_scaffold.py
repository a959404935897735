"""`anqi plugins scaffold`: a plugin made by it, pip-installed beside anqi as an
outside author would, is migrated by `anqi db upgrade`, switched on with `anqi
plugins enable`, passes its own tests, and passes the host's whole security
suite (tests/test_security_routes.py) with it loaded. The installed package
lives in a folder of its own on PYTHONPATH for the commands run here, so the
rest of the suite never sees it."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from core.testing import on_databases

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _environment(site: Path, tmp_path: Path) -> dict:
    """This interpreter's environment with the plugin's folder on the path, on
    SQLite only, and without the test run's own database servers and workers."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTEST_", "ANQI_TEST_", "ANQI_DATABASE", "ANQI_REDIS", "ANQI_INSTANCE"))}
    env.update(PYTHONPATH=str(site), ANQI_INSTANCE_PATH=str(tmp_path / "instance"),
               ANQI_DATABASE_URL=f"sqlite:///{tmp_path / 'anqi.db'}")
    return env


def _run(args, env, cwd=ROOT, stdin=None, timeout=900) -> subprocess.CompletedProcess:
    done = subprocess.run(args, env=env, cwd=cwd, input=stdin, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{' '.join(map(str, args))}\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The plugin ``visit_log`` written by the scaffold and pip-installed into a folder of its own."""
    tmp_path = tmp_path_factory.mktemp("scaffold")
    env = _environment(tmp_path / "site", tmp_path)
    _run([BIN / "anqi", "plugins", "scaffold", "visit_log", "--out", tmp_path, "--title-zh", "走访日志"], env)
    package = tmp_path / "anqi-visit-log"
    _run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "--no-index",
          "--target", tmp_path / "site", package], env)
    return package, env


@on_databases("sqlite")
def test_the_scaffold_refuses_a_name_it_cannot_use(app, tmp_path):
    runner, out = app.test_cli_runner(), tmp_path / "out"
    out.mkdir()
    for name, says in (("Visit-Log", "小写字母"), ("inspection", "已安装"), ("ticket", "ticket")):
        result = runner.invoke(args=["plugins", "scaffold", name, "--out", str(out)])
        assert result.exit_code == 1 and says in result.stderr, (name, result.output)
    result = runner.invoke(args=["plugins", "scaffold", "visit_log", "--out", str(out), "--title-en", 'Visit "log"'])
    assert result.exit_code == 1 and "引号" in result.stderr, result.output
    assert list(out.iterdir()) == []


def test_the_scaffold_is_translated_compiled_and_packaged(installed):
    package, env = installed
    po = package / "anqi_visit_log" / "translations" / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po"
    with open(po, "rb") as source:
        catalogue = read_po(source)
    untranslated = [m.id for m in catalogue if m.id and not m.string]
    assert len(catalogue) > 15 and untranslated == []
    site = Path(env["PYTHONPATH"])
    shipped = {str(p.relative_to(site / "anqi_visit_log")) for p in (site / "anqi_visit_log").rglob("*")
               if p.is_file() and "__pycache__" not in p.parts}
    assert {"__manifest__.py", "migrations/visit_log_0001_entries.py", "templates/visit_log/new.html",
            "translations/zh_Hans_CN/LC_MESSAGES/messages.mo"} <= shipped
    entry_points = next(site.glob("*.dist-info")) / "entry_points.txt"
    assert "[anqi.plugins]\nvisit_log = anqi_visit_log" in entry_points.read_text()


def test_an_installed_scaffold_is_migrated_enabled_and_passes_its_tests_and_the_security_suite(installed):
    package, env = installed
    _run([BIN / "anqi", "db", "upgrade"], env)
    _run([BIN / "anqi", "init", "--unit-code", "ZJ", "--unit-name", "示范市公安局", "--admin", "chief",
          "--password-stdin"], env, stdin="Hq#2026-Qiye-Safe\n")
    _run([BIN / "anqi", "plugins", "enable", "visit_log", "--unit", "ZJ"], env)
    listed = _run([BIN / "anqi", "plugins", "list"], env).stdout
    assert any(line.startswith("visit_log") and line.rstrip().endswith("ZJ") for line in listed.splitlines()), listed
    own_tests = _run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"], env, cwd=package)
    assert " passed" in own_tests.stdout and "failed" not in own_tests.stdout
    host = _run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_security_routes.py"],
                env)
    assert " passed" in host.stdout and "failed" not in host.stdout and "skipped" not in host.stdout

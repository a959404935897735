"""Hostile tables meet the limits at once and in little memory.

A workbook whose ``<dimension>`` says A1:XFD20001 (or 100,001) and whose rows
hold cells in columns A and XFD only, and a CSV of a million short rows, are
given to ``anqi enterprises import --dry-run`` and to the web import, each in
a process of its own: each is refused with the limit named within 5 s (counted
once anqi's modules are loaded: loading them is the same for every command
and, on a busy machine, most of the wait), and
the process's peak memory stays under 300 MB: its ``VmHWM`` read as it exits
(not ``ru_maxrss``, which on Linux keeps the peak of the forking test process
across ``exec``)."""
import os
import re
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from core.extensions import db

PEAK_BYTES = 300 * 1024 * 1024
SECONDS = 5.0
ROOT = Path(__file__).resolve().parent.parent

pytestmark = [pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
              pytest.mark.quiet]   # counts seconds: run alone, after the rest of the suite

CONTENT_TYPES = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                 'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
                 'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName='
                 '"/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.'
                 'main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
                 'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
ROOT_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
             '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
             'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
WORKBOOK = ('<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
            '2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
            '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>')
WORKBOOK_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                 'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
                 'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')


def _cell(ref, text):
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def wide_workbook(path: Path, rows: int) -> Path:
    """Rows with a value in column A and in XFD (the 16,384th), a dimension that says so."""
    parts = [f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
             f'spreadsheetml/2006/main"><dimension ref="A1:XFD{rows + 1}"/><sheetData>',
             f'<row r="1">{_cell("A1", "企业名称")}{_cell("B1", "统一社会信用代码")}</row>']
    for n in range(2, rows + 2):
        parts.append(f'<row r="{n}">{_cell(f"A{n}", "企业")}{_cell(f"XFD{n}", "x")}</row>')
    parts.append("</sheetData></worksheet>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", "".join(parts))
    return path


def million_rows(path: Path) -> Path:
    with path.open("w", encoding="utf-8") as out:
        out.write("企业名称,统一社会信用代码\n")
        out.write("x,1\n" * 1_000_000)        # 4 MB: within the size limit, so the rows are counted
    return path


@pytest.fixture(scope="module")
def hostile_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    files = [wide_workbook(folder / "wide-20000.xlsx", 20_000), wide_workbook(folder / "wide-100000.xlsx", 100_000),
             million_rows(folder / "million.csv")]
    return {path.name: path for path in files}


EXPECTED = {"wide-20000.xlsx": "a file may have at most 100 columns",
            "wide-100000.xlsx": "a file may have at most 100 columns",
            "million.csv": "more than 200000 rows"}


SHELL_EXPECTED = {"wide-20000.xlsx": "最多100列", "wide-100000.xlsx": "最多100列", "million.csv": "超过200000行"}


PEAK_AT_EXIT = """
import atexit, sys


def _peak():
    with open("/proc/self/status") as status:
        kilobytes = next(line.split()[1] for line in status if line.startswith("VmHWM:"))
    print("PEAK", kilobytes, flush=True)


atexit.register(_peak)
"""
SHELL = PEAK_AT_EXIT + """
import time
from core import create_app
from core.cli import main

create_app()  # loads every module the command needs; the clock starts after
_began = time.monotonic()
atexit.register(lambda: print("SECONDS", f"{time.monotonic() - _began:.3f}", flush=True))
sys.argv = ["anqi"] + sys.argv[1:]
main()
"""


def run_measured(code, args, env) -> tuple[int, str, float, int]:
    """Exit status, output, seconds and peak memory (bytes) of Python running ``code`` in a process of its own."""
    began = time.monotonic()
    process = subprocess.run([sys.executable, "-c", code, *args], env=env, cwd=ROOT, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, timeout=120)
    output = process.stdout.decode("utf-8", "replace")
    peak = int(re.search(r"^PEAK (\d+)$", output, re.M).group(1)) * 1024
    return process.returncode, output, time.monotonic() - began, peak


def child_env(app) -> dict:
    return {**os.environ, "ANQI_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
            "ANQI_INSTANCE_PATH": app.instance_path, "LANG": "C.UTF-8"}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_the_shell_import_refuses_at_the_limit_quickly_and_in_little_memory(app, city, hostile_files, name):
    db.session.commit()
    status, output, _seconds, peak = run_measured(
        SHELL, ["enterprises", "import", "--dry-run", str(hostile_files[name])], child_env(app))
    assert status == 2, output[-2000:]
    assert SHELL_EXPECTED[name] in output, output[-2000:]      # the shell speaks the default language
    seconds = float(re.search(r"^SECONDS ([0-9.]+)$", output, re.M).group(1))
    assert seconds < SECONDS, seconds
    assert peak < PEAK_BYTES, f"{peak / 2**20:.0f} MB"


WEB_IMPORT = """
import time
from pathlib import Path
from core import create_app
from tests.conftest import login
from tests.helpers import fresh_client

app = create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1], "TESTING": True, "WTF_CSRF_ENABLED": False,
                  "HUEY_IMMEDIATE": True, "RATELIMIT_ENABLED": False})
path = Path(sys.argv[2])
with app.app_context():
    client = fresh_client(app)
    login(client, "desk")
    client.post("/lang", data={"lang": "en"})
    began = time.monotonic()
    with path.open("rb") as stream:
        response = client.post("/enterprises/import", data={"file": (stream, path.name)},
                               content_type="multipart/form-data")
    if response.status_code == 303:
        response = client.get(response.headers["Location"])
    seconds = time.monotonic() - began
    print("RESULT", response.status_code, f"{seconds:.3f}")
    print(response.get_data(as_text=True))
"""


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_the_web_import_refuses_at_the_limit_quickly_and_in_little_memory(app, city, hostile_files, name):
    db.session.commit()
    status, output, _seconds, peak = run_measured(
        PEAK_AT_EXIT + WEB_IMPORT, [app.config["SQLALCHEMY_DATABASE_URI"], str(hostile_files[name])], child_env(app))
    assert status == 0, output[-3000:]
    code, seconds = re.search(r"^RESULT (\d+) ([0-9.]+)$", output, re.M).groups()
    assert code == "200" and EXPECTED[name] in output, output[-3000:]
    assert 'data-testid="import-problem"' in output or 'class="error"' in output
    assert float(seconds) < SECONDS, seconds
    assert peak < PEAK_BYTES, f"{peak / 2**20:.0f} MB"

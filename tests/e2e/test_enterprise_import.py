"""A desk clerk imports enterprises in a real browser: the file is taken at once,
its rows are checked by a background worker (one in this process, as `anqi run`
has) while the page shows how far it has got, the rejected row is shown with
its reason, and only the good rows are imported on request."""
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from core import tasks
from core.extensions import db
from core.registry.models import Enterprise
from tests.e2e.test_ticket_loop import log_in
from tests.helpers import code

GOOD = [("诸暨市导入测试甲有限公司", code(1, "91330681MD")), ("诸暨市导入测试乙有限公司", code(2, "91330681MD"))]
BAD = ("诸暨市导入测试丙有限公司", "91330681MD0000000X")


@pytest.mark.e2e
def test_a_clerk_imports_the_good_rows_of_a_file(live_server, visit, report_dir, tmp_path):
    page = visit.page
    lines = ["企业名称,统一社会信用代码,属地单位代码"] + [f"{name},{credit},ZJ-JY" for name, credit in GOOD + [BAD]]
    path = tmp_path / "企业名录.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    log_in(page, "desk")
    consumer = tasks.start_embedded_consumer(workers=1, periodic=False)
    try:
        page.goto("/enterprises/import")
        page.locator("#file").set_input_files(str(path))
        page.get_by_role("button", name=re.compile("校验文件|Check the file")).click()
        expect(page).to_have_url(re.compile(r"/enterprises/import/[0-9a-f]+$"))
        counts = page.get_by_test_id("import-counts")
        expect(counts).to_be_visible(timeout=30_000)
        report = page.get_by_test_id("import-report")
        expect(report.locator("tr", has_text=BAD[0])).to_contain_text(re.compile("校验|check"))
        page.screenshot(path=str(report_dir / "e2e-import-checked.png"), full_page=True)

        # Confirming without choosing "only the good rows" imports nothing and says why.
        page.get_by_test_id("import-confirm").click()
        expect(page.locator(".flash-error")).to_contain_text(re.compile("未导入|nothing was imported"))
        page.locator("#only_valid").check()
        page.get_by_test_id("import-confirm").click()
        expect(page.get_by_role("heading", name=re.compile("导入完成|Import finished"))).to_be_visible(timeout=30_000)
    finally:
        if consumer is not None:
            consumer.stop(graceful=True)
    page.screenshot(path=str(report_dir / "e2e-import-finished.png"), full_page=True)
    with live_server.app.app_context():
        found = set(db.session.scalars(select(Enterprise.credit_code).where(
            Enterprise.credit_code.in_([credit for _n, credit in GOOD + [BAD]]))))
        db.session.remove()
    assert found == {credit for _n, credit in GOOD}
    assert not live_server.errors, f"the server raised: {live_server.errors}"
    assert not visit.console_errors, f"the browser logged errors: {visit.console_errors}"

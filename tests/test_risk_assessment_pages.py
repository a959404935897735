"""The pages: assess an enterprise, add risks (by hand and pre-filled from an
inspection issue), draft a letter, record a response, close a risk, set the
matrix, generate a quarterly report; bad input answered with a message, never
a 500."""
from datetime import date, datetime

from core import clock
from core.documents import services as documents
from plugins.risk_assessment import assessments, letters
from plugins.risk_assessment.models import Assessment, Letter, Report, Response, RiskItem
from tests.conftest import actor_for, csrf_token, login
from tests.helpers import count, fresh_client
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)
from tests.risk_assessment_world import build


def _post(client, page, url, **data):
    data["csrf_token"] = csrf_token(client.get(page).data)
    return client.post(url, data=data)


def test_the_pages_walk_an_assessment_to_a_letter_and_its_response(app, city):
    world = build(city, plugins=("risk_assessment", "inspection"))
    from tests.test_risk_assessment_assessments import _inspection_issue

    item, finding = _inspection_issue(city, world.enterprises[0])
    client = fresh_client(app)
    login(client, "desk_a")
    enterprise = world.enterprises[0]
    page = client.get(f"/enterprises/{enterprise}").get_data(as_text=True)
    assert 'data-testid="ra-assess"' in page
    new = f"/p/risk_assessment/assessments/new?enterprise_id={enterprise}"
    assert client.get(new).status_code == 200
    response = _post(client, new, "/p/risk_assessment/assessments/new", enterprise_id=enterprise, title="",
                     assessed_on="2026-03-02")
    assert response.status_code == 400 and count(Assessment) == 0
    response = _post(client, new, "/p/risk_assessment/assessments/new", enterprise_id=enterprise,
                     title="招商引资企业风险评估", assessed_on="2026-03-02", investment_promotion="1")
    assert response.status_code == 303
    made = assessments.recent(actor_for("desk_a"))[0]
    assert made.investment_promotion
    url = f"/p/risk_assessment/assessments/{made.id}"
    # A risk without likelihood: refused with a message, nothing written.
    response = _post(client, url, url, area="risk_management", category="fundraising", title="高息集资", impact="4")
    assert response.status_code == 400 and count(RiskItem) == 0
    assert "1 到 5" in response.get_data(as_text=True) or "1 to 5" in response.get_data(as_text=True)
    response = _post(client, url, url, area="risk_management", category="fundraising", title="高息集资",
                     likelihood="5", impact="4", measures="停止集资")
    assert response.status_code == 303
    # Pre-filled from the inspection issue: the link travels with the form.
    page = client.get(f"{url}?finding=inspection.issue:{finding.id}").get_data(as_text=True)
    assert item.name in page and 'data-testid="ra-linked-source"' in page
    response = _post(client, url, url, area="risk_management", category="security", title=item.name,
                     likelihood="3", impact="3", source_type="inspection.issue", source_ref=str(finding.id),
                     source_title=item.name, source_detail="")
    assert response.status_code == 303
    risks = assessments.get(actor_for("desk_a"), made.id).risks
    assert [(r.level, [s.source_type for s in r.sources]) for r in risks] == [
        ("high", ["manual"]), ("medium", ["inspection.issue"])]
    assert client.get(f"{url}?finding=inspection.issue:999999").status_code == 200      # a message, not a 500
    # A letter with no risks is refused; with one it goes to core's document page.
    response = _post(client, url, f"/p/risk_assessment/assessments/{made.id}/letters", kind="notice")
    assert response.status_code == 303 and count(Letter) == 0
    response = _post(client, url, f"/p/risk_assessment/assessments/{made.id}/letters", kind="notice",
                     addressee_kind="enterprise", risk_ids=str(risks[0].id))
    assert response.status_code == 303 and "/documents/" in response.headers["Location"]
    letter = letters.of_enterprise(actor_for("desk_a"), enterprise)[0]
    letter_url = f"/p/risk_assessment/letters/{letter.id}"
    assert client.get(letter_url).status_code == 200
    response = _post(client, letter_url, letter_url, received_on="2026-03-02", result="rectified", content="已整改")
    assert response.status_code == 400 and count(Response) == 0                     # not delivered yet
    for step in (documents.submit, documents.issue):
        if step is documents.issue:
            documents.sign_off(actor_for("leader_a"), letter.document_id)
        step(actor_for("desk_a"), letter.document_id)
    documents.deliver(actor_for("desk_a"), letter.document_id, "法人", datetime(2026, 3, 2, 2, 0), "in_person")
    response = _post(client, letter_url, letter_url, received_on="2026-03-02", result="rectified", content="已整改")
    assert response.status_code == 303 and count(Response) == 1
    # Closing the risk needs an outcome.
    close = f"/p/risk_assessment/risks/{risks[0].id}/close"
    _post(client, url, close, outcome="", note="")
    assert assessments.get_risk(actor_for("desk_a"), risks[0].id).status == "open"
    _post(client, url, close, outcome="rectified", note="已清退")
    assert assessments.get_risk(actor_for("desk_a"), risks[0].id).status == "closed"
    assert client.get("/p/risk_assessment/").status_code == 200
    home = client.get("/").get_data(as_text=True)
    assert 'data-testid="ra-open-medium">1<' in home


def test_the_matrix_page_is_the_leaders_and_reports_are_generated_from_the_page(app, city):
    build(city, now=datetime(2026, 7, 10, 2, 0))
    desk = fresh_client(app)
    login(desk, "desk_a")
    page = desk.get("/p/risk_assessment/matrix").get_data(as_text=True)
    assert "<select" not in page
    cells = {f"cell_{i}_{j}": "high" for i in range(1, 6) for j in range(1, 6)}
    assert _post(desk, "/p/risk_assessment/matrix", "/p/risk_assessment/matrix", **cells).status_code == 403
    leader = fresh_client(app)
    login(leader, "leader_a")
    assert _post(leader, "/p/risk_assessment/matrix", "/p/risk_assessment/matrix", **cells).status_code == 303
    response = _post(desk, "/p/risk_assessment/reports", "/p/risk_assessment/reports", year="2026", quarter="4",
                     recommendations="建议")
    assert response.status_code == 400 and count(Report) == 0
    response = _post(desk, "/p/risk_assessment/reports", "/p/risk_assessment/reports", year="2026", quarter="2",
                     recommendations="建议加强监测。")
    assert response.status_code == 303
    page = desk.get(response.headers["Location"]).get_data(as_text=True)
    assert 'data-testid="ra-report-document"' in page
    response = _post(desk, "/p/risk_assessment/reports", "/p/risk_assessment/reports", year="2026", quarter="3",
                     recommendations="建议持续关注。")
    page = desk.get(response.headers["Location"]).get_data(as_text=True)
    assert 'data-testid="ra-report-preview"' in page
    report = Report.query.order_by(Report.id.desc()).first()
    pdf = desk.get(f"/p/risk_assessment/reports/{report.id}/draft.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"


def test_a_create_form_sent_twice_makes_one_record(app, city):
    world = build(city)
    client = fresh_client(app)
    login(client, "desk_a")
    new = f"/p/risk_assessment/assessments/new?enterprise_id={world.enterprises[0]}"
    key = "risk-assessment-form-key-1"
    first = _post(client, new, "/p/risk_assessment/assessments/new", enterprise_id=world.enterprises[0],
                  title="年度风险评估", submission_key=key)
    again = _post(client, new, "/p/risk_assessment/assessments/new", enterprise_id=world.enterprises[0],
                  title="年度风险评估", submission_key=key)
    assert first.status_code == again.status_code == 303
    assert first.headers["Location"] == again.headers["Location"] and count(Assessment) == 1
    url = first.headers["Location"]
    for _ in range(2):
        _post(client, url, url, area="risk_management", category="fundraising", title="高息集资", likelihood="4",
              impact="4", submission_key="risk-assessment-form-key-2")
    assert count(RiskItem) == 1

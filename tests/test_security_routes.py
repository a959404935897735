"""The security suite, generated from the app's own URL map (core's routes and
every installed plugin's): each endpoint declares how it is reached; every
route × every role × a record of a foreign unit answers 403 or 404, never the
record; every POST without a CSRF token is refused; no GET changes a row; every
response carries the security headers. A new route that declares no permission
fails here."""
import hashlib
import io
import re
from datetime import date, datetime

import pytest
from sqlalchemy import MetaData, select

from core import clock
from core.api import auth as api_auth
from core.documents import batches
from core.documents import services as documents
from core.extensions import db
from core.notifications.models import Notification
from core.org.actor import shell_actor
from core.org.permissions import has_permission
from core.org.services import save_user
from core.plugins import services as plugin_services
from core.plugins.contract import SampleContext
from core.registry import services as registry
from core.tickets import attachments
from core.tickets import services as tickets
from core.tickets.models import ClassMatter
from core.web import PORTAL, PUBLIC, SIGNED_IN, access_of
from tests.conftest import PASSWORD, actor_for, csrf_token, enrol_second_factor, login
from tests.helpers import code, fresh_client, system_account
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)

ROLE_USERS = {"admin": "admin", "auditor": "auditor", "leader": "leader_a", "desk": "desk_a", "officer": "officer_a"}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(200))
# Rows that a read may write by design: the audit trail records reads of
# documents and refusals; an API token notes when it was last used.
NOT_STATE = {"audit_entry": None, "api_token": {"last_used_at"},
             "user_session": {"last_seen_at", "ended_at", "ended_reason"},
             "portal_session": {"last_seen_at", "ended_at", "ended_reason"}}
SYSTEM_PERMISSIONS = {"system.manage", "audit.read", "permissions.read",   # not scoped by unit
                      "routing.configure"}   # the administrator's routing rules: the whole city, as configuration


def _rules(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint.endswith(".static"):
            continue
        yield rule


def _records_of(unit_key, city, desk, leader):
    """A record of every kind that a URL names, in one station: enterprise,
    ticket with an attachment, issued and delivered document with a scanned
    receipt, batch, class matter, notification."""
    unit = getattr(city, unit_key)
    unit.doc_prefix = {"station_a": "甲公", "station_b": "乙公"}[unit_key]
    db.session.commit()
    enterprise = registry.create(actor_for(desk), {"name": f"{unit.name}辖区测试企业", "credit_code":
                                                   code(1 if unit_key == "station_a" else 2)})
    ticket = tickets.register(actor_for(desk), tickets.Intake(
        enterprise_id=enterprise.id, channel="hotline", category="dispute", ticket_class="general",
        handling_mode="follow", description="厂区门口有人堵路。",
        attachments=attachments.check_uploads([("现场.png", io.BytesIO(PNG))])))
    draft = documents.create(actor_for(desk), documents.Draft(
        doc_type="letter", title="提示函", addressees=[enterprise.name], body=[("p", "请加强管理。")],
        enterprise_id=enterprise.id))
    documents.submit(actor_for(desk), draft.id)
    documents.sign_off(actor_for(leader), draft.id)
    documents.issue(actor_for(desk), draft.id)
    receipt = attachments.check_uploads([("回执.png", io.BytesIO(PNG))])[0]
    delivery = documents.deliver(actor_for(desk), draft.id, "王经理", clock.now(), "in_person", receipt=receipt)
    signed = documents.create(actor_for(desk), documents.Draft(
        doc_type="letter", title="批量函", addressees=[enterprise.name], body=[("p", "正文。")]))
    documents.submit(actor_for(desk), signed.id)
    documents.sign_off(actor_for(leader), signed.id)
    batch = batches.create(actor_for(desk), [signed.id])
    matter = ClassMatter(unit_id=unit.id, category="dispute", period_start=date(2026, 11, 1),
                         period_end=date(2026, 11, 30), title="堵路纠纷")
    notification = Notification(user_id=actor_for(desk).user_id, ticket_id=ticket.id, kind="dispatched", text="新工单")
    db.session.add_all([matter, notification])
    db.session.commit()
    # 走访纳谏 (core/liaison): a visit with a photo, and a visit plan of the station's officer.
    from core.liaison import visit_plans, visits

    visit = visits.record(actor_for(desk), visits.VisitInput(
        enterprise_id=enterprise.id, visited_on=date(2026, 11, 19), heard="希望增派巡逻。",
        photos=attachments.check_uploads([("走访.png", io.BytesIO(PNG))])))
    officer = "officer_a" if unit_key == "station_a" else "officer_b"
    plan = visit_plans.add(actor_for(desk), actor_for(officer).user_id, "quarter", enterprise.id)
    return {"enterprise_id": enterprise.id, "ticket_id": ticket.id, "attachment_id": ticket.attachments[0].id,
            "document_id": draft.id, "delivery_id": delivery.id, "batch_id": batch.id, "matter_id": matter.id,
            "notification_id": notification.id, "liaison_visit_id": visit.id, "visit_photo_id": visit.photos[0].id,
            "visit_plan_id": plan.id}


@pytest.fixture
def world(app, city):
    clock.freeze(datetime(2026, 11, 20, 2, 0))
    shell = shell_actor()
    for username, unit in (("leader_a", city.station_a), ("leader_b", city.station_b)):
        save_user(shell, {"username": username, "name": username.upper(), "unit_id": unit.id, "roles": ["leader"],
                          "password": PASSWORD})
        enrol_second_factor(username)
    own = _records_of("station_a", city, "desk_a", "leader_a")
    foreign = _records_of("station_b", city, "desk_b", "leader_b")
    own.update(_plugin_records(app, city, "a", own["enterprise_id"]))
    foreign.update(_plugin_records(app, city, "b", foreign["enterprise_id"]))
    own.update(_portal_records("desk_a", own["enterprise_id"], PORTAL_PHONES["own"], 31))
    foreign.update(_portal_records("desk_b", foreign["enterprise_id"], PORTAL_PHONES["foreign"], 32))
    # A routing rule sending a category to each station, kept by the centre's leader.
    own["routing_rule_id"] = _routing_rule(city.station_a, "dispute").id
    foreign["routing_rule_id"] = _routing_rule(city.station_b, "crime").id
    # A reply phrase (常用语) of each station, kept by its leader.
    own["reply_phrase_id"] = _reply_phrase(city.station_a, "leader_a").id
    foreign["reply_phrase_id"] = _reply_phrase(city.station_b, "leader_b").id
    # A legal-education session (法治宣教) of each station with a material file. The knowledge base's
    # articles are read by every staff member (like the outside departments): no foreign article.
    own.update(_legal_education(city.station_a, "officer_a", own["enterprise_id"]))
    foreign.update(_legal_education(city.station_b, "officer_b", foreign["enterprise_id"]))
    # A service of each station's list (点单式服务), kept by its leader: offered to its own
    # enterprises only; the negative list's entries are the centre's (its leader keeps them).
    own["service_offer_id"] = _service_offer(city.station_a, "leader_a").id
    foreign["service_offer_id"] = _service_offer(city.station_b, "leader_b").id
    own["conduct_rule_id"] = foreign["conduct_rule_id"] = _conduct_rule().id
    system = {"unit_id": city.station_b.id, "user_id": city.users["desk_b"].id, "year": 2026, "session_id": 1}
    # A system account (API) in each station, granted the desk role by its own leader.
    own["system_account_id"] = system_account("sys_a", city.station_a.id, leader="leader_a").id
    foreign["system_account_id"] = system_account("sys_b", city.station_b.id, leader="leader_b").id
    _, token = api_auth.issue(shell, "sys_a", "测试")
    return {"own": {**own, **system}, "foreign": {**foreign, **system}, "token": token}


def _legal_education(unit, officer, enterprise_id):
    import io

    from core.legal_education import services as legal_education

    made = legal_education.save(actor_for(officer), legal_education.SessionInput(
        held_on="2026-11-18", place="企业会议室", topic="防范电信网络诈骗", unit_id=unit.id,
        speaker_ids=[str(actor_for(officer).user.id)], enterprises=str(enterprise_id), headcount="20"),
        uploads=[("现场.png", io.BytesIO(PNG))])
    return {"education_session_id": made.id, "material_id": made.files[0].id}


def _reply_phrase(unit, leader):
    from core.phrases import services as phrases

    return phrases.save(actor_for(leader), phrases.PhraseInput(title="已联系", text="已与企业联系。", unit_id=unit.id))


def _service_offer(unit, leader):
    from core.service_lists import services as lists

    return lists.save_offer(actor_for(leader), lists.OfferInput(name="上门指导", description="上门指导安全防范。",
                                                                unit_id=unit.id, category="safety", days="5"))


def _conduct_rule():
    from core.service_lists import services as lists
    from core.service_lists.models import ConductRule

    return db.session.scalar(select(ConductRule)) or lists.save_rule(
        actor_for("leader"), lists.RuleInput(code="1", text="推诿扯皮。"))


def _routing_rule(unit, category):
    from core.routing import services as routing

    return routing.save_rule(actor_for("leader"), routing.RuleInput(category=category, unit_id=unit.id))


# --- every loaded plugin's records, in-tree or installed (the anqi_security_samples hook) ------

def _plugin_records(app, city, station, enterprise_id):
    """Every loaded plugin enabled for the station, and the records each makes
    there through its own services: the URL arguments that name them."""
    manager = app.extensions["anqi_plugins"]
    unit = getattr(city, f"station_{station}")
    for name in manager.manifests:          # dependency order: a plugin's dependencies are enabled first
        plugin_services.set_enabled(shell_actor(), unit.code, name, True)
    context = SampleContext(unit=unit, enterprise_id=enterprise_id, desk=actor_for(f"desk_{station}"),
                            leader=actor_for(f"leader_{station}"), officer=actor_for(f"officer_{station}"),
                            n={"a": 1, "b": 2}[station])
    values, named_by = {}, {}
    for name in manager.manifests:
        for answer in manager.call_enabled("anqi_security_samples", frozenset({name}), context=context):
            clash = sorted(set(answer) & set(values))
            assert not clash, f"plugin {name} names URL arguments that {[named_by[k] for k in clash]} name: {clash}"
            values.update(answer)
            named_by.update(dict.fromkeys(answer, name))
    return values


# --- the enterprise portal's records (core/portal) ------------------------------------------

PORTAL_PHONES = {"own": "13600136001", "foreign": "13600136002"}


def _portal_records(desk, enterprise_id, phone, n):
    """A verified account of the station's enterprise (whose ticket, attachment
    and letter the portal shows), an account of another enterprise waiting for
    verification, and a published notice."""
    from core.portal import accounts, notices
    from tests.portal_world import registration, visitor

    enterprise = registry.get(actor_for(desk), enterprise_id)
    account = accounts.register(visitor(), registration(int(enterprise.credit_code[-8:-1]), enterprise.name, phone,
                                                        credit_code=enterprise.credit_code))
    accounts.decide(actor_for(desk), account.id, True)
    change = _profile_change(account)
    waiting = registry.create(actor_for(desk), {"name": f"待核实企业{n}有限公司", "credit_code": code(n)})
    pending = accounts.register(visitor(), registration(n, waiting.name, f"1360013{n:04d}"))
    notice = notices.save(actor_for(desk), None, "news", "助企动态", "正文。")
    notices.publish(actor_for(desk), notice.id, True)
    return {"account_id": pending.id, "notice_id": notice.id, "change_id": change.id}


def _profile_change(account):
    """The enterprise's proposal of a new address and contact, waiting for the desk."""
    from core.registry import profile_changes
    from tests.portal_world import portal

    return profile_changes.propose(portal(account), {"address": "工业园8号", "contacts": [
        {"name": "李安全", "phone": "13812345678", "title": "安全主管"}]})


def _portal_client(app, who="own"):
    from tests.portal_world import portal_login

    client = fresh_client(app)
    portal_login(client, PORTAL_PHONES[who])
    return client


def _url(app, rule, values) -> str | None:
    """The rule's URL with ``values`` for its arguments; None when an argument has no value."""
    args = {}
    for name in rule.arguments:
        if name in values:
            args[name] = values[name]
        elif name == "action":
            args[name] = "submit" if rule.endpoint.startswith("documents") else "note"
        elif name == "code":
            args[name] = "ABCDEFGH23"
        elif name == "token":
            args[name] = "0" * 32
        elif name == "event":             # a notice text's page (core/notices)
            args[name] = "enterprise.accepted"
        elif name == "channel":
            args[name] = "sms"
        else:
            return None
    with app.test_request_context():
        return app.url_for(rule.endpoint, **args)


_reflected: dict[str, MetaData] = {}


def _fingerprint() -> dict[str, str]:
    """Each table's rows, hashed: what a read must leave as it was."""
    db.session.rollback()
    metadata = _reflected.get(str(db.engine.url))
    if metadata is None:
        metadata = _reflected[str(db.engine.url)] = MetaData()
        metadata.reflect(db.engine)
    prints = {}
    for name, table in sorted(metadata.tables.items()):
        skipped = NOT_STATE.get(name, set())
        if skipped is None:
            continue
        columns = [c for c in table.c if c.name not in skipped]
        rows = db.session.execute(select(*columns).order_by(*table.primary_key.columns or columns)).all()
        prints[name] = hashlib.sha256(repr([tuple(r) for r in rows]).encode()).hexdigest()
    db.session.rollback()
    return prints


def _check_headers(response, url):
    csp = response.headers.get("Content-Security-Policy", "")
    directives = dict((part.strip().split(" ", 1) + [""])[:2] for part in csp.split(";") if part.strip())
    assert directives.get("frame-ancestors") == "'none'", (url, csp)
    assert "'unsafe-inline'" not in directives.get("script-src", directives.get("default-src", "")), (url, csp)
    assert response.headers.get("X-Content-Type-Options") == "nosniff", url
    assert response.headers.get("Referrer-Policy"), url


# --- every endpoint declares its access ------------------------------------------------

def test_every_endpoint_declares_how_it_is_reached(app):
    undeclared = [f"{','.join(sorted(r.methods - {'HEAD', 'OPTIONS'}))} {r.rule} ({r.endpoint})"
                  for r in _rules(app) if access_of(app.view_functions[r.endpoint]) is None]
    assert not undeclared, "routes without a permission (use permission_required, public or signed_in):\n" + \
        "\n".join(undeclared)


def test_a_route_without_a_permission_is_caught(make_app):
    app = make_app()

    @app.route("/forgotten")
    def forgotten():
        return "records"

    assert access_of(app.view_functions["forgotten"]) is None


def test_public_and_signed_in_routes_are_the_known_few(app):
    """A public page must be a deliberate choice: the list is short and reviewed.
    Core's are below; each plugin lists its own (anqi_public_routes), under its own prefix."""
    public = sorted(r.rule for r in _rules(app) if access_of(app.view_functions[r.endpoint]) in (PUBLIC, "api:public"))
    reviewed = ["/api/v1/openapi.json", "/lang", "/login", "/login/second-factor", "/verify/<code>",
                # the document-signing authority's certificate, for receiving offices to trust
                "/verify/ca.pem", "/verify/ca.cer",
                # the enterprise portal's public pages: home, notices, FAQ, verification, sign-in
                "/portal/", "/portal/notices", "/portal/notices/<int:notice_id>", "/portal/faq",
                # the knowledge base's published articles (404 unless published)
                "/portal/knowledge/<int:article_id>",
                "/portal/verify", "/portal/register", "/portal/login", "/portal/login/second-factor",
                # the published negative list of conduct (负面清单, core/service_lists)
                "/portal/services/negative-list",
                # monitoring: the load balancer's probes; /metrics checks its own token (404 when off)
                "/healthz", "/readyz", "/metrics"]
    manager = app.extensions["anqi_plugins"]
    for name in manager.manifests:
        for routes in manager.call_enabled("anqi_public_routes", frozenset({name})):
            outside = [route for route in routes if not route.startswith(f"/p/{name}/")]
            assert not outside, f"plugin {name} lists public routes outside /p/{name}/: {outside}"
            reviewed += routes
    assert public == sorted(reviewed)


# --- every route × every role × a foreign record ----------------------------------------------

def test_no_role_reaches_a_record_of_another_unit(app, world):
    checked = 0
    for role, username in ROLE_USERS.items():
        client = fresh_client(app)
        login(client, username)
        user = actor_for(username).user
        for rule in _rules(app):
            access = access_of(app.view_functions[rule.endpoint])
            if access.startswith("api:") or access == PUBLIC:
                continue
            url = _url(app, rule, world["foreign"])
            if url is None:
                continue
            named_record = any(a.endswith("_id") for a in rule.arguments)
            allowed = access == SIGNED_IN or (access != PORTAL and has_permission(user, access))
            if allowed and (not named_record or access in SYSTEM_PERMISSIONS):
                continue      # no foreign record in the URL, or a system page that is not scoped by unit
            before = _fingerprint()
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                response = client.open(url, method=method, data={"reason": "x", "text": "x"})
                assert response.status_code in (403, 404), (role, method, url, response.status_code)
                _check_headers(response, url)
                checked += 1
            after = _fingerprint()
            assert before == after, (role, url, [t for t in before if before[t] != after.get(t)])
    assert checked > 100


def test_no_enterprise_reaches_another_enterprises_records_or_a_staff_page(app, world):
    """Every portal route × the other station's enterprise's records: 404, nothing
    changed, the attempt audited; every staff page: the staff login."""
    from core.audit.models import AuditEntry

    client = _portal_client(app)
    checked = 0
    for rule in _rules(app):
        access = access_of(app.view_functions[rule.endpoint])
        if access.startswith("api:") or access == PUBLIC:
            continue
        url = _url(app, rule, world["foreign"])
        if url is None or (access == PORTAL and not any(a.endswith("_id") for a in rule.arguments)):
            continue      # a portal page of the enterprise's own (its home, its sign-out …): no foreign record
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            before = _fingerprint()
            denied = AuditEntry.query.filter_by(action="portal.not_found").count()
            response = client.open(url, method=method, data={"rating": "satisfied", "text": "x"})
            _check_headers(response, url)
            if access == PORTAL:
                assert response.status_code == 404, (method, url, response.status_code)
                assert AuditEntry.query.filter_by(action="portal.not_found").count() == denied + 1, url
                assert before == _fingerprint(), url
                checked += 1
            else:
                assert response.status_code == 302 and "/login" in response.headers["Location"], (method, url)
                assert before == _fingerprint(), url
    assert checked >= 8
    # The same routes with the enterprise's own records answer.
    for rule in _rules(app):
        if access_of(app.view_functions[rule.endpoint]) == PORTAL and "GET" in rule.methods:
            url = _url(app, rule, world["own"])
            assert client.get(url).status_code in (200, 302), url


def test_the_api_answers_foreign_records_with_404_and_needs_its_token(app, world):
    bearer = {"Authorization": f"Bearer {world['token']}"}
    client = fresh_client(app)
    for rule in _rules(app):
        access = access_of(app.view_functions[rule.endpoint])
        if not access.startswith("api:") or access == "api:public" or "GET" not in rule.methods:
            continue
        own, foreign = _url(app, rule, world["own"]), _url(app, rule, world["foreign"])
        assert client.get(own).status_code == 401, own                  # no token, no answer
        if own != foreign:
            response = client.get(foreign, headers=bearer)
            assert response.status_code == 404, (foreign, response.status_code)
    # A signed-in browser session is not an API credential (the API takes no CSRF token).
    browser = fresh_client(app)
    login(browser, "desk_a")
    assert browser.get("/api/v1/tickets").status_code == 401
    assert browser.post("/api/v1/tickets", json={}).status_code == 401


# --- CSRF ------------------------------------------------------------------------------------

@pytest.fixture
def csrf_app(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        yield app


class _AnyRecord(dict):
    """URL arguments for routes that need not find their record: 1 for any name not given."""

    def __contains__(self, name):
        return True

    def __missing__(self, name):
        return 1


def _login_with_token(client, username):
    page = client.get("/login")
    response = client.post("/login", data={"username": username, "password": PASSWORD,
                                           "csrf_token": csrf_token(page.data)})
    assert response.status_code == 302


def test_every_post_without_a_csrf_token_is_refused(csrf_app, city):
    clock.freeze(datetime(2026, 11, 20, 2, 0))
    # Any record: the token is checked before the view looks for it.
    own = _AnyRecord(unit_id=city.station_a.id, user_id=city.users["desk_a"].id, year=2026, kind="notice")
    clients = {}
    for username in ("admin", "desk"):
        clients[username] = fresh_client(csrf_app)
        _login_with_token(clients[username], username)
    clients["anonymous"] = fresh_client(csrf_app)
    before = _fingerprint()
    posts = 0
    for rule in _rules(csrf_app):
        access = access_of(csrf_app.view_functions[rule.endpoint])
        if "POST" not in rule.methods or access.startswith("api:"):
            continue
        url = _url(csrf_app, rule, own)
        assert url is not None, rule.rule
        for who, client in clients.items():
            response = client.post(url, data={"name": "x", "reason": "x"})
            assert response.status_code == 400, (who, url, response.status_code)
            _check_headers(response, url)
            posts += 1
    assert posts > 40
    after = _fingerprint()
    assert before == after, [t for t in before if before[t] != after.get(t)]


# --- no GET changes a row ----------------------------------------------------------------------

def test_no_get_changes_a_row(app, world):
    bearer = {"Authorization": f"Bearer {world['token']}"}
    clients = {}
    for role, username in ROLE_USERS.items():
        clients[role] = fresh_client(app)
        login(clients[role], username)
    clients["portal"] = _portal_client(app)
    opened = 0
    for rule in _rules(app):
        if "GET" not in rule.methods:
            continue
        access = access_of(app.view_functions[rule.endpoint])
        url = _url(app, rule, world["own"])
        if url is None:
            continue
        if access.startswith("api:") or access == PUBLIC:
            runs = [(fresh_client(app), bearer if access.startswith("api:") else {})]
        elif access == PORTAL:
            runs = [(clients["portal"], {})]
        else:
            runs = [(client, {}) for role, client in clients.items() if role in ROLE_USERS and
                    (access == SIGNED_IN or has_permission(actor_for(ROLE_USERS[role]).user, access))]
        for client, headers in runs:
            before = _fingerprint()
            response = client.get(url, headers=headers)
            assert response.status_code < 500, (url, response.status_code)
            _check_headers(response, url)
            after = _fingerprint()
            assert before == after, (url, [t for t in before if before[t] != after.get(t)])
            opened += 1
    assert opened > 40


def test_error_pages_reveal_nothing(app, city):
    client = fresh_client(app)
    login(client, "desk_a")
    for url in ("/tickets/999999", "/nowhere", "/documents/2147483648"):
        response = client.get(url)
        body = response.get_data(as_text=True)
        assert response.status_code == 404
        assert not re.search(r"Traceback|sqlalchemy|werkzeug|File \"/", body), url
        _check_headers(response, url)

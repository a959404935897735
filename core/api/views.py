"""/api/v1: tickets and enterprises as JSON, for other systems.

Thin views: the token's user becomes an ``Actor`` and the same services as the
pages are called with it, so the scope is the user's. Each view declares its
OpenAPI operation next to it (``@operation``); ``openapi.json`` is built from
those declarations and the route table.

No cookies and no sessions: a bearer token on every call, so the blueprint is
exempt from CSRF. Every answer, errors included, is JSON; an error's message is
in the caller's language (Accept-Language; Chinese by default).
"""
import json

from flask import Blueprint, current_app, g, request, url_for
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound, RequestEntityTooLarge

from core.api import auth, services
from core.api.openapi import (PREFIX, BodyError, Param, QueryError, check_body, component, document, operation,
                              operation_of, parse_query)
from core.audit import services as audit
from core.database import is_busy
from core.errors import AnqiError, ValidationError
from core.extensions import csrf, db
from core.org.actor import Actor
from core.privacy import services as privacy
from core.registry import services as registry
from core.tickets import pausing, queues
from core.tickets import services as tickets
from core.tickets.vocabulary import CHANNELS, CLASSES, INTAKE_CHANNELS, MODES, RESULTS, STATUSES

bp = Blueprint("api", __name__, url_prefix=PREFIX)
csrf.exempt(bp)

MAX_BODY = 64 * 1024
MAX_PAGE = 100
LANGUAGES = {"zh": "zh_Hans_CN", "en": "en"}

MESSAGES = {
    400: ("bad_request", _l("The request could not be understood.")),
    401: ("unauthorized", _l("Send a valid API token: “Authorization: Bearer anqi_…”.")),
    403: ("forbidden", _l("You are not allowed to do this.")),
    404: ("not_found", _l("There is no such API resource.")),
    405: ("method_not_allowed", _l("This API resource cannot be used with this method.")),
    409: ("conflict", _l("Someone else changed this record; read it again.")),
    503: ("busy", _l("The database is busy with another change; nothing was changed. Try again in a few seconds.")),
    413: ("payload_too_large", _l("The body is too large.")),
    500: ("internal_error", _l("Something went wrong on our side. The error has been logged; please try again.")),
}


PERSON_TOKEN = _l("This token belongs to a person's account. Tokens work only for system accounts now: ask the "
                  "administrator for a token of a system account, whose access a leader of its unit grants.")


# --- request and response plumbing ------------------------------------------------------

def _is_api_request() -> bool:
    return request.path == PREFIX or request.path.startswith(PREFIX + "/")


def _json(data, status=200, headers=None):
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    response = current_app.response_class(text.encode("utf-8", "replace"), status=status,
                                          mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def error(status: int, message=None, code: str | None = None, fields: dict | None = None, headers=None):
    default_code, default_message = MESSAGES.get(status) or MESSAGES[500 if status >= 500 else 400]
    body = {"code": code or default_code, "message": str(message if message is not None else default_message)}
    if fields:
        body["fields"] = {name: [str(m) for m in messages] for name, messages in fields.items()}
    return _json({"error": body}, status, headers)


@bp.before_app_request
def _api_request():
    """For every /api/v1 request: the caller's language, and JSON for a URL or a
    method that matches no route (those never reach the blueprint's handlers)."""
    if not _is_api_request():
        return None
    language = request.accept_languages.best_match(list(LANGUAGES)) or "zh"
    manager = force_locale(LANGUAGES[language])
    manager.__enter__()
    g.anqi_api_locale = manager
    failure = request.routing_exception
    if isinstance(failure, MethodNotAllowed):
        return error(405, headers={"Allow": ", ".join(sorted(failure.valid_methods or ()))})
    if isinstance(failure, NotFound):
        return error(404)
    return None


@bp.teardown_app_request
def _restore_locale(_exc):
    manager = g.pop("anqi_api_locale", None)
    if manager is not None:
        manager.__exit__(None, None, None)


@bp.before_request
def _authenticate():
    """The bearer token → the actor; 401 and 403 are audited, the token never is."""
    declared = operation_of(current_app.view_functions.get(request.endpoint))
    if request.method == "OPTIONS" or declared is None or declared.public:
        return None
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    row, reason = auth.verify(token.strip() if scheme.lower() == "bearer" else None)
    address = request.remote_addr or ""
    if reason != "ok":
        audit.record_failure(Actor(user=None, address=address), "api.auth", result=audit.DENIED,
                             object_type="api_token", object_id=row.id if row is not None else None,
                             username=row.user.username if row is not None else None,
                             detail={"reason": reason, "path": request.path})
        message = PERSON_TOKEN if reason == "person_account" else None
        return error(401, message, headers={"WWW-Authenticate": 'Bearer realm="anqi"'})
    actor = Actor(user=row.user, address=address)
    g.api_actor, g.api_token_id = actor, row.id
    if declared.permission and not actor.can(declared.permission):
        audit.record_failure(actor, "access.denied", result=audit.DENIED, object_type="endpoint",
                             object_id=request.endpoint, detail={"api_token": row.id})
        return error(403)
    return None


@bp.errorhandler(AnqiError)
def _anqi_error(exc):
    fields = getattr(exc, "errors", None) or None
    if isinstance(exc, QueryError):
        return error(400, exc.message, "invalid_parameter", fields)
    if isinstance(exc, BodyError) and exc.malformed:
        return error(400, exc.message, "bad_request", fields)
    if isinstance(exc, ValidationError):
        if request.method == "POST":
            return error(422, exc.message, "validation_failed", fields)
        return error(400, exc.message, "invalid_parameter", fields)
    return error(exc.status, exc.message)


@bp.errorhandler(OperationalError)
def _database_error(exc):
    db.session.rollback()
    if not is_busy(exc):
        current_app.logger.error("Exception on %s [%s]", request.path, request.method,
                                 exc_info=(type(exc), exc, exc.__traceback__))
        return error(500)
    return error(503, headers={"Retry-After": "5"})


def _http_error(exc):
    if exc.code == 500:
        db.session.rollback()
    status = exc.code or 500
    headers = {"Allow": ", ".join(sorted(exc.valid_methods or ()))} if isinstance(exc, MethodNotAllowed) else None
    return error(status, headers=headers)


# By code as well as by class: the app's handlers by code (core/web.py) would
# otherwise come first and answer in HTML.
bp.register_error_handler(HTTPException, _http_error)
for _status in MESSAGES:
    bp.register_error_handler(_status, _http_error)


def _actor() -> Actor:
    return g.api_actor


def _query() -> dict:
    return parse_query(operation_of(current_app.view_functions[request.endpoint]), request.args, request.headers)


def _body() -> dict:
    if request.content_length is not None and request.content_length > MAX_BODY:
        raise RequestEntityTooLarge()
    raw = request.get_data(cache=True)
    if len(raw) > MAX_BODY:
        raise RequestEntityTooLarge()
    try:
        data = json.loads(raw) if raw.strip() else None
    except (ValueError, RecursionError):
        raise BodyError(_l("The body is not valid JSON."), malformed=True) from None
    return check_body(operation_of(current_app.view_functions[request.endpoint]), data)


def _page(page, items) -> dict:
    return {"items": items, "next_cursor": page.next_cursor, "prev_cursor": page.prev_cursor,
            "limit": page.limit}


# --- schemas ------------------------------------------------------------------------------

def _nullable(schema: dict) -> dict:
    return {**schema, "nullable": True}


TIME = {"type": "string", "format": "date-time"}
UNIT = component("Unit", {"type": "object", "required": ["id", "code", "name"], "properties": {
    "id": {"type": "integer"}, "code": {"type": "string"}, "name": {"type": "string"}}})
NULLABLE_UNIT = {"allOf": [UNIT], "nullable": True}

TICKET_SUMMARY_PROPERTIES = {
    "id": {"type": "integer"},
    "number": {"type": "string", "description": "诉求编号: year and serial, e.g. 2026-000123."},
    "status": {"type": "string", "enum": list(STATUSES)},
    "status_label": {"type": "string"},
    "channel": {"type": "string", "enum": list(CHANNELS)},
    "category": {"type": "string"},
    "category_label": {"type": "string"},
    "ticket_class": {"type": "string", "enum": list(CLASSES)},
    "handling_mode": {"type": "string", "enum": list(MODES)},
    "enterprise": {"type": "object", "required": ["id", "name", "credit_code"], "properties": {
        "id": {"type": "integer"}, "name": {"type": "string"}, "credit_code": {"type": "string"}}},
    "registering_unit": UNIT,
    "handling_unit": NULLABLE_UNIT,
    "registered_at": TIME,
    "due_at": _nullable({**TIME, "description": "The final deadline; none for complex tickets."}),
    "overdue": {"type": "boolean"},
    "paused": {"type": "boolean", "description": "The ticket's clock is paused: it waits for the enterprise."},
}
TICKET_SUMMARY = component("TicketSummary", {"type": "object", "required": list(TICKET_SUMMARY_PROPERTIES),
                                             "properties": TICKET_SUMMARY_PROPERTIES})
TIMELINE_ENTRY = component("TimelineEntry", {"type": "object", "properties": {
    "at": TIME,
    "kind": {"type": "string", "description": "registered, dispatched, signed, answered, closed, rated, "
                                              "returned, transferred, escalated, supervised, paused, resumed, …"},
    "from_status": _nullable({"type": "string"}),
    "to_status": _nullable({"type": "string"}),
    "unit": NULLABLE_UNIT,
    "text": {"type": "string"},
}})
TICKET = component("Ticket", {"allOf": [TICKET_SUMMARY, {"type": "object", "properties": {
    "channel_label": {"type": "string"},
    "referral_number": _nullable({"type": "string", "description": "A 12345 referral's own number."}),
    "ticket_class_label": {"type": "string"},
    "handling_mode_label": {"type": "string"},
    "description": {"type": "string"},
    "contact_name": {"type": "string"},
    "contact_phone": {"type": "string", "description": "Masked (`138****5678`) unless `reveal=true`."},
    "external_department": _nullable({"type": "string"}),
    "dispatched_at": _nullable(TIME), "signed_at": _nullable(TIME), "answered_at": _nullable(TIME),
    "closed_at": _nullable(TIME), "rated_at": _nullable(TIME),
    "deadlines": {"type": "object", "properties": {
        "due_at": _nullable(TIME), "sign_due_at": _nullable(TIME), "progress_due_at": _nullable(TIME),
        "supervision_due_at": _nullable(TIME),
        "set_at_dispatch": _nullable({"type": "string", "format": "date",
                                      "description": "限期办: the day the dispatcher set as the deadline "
                                                     "(`due_at` is its end); null when counted by class."}),
        "provisional": {"type": "boolean", "description": "Counted through a year whose holidays are not "
                                                          "yet official."},
        "overdue": {"type": "boolean"}, "extension_days": {"type": "integer"},
        "paused": {"type": "boolean", "description": "The clock stands still while the ticket waits for the "
                                                     "enterprise; the deadlines move on by the time paused."},
        "paused_since": _nullable({**TIME, "description": "When the running pause began."}),
        "pause_reason": _nullable({"type": "string", "enum": list(pausing.REASONS),
                                   "description": "`info`: information asked for; `appointment`: the "
                                                  "enterprise chose a later appointment."}),
        "pause_until": _nullable({**TIME, "description": "The running pause ends by itself then."}),
        "paused_seconds": {"type": "integer", "description": "Time paused so far, the running pause included."},
        "late_sign_fors": {"type": "integer", "description": "How many times it was signed for after the "
                                                             "sign-for deadline."}}},
    "answer": _nullable({"type": "string"}),
    "result": _nullable({"type": "string"}), "result_label": _nullable({"type": "string"}),
    "rating": _nullable({"type": "string"}), "rating_label": _nullable({"type": "string"}),
    "timeline": {"type": "array", "items": TIMELINE_ENTRY,
                 "description": "The ticket's history, without staff-only notes."},
    "follower": _nullable({"type": "object", "required": ["id", "name"], "properties": {
        "id": {"type": "integer"}, "name": {"type": "string"}, "unit": NULLABLE_UNIT},
        "description": "转盯办: the follower (盯办人) who follows the ticket to its end."}),
    "external_department_id": _nullable({"type": "integer", "description": "转交办: the department of the "
                                                                          "register (`GET /departments`)."}),
    "onsite_confirmed_at": _nullable({**TIME, "description": "现场办: when the enterprise confirmed the on-site "
                                                             "result (on the portal or by signature)."}),
    "merged_into": _nullable({"type": "object", "properties": {"id": {"type": "integer"},
                                                               "number": {"type": "string"}},
                              "description": "For a `merged` ticket: the ticket it was merged into."}),
}}]})


def _page_schema(name: str, item: dict) -> dict:
    return component(name, {"type": "object", "required": ["items", "next_cursor", "limit"], "properties": {
        "items": {"type": "array", "items": item},
        "next_cursor": _nullable({"type": "string", "description": "Pass as `cursor` for the next page; "
                                                                   "null on the last page."}),
        "prev_cursor": _nullable({"type": "string"}),
        "limit": {"type": "integer"},
    }})


TICKET_PAGE = _page_schema("TicketPage", TICKET_SUMMARY)
TICKET_CREATE = component("TicketCreate", {
    "type": "object",
    "description": "Name the enterprise by `enterprise_id` or by `credit_code` (if both, they must agree). "
                   "The enterprise must be registered in the token user's units' area.",
    "required": ["channel", "category", "ticket_class", "handling_mode", "description"],
    "properties": {
        "enterprise_id": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
        "credit_code": {"type": "string", "maxLength": 40, "description": "统一社会信用代码, 18 characters."},
        "channel": {"type": "string", "enum": list(INTAKE_CHANNELS),
                    "description": "How the demand came in; `government` for a 12345 referral. (`meeting`, "
                                   "a demand raised at a 座谈 or 联席会议, is registered from the meeting's "
                                   "page.)"},
        "referral_number": {"type": "string", "maxLength": tickets.REFERRAL_NUMBER_LENGTH,
                            "pattern": f"^[A-Za-z0-9-]{{1,{tickets.REFERRAL_NUMBER_LENGTH}}}$",
                            "description": "12345's own number of the referral (letters, digits and hyphens); "
                                           "only with `channel: government`. The answer and the closing of the "
                                           "ticket are posted back to the 12345 platform under it (see "
                                           "docs/operations.md, \"Notices: webhooks and the 12345 platform\")."},
        "category": {"type": "string", "maxLength": 64,
                     "description": "A category code of the centre (e.g. `dispute`) or of an enabled plugin."},
        "ticket_class": {"type": "string", "enum": list(CLASSES)},
        "handling_mode": {"type": "string", "enum": list(MODES)},
        "description": {"type": "string", "maxLength": tickets.MAX_TEXT},
        "contact_name": {"type": "string", "maxLength": 100},
        "contact_phone": {"type": "string", "maxLength": 40},
        "external_department": {"type": "string", "maxLength": 100,
                                "description": "The department's name, when `department_id` is not given: it "
                                               "must be a department of the register once the register holds "
                                               "any. Required (or `department_id`) when `handling_mode` is `transfer`."},
        "answer": {"type": "string", "maxLength": tickets.MAX_TEXT,
                   "description": "立即办: the answer given at intake; required when `handling_mode` is `immediate`. "
                                  "The ticket is then registered, answered and closed at once (handled by the "
                                  "token user's unit and account) and awaits the enterprise's rating."},
        "result": {"type": "string", "enum": list(RESULTS),
                   "description": "立即办: the result of the answer; required when `handling_mode` is `immediate`."},
        "escalation_reason": {"type": "string", "maxLength": 1000,
                              "description": "提级办: why the demand goes up; required when `handling_mode` is "
                                             "`escalate`. The ticket waits in the parent unit of the token user's "
                                             "unit for its leaders to dispatch it."},
        "department_id": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1,
                          "description": "转交办: a department of the register (`GET /departments`); required "
                                         "(or `external_department`) when `handling_mode` is `transfer`."},
        "follower_id": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1,
                        "description": "转盯办: the follower (盯办人), an officer or leader of the units' tree; "
                                       "otherwise named at dispatch (the enterprise's liaison officer by "
                                       "default)."},
        "submission_key": {"type": "string", "maxLength": 200,
                           "description": "Idempotency: the same key again (from the same token user) "
                                          "returns the first ticket instead of making another. "
                                          "Also accepted as the `Idempotency-Key` header."},
    },
})
ENTERPRISE_SUMMARY_PROPERTIES = {
    "id": {"type": "integer"}, "name": {"type": "string"}, "credit_code": {"type": "string"},
    "district": {"type": "string"}, "industry": {"type": "string"}, "unit": UNIT,
}
ENTERPRISE_SUMMARY = component("EnterpriseSummary", {"type": "object",
                                                     "required": list(ENTERPRISE_SUMMARY_PROPERTIES),
                                                     "properties": ENTERPRISE_SUMMARY_PROPERTIES})
ENTERPRISE = component("Enterprise", {"allOf": [ENTERPRISE_SUMMARY, {"type": "object", "properties": {
    "legal_representative": {"type": "string"}, "address": {"type": "string"},
    "above_scale": {"type": "boolean", "description": "规上企业"}, "is_key": {"type": "boolean",
                                                                           "description": "重点企业"},
    "tags": {"type": "array", "items": {"type": "string"}}, "updated_at": TIME,
    "contacts": {"type": "array", "items": {"type": "object", "properties": {
        "name": {"type": "string"}, "title": {"type": "string"},
        "phone": {"type": "string", "description": "Masked (`138****5678`) unless `reveal=true`."}}}}}}]})
ENTERPRISE_PAGE = _page_schema("EnterprisePage", ENTERPRISE_SUMMARY)

CURSOR = Param("cursor", {"type": "string", "maxLength": 2000}, "The `next_cursor` of the previous page.")
REVEAL = Param("reveal", {"type": "string", "enum": ["true", "false"], "default": "false"},
               "`true`: phone numbers in full instead of masked (`138****5678`). Only for a system account "
               "that a leader of its unit has explicitly allowed to read personal data (403 otherwise); every "
               "such read is recorded in the audit trail.")
LIMIT = Param("limit", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 20}, "Rows per page.")


# --- tickets -----------------------------------------------------------------------------

@bp.get("/tickets")
@operation("List tickets", tags=["tickets"], permission="ticket.read",
           description="The tickets the token's user may see (registered or handled in their units' area): "
                       "one of the pages' queues (`all` by default), with the pages' filters.",
           params=[
               Param("queue", {"type": "string", "enum": list(queues.QUEUES), "default": "all"},
                     "A queue of the pages, e.g. `to_dispatch` (the desk's new tickets), `to_sign`, `overdue`; "
                     "a queue the user's role does not have is refused."),
               Param("q", {"type": "string", "maxLength": 100},
                     "The pages' search box: a ticket number, an enterprise's name, its pinyin (full or "
                     "initials) or credit code, or words people wrote on the ticket (description, answers, "
                     "replies, notes), all of them; the newest 2,000 tickets whose text matches at most."),
               Param("status", {"type": "string", "enum": list(STATUSES)}),
               Param("category", {"type": "string", "maxLength": 64}),
               Param("ticket_class", {"type": "string", "enum": list(CLASSES)}),
               Param("channel", {"type": "string", "enum": list(CHANNELS)}),
               Param("since", {"type": "string", "format": "date"}, "Registered on or after this day (China)."),
               Param("until", {"type": "string", "format": "date"}, "Registered on or before this day (China)."),
               Param("enterprise", {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
                     "The enterprise's id."),
               Param("sort", {"type": "string", "enum": list(queues.SORTS), "default": "newest"},
                     "`newest` or `oldest` by registration, or `due` (nearest deadline first)."),
               CURSOR, LIMIT,
           ],
           responses={200: ("A page of tickets.", TICKET_PAGE)})
def list_tickets():
    actor, args = _actor(), _query()
    filters = queues.TicketFilter(q=(args.get("q") or "").strip()[:100],
                                  statuses=(args["status"],) if args.get("status") else (),
                                  category=args.get("category", ""), ticket_class=args.get("ticket_class", ""),
                                  channel=args.get("channel", ""), since=args.get("since"), until=args.get("until"),
                                  enterprise_id=args.get("enterprise"))
    page = services.search_tickets(actor, args["queue"], filters, args["sort"], args.get("cursor"), args["limit"])
    labels = tickets.categories(actor)
    return _json(_page(page, [services.ticket_summary(t, labels) for t in page.items]))


@bp.post("/tickets")
@operation("Register a ticket", tags=["tickets"], permission="ticket.register",
           description="受理 from another system, e.g. a 12345 hotline referral (`channel: government`). "
                       "The ticket is registered in the token user's unit and appears in its desk's queue. "
                       "With a `submission_key` (or an `Idempotency-Key` header) sending the same request "
                       "again returns the first ticket (200) instead of making a second.",
           params=[Param("Idempotency-Key", {"type": "string", "maxLength": 200}, location="header",
                         description="The same as `submission_key` in the body.")],
           body=TICKET_CREATE,
           responses={201: ("Registered.", TICKET), 200: ("Already registered with this key.", TICKET)})
def create_ticket():
    actor = _actor()
    try:
        headers = _query()
        data = _body()
        key = data.get("submission_key")
        header_key = headers.get("Idempotency-Key")
        if key and header_key and key != header_key:
            raise BodyError(_l("The submission key and the Idempotency-Key header differ."),
                            field="submission_key")
        key = key or header_key
        submission_key = services.idempotency_key(actor, key) if key else None
        existing = services.existing_submission(actor, submission_key) if submission_key else None
        if existing is not None:
            return _ticket_response(actor, existing, 200)
        enterprise_id = services.enterprise_id_for(actor, data.get("enterprise_id"), data.get("credit_code"))
    except ValidationError as exc:
        audit.record_failure(actor, "ticket.register", object_type="ticket",
                             detail={"fields": sorted(exc.errors), "api_token": g.api_token_id})
        raise
    ticket = tickets.register(actor, tickets.Intake(
        enterprise_id=enterprise_id, channel=data.get("channel", ""), category=data.get("category", ""),
        ticket_class=data.get("ticket_class", ""), handling_mode=data.get("handling_mode", ""),
        description=data.get("description", ""), contact_name=data.get("contact_name", ""),
        contact_phone=data.get("contact_phone", ""), external_department=data.get("external_department", ""),
        submission_key=submission_key, answer=data.get("answer", ""), result=data.get("result", ""),
        escalation_reason=data.get("escalation_reason", ""),
        department_id=data.get("department_id"), follower_id=data.get("follower_id"),
        referral_number=data.get("referral_number", "")))
    return _ticket_response(actor, ticket, 201)


def _ticket_response(actor, ticket, status):
    location = url_for(".get_ticket", ticket_id=ticket.id)
    return _json(services.ticket_detail(ticket, tickets.categories(actor)), status, {"Location": location})


@bp.get("/tickets/<int:ticket_id>")
@operation("Read a ticket", tags=["tickets"], permission="ticket.read",
           description="Status, deadlines and the timeline (without staff-only notes). The contact's phone "
                       "is masked unless `reveal=true`.",
           params=[REVEAL],
           responses={200: ("The ticket.", TICKET)})
def get_ticket(ticket_id):
    actor, args = _actor(), _query()
    ticket = tickets.get(actor, ticket_id)
    reveal = args["reveal"] == "true"
    if reveal:
        privacy.check(actor, ticket, "contact_phone")
        if ticket.contact_phone:
            ticket = tickets.reveal_contact_phone(actor, ticket_id, detail={"api_token": g.api_token_id})
    return _json(services.ticket_detail(ticket, tickets.categories(actor), reveal=reveal))


# --- enterprises ---------------------------------------------------------------------------

@bp.get("/enterprises")
@operation("Search enterprises", tags=["enterprises"], permission="enterprise.read",
           description="The enterprises in the token user's units' area, by name order. `q` matches part of "
                       "the name, pinyin initials in order, or the start of a credit code.",
           params=[Param("q", {"type": "string", "maxLength": 100}), CURSOR, LIMIT],
           responses={200: ("A page of enterprises.", ENTERPRISE_PAGE)})
def list_enterprises():
    actor, args = _actor(), _query()
    page = services.search_enterprises(actor, args.get("q", ""), args.get("cursor"), args["limit"])
    return _json(_page(page, [services.enterprise_summary(e) for e in page.items]))


@bp.get("/enterprises/<int:enterprise_id>")
@operation("Read an enterprise", tags=["enterprises"], permission="enterprise.read",
           description="The contacts' phones are masked unless `reveal=true`.",
           params=[REVEAL],
           responses={200: ("The enterprise.", ENTERPRISE)})
def get_enterprise(enterprise_id):
    actor, args = _actor(), _query()
    reveal = args["reveal"] == "true"
    if reveal:
        enterprise = registry.reveal_contact_phones(actor, enterprise_id, detail={"api_token": g.api_token_id})
    else:
        enterprise = registry.get(actor, enterprise_id)
    return _json(services.enterprise_detail(enterprise, reveal=reveal))


# --- the document ----------------------------------------------------------------------------

@bp.get("/openapi.json")
@operation("This document", tags=["meta"], public=True,
           description="The OpenAPI description of this API, generated from the code.",
           responses={200: ("The OpenAPI document.", {"type": "object"})})
def openapi_document():
    return _json(document(current_app))


from core.api import ticket_modes  # noqa: E402,F401  (its routes register on bp)

from core.api import supervision as _supervision  # noqa: E402,F401  (the registers' and consultations' operations)
from core.api import ticket_follow  # noqa: E402,F401  (转盯办, 转交办: its operations register on bp)
from core.api import ticket_clock  # noqa: E402,F401  (its operations register on bp)
from core.api import routing as _routing  # noqa: E402,F401  (its routes register on bp)
from core.api import ticket_merge  # noqa: E402,F401  (duplicates and merging: routes on this blueprint)
from core.api import ticket_bulk  # noqa: E402,F401  (bulk dispatch and close: routes on this blueprint)

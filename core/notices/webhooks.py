"""Outbound webhooks: what anqi posts to outside systems, and the 12345 return.

An administrator registers an endpoint (a URL on ``NOTICE_ALLOWED_HOSTS``, the
events it wants, a secret anqi makes). Each event is one row of the delivery
log (``WebhookDelivery``) holding the JSON body exactly as it will be posted
and signed. The row is written in the transaction of the change it announces
(``ticket_event``, ``document_event``: called before the commit), so a change
rolled back posts nothing and a change committed is never forgotten; the job
that posts it is queued once that transaction has committed (the session
listeners below) and, should that be lost, by the periodic ``sweep``.

The job (``deliver``) claims the row (core.jobqueue.claims), checks the
address against the allow list again, posts with an HMAC-SHA256 signature
header and records the answer: 2xx is delivered; anything else is tried again
after ``NOTICE_RETRY_SECONDS`` × 2^(attempts − 1) until ``NOTICE_ATTEMPTS``,
then failed. A row can be replayed from the log: a new row with the same body.

The endpoint marked ``hotline`` is the 12345 platform's: a ticket it referred
(channel ``government`` with a ``referral_number``) has its answer and its
closing posted back to it in the 12345 return format. The formats and the
signature are documented in docs/operations.md, "Notices: webhooks and the
12345 platform". No body carries a phone number, an ID number or a contact.
"""
import hashlib
import hmac
import json
import logging
import re
import secrets
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import requests
from flask import current_app
from flask_babel import lazy_gettext as _l
from huey import crontab
from sqlalchemy import and_, event, or_, select
from sqlalchemy.orm import Session

from core import clock, tasks
from core.audit import services as audit
from core.errors import NotFound, ValidationError
from core.extensions import db
from core.jobqueue import claims
from core.notices import allowlist
from core.notices.models import FAILED, QUEUED, SENDING, SENT, WebhookDelivery, WebhookEndpoint
from core.text import clean_text

log = logging.getLogger("anqi.notices.webhooks")

# The events an endpoint may subscribe to.
WEBHOOK_EVENTS = {
    "ticket.registered": _l("A ticket is registered"),
    "ticket.dispatched": _l("A ticket is dispatched"),
    "ticket.answered": _l("A ticket is answered"),
    "ticket.closed": _l("A ticket is closed"),
    "ticket.rated": _l("A ticket is rated"),
    "document.issued": _l("A document is issued"),
}
# The posts back to the 12345 platform, in its own format: to the hotline endpoint only.
HOTLINE_EVENTS = {
    "12345.answered": _l("Answer returned to 12345"),
    "12345.closed": _l("Closing returned to 12345"),
}
EVENT_LABELS = {**WEBHOOK_EVENTS, **HOTLINE_EVENTS}
# A ticket service's event (core.tickets.services._commit) -> the webhook event it posts.
TICKET_EVENTS = {"registered": "ticket.registered", "dispatched": "ticket.dispatched",
                 "answered": "ticket.answered", "transfer_replied": "ticket.answered",
                 "closed": "ticket.closed", "rated": "ticket.rated"}
HOTLINE_CHANNEL = "government"      # a demand referred by 12345 (core.tickets.vocabulary.CHANNELS)
RETURNED_TO_HOTLINE = ("answered", "closed")

STATUS_LABELS = {QUEUED: _l("Waiting to be sent"), SENDING: _l("Being sent"), SENT: _l("Delivered"),
                 FAILED: _l("Failed")}
# What went wrong with a post: the first word of ``last_error``, shown in words.
ERROR_LABELS = {
    "status": _l("The endpoint answered with an error."),
    "redirect": _l("The endpoint answered with a redirection, which is not followed."),
    "timeout": _l("The endpoint did not answer in time."),
    "connection": _l("The endpoint could not be reached."),
    "not_allowed": _l("The address is no longer on the list of addresses anqi may send to."),
    "inactive": _l("The endpoint was deactivated."),
    "error": _l("The post could not be made."),
}

SIGNATURE_HEADER = "X-Anqi-Signature"
SECRET_BYTES = 32
MAX_EVENTS_SHOWN = 50           # the delivery log's page
SWEEP_EVERY_MINUTES = 5
SWEEP_GRACE = timedelta(minutes=2)   # a new row's own job is left this long before the sweep queues it again
EARLY_TOLERANCE = timedelta(seconds=2)
CHINA = ZoneInfo("Asia/Shanghai")
UTC = ZoneInfo("UTC")


# --- endpoints -------------------------------------------------------------------------

def endpoints(actor) -> list[WebhookEndpoint]:
    """Every endpoint, the active ones first, by name."""
    actor.require("notice.manage")
    return list(db.session.scalars(select(WebhookEndpoint).order_by(
        WebhookEndpoint.active.desc(), WebhookEndpoint.name, WebhookEndpoint.id)))


def get_endpoint(actor, endpoint_id) -> WebhookEndpoint:
    actor.require("notice.manage")
    endpoint = db.session.get(WebhookEndpoint, endpoint_id) if endpoint_id else None
    if endpoint is None:
        raise NotFound(_l("There is no such webhook endpoint."))
    return endpoint


def save_endpoint(actor, values: dict, endpoint_id=None) -> tuple[WebhookEndpoint, str | None]:
    """Add an endpoint (``endpoint_id`` None) or change one. ``values``: ``name``,
    ``url``, ``events`` (codes of WEBHOOK_EVENTS), ``hotline`` (the 12345
    platform's endpoint: at most one), ``new_secret`` (make a new secret when
    changing). Returns the endpoint and its new secret — to be shown once, now —
    or None when the secret was kept. Every problem is reported at once."""
    action = "notice.webhook_update" if endpoint_id else "notice.webhook_create"
    actor.require("notice.manage")
    endpoint = get_endpoint(actor, endpoint_id) if endpoint_id else None
    try:
        checked = _validate(values, endpoint)
    except ValidationError as exc:
        audit.record_failure(actor, action, object_type="notice_webhook", object_id=endpoint_id,
                             detail={"fields": sorted(exc.errors)})
        raise
    now = clock.now()
    secret = None
    if endpoint is None:
        secret = new_secret()
        endpoint = WebhookEndpoint(secret=secret, active=True, created_by_id=actor.user_id, created_at=now,
                                   **checked)
        db.session.add(endpoint)
        changed = sorted(checked)
    else:
        changed = sorted(name for name, value in checked.items() if getattr(endpoint, name) != value)
        for name, value in checked.items():
            setattr(endpoint, name, value)
        if values.get("new_secret"):
            secret = endpoint.secret = new_secret()
    endpoint.changed_at = now
    db.session.flush()
    # The secret never enters the trail: only that a new one was made.
    audit.record(actor, action, endpoint, detail={"name": endpoint.name, "url": endpoint.url,
                                                  "events": list(endpoint.events), "hotline": endpoint.hotline,
                                                  "changed": changed, "new_secret": secret is not None})
    db.session.commit()
    return endpoint, secret


def new_secret() -> str:
    return secrets.token_hex(SECRET_BYTES)


def _validate(values: dict, endpoint: WebhookEndpoint | None) -> dict:
    errors = {}
    name = clean_text(values.get("name"), 100)
    if not name:
        errors["name"] = [_l("Name the endpoint, e.g. the system it belongs to.")]
    elif len(name) > 100:
        errors["name"] = [_l("Keep this under %(n)d characters.", n=100)]
    url = clean_text(values.get("url"), 500)
    if not url:
        errors["url"] = [_l("Give the endpoint's address.")]
    elif len(url) > 500:
        errors["url"] = [_l("Keep this under %(n)d characters.", n=500)]
    else:
        try:
            allowlist.check_url(url)
        except allowlist.AddressNotAllowed as exc:
            errors["url"] = [exc.message]
    chosen = [str(code) for code in values.get("events") or ()]
    events = [code for code in WEBHOOK_EVENTS if code in chosen]
    hotline = bool(values.get("hotline"))
    if len(events) != len(set(chosen)):
        errors["events"] = [_l("Choose the events from the list.")]
    elif not events and not hotline:
        errors["events"] = [_l("Choose at least one event, or mark the endpoint as the 12345 platform's.")]
    if hotline:
        other = _hotline_endpoint(excluding=endpoint.id if endpoint is not None else None)
        if other is not None:
            errors["hotline"] = [_l("“%(name)s” is already the 12345 platform's endpoint; take the mark off it "
                                    "first.", name=other.name)]
    if errors:
        raise ValidationError.of(errors)
    return {"name": name, "url": url, "events": events, "hotline": hotline}


def _hotline_endpoint(excluding=None) -> WebhookEndpoint | None:
    stmt = select(WebhookEndpoint).where(WebhookEndpoint.hotline.is_(True), WebhookEndpoint.active.is_(True))
    if excluding is not None:
        stmt = stmt.where(WebhookEndpoint.id != excluding)
    return db.session.scalars(stmt.order_by(WebhookEndpoint.id).limit(1)).first()


def deactivate(actor, endpoint_id) -> WebhookEndpoint:
    """Post nothing more to the endpoint; its log stays, and posts still waiting fail."""
    return _set_active(actor, endpoint_id, False)


def activate(actor, endpoint_id) -> WebhookEndpoint:
    """Post to the endpoint again (from the next event on)."""
    return _set_active(actor, endpoint_id, True)


def _set_active(actor, endpoint_id, active: bool) -> WebhookEndpoint:
    action = "notice.webhook_activate" if active else "notice.webhook_deactivate"
    endpoint = get_endpoint(actor, endpoint_id)
    if endpoint.active == active:
        return endpoint
    if active and endpoint.hotline and (other := _hotline_endpoint(excluding=endpoint.id)) is not None:
        audit.record_failure(actor, action, object_type="notice_webhook", object_id=endpoint.id,
                             detail={"hotline": other.id})
        raise ValidationError(_l("“%(name)s” is already the 12345 platform's endpoint; take the mark off it "
                                 "first.", name=other.name), field="hotline")
    endpoint.active, endpoint.changed_at = active, clock.now()
    audit.record(actor, action, endpoint, detail={"name": endpoint.name})
    db.session.commit()
    return endpoint


# --- the delivery log ----------------------------------------------------------------------

def deliveries(actor, endpoint_id, before_id: int | None = None,
               limit: int = MAX_EVENTS_SHOWN) -> tuple[list[WebhookDelivery], int | None]:
    """The endpoint's posts, newest first, ``limit`` a page (keyset by id);
    and the id to pass as ``before_id`` for the next page, or None on the last."""
    endpoint = get_endpoint(actor, endpoint_id)
    stmt = select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)
    if before_id is not None:
        stmt = stmt.where(WebhookDelivery.id < before_id)
    rows = list(db.session.scalars(stmt.order_by(WebhookDelivery.id.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, rows[-1].id if more and rows else None


def subject(delivery: WebhookDelivery) -> str:
    """The number of the ticket or document a post is about, read from its body."""
    try:
        body = json.loads(delivery.payload or "{}")
    except ValueError:
        return ""
    if "ticket_number" in body:
        return str(body["ticket_number"])
    for key in ("ticket", "document"):
        if isinstance(body.get(key), dict):
            return str(body[key].get("number") or "")
    return ""


def error_label(delivery: WebhookDelivery) -> str:
    """What went wrong with the last attempt, in words ("" when nothing did)."""
    kind = (delivery.last_error or "").split(":", 1)[0]
    return str(ERROR_LABELS[kind]) if kind in ERROR_LABELS else ""


def error_detail(delivery: WebhookDelivery) -> str:
    """The technical detail behind ``error_label`` (the system's own words)."""
    kind, _, detail = (delivery.last_error or "").partition(":")
    return detail.strip() if kind in ERROR_LABELS else (delivery.last_error or "")


def replay(actor, delivery_id) -> WebhookDelivery:
    """Post a delivered or failed post again: a new row of the log with the same
    body (``replay_of_id``), queued once committed."""
    actor.require("notice.manage")
    original = db.session.get(WebhookDelivery, delivery_id) if delivery_id else None
    if original is None:
        raise NotFound(_l("There is no such post in the delivery log."))
    endpoint = original.endpoint
    problem = None
    if original.status not in (SENT, FAILED):
        problem = _l("This post is still being sent; replay it once it has been delivered or has failed.")
    elif not endpoint.active:
        problem = _l("The endpoint is deactivated; activate it before replaying a post.")
    else:
        try:
            allowlist.check_url(endpoint.url)
        except allowlist.AddressNotAllowed as exc:
            problem = exc.message
    if problem is not None:
        audit.record_failure(actor, "notice.webhook_replay", object_type="notice_webhook_delivery",
                             object_id=original.id, detail={"status": original.status})
        raise ValidationError(problem)
    row = _new_delivery(endpoint, original.event, original.ticket_id, clock.now())
    row.payload, row.replay_of_id = original.payload, original.id
    db.session.flush()
    audit.record(actor, "notice.webhook_replay", row, detail={"replay_of": original.id, "endpoint": endpoint.id,
                                                              "event": original.event})
    db.session.commit()
    return row


# --- events: the rows, in the caller's transaction ---------------------------------------------

def ticket_event(ticket, event: str) -> list[WebhookDelivery]:
    """The posts a ticket's event makes (``event``: core.tickets.services._commit's
    name, e.g. ``answered``), added to the caller's transaction, which commits
    them. ``registered`` also posts what the registration did next in the same
    transaction (立即办 answers and closes at intake): the ticket's timeline so far."""
    if event not in TICKET_EVENTS:
        return []
    with db.session.no_autoflush:
        active = list(db.session.scalars(select(WebhookEndpoint).where(WebhookEndpoint.active.is_(True))
                                         .order_by(WebhookEndpoint.id)))
    if not active:
        return []
    names = [TICKET_EVENTS[event]]
    if event == "registered":
        names += [TICKET_EVENTS[e.kind] for e in ticket.events
                  if e.kind in TICKET_EVENTS and e.kind != "registered"]
    referred = bool(ticket.referral_number) and ticket.channel == HOTLINE_CHANNEL
    hotline = next((e for e in active if e.hotline), None) if referred else None
    made = []
    for name in dict.fromkeys(names):
        short = name.split(".", 1)[1]
        returned = hotline is not None and short in RETURNED_TO_HOTLINE
        for endpoint in active:
            if name in (endpoint.events or ()) and not (returned and endpoint.id == hotline.id):
                made.append(_post(endpoint, name, ticket.id, lambda row_id, name=name: _ticket_body(
                    ticket, name, row_id)))
        if returned:  # the 12345 platform gets its own format in place of the general one
            made.append(_post(hotline, f"12345.{short}", ticket.id, lambda _row_id, short=short: _hotline_body(
                ticket, short)))
    return made


def document_event(document, event: str = "document.issued") -> list[WebhookDelivery]:
    """The posts an issued document makes, added to the caller's transaction."""
    if event not in WEBHOOK_EVENTS:
        return []
    with db.session.no_autoflush:
        subscribed = [e for e in db.session.scalars(select(WebhookEndpoint).where(
            WebhookEndpoint.active.is_(True)).order_by(WebhookEndpoint.id)) if event in (e.events or ())]
    return [_post(endpoint, event, document.ticket_id, lambda row_id: _document_body(document, event, row_id))
            for endpoint in subscribed]


def _new_delivery(endpoint, event_name, ticket_id, now) -> WebhookDelivery:
    row = WebhookDelivery(endpoint_id=endpoint.id, event=event_name, ticket_id=ticket_id, payload="",
                          status=QUEUED, attempts=0, last_error="", created_at=now)
    db.session.add(row)
    return row


def _post(endpoint, event_name, ticket_id, body) -> WebhookDelivery:
    row = _new_delivery(endpoint, event_name, ticket_id, clock.now())
    db.session.flush()   # its id goes into the body
    row.payload = dump(body(row.id))
    return row


def dump(body: dict) -> str:
    """A body as posted: compact JSON, Chinese as it is (UTF-8)."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


def local_time(value: datetime | None) -> str | None:
    """A stored (naive UTC) time as ISO 8601 in China time (+08:00)."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC).astimezone(CHINA).isoformat(timespec="seconds")


TICKET_TIMES = {"ticket.registered": "registered_at", "ticket.dispatched": "dispatched_at",
                "ticket.answered": "answered_at", "ticket.closed": "closed_at", "ticket.rated": "rated_at"}


def _ticket_body(ticket, name: str, row_id: int) -> dict:
    enterprise = ticket.enterprise
    facts = {
        "number": ticket.number,
        "status": ticket.status,
        "category": ticket.category,
        "ticket_class": ticket.ticket_class,
        "handling_mode": ticket.handling_mode,
        "channel": ticket.channel,
        "enterprise": {"name": enterprise.name, "credit_code": enterprise.credit_code},
        "registering_unit": ticket.registering_unit.name if ticket.registering_unit else None,
        "handling_unit": ticket.handling_unit.name if ticket.handling_unit else None,
        "registered_at": local_time(ticket.registered_at),
    }
    if ticket.external_department:     # 转交办: the department outside the police that handles it
        facts["external_department"] = ticket.external_department
    if ticket.referral_number:
        facts["referral_number"] = ticket.referral_number
    for stamp in ("dispatched_at", "answered_at", "closed_at", "rated_at"):
        if getattr(ticket, stamp) is not None:
            facts[stamp] = local_time(getattr(ticket, stamp))
    if name in ("ticket.answered", "ticket.closed", "ticket.rated") and ticket.answer:
        facts["answer"], facts["result"] = ticket.answer, ticket.result or None
    if name == "ticket.closed":
        facts["closed_on_time"] = ticket.closed_on_time
    if name == "ticket.rated":
        facts["rating"] = ticket.rating or None
    at = getattr(ticket, TICKET_TIMES[name]) or clock.now()
    return {"event": name, "id": row_id, "occurred_at": local_time(at), "ticket": facts}


def _hotline_body(ticket, short: str) -> dict:
    """anqi's 12345 return format (docs/operations.md)."""
    body = {
        "referral_number": ticket.referral_number,
        "ticket_number": ticket.number,
        "event": short,
        "answer": ticket.answer or "",
        "result": ticket.result or "",
        "handling_unit": ticket.handling_unit.name if ticket.handling_unit else ticket.external_department or None,
        "answered_at": local_time(ticket.answered_at),
    }
    if short == "closed":
        body["closed_at"] = local_time(ticket.closed_at)
    return body


def _document_body(document, name: str, row_id: int) -> dict:
    from core.registry.models import Enterprise
    from core.tickets.models import Ticket

    enterprise = db.session.get(Enterprise, document.enterprise_id) if document.enterprise_id else None
    ticket = db.session.get(Ticket, document.ticket_id) if document.ticket_id else None
    facts = {
        "number": document.number,
        "title": document.title,
        "type": document.doc_type,
        "issuing_unit": document.unit.name if document.unit else None,
        "issued_at": local_time(document.issued_at),
        "enterprise": {"name": enterprise.name, "credit_code": enterprise.credit_code} if enterprise else None,
        "ticket_number": ticket.number if ticket else None,
    }
    return {"event": name, "id": row_id, "occurred_at": local_time(document.issued_at or clock.now()),
            "document": facts}


# --- queued once committed ---------------------------------------------------------------------

_FLUSHED = "anqi_webhook_flushed"       # session.info: delivery ids written in the open transaction
_COMMITTED = "anqi_webhook_committed"   # … and committed, for their jobs


@event.listens_for(Session, "after_flush")
def _note_new_deliveries(session, _context):
    new = [obj.id for obj in session.new if isinstance(obj, WebhookDelivery)]
    if new:
        session.info.setdefault(_FLUSHED, []).extend(new)


@event.listens_for(Session, "after_commit")
def _note_committed(session):
    if session.in_nested_transaction():   # a savepoint: the outer transaction may still roll back
        return
    flushed = session.info.pop(_FLUSHED, None)
    if flushed:
        session.info.setdefault(_COMMITTED, []).extend(flushed)


@event.listens_for(Session, "after_transaction_end")
def _queue_after_commit(session, transaction):
    if transaction.parent is not None:
        return
    # Here the transaction is over, so a job run at once (HUEY_IMMEDIATE) starts its own.
    session.info.pop(_FLUSHED, None)          # rolled back: nothing to post
    queue_pending(session)


def queue_pending(session=None) -> int:
    """Queue the job of every delivery committed by ``session`` (the current one)
    and not yet queued; the number queued. Called when its transaction ends."""
    session = session if session is not None else db.session()
    ids = list(dict.fromkeys(session.info.pop(_COMMITTED, None) or ()))
    for delivery_id in ids:
        try:
            deliver(delivery_id)
        except Exception:  # noqa: BLE001 - the queue unreachable: the change is committed, the sweep posts it
            log.exception("webhook delivery %s could not be queued; the sweep will queue it", delivery_id)
    return len(ids)


# --- the job ------------------------------------------------------------------------------------

def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The ``X-Anqi-Signature`` header: ``t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">``."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def _unix(value: datetime) -> int:
    return int(value.replace(tzinfo=timezone.utc).timestamp())


def retry_delay(attempts: int, config=None) -> timedelta:
    """The wait after the ``attempts``-th failed attempt."""
    config = config if config is not None else current_app.config
    base = float(config.get("NOTICE_RETRY_SECONDS") or 0)
    return timedelta(seconds=base * 2 ** max(attempts - 1, 0))


def attempt(delivery_id) -> str | None:
    """Post one delivery once, if it is due and this run takes it; its status
    afterwards, or None when it was not taken (done, held by another run, or
    not yet due)."""
    now = clock.now()
    row = db.session.execute(select(WebhookDelivery.status, WebhookDelivery.not_before)
                             .where(WebhookDelivery.id == delivery_id)).one_or_none()
    db.session.rollback()
    if row is None or row.status not in (QUEUED, SENDING):
        return None
    if row.status == QUEUED and row.not_before is not None and row.not_before > now + EARLY_TOLERANCE:
        return None     # a copy of the job ahead of its back-off: the scheduled one comes later
    if not claims.claim(WebhookDelivery, delivery_id, free=(QUEUED,), working=SENDING,
                        values={"attempts": WebhookDelivery.attempts + 1}):
        return None
    delivery = db.session.get(WebhookDelivery, delivery_id)
    endpoint = delivery.endpoint
    attempts, event_name, body = delivery.attempts, delivery.event, delivery.payload.encode()
    url, secret, active = endpoint.url, endpoint.secret, endpoint.active
    db.session.rollback()    # nothing held while the endpoint answers
    config = current_app.config
    code, error, final = None, "", False
    if not active:
        error, final = "inactive:", True
    else:
        try:
            allowlist.check_url(url)
        except allowlist.AddressNotAllowed:
            error, final = "not_allowed:", True
    if not error:
        code, error = _send(url, secret, delivery_id, event_name, body, float(config["NOTICE_TIMEOUT_SECONDS"]))
    now = clock.now()
    if not error:
        values = {"status": SENT, "delivered_at": now, "response_status": code, "last_error": "",
                  "not_before": None}
    elif final or attempts >= int(config["NOTICE_ATTEMPTS"]):
        values = {"status": FAILED, "response_status": code, "last_error": error[:300], "not_before": None}
    else:
        wait = retry_delay(attempts, config)
        values = {"status": QUEUED, "response_status": code, "last_error": error[:300], "not_before": now + wait}
    recorded = claims.finish(WebhookDelivery, delivery_id, working=SENDING, values=values)
    db.session.commit()
    if not recorded:
        return None
    log.info("webhook delivery %s (%s, attempt %d): %s%s", delivery_id, event_name, attempts, values["status"],
             f" ({error.split(':', 1)[0]}{' ' + str(code) if code else ''})" if error else "")
    if values["status"] == QUEUED:
        deliver.schedule((delivery_id,), delay=wait.total_seconds())
    return values["status"]


def _send(url, secret, delivery_id, event_name, body: bytes, timeout: float) -> tuple[int | None, str]:
    """POST the body; (the HTTP status, "" or what went wrong as ``kind: detail``)."""
    headers = {"Content-Type": "application/json", "User-Agent": "anqi-webhooks",
               "X-Anqi-Event": event_name, "X-Anqi-Delivery": str(delivery_id),
               SIGNATURE_HEADER: signature(secret, _unix(clock.now()), body)}
    session = requests.Session()
    session.trust_env = False    # no proxy from the environment: the connection goes to the listed host only
    try:
        with session.post(url, data=body, headers=headers, timeout=timeout, allow_redirects=False,
                          stream=True) as response:
            code = response.status_code
            if 200 <= code < 300:
                return code, ""
            if 300 <= code < 400:
                return code, f"redirect: HTTP {code}"
            return code, f"status: HTTP {code} {response.reason or ''}".rstrip()
    except requests.Timeout:
        return None, f"timeout: {timeout:g} s"
    except requests.RequestException as exc:
        return None, f"connection: {_reason(exc)}"
    except Exception as exc:  # noqa: BLE001 - recorded on the row, which must not stay "sending"
        log.exception("webhook delivery %s could not be posted", delivery_id)
        return None, f"error: {type(exc).__name__}"
    finally:
        session.close()


def _reason(exc: Exception) -> str:
    """The gist of a connection error (``[Errno 111] Connection refused``), without the URL."""
    text = str(exc)
    found = re.search(r"\[Errno -?\d+\][^'\")]*", text)
    return found.group(0).strip() if found else type(exc).__name__


@tasks.huey.task(name="anqi.notices.webhook_deliver")
def deliver(delivery_id):
    """Post one delivery (claimed first: a job delivered twice posts once)."""
    with tasks.app_context():
        attempt(delivery_id)


def sweep(limit: int = 500) -> int:
    """Queue again the deliveries whose job is missing: waiting and due (their
    back-off over, or new and not taken within SWEEP_GRACE), or being sent under
    a claim whose run has died. The number queued."""
    now = clock.now()
    due = or_(and_(WebhookDelivery.not_before.is_(None), WebhookDelivery.created_at <= now - SWEEP_GRACE),
              WebhookDelivery.not_before <= now)
    rows = db.session.execute(select(WebhookDelivery.id, WebhookDelivery.status, WebhookDelivery.claimed_by,
                                     WebhookDelivery.claimed_at)
                              .where(or_(and_(WebhookDelivery.status == QUEUED, due),
                                         WebhookDelivery.status == SENDING))
                              .order_by(WebhookDelivery.id).limit(limit)).all()
    ids = [r.id for r in rows if r.status == QUEUED or not claims.held(r.claimed_by, r.claimed_at)]
    db.session.rollback()
    for delivery_id in ids:
        deliver(delivery_id)
    return len(ids)


@tasks.huey.periodic_task(crontab(minute=f"*/{SWEEP_EVERY_MINUTES}"), name="anqi.notices.webhook_sweep")
def sweep_deliveries():
    """The webhooks' sweep: posts whose job was lost are queued again."""
    with tasks.app_context():
        queued = sweep()
    if queued:
        log.info("webhook sweep: %d queued again", queued)

"""What anqi tells people outside the browser, whom, and in which words by default.

Each event has an audience — the enterprise (the contact named on the ticket,
through the portal account with that phone when there is one), the officers
who handle the ticket, or the leaders who oversee it — a kind, under which
recipients choose their channels (``NoticePreference``), and default texts per
channel. An administrator may replace a text per language (``NoticeTemplate``).
Texts name their values in braces: ``{number}`` the ticket's number,
``{enterprise}`` the enterprise, ``{unit}`` the handling unit, ``{due}`` a
deadline, ``{answer}`` the answer's beginning, ``{text}`` a leader's words.
"""
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

SMS, EMAIL = "sms", "email"
CHANNELS = (SMS, EMAIL)
CHANNEL_LABELS = {SMS: _l("SMS"), EMAIL: _l("Email")}

ENTERPRISE, OFFICER, LEADER = "enterprise", "officer", "leader"

# Kinds of notice a recipient chooses channels for (staff: the first three; enterprises: the last two).
KINDS = {
    "assigned": _l("Tickets sent to me or my unit"),
    "deadlines": _l("Deadlines: the warning before and the overdue notice"),
    "oversight": _l("Supervision, complaints and escalations"),
    "progress": _l("Our demands: accepted, sent to a unit, answered"),
    "requests": _l("Our demands: information asked for, rating, return visit"),
}
STAFF_KINDS = ("assigned", "deadlines", "oversight")
ENTERPRISE_KINDS = ("progress", "requests")
DEFAULT_CHANNELS = {kind: (SMS,) for kind in KINDS}

# The values a text may name, for the template page.
PLACEHOLDERS = {
    "number": _l("the ticket's number"),
    "enterprise": _l("the enterprise's name"),
    "unit": _l("the handling unit"),
    "due": _l("the deadline"),
    "answer": _l("the beginning of the answer"),
    "text": _l("the leader's words"),
}


@dataclass(frozen=True)
class Event:
    key: str
    audience: str
    kind: str
    label: object
    sms: object
    subject: object
    email: object
    urgent: bool = False   # sent in the quiet hours too


EVENTS: dict[str, Event] = {e.key: e for e in (
    Event("enterprise.accepted", ENTERPRISE, "progress", _l("Demand accepted (to the enterprise)"),
          _l("Your demand has been accepted, number {number}. We will keep you informed."),
          _l("Demand {number} accepted"),
          _l("Your demand has been accepted under the number {number}. We will tell you when a unit takes it "
             "on and when it is answered.")),
    Event("enterprise.dispatched", ENTERPRISE, "progress", _l("Demand sent to a unit (to the enterprise)"),
          _l("Your demand {number} has been sent to {unit}, which will handle it."),
          _l("Demand {number} sent to {unit}"),
          _l("Your demand {number} has been sent to {unit}, which will handle it and answer you.")),
    Event("enterprise.info_requested", ENTERPRISE, "requests", _l("Information asked for (to the enterprise)"),
          _l("Demand {number} needs more information from you. Please see the enterprise portal."),
          _l("Demand {number}: more information needed"),
          _l("To handle your demand {number} we need more information from you: {text} Please answer on the "
             "enterprise portal.")),
    Event("enterprise.answered", ENTERPRISE, "progress", _l("Demand answered (to the enterprise)"),
          _l("Demand {number} has been answered: {answer}"),
          _l("Demand {number} answered"),
          _l("Your demand {number} has been answered by {unit}: {answer}")),
    Event("enterprise.rating_requested", ENTERPRISE, "requests", _l("Rating asked for (to the enterprise)"),
          _l("Demand {number} is closed. Please rate how it was handled on the enterprise portal."),
          _l("Demand {number} closed: please rate it"),
          _l("Your demand {number} is closed. Please tell us on the enterprise portal how satisfied you are "
             "with how it was handled.")),
    Event("enterprise.follow_up", ENTERPRISE, "requests", _l("Return visit reminder (to the enterprise)"),
          _l("Return visit: demand {number} was closed. If anything is not solved, rate it on the portal "
             "or call the centre."),
          _l("Return visit: demand {number}"),
          _l("Your demand {number} was closed some days ago. If anything is not solved, rate it on the "
             "enterprise portal or call the service centre.")),
    Event("officer.dispatched", OFFICER, "assigned", _l("Ticket sent to the unit (to its officers)"),
          _l("Ticket {number} ({enterprise}) has been sent to {unit}. Sign for it by {due}."),
          _l("Ticket {number} sent to {unit}"),
          _l("Ticket {number} of {enterprise} has been sent to {unit}. Sign for it by {due} and handle it.")),
    Event("officer.warning", OFFICER, "deadlines", _l("Deadline near (to the officers)"),
          _l("Ticket {number} ({enterprise}): the deadline is {due}."),
          _l("Ticket {number}: the deadline is near"),
          _l("Ticket {number} of {enterprise} must be answered by {due}.")),
    Event("officer.overdue", OFFICER, "deadlines", _l("Ticket overdue (to the officers)"),
          _l("Ticket {number} ({enterprise}) is overdue since {due}."),
          _l("Ticket {number} is overdue"),
          _l("Ticket {number} of {enterprise} is overdue: its deadline was {due}.")),
    Event("leader.supervised", LEADER, "oversight", _l("Supervision (to the handling unit's leaders)"),
          _l("Ticket {number} is under supervision until {due}: {text}"),
          _l("Ticket {number} under supervision"),
          _l("Ticket {number} of {enterprise} is under supervision until {due}: {text}")),
    Event("leader.complaint", LEADER, "oversight", _l("Complaint (to the leaders)"),
          _l("A complaint was recorded on ticket {number} ({enterprise})."),
          _l("Complaint on ticket {number}"),
          _l("A complaint was recorded on ticket {number} of {enterprise}: {text}")),
    Event("leader.escalated", LEADER, "oversight", _l("Escalation (to the parent unit's leaders)"),
          _l("Ticket {number} ({enterprise}) has been escalated to {unit}."),
          _l("Ticket {number} escalated"),
          _l("Ticket {number} of {enterprise} has been escalated to {unit}: {text}"), urgent=True),
)}

# Ticket events (core.tickets.services._commit) that tell the enterprise.
ENTERPRISE_EVENT_OF = {
    "registered": "enterprise.accepted",
    "dispatched": "enterprise.dispatched",
    "info_requested": "enterprise.info_requested",
    "answered": "enterprise.answered",
    "transfer_replied": "enterprise.answered",
    "closed": "enterprise.rating_requested",
    "follow_up": "enterprise.follow_up",            # core.notices.reminders
}

# Messages that are not an event's: the officers' daily digest, the operator's test.
OTHER_LABELS = {"officer.digest": _l("Daily digest (to an officer)"), "test": _l("Test message")}


def label(event: str):
    spec = EVENTS.get(event)
    return spec.label if spec is not None else OTHER_LABELS.get(event, event)

SMS_LENGTH = 70   # characters of one Chinese SMS, the signature included; longer texts go as several

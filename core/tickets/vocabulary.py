"""The words of the loop: channels, classes, handling modes, statuses, results, ratings."""
from flask_babel import lazy_gettext as _l

CHANNELS = {
    "hotline": _l("Hotline (967110)"),
    "online": _l("Online"),
    "walk_in": _l("At the desk"),
    "visit": _l("On a visit"),
    "federation": _l("Referred by the business federation"),
    "government": _l("Referred by a government department (12345)"),
    # 座谈, 联席会议: raised at a meeting (core/meetings), which the ticket links back to.
    "meeting": _l("At a meeting"),
}
# The channels a demand is registered with on the intake form and through the API: a demand
# raised at a meeting is registered from the meeting's page, which links the ticket to it.
INTAKE_CHANNELS = {code: label for code, label in CHANNELS.items() if code != "meeting"}
CLASSES = {"instant": _l("Instant (即办)"), "general": _l("General (一般)"), "complex": _l("Complex (疑难)")}
# What each mode does is in core.tickets.modes.
MODES = {
    "immediate": _l("Handle now (立即办)"),
    "follow": _l("Dispatch and follow (转盯办)"),
    "escalate": _l("Escalate (提级办)"),
    "deadline": _l("Handle by a set deadline (限期办)"),
    "on_site": _l("Handle on site (现场办)"),
    "listed": _l("Listed for supervision (挂牌办)"),
    "transfer": _l("Transfer to another department (转交办)"),
}
STATUSES = {
    "registered": _l("Registered"),
    "dispatched": _l("Dispatched"),
    "handling": _l("Being handled"),
    "answered": _l("Answered"),
    "closed": _l("Closed"),
    "rated": _l("Rated"),
    "returned": _l("Returned"),
    "transferred": _l("Transferred"),
    # Closed by merging into another ticket of the same enterprise (core/tickets/merging.py).
    "merged": _l("Merged"),
}
OPEN_STATUSES = ("registered", "dispatched", "handling", "answered", "returned", "transferred")
RESULTS = {"resolved": _l("Resolved"), "partly": _l("Partly resolved"), "unresolvable": _l("Cannot be resolved")}
RATINGS = {"satisfied": _l("Satisfied"), "basic": _l("Basically satisfied"), "dissatisfied": _l("Dissatisfied")}

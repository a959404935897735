"""转盯办: the follower (盯办人) who follows a ticket to its end.

A ticket dispatched in the 转盯办 mode names a follower: the enterprise's liaison
officer by default, or another officer or leader of the centre's tree of units.
A ticket of any other mode may be given one too, at intake or later. The
follower sees the ticket (in their queue "I follow" and on its page, whatever
their unit), is notified when it is given to them and when it is dispatched, and
the sweep (``core.tickets.sweep``) warns them with the handling unit at 80 % of
the time and when it goes overdue. The centre may change the follower; every
change is on the timeline and in the audit trail.
"""
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, false, select

from core.audit import services as audit
from core.errors import ValidationError
from core.extensions import db
from core.notifications.services import notify_users
from core.org.models import PERSON, Unit, User, UserRole
from core.org.roles import LEADER, OFFICER
from core.text import clean_text
from core.tickets.models import Ticket
from core.tickets.vocabulary import OPEN_STATUSES

FOLLOWER_ROLES = (OFFICER, LEADER)
CHOOSE = _l("Choose the follower among the officers and leaders of the centre's units.")


def following(actor):
    """The queue "I follow": the open tickets the actor follows."""
    if actor.user_id is None:
        return false()
    return and_(Ticket.follower_id == actor.user_id, Ticket.status.in_(OPEN_STATUSES))


def follows_any(actor) -> bool:
    """Whether the actor follows any ticket (asked once per actor, i.e. per request)."""
    if actor.user_id is None:
        return False
    found = getattr(actor, "_anqi_follows_any", None)
    if found is None:
        found = db.session.scalar(select(Ticket.id).where(Ticket.follower_id == actor.user_id).limit(1)) is not None
        actor._anqi_follows_any = found
    return found


def _tree_prefix(unit_id) -> str:
    unit = db.session.get(Unit, unit_id)
    return "/" + unit.path.strip("/").split("/")[0] + "/"


def _candidates(unit_id):
    """Active people of the tree of ``unit_id`` who may follow a ticket."""
    return (select(User).join(Unit, Unit.id == User.unit_id)
            .where(Unit.path.startswith(_tree_prefix(unit_id)), User.active.is_(True), User.kind == PERSON,
                   User.role_rows.any(UserRole.role.in_(FOLLOWER_ROLES))))


def candidates(ticket_or_unit_id) -> list[User]:
    """Who may follow a ticket registered in this unit's tree, by unit (in tree
    order), then name."""
    unit_id = getattr(ticket_or_unit_id, "registering_unit_id", ticket_or_unit_id)
    return list(db.session.scalars(_candidates(unit_id).order_by(Unit.path, User.name)))


def eligible(unit_id, user_id) -> User | None:
    """The user ``user_id`` when they may follow a ticket registered in ``unit_id``'s tree."""
    if not isinstance(user_id, int) or isinstance(user_id, bool) or not 0 < user_id < 2**31:
        return None
    return db.session.scalar(_candidates(unit_id).where(User.id == user_id))


def default_follower(ticket) -> User | None:
    """The enterprise's liaison officer, when they may follow the ticket."""
    officer_id = ticket.enterprise.liaison_officer_id if ticket.enterprise is not None else None
    return eligible(ticket.registering_unit_id, officer_id) if officer_id else None


def as_id(value):
    """A follower id from a form or a body: None when empty, the id, or -1 (refused)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value).strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 11 else -1


def choose(actor, ticket, follower_id, action: str, by_default: bool = False) -> User | None:
    """The follower named by ``follower_id``, checked (a refusal is audited and
    raised as a ValidationError on ``follower_id``); None: the present one, or
    with ``by_default`` (a 转盯办 ticket) the enterprise's liaison officer when it
    has one. Changes nothing."""
    follower_id = as_id(follower_id)
    if follower_id is None:
        if ticket.follower_id is not None:
            return ticket.follower
        return default_follower(ticket) if by_default else None
    found = eligible(ticket.registering_unit_id, follower_id)
    if found is None:
        audit.record_failure(actor, f"ticket.{action}", object_type="ticket", object_id=ticket.id,
                             detail={"fields": ["follower_id"]})
        raise ValidationError(CHOOSE, field="follower_id")
    return found


def missing(ticket) -> bool:
    """A 转盯办 ticket on its way with no follower yet (its enterprise has no liaison
    officer and none was named): the ticket page asks the centre to name one."""
    return ticket.handling_mode == "follow" and ticket.follower_id is None and ticket.status != "registered"


def assign(actor, ticket, follower: User | None, note: str = "", notify: bool = True) -> bool:
    """Make ``follower`` the ticket's follower (in the caller's transaction):
    timeline, audit, and (``notify``) a notice to the new follower. False when
    nothing changed."""
    from core.tickets import services

    if (follower.id if follower else None) == ticket.follower_id:
        return False
    previous = ticket.follower
    ticket.follower_id = follower.id if follower else None
    ticket.follower = follower
    text = (_l("Follower (盯办人): %(name)s (%(unit)s)", name=follower.name, unit=follower.unit.name) if follower
            else _l("No follower any more."))
    services._event(actor, ticket, "follower_set", ticket.status, ticket.status,
                    text=str(text) + (f"\n{note}" if note else ""),
                    data={"follower": follower.id if follower else None,
                          "previous": previous.id if previous else None})
    audit.record(actor, "ticket.follower", ticket,
                 detail={"follower": follower.username if follower else None,
                         "previous": previous.username if previous else None})
    if follower is not None and notify:
        notify_users([follower.id], "following",
                     _l("You follow ticket %(number)s (转盯办) to its end.", number=ticket.number), ticket.id)
    return True


def dispatched(actor, ticket, follower: User | None, unit) -> None:
    """At dispatch: the follower named (or kept), and told where the ticket went,
    unless they belong to the unit it went to, whose users are told already (one
    notice a person). The caller commits."""
    told = follower is not None and follower.unit_id == unit.id
    if assign(actor, ticket, follower, notify=not told) or told:
        return
    if ticket.follower_id is not None:
        notify_users([ticket.follower_id], "following",
                     _l("Ticket %(number)s that you follow has been dispatched to %(unit)s.", number=ticket.number,
                        unit=unit.name), ticket.id)


def change(actor, ticket_id, follower_id, note: str = "") -> Ticket:
    """The centre names another follower (or, but for a 转盯办 ticket, none)."""
    from core.tickets import services

    ticket = services.get(actor, ticket_id)
    services._check(actor, ticket, "follower")
    note = clean_text(note, 1000)[:1000]
    if as_id(follower_id) is None:
        if ticket.handling_mode == "follow":
            services._refuse(actor, ticket, "follower", _l("A 转盯办 ticket keeps a follower: choose who follows "
                                                           "it now."), error=ValidationError)
        follower = None
    else:
        follower = choose(actor, ticket, follower_id, "follower")
    if not assign(actor, ticket, follower, note):
        services._refuse(actor, ticket, "follower", _l("%(name)s already follows this ticket.", name=follower.name)
                         if follower else _l("This ticket has no follower."), error=ValidationError)
    return services._commit(actor, ticket, "follower_changed")

"""Who acts on the portal: a person of an enterprise, never a staff user.

The ticket and document services take this actor for exactly the operations
an enterprise may do itself. It holds a fixed, short list of permissions (no
role of the staff matrix), its scope holds no unit, and the services narrow
what it sees to its own enterprise's records (``enterprise_id``): its tickets,
and the issued documents addressed to it. The loop's rules say which actions
it may take on its own tickets (``core.tickets.services.RULES``, ``enterprise``).
"""
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from core.errors import Forbidden
from core.org.scope import Scope

# What a verified enterprise account may ask of core's services.
PERMISSIONS = frozenset({
    "ticket.register",   # submit a demand (channel "online") for its own enterprise
    "ticket.read",       # read its own enterprise's tickets (the services narrow it)
    "ticket.rate",       # rate its own closed tickets
    "ticket.complain",   # complain about the handling of its own tickets
    "document.read",     # read the issued documents addressed to it, and confirm receipt
})


@dataclass
class PortalActor:
    account: object                 # core.portal.models.PortalAccount, verified
    address: str = ""
    user = None                     # never a staff user
    is_shell = False
    _scope: Scope = field(default_factory=lambda: Scope(None, frozenset()), init=False, repr=False)

    @property
    def user_id(self):
        return None

    @property
    def username(self) -> str:
        """How the audit trail names it (never the phone number)."""
        return f"portal:{self.account.id}"

    @property
    def display_name(self) -> str:
        enterprise = self.account.enterprise
        return f"{self.account.name}（{enterprise.name if enterprise else self.account.enterprise_name}）"

    @property
    def enterprise_id(self):
        return self.account.enterprise_id

    @property
    def enterprise(self):
        return self.account.enterprise

    @property
    def unit(self):
        """The enterprise's unit: its plugins' categories and services apply."""
        return self.account.enterprise.unit if self.account.enterprise else None

    @property
    def unit_id(self):
        return self.account.enterprise.unit_id if self.account.enterprise else None

    @property
    def roles(self) -> frozenset[str]:
        return frozenset()

    @property
    def scope(self) -> Scope:
        return self._scope          # no unit's records: only its enterprise's, by ``enterprise_id``

    def can(self, permission: str) -> bool:
        return permission in PERMISSIONS and self.account.status == "verified" and self.enterprise_id is not None

    def require(self, permission: str) -> None:
        if not self.can(permission):
            raise Forbidden(_l("You are not allowed to do this."))

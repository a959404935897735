"""Who is acting, from where: what every service call that changes data takes.

Views build it from the logged-in user and the request; the CLI builds one
for the shell. Services never look at Flask's request themselves.
"""
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from core.errors import Forbidden
from core.org.permissions import has_permission
from core.org.scope import Scope, scope_for


@dataclass
class Actor:
    """Who acts, passed to every service: ``require(permission)`` raises
    Forbidden without it, ``scope.filter(unit_column)`` narrows a query to the
    units the actor sees, ``user_id``, ``unit_id`` and ``roles`` say who it is."""

    user: object | None  # core.org.models.User; None for the shell or an anonymous visitor
    address: str = ""
    is_shell: bool = False
    enterprise_id = None  # a staff or shell actor acts for no enterprise (see core/portal/actor.py)
    _scope: Scope | None = field(default=None, init=False, repr=False)

    @property
    def user_id(self):
        return self.user.id if self.user else None

    @property
    def username(self) -> str:
        if self.user:
            return self.user.username
        return "cli" if self.is_shell else "-"

    @property
    def display_name(self) -> str:
        """How a ticket's timeline names who acted."""
        return self.user.name if self.user else "system"

    @property
    def unit_id(self):
        return self.user.unit_id if self.user else None

    @property
    def roles(self) -> frozenset[str]:
        return self.user.roles if self.user else frozenset()

    @property
    def scope(self) -> Scope:
        """The units whose records this actor may see; the shell sees all, an
        anonymous visitor none."""
        if self._scope is None:
            if self.user is not None:
                self._scope = scope_for(self.user.unit)
            else:
                self._scope = Scope(None, None if self.is_shell else frozenset())
        return self._scope

    def can(self, permission: str) -> bool:
        if self.user is None:
            return self.is_shell
        return has_permission(self.user, permission)

    def require(self, permission: str) -> None:
        if not self.can(permission):
            raise Forbidden(_l("You are not allowed to do this."))


def shell_actor() -> Actor:
    """The operator at the server's shell (the ``anqi`` command)."""
    return Actor(user=None, address="cli", is_shell=True)

from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core import clock
from core.extensions import db
from core.org import roles as role_names
from core.privacy.fields import encrypted

UNIT_KINDS = {
    "city_bureau": _l("City public security bureau"),
    "centre": _l("Enterprise service centre"),
    "sub_centre": _l("Sub-centre"),
    "liaison_room": _l("Police–enterprise liaison room"),
    "brigade": _l("Brigade"),
    "station": _l("Police station"),
}


# user_account.kind
PERSON, SYSTEM = "person", "system"
USER_KINDS = {PERSON: _l("Person"), SYSTEM: _l("System account (API)")}


class Unit(db.Model):
    """A police unit (单位). ``path`` is the materialised path ``/1/4/9/`` of ids
    from the root, so a subtree is one indexed prefix query."""

    __tablename__ = "unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    path: Mapped[str] = mapped_column(String(255), index=True, default="")
    doc_prefix: Mapped[str | None] = mapped_column(String(20))
    # How the unit's documents name it in their text (我局, 本中心, 我所); derived from the
    # unit's kind when unset (core.org.services.self_reference).
    self_reference: Mapped[str | None] = mapped_column(String(10))
    active: Mapped[bool] = mapped_column(default=True)
    version: Mapped[int] = mapped_column(default=1, server_default="1")   # core.versioning

    parent: Mapped["Unit | None"] = relationship(remote_side=[id])

    @property
    def depth(self) -> int:
        return self.path.count("/") - 2

    @property
    def kind_label(self):
        return UNIT_KINDS.get(self.kind, self.kind)

    def __repr__(self):
        return f"<Unit {self.code}>"


class User(UserMixin, db.Model):
    """A staff account of one unit; ``roles`` is the set of its role codes
    (``leader``, ``desk``, ``officer``, ``admin``, ``auditor``)."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(255))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    last_login_at: Mapped[datetime | None]
    # Set when an administrator chose the password: the user must replace it before anything else.
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=false())
    version: Mapped[int] = mapped_column(default=1, server_default="1")   # core.versioning: the admin's form
    # A person logs in to the pages; a system account (another system calling the API with a
    # token) never does. Its business roles and ``may_reveal`` are granted by a leader of its
    # unit (core/org/system_accounts.py), never by the administrator.
    kind: Mapped[str] = mapped_column(String(10), default=PERSON, server_default=PERSON)
    # A system account's explicit permission to read personal data unmasked (personal_data.reveal).
    may_reveal: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Where notices outside the browser reach the person (core/notices): encrypted like every
    # citizen's phone, decrypted only by the job that sends.
    phone: Mapped[str] = encrypted("phone", "user_account.phone", hash_attribute=None, name="phone_encrypted")
    email: Mapped[str] = encrypted("secret", "user_account.email", hash_attribute=None, name="email_encrypted")

    unit: Mapped[Unit] = relationship(lazy="joined")
    role_rows: Mapped[list["UserRole"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="UserRole.role"
    )

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(r.role for r in self.role_rows)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    @property
    def is_system(self) -> bool:
        return self.kind == SYSTEM

    def role_labels(self):
        return [role_names.ROLES.get(r, r) for r in sorted(self.roles)]

    def __repr__(self):
        return f"<User {self.username}>"


class UserRole(db.Model):
    __tablename__ = "user_role"
    __table_args__ = (UniqueConstraint("user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))


from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core import clock
from core.extensions import db
from core.portal.models import PortalAccount
from core.privacy.fields import encrypted, lookup_hash


class Enterprise(db.Model):
    """An enterprise (企业) the centre serves, in the area of one unit (属地单位)."""

    __tablename__ = "enterprise"
    __table_args__ = (
        # One index per sort order, each ending in id, so keyset pages stay flat.
        # The name order also holds what the search box and the scope test, so
        # a search reads the index alone and never the table (core/paging.py).
        Index("ix_enterprise_sort_name", "name_pinyin", "id", "unit_id", "name", "name_initials", "credit_code"),
        Index("ix_enterprise_unit_sort_name", "unit_id", "name_pinyin", "id"),
        Index("ix_enterprise_sort_district", "district", "name_pinyin", "id"),
        Index("ix_enterprise_officer", "liaison_officer_id", "name_pinyin", "id"),
        # The district and industry filter lists of a station's users.
        Index("ix_enterprise_unit_district", "unit_id", "district"),
        Index("ix_enterprise_unit_industry", "unit_id", "industry"),
        # The home page's four figures of the units' enterprises, counted from the index alone.
        Index("ix_enterprise_unit_flags", "unit_id", "is_key", "above_scale", "liaison_officer_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    name: Mapped[str] = mapped_column(String(200))
    name_pinyin: Mapped[str] = mapped_column(String(300))
    name_initials: Mapped[str] = mapped_column(String(100))
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    legal_representative: Mapped[str] = mapped_column(String(100), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    district: Mapped[str] = mapped_column(String(50), default="")
    industry: Mapped[str] = mapped_column(String(50), default="", index=True)
    above_scale: Mapped[bool] = mapped_column(default=False)  # 规上企业
    is_key: Mapped[bool] = mapped_column(default=False)       # 重点企业
    liaison_officer_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # Stored as ",tag1,tag2," so that one tag is one LIKE '%,tag,%'.
    tags_text: Mapped[str] = mapped_column(String(500), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(default=clock.now)
    version: Mapped[int] = mapped_column(default=1)

    unit = relationship("Unit", lazy="joined")
    liaison_officer = relationship("User", lazy="joined")
    contacts: Mapped[list["EnterpriseContact"]] = relationship(
        back_populates="enterprise", cascade="all, delete-orphan", order_by="EnterpriseContact.id"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def tags(self) -> list[str]:
        return [t for t in self.tags_text.split(",") if t]

    def __repr__(self):
        return f"<Enterprise {self.credit_code}>"


class EnterpriseContact(db.Model):
    __tablename__ = "enterprise_contact"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = encrypted("phone", "enterprise_contact.phone", name="phone_encrypted",
                                   hash_attribute="phone_hash")
    phone_hash: Mapped[str | None] = lookup_hash()
    title: Mapped[str] = mapped_column(String(100), default="")

    enterprise: Mapped[Enterprise] = relationship(back_populates="contacts")


# enterprise_profile_change.status
PENDING, ACCEPTED, REFUSED, REPLACED = "pending", "accepted", "refused", "replaced"


class EnterpriseProfileChange(db.Model):
    """What an enterprise's portal account manager states about the enterprise
    (contacts, address, legal representative, district, industry), for the desk
    to accept into the registry or refuse (core.registry.profile_changes).
    It holds the whole proposed set of those facts, not only the changed ones."""

    __tablename__ = "enterprise_profile_change"
    __table_args__ = (
        Index("ix_enterprise_profile_change_enterprise", "enterprise_id", "id"),
        Index("ix_enterprise_profile_change_status", "status", "id"),
        # One proposal waits per enterprise: a new one replaces it in the same transaction,
        # and two sent at the same instant meet this index.
        Index("uq_enterprise_profile_change_pending", "enterprise_id", unique=True,
              sqlite_where=text("status = 'pending'"), postgresql_where=text("status = 'pending'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id", ondelete="CASCADE"))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("portal_account.id", ondelete="SET NULL"))
    legal_representative: Mapped[str] = mapped_column(String(100), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    district: Mapped[str] = mapped_column(String(50), default="")
    industry: Mapped[str] = mapped_column(String(50), default="")
    base_version: Mapped[int] = mapped_column(default=1)     # the enterprise's version the proposal was made on
    status: Mapped[str] = mapped_column(String(10), default=PENDING)
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    seen_at: Mapped[datetime | None]                          # when the enterprise saw the decision

    enterprise: Mapped[Enterprise] = relationship(lazy="joined")
    account = relationship(PortalAccount)
    decided_by = relationship("User")
    contacts: Mapped[list["EnterpriseProfileChangeContact"]] = relationship(
        cascade="all, delete-orphan", order_by="EnterpriseProfileChangeContact.id")


class EnterpriseProfileChangeContact(db.Model):
    """A contact as the proposal states it, the phone encrypted like the registry's."""

    __tablename__ = "enterprise_profile_change_contact"

    id: Mapped[int] = mapped_column(primary_key=True)
    change_id: Mapped[int] = mapped_column(ForeignKey("enterprise_profile_change.id", ondelete="CASCADE"),
                                           index=True)
    name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = encrypted("phone", "enterprise_profile_change_contact.phone", name="phone_encrypted",
                                   hash_attribute="phone_hash")
    phone_hash: Mapped[str | None] = lookup_hash()
    title: Mapped[str] = mapped_column(String(100), default="")

"""The provider (utförare), each organisation's approval of it, and the history of approvals.

The provider record is a shared fact: one row, seen by every organisation. Approval is each
organisation's own judgement (a provider may be approved in Malmö and rejected in Lund): a
``ProviderApproval`` row per organisation that has decided anything. ``Provider.status`` and its
companions read the acting organisation's row (``tenancy.reading_organisation_id``), as a Python
attribute and as an SQL expression, so the pages, filters and rules that ask for "approved
providers" keep one spelling and get the organisation's own answer.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    and_,
    bindparam,
    func,
    select,
    type_coerce,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, foreign, mapped_column, relationship
from sqlalchemy.orm.attributes import set_committed_value

from vendor_registry.codes import Ownership, ProviderStatus, ThreatLevel
from vendor_registry.database import (
    TimestampMixin,
    VersionedMixin,
    code_list_column,
    enum_type,
    utcnow,
)
from vendor_registry.extensions import db
from vendor_registry.organisations.models import OwnedByOrganisation
from vendor_registry.organisations.tenancy import (
    organisation_for_writes,
    reading_organisation_id,
)


def format_org_number(digits: str) -> str:
    return f"{digits[:6]}-{digits[6:]}" if len(digits) == 10 else digits


class Provider(TimestampMixin, VersionedMixin, db.Model):
    __tablename__ = "providers"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_number: Mapped[str] = mapped_column(String(10), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    kinds: Mapped[list[str]] = code_list_column()
    ownership: Mapped[Ownership] = mapped_column(enum_type(Ownership))
    municipality: Mapped[str | None] = mapped_column(String(100))
    county: Mapped[str] = mapped_column(String(2))
    counties_served: Mapped[list[str]] = code_list_column()
    capacity: Mapped[int | None]
    target_groups: Mapped[list[str]] = code_list_column()
    housing_forms: Mapped[list[str]] = code_list_column()
    max_threat_level: Mapped[ThreatLevel | None] = mapped_column(enum_type(ThreatLevel))
    languages: Mapped[list[str]] = code_list_column()
    service_areas: Mapped[list[str]] = code_list_column()
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    website: Mapped[str | None] = mapped_column(String(300))
    address: Mapped[str | None] = mapped_column(String(300))
    notes: Mapped[str | None] = mapped_column(Text)

    # Each organisation's decision (loaded only when written to) ...
    approvals: Mapped[list[ProviderApproval]] = relationship(
        back_populates="provider", cascade="all, delete-orphan"
    )
    # ... and the acting organisation's, joined to every query that loads providers (one LEFT
    # JOIN on the unique (organisation, provider) key: no extra statement, none per row). The
    # organisation is a parameter evaluated when the statement runs.
    acting_approval: Mapped[ProviderApproval | None] = relationship(
        primaryjoin=lambda: and_(
            Provider.id == foreign(ProviderApproval.provider_id),
            ProviderApproval.organisation_id == bindparam(
                "acting_organisation_id", callable_=reading_organisation_id, type_=Integer),
        ),
        viewonly=True, uselist=False, lazy="joined",
    )

    approval_events: Mapped[list[ApprovalEvent]] = relationship(
        back_populates="provider", order_by="ApprovalEvent.created_at.desc()", cascade="all, delete-orphan"
    )

    def approval(self, *, create: bool = False) -> ProviderApproval | None:
        """The acting organisation's approval row (made, as a draft, when ``create``)."""
        organisation_id = organisation_for_writes() if create else reading_organisation_id()
        # a decision made in this session and not yet reloaded (never loads the collection to read)
        for approval in self.__dict__.get("approvals") or ():
            if approval.organisation_id == organisation_id:
                return approval
        current = self.acting_approval
        if current is not None and current.organisation_id == organisation_id:
            return current
        if not create:
            return None
        for approval in self.approvals:
            if approval.organisation_id == organisation_id:
                return approval
        approval = ProviderApproval(organisation_id=organisation_id, status=ProviderStatus.DRAFT,
                                    status_changed_at=utcnow())
        self.approvals.append(approval)
        # what the joined load would have found: a new provider is not queried for it again
        set_committed_value(self, "acting_approval", approval)
        return approval

    @property
    def org_number_display(self) -> str:
        return format_org_number(self.org_number)

    def __repr__(self) -> str:
        return f"<Provider {self.org_number} {self.name!r}>"


class ApprovalEvent(OwnedByOrganisation, db.Model):
    """One transition of an organisation's approval of a provider: who, when, why (append-only)."""

    __tablename__ = "approval_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[ProviderStatus | None] = mapped_column(enum_type(ProviderStatus))
    to_status: Mapped[ProviderStatus] = mapped_column(enum_type(ProviderStatus))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_label: Mapped[str] = mapped_column(String(254))
    reason: Mapped[str | None] = mapped_column(Text)
    override_justification: Mapped[str | None] = mapped_column(Text)
    conditions: Mapped[str | None] = mapped_column(Text)
    conditions_until: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    provider: Mapped[Provider] = relationship(back_populates="approval_events")


class ProviderApproval(OwnedByOrganisation, db.Model):
    """One organisation's approval status of a provider, with its conditions and clock."""

    __tablename__ = "provider_approvals"
    __table_args__ = (
        UniqueConstraint("organisation_id", "provider_id"),
        Index("ix_provider_approvals_org_status", "organisation_id", "status", "provider_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id", ondelete="CASCADE"), index=True)
    status: Mapped[ProviderStatus] = mapped_column(enum_type(ProviderStatus), default=ProviderStatus.DRAFT)
    status_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When the provider was (last) approved: the start of the "review within 90 days" clock.
    approved_at: Mapped[datetime | None]
    conditions: Mapped[str | None] = mapped_column(Text)
    conditions_until: Mapped[date | None]

    provider: Mapped[Provider] = relationship(back_populates="approvals")


def _approval_attribute(name: str, default: Callable[[Any], Any], sql_default: Callable[[Any], Any] | None = None,
                        sql_type: Any = None) -> hybrid_property:
    """``Provider.<name>``: the acting organisation's value, in Python and in SQL (a correlated
    subquery on the (organisation, provider) key); ``default`` when it has decided nothing."""

    def fget(self: Provider) -> Any:
        approval = self.approval()
        return getattr(approval, name) if approval is not None else default(self)

    def fset(self: Provider, value: Any) -> None:
        setattr(self.approval(create=True), name, value)

    built: dict[type, Any] = {}

    def expr(cls: type[Provider]) -> Any:
        # Built once: the organisation is a parameter of the execution, so the expression is the
        # same every time (SQLAlchemy asks for it at every class-level access, the constructor too).
        if cls not in built:
            built[cls] = _expression(cls)
        return built[cls]

    def _expression(cls: type[Provider]) -> Any:
        column = getattr(ProviderApproval, name)
        value = (select(column)
                 .where(ProviderApproval.provider_id == cls.id,
                        # evaluated at each execution: an expression built at import time
                        # still reads the organisation acting when the statement runs
                        ProviderApproval.organisation_id == bindparam(
                            "reading_organisation_id", callable_=reading_organisation_id, type_=Integer))
                 .correlate_except(ProviderApproval)
                 .scalar_subquery())
        if sql_default is not None:
            value = func.coalesce(value, sql_default(cls))
        # labelled, so a row selected with ``Provider.status`` still has ``row.status``
        return type_coerce(value, sql_type if sql_type is not None else column.type).label(name)

    return hybrid_property(fget, fset, expr=expr)


Provider.status = _approval_attribute(
    "status", lambda p: ProviderStatus.DRAFT, lambda cls: ProviderStatus.DRAFT.value,
    enum_type(ProviderStatus))
Provider.status_changed_at = _approval_attribute(
    "status_changed_at", lambda p: p.created_at, lambda cls: cls.created_at)
Provider.approved_at = _approval_attribute("approved_at", lambda p: None)
Provider.conditions = _approval_attribute("conditions", lambda p: None)
Provider.conditions_until = _approval_attribute("conditions_until", lambda p: None)

# The list's other sorts (standing.listing.SORTS) read a page from an index instead of sorting
# every provider: "updated" (updated_at desc, id desc) and "county" (county, name, id) (issue 15).
Index("ix_providers_updated_at_id", Provider.updated_at, Provider.id)
Index("ix_providers_county_name_id", Provider.county, Provider.name, Provider.id)

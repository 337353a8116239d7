"""Admin writes: service areas, check policy and accounts. Flush, never commit.

Account changes go through auth/services.py so that a role change or a deactivation always
ends the user's open sessions; this module adds the rules an admin screen needs on top
(the version the admin saw, and no locking oneself out).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from vendor_registry.audit.context import current_actor
from vendor_registry.auth import services as accounts
from vendor_registry.auth.models import User
from vendor_registry.background_checks.models import CheckPolicy
from vendor_registry.codes import CheckType, ProviderKind, Role
from vendor_registry.concurrency import check_version
from vendor_registry.errors import ValidationFailed
from vendor_registry.extensions import db
from vendor_registry.methods.models import ServiceArea

MAX_INTERVAL_DAYS = 3650


# --- service areas -------------------------------------------------------------------------

def all_service_areas() -> list[ServiceArea]:
    return list(db.session.scalars(select(ServiceArea).order_by(ServiceArea.active.desc(), ServiceArea.id)))


def _clean_area(data: Mapping[str, Any]) -> dict[str, Any]:
    values = {key: (data.get(key) or "").strip() for key in ("name_sv", "name_en")}
    errors = {key: [_l("Uppgiften är obligatorisk.")] for key, value in values.items() if not value}
    if errors:
        raise ValidationFailed(errors)
    values["active"] = bool(data.get("active", True))
    return values


def create_service_area(data: Mapping[str, Any]) -> ServiceArea:
    code = (data.get("code") or "").strip()
    errors: dict[str, list[Any]] = {}
    if not code:
        errors["code"] = [_l("Ange en kod.")]
    elif db.session.scalar(select(ServiceArea).where(ServiceArea.code == code)) is not None:
        errors["code"] = [_l("Koden %(code)s finns redan.", code=code)]
    try:
        values = _clean_area(data)
    except ValidationFailed as exc:
        errors.update(exc.errors)
    if errors:
        raise ValidationFailed(errors)
    area = ServiceArea(code=code, **values)
    db.session.add(area)
    db.session.flush()
    return area


def update_service_area(area: ServiceArea, data: Mapping[str, Any], seen_version: int | str | None) -> ServiceArea:
    """The code is what providers store, so an edit never changes it."""
    check_version(area, seen_version)
    for key, value in _clean_area(data).items():
        setattr(area, key, value)
    db.session.flush()
    return area


# --- check policy --------------------------------------------------------------------------

def policy_matrix() -> dict[tuple[ProviderKind, CheckType], CheckPolicy]:
    return {(p.provider_kind, p.check_type): p for p in db.session.scalars(select(CheckPolicy))}


def update_check_policy(cells: Mapping[tuple[ProviderKind, CheckType], Mapping[str, Any]]) -> int:
    """Apply the whole matrix at once, or nothing: a stale row or a bad interval stops it all.

    Returns the number of rows added or changed. A cell that was never required and still is
    not gets no row; an existing row that is unticked stays, with ``required`` false, so its
    interval is not lost.
    """
    existing = policy_matrix()
    errors: dict[str, list[Any]] = {}
    for (kind, check_type), cell in cells.items():
        row = existing.get((kind, check_type))
        if row is not None and str(row.version) != str(cell.get("version") or ""):
            check_version(row, cell.get("version"))  # raises StaleRecordError with who and when
        interval = cell.get("interval_days")
        if cell.get("required") or interval is not None:
            if interval is None:
                errors[f"interval-{kind.value}-{check_type.value}"] = [_l("Ange intervallet i dagar.")]
            elif not 1 <= interval <= MAX_INTERVAL_DAYS:
                errors[f"interval-{kind.value}-{check_type.value}"] = [
                    _l("Ange ett intervall mellan 1 och %(max)s dagar.", max=MAX_INTERVAL_DAYS)]
    if errors:
        raise ValidationFailed(errors)
    changed = 0
    for (kind, check_type), cell in cells.items():
        row = existing.get((kind, check_type))
        required, interval = bool(cell.get("required")), cell.get("interval_days")
        if row is None:
            if required:
                db.session.add(CheckPolicy(provider_kind=kind, check_type=check_type, required=True,
                                           interval_days=interval))
                changed += 1
            continue
        if row.required != required or (interval is not None and row.interval_days != interval):
            row.required = required
            if interval is not None:
                row.interval_days = interval
            changed += 1
    db.session.flush()
    return changed


# --- users ---------------------------------------------------------------------------------

def all_users() -> list[User]:
    return list(db.session.scalars(select(User).order_by(User.active.desc(), User.name)))


def create_account(data: Mapping[str, Any]) -> User:
    try:
        return accounts.create_user(data["email"], data["name"], data["role"], data["password"])
    except accounts.AccountError as exc:
        message = exc.args[0]
        field = "password" if "ösenord" in str(message) else "email"
        raise ValidationFailed({field: [message]}) from exc
    except ValueError as exc:
        raise ValidationFailed({"role": [_l("Välj en roll.")]}) from exc


def _not_self(user: User, message: Any) -> None:
    """The acting person (the audit context's actor) may not do this to their own account."""
    if current_actor().user_id == user.id:
        raise ValidationFailed({"": [message]})


def set_role(user: User, role: Role | str, seen_version: int | str | None) -> User:
    """Changing one's own role could leave no admin; another admin has to do it."""
    check_version(user, seen_version)
    _not_self(user, _l("Du kan inte ändra din egen roll."))
    if Role(role) != user.role:
        accounts.change_role(user, role)
    return user


def deactivate(user: User, seen_version: int | str | None) -> User:
    check_version(user, seen_version)
    _not_self(user, _l("Du kan inte inaktivera ditt eget konto."))
    if user.active:
        accounts.deactivate_user(user)
    return user


def reactivate(user: User, seen_version: int | str | None) -> User:
    check_version(user, seen_version)
    if not user.active:
        accounts.reactivate_user(user)
    return user


def set_subject(user: User, subject: str | None, seen_version: int | str | None) -> User:
    """The identity provider's subject for single sign-on by ``sub`` (see auth/oidc_services.py)."""
    from vendor_registry.auth import oidc_services

    check_version(user, seen_version)
    try:
        oidc_services.set_subject(user, subject)
    except accounts.AccountError as exc:
        raise ValidationFailed({"oidc_subject": [exc.args[0]]}) from exc
    return user


def unlock_sign_in(user: User, seen_version: int | str | None) -> User:
    """Lift the user's sign-in lock (auth/throttle.py); recorded in the audit log as a change to
    the account, with who did it."""
    check_version(user, seen_version)
    accounts.unlock_sign_in(user)
    return user

"""The role table of DOMAIN.md §5, and the decorators that declare each view's access rule.

Every view function carries an ``access_rule`` attribute (a set of permissions, or
``PUBLIC``); a test walks ``app.url_map`` and fails on any endpoint without one.
"""
from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user

from vendor_registry.codes import Role

F = TypeVar("F", bound=Callable[..., Any])
PUBLIC = "public"


class Permission(StrEnum):
    VIEW_PROVIDERS = "view_providers"  # search, licences, methods, contracts, approval status
    RUN_MATCHING = "run_matching"
    EDIT_PROVIDERS = "edit_providers"  # providers, licences, offered methods, contracts
    VIEW_CHECK_DETAILS = "view_check_details"
    RECORD_CHECK = "record_check"
    RECORD_REVIEW = "record_review"  # any review kind
    RECORD_PLACEMENT_FOLLOW_UP = "record_placement_follow_up"
    EDIT_DEMAND_PROFILES = "edit_demand_profiles"
    DECIDE_APPROVAL = "decide_approval"
    ACKNOWLEDGE_FLAG = "acknowledge_flag"
    RESOLVE_FLAG = "resolve_flag"  # resolve or dismiss
    READ_AUDIT = "read_audit"
    ADMINISTER = "administer"  # users, roles, catalogues, check policy, job schedule
    RUN_JOBS = "run_jobs"
    MANAGE_OWN_TOKENS = "manage_own_tokens"


_EVERYONE = {Permission.VIEW_PROVIDERS, Permission.RUN_MATCHING, Permission.MANAGE_OWN_TOKENS}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(
        _EVERYONE
        | {
            Permission.EDIT_PROVIDERS,
            Permission.VIEW_CHECK_DETAILS,
            Permission.RECORD_CHECK,
            Permission.RECORD_REVIEW,
            Permission.RECORD_PLACEMENT_FOLLOW_UP,
            Permission.EDIT_DEMAND_PROFILES,
            Permission.ACKNOWLEDGE_FLAG,
            Permission.READ_AUDIT,
            Permission.ADMINISTER,
            Permission.RUN_JOBS,
        }
    ),
    Role.PROCUREMENT_OFFICER: frozenset(
        _EVERYONE
        | {
            Permission.EDIT_PROVIDERS,
            Permission.VIEW_CHECK_DETAILS,
            Permission.RECORD_CHECK,
            Permission.RECORD_REVIEW,
            Permission.RECORD_PLACEMENT_FOLLOW_UP,
            Permission.EDIT_DEMAND_PROFILES,
            Permission.ACKNOWLEDGE_FLAG,
        }
    ),
    Role.SUPERVISOR: frozenset(
        _EVERYONE
        | {
            Permission.VIEW_CHECK_DETAILS,
            Permission.RECORD_CHECK,
            Permission.RECORD_REVIEW,
            Permission.RECORD_PLACEMENT_FOLLOW_UP,
            Permission.EDIT_DEMAND_PROFILES,
            Permission.DECIDE_APPROVAL,
            Permission.ACKNOWLEDGE_FLAG,
            Permission.RESOLVE_FLAG,
            Permission.READ_AUDIT,
            Permission.RUN_JOBS,
        }
    ),
    Role.SOCIAL_WORKER: frozenset(_EVERYONE | {Permission.RECORD_PLACEMENT_FOLLOW_UP}),
}


def has_permission(user: Any, permission: Permission) -> bool:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return permission in ROLE_PERMISSIONS.get(user.role, frozenset())


def sees_check_details(user: Any) -> bool:
    """A background check's type, result and summary (DOMAIN.md §5: a social worker sees only
    "checks current: yes/no"). The one rule the provider page, its flags, the evidence list,
    the exports and the API follow."""
    return has_permission(user, Permission.VIEW_CHECK_DETAILS)


def require(*permissions: Permission) -> Callable[[F], F]:
    """Logged-in users holding ANY of ``permissions`` (none given: any logged-in user)."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                from vendor_registry.extensions import login_manager

                return login_manager.unauthorized()
            if permissions and not any(has_permission(current_user, p) for p in permissions):
                abort(403)
            return view(*args, **kwargs)

        wrapper.access_rule = frozenset(permissions) or frozenset({"authenticated"})  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


def public(view: F) -> F:
    """Declares a view that needs no login (login page, health check)."""
    view.access_rule = PUBLIC  # type: ignore[attr-defined]
    return view

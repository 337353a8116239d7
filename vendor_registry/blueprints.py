"""The list of blueprints, in one place so that adding a feature is one line."""
from __future__ import annotations

from flask import Blueprint


def BLUEPRINTS() -> list[Blueprint]:  # noqa: N802  (a registry, read like a constant)
    from vendor_registry.auth.views import bp as auth_bp
    from vendor_registry.dashboard.views import bp as dashboard_bp
    from vendor_registry.providers.views import bp as providers_bp

    return [auth_bp, dashboard_bp, providers_bp]

"""The list of blueprints, in one place so that adding a feature is one line."""
from __future__ import annotations

from flask import Blueprint


def all_blueprints() -> list[Blueprint]:
    """Every blueprint, imported here (not at module import) so the app factory decides when."""
    from vendor_registry.account.views import bp as account_bp
    from vendor_registry.admin.views import bp as admin_bp
    from vendor_registry.api import bp as api_bp
    from vendor_registry.audit.views import bp as audit_bp
    from vendor_registry.auth.oidc_views import bp as oidc_bp
    from vendor_registry.auth.views import bp as auth_bp
    from vendor_registry.background_checks.views import bp as background_checks_bp
    from vendor_registry.contracts.views import bp as contracts_bp
    from vendor_registry.dashboard.views import bp as dashboard_bp
    from vendor_registry.demand.views import bp as demand_bp
    from vendor_registry.flags.views import bp as flags_bp
    from vendor_registry.jobs.views import bp as jobs_bp
    from vendor_registry.licences.views import bp as licences_bp
    from vendor_registry.methods.views import bp as offered_methods_bp
    from vendor_registry.providers.views import bp as providers_bp
    from vendor_registry.reviews.views import bp as reviews_bp
    from vendor_registry.standing import views as standing_views  # noqa: F401  (adds the list and detail pages to providers_bp)

    return [
        auth_bp, oidc_bp, dashboard_bp, providers_bp, licences_bp, contracts_bp, offered_methods_bp, reviews_bp,
        admin_bp, background_checks_bp, api_bp, account_bp, demand_bp, flags_bp, jobs_bp, audit_bp,
    ]

"""Who may call every route, written out per endpoint: the security suite's expected answers.

One line per endpoint of ``app.url_map`` (static files aside), independent of the decorators it
checks, so a route added without a line here fails ``test_every_route_is_in_the_table``; and a
changed decorator or role table that lets a role in (or out) fails the matrix until this table
— which a reviewer reads against DOMAIN.md §5 — says so too.

Roles: A admin, P procurement officer (upphandlare), S supervisor (enhetschef), W social
worker (socialsekreterare); "public": anyone, signed in or not. API routes (``api*``) are
called with each role's bearer token, the others with each role's session.
"""
from __future__ import annotations

ROLE_LETTERS = {"A": "admin", "P": "procurement_officer", "S": "supervisor", "W": "social_worker"}

ACCESS: dict[str, str] = {
    "account.password": "APSW",
    "account.token_create": "APSW",
    "account.token_list": "APSW",
    "account.token_revoke": "APSW",

    "admin.check_policy": "A",
    "admin.index": "A",
    "admin.method_create": "A",
    "admin.method_edit": "A",
    "admin.methods": "A",
    "admin.service_area_create": "A",
    "admin.service_area_edit": "A",
    "admin.service_areas": "A",
    "admin.user": "A",
    "admin.user_create": "A",
    "admin.user_deactivate": "A",
    "admin.user_reactivate": "A",
    "admin.user_subject": "A",
    "admin.user_unlock": "A",
    "admin.users": "A",

    "api.openapi_json": "public",

    "api_approval.change_status": "APS",
    "api_approval.get_approval": "APSW",

    "api_checks.get_check": "APS",
    "api_checks.list_checks": "APS",
    "api_checks.record_check": "APS",
    "api_checks.run_automatic_check": "APS",

    "api_contracts.create_contract": "AP",
    "api_contracts.delete_contract": "AP",
    "api_contracts.get_contract": "APSW",
    "api_contracts.list_contracts": "APSW",
    "api_contracts.update_contract": "AP",

    "api_demand.list_profiles": "APSW",
    "api_demand.run_match": "APSW",

    "api_evidence.download_evidence": "APS",
    "api_evidence.get_evidence": "APS",
    "api_evidence.list_evidence": "APS",
    "api_evidence.upload_evidence": "APS",

    "api_flags.acknowledge_flag": "APS",
    "api_flags.assign_flag": "S",
    "api_flags.bulk_flags": "APS",
    "api_flags.dismiss_flag": "S",
    "api_flags.flag_history": "APS",
    "api_flags.get_flag": "APS",
    "api_flags.list_flags": "APS",
    "api_flags.resolve_flag": "S",

    "api_jobs.list_job_runs": "AS",

    "api_licences.create_licence": "AP",
    "api_licences.list_licences": "APSW",
    "api_licences.update_licence": "AP",

    "api_methods.add_offered": "AP",
    "api_methods.create_method": "A",
    "api_methods.get_method": "APSW",
    "api_methods.get_offered": "APSW",
    "api_methods.list_methods": "APSW",
    "api_methods.list_offered": "APSW",
    "api_methods.remove_offered": "AP",
    "api_methods.update_method": "A",
    "api_methods.update_offered": "AP",

    "api_providers.create_provider": "AP",
    "api_providers.get_provider": "APSW",
    "api_providers.list_providers": "APSW",
    "api_providers.update_provider": "AP",

    "api_reviews.complete_action": "APSW",
    "api_reviews.create_review": "APSW",
    "api_reviews.get_published": "APSW",
    "api_reviews.get_review": "APSW",
    "api_reviews.list_published": "APSW",
    "api_reviews.list_reviews": "APSW",
    "api_reviews.publish_review": "APS",
    "api_reviews.unpublish_review": "APS",
    "api_reviews.update_review": "APSW",

    "api_tokens.list_tokens": "APSW",
    "api_tokens.revoke_token": "APSW",

    "audit.export": "AS",
    "audit.index": "AS",
    "audit.sign_ins": "AS",

    "auth.health": "public",
    "auth.language": "public",
    "auth.login": "public",
    "auth.logout": "APSW",

    # 404 while single sign-on is off (the default); tests/auth/test_oidc.py covers it on.
    "oidc.callback": "public",
    "oidc.login": "public",

    "background_checks.download": "APSW",
    "background_checks.extract_apply": "APS",
    "background_checks.extract_upload": "APS",
    "background_checks.provider_checks": "APS",
    "background_checks.record": "APS",
    "background_checks.run_now": "APS",
    "background_checks.upload": "APS",

    "contracts.create": "AP",
    "contracts.delete": "AP",
    "contracts.edit": "AP",

    "dashboard.checks_due": "APS",
    "dashboard.ending": "APSW",
    "dashboard.index": "APSW",
    "dashboard.root": "public",

    "demand.match_compare": "APSW",
    "demand.match_explain": "APSW",
    "demand.match_export": "APSW",
    "demand.match_page": "APSW",
    "demand.match_print": "APSW",
    "demand.profile_copy": "APS",
    "demand.profile_create": "APS",
    "demand.profile_detail": "APSW",
    "demand.profile_edit": "APS",
    "demand.profile_retire": "APS",
    "demand.profiles": "APSW",

    "flags.acknowledge": "APS",
    "flags.assign": "S",
    "flags.bulk_action": "APS",
    "flags.detail": "APS",
    "flags.dismiss": "S",
    "flags.index": "APS",
    "flags.notifications": "APSW",
    "flags.notifications_read": "APSW",
    "flags.overview": "AS",
    "flags.resolve": "S",

    "jobs.index": "AS",
    "jobs.run": "AS",
    "jobs.runs_status": "AS",

    "licences.create": "AP",
    "licences.delete": "AP",
    "licences.edit": "AP",

    "offered_methods.create": "AP",
    "offered_methods.delete": "AP",
    "offered_methods.edit": "AP",

    "providers.change_status": "APS",
    "providers.create": "AP",
    "providers.detail": "APSW",
    "providers.edit": "AP",
    "providers.export": "APSW",
    "providers.index": "APSW",
    "providers.print_view": "APSW",

    "reviews.complete_action": "APSW",
    "reviews.create": "APSW",
    "reviews.edit": "APSW",
    "reviews.publish": "APS",
    "reviews.published": "APSW",
    "reviews.unpublish": "APS",
}

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


#: What the organisation boundary means for each endpoint (issue 14), read with the access
#: column above: ``tests/security/test_organisation_isolation.py`` calls every route as each role
#: of organisation A with the path naming organisation B's records.
#:
#: - ``own``: the path names an organisation's own record (a contract, a review, a user, a
#:   token…): another organisation's gets 404 (or 403 where the role is kept out anyway).
#: - ``shared``: the path names a shared record (a provider, a licence, a method…): every
#:   organisation gets the shared view, never another organisation's own parts of it.
#: - ``own+shared``: the record may be either (a manual check is own, an automatic one shared;
#:   evidence; a flag of an own rule or of shared facts): another organisation's own → 404, a
#:   shared one → the shared view.
#: - ``none``: no record in the path (lists, forms, exports, jobs, sign-in): the answer shows the
#:   acting organisation's own records and the shared ones, nothing of another organisation.
#:
#: Jobs are installation-wide (they sweep every organisation's records, each under its own
#: rules): any organisation's admin or supervisor may run them and see their runs, as the access
#: column says; a run's page shows counts and outcomes, never another organisation's records.
OWN, SHARED, EITHER, NONE = "own", "shared", "own+shared", "none"

ORGANISATION: dict[str, str] = {
    "account.password": NONE,
    "account.token_create": NONE,
    "account.token_list": NONE,
    "account.token_revoke": OWN,

    "admin.check_policy": NONE,
    "admin.index": NONE,
    "admin.method_create": NONE,
    "admin.method_edit": SHARED,
    "admin.methods": NONE,
    "admin.service_area_create": NONE,
    "admin.service_area_edit": SHARED,
    "admin.service_areas": NONE,
    "admin.user": OWN,
    "admin.user_create": NONE,
    "admin.user_deactivate": OWN,
    "admin.user_reactivate": OWN,
    "admin.user_subject": OWN,
    "admin.user_unlock": OWN,
    "admin.users": NONE,

    "api.openapi_json": NONE,

    "api_approval.change_status": SHARED,
    "api_approval.get_approval": SHARED,

    "api_checks.get_check": EITHER,
    "api_checks.list_checks": SHARED,
    "api_checks.record_check": SHARED,
    "api_checks.run_automatic_check": SHARED,

    "api_contracts.create_contract": SHARED,
    "api_contracts.delete_contract": OWN,
    "api_contracts.get_contract": OWN,
    "api_contracts.list_contracts": SHARED,
    "api_contracts.update_contract": OWN,

    "api_demand.list_profiles": NONE,
    "api_demand.run_match": NONE,

    "api_evidence.download_evidence": EITHER,
    "api_evidence.get_evidence": EITHER,
    "api_evidence.list_evidence": SHARED,
    "api_evidence.upload_evidence": SHARED,

    "api_flags.acknowledge_flag": EITHER,
    "api_flags.assign_flag": EITHER,
    "api_flags.bulk_flags": NONE,
    "api_flags.dismiss_flag": EITHER,
    "api_flags.flag_history": EITHER,
    "api_flags.get_flag": EITHER,
    "api_flags.list_flags": NONE,
    "api_flags.resolve_flag": EITHER,

    "api_jobs.list_job_runs": NONE,

    "api_licences.create_licence": SHARED,
    "api_licences.list_licences": SHARED,
    "api_licences.update_licence": SHARED,

    "api_methods.add_offered": SHARED,
    "api_methods.create_method": NONE,
    "api_methods.get_method": SHARED,
    "api_methods.get_offered": SHARED,
    "api_methods.list_methods": NONE,
    "api_methods.list_offered": SHARED,
    "api_methods.remove_offered": SHARED,
    "api_methods.update_method": SHARED,
    "api_methods.update_offered": SHARED,

    "api_providers.create_provider": NONE,
    "api_providers.get_provider": SHARED,
    "api_providers.list_providers": NONE,
    "api_providers.update_provider": SHARED,

    "api_reviews.complete_action": OWN,
    "api_reviews.get_published": SHARED,
    "api_reviews.list_published": SHARED,
    "api_reviews.publish_review": OWN,
    "api_reviews.unpublish_review": OWN,
    "api_reviews.create_review": SHARED,
    "api_reviews.get_review": OWN,
    "api_reviews.list_reviews": SHARED,
    "api_reviews.update_review": OWN,

    "api_tokens.list_tokens": NONE,
    "api_tokens.revoke_token": OWN,

    "audit.export": NONE,
    "audit.index": NONE,
    "audit.sign_ins": NONE,

    "auth.health": NONE,
    "auth.language": NONE,
    "auth.login": NONE,
    "auth.logout": NONE,

    "oidc.callback": NONE,
    "oidc.login": NONE,

    "background_checks.download": EITHER,
    "background_checks.extract_apply": NONE,
    "background_checks.extract_upload": NONE,
    "background_checks.provider_checks": SHARED,
    "background_checks.record": SHARED,
    "background_checks.run_now": SHARED,
    "background_checks.upload": SHARED,

    "contracts.create": SHARED,
    "contracts.delete": OWN,
    "contracts.edit": OWN,

    "dashboard.checks_due": NONE,
    "dashboard.ending": NONE,
    "dashboard.index": NONE,
    "dashboard.root": NONE,

    "demand.match_compare": NONE,
    "demand.match_explain": SHARED,
    "demand.match_export": NONE,
    "demand.match_page": NONE,
    "demand.match_print": NONE,
    "demand.profile_copy": OWN,
    "demand.profile_create": NONE,
    "demand.profile_detail": OWN,
    "demand.profile_edit": OWN,
    "demand.profile_retire": OWN,
    "demand.profiles": NONE,

    "flags.acknowledge": EITHER,
    "flags.assign": EITHER,
    "flags.bulk_action": NONE,
    "flags.detail": EITHER,
    "flags.dismiss": EITHER,
    "flags.index": NONE,
    "flags.notifications": NONE,
    "flags.notifications_read": NONE,
    "flags.overview": NONE,
    "flags.resolve": EITHER,

    "jobs.index": NONE,
    "jobs.run": NONE,
    "jobs.runs_status": NONE,

    "licences.create": SHARED,
    "licences.delete": SHARED,
    "licences.edit": SHARED,

    "offered_methods.create": SHARED,
    "offered_methods.delete": SHARED,
    "offered_methods.edit": SHARED,

    "providers.change_status": SHARED,
    "providers.create": NONE,
    "providers.detail": SHARED,
    "providers.edit": SHARED,
    "providers.export": NONE,
    "providers.index": NONE,
    "providers.print_view": SHARED,

    "reviews.complete_action": OWN,
    "reviews.publish": OWN,
    "reviews.published": SHARED,
    "reviews.unpublish": OWN,
    "reviews.create": SHARED,
    "reviews.edit": OWN,
}

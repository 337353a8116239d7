"""Every route declares who may use it, and the role table is DOMAIN.md §5."""
from vendor_registry.auth.permissions import PUBLIC, ROLE_PERMISSIONS, Permission
from vendor_registry.codes import Role

# Public by design: login (also through the municipality's identity provider), health check,
# language switch and the root redirect.
EXPECTED_PUBLIC = {"auth.login", "auth.health", "auth.language", "dashboard.root", "oidc.login", "oidc.callback"}


def _is_static(endpoint: str) -> bool:
    return endpoint == "static" or endpoint.endswith(".static")


def test_every_rule_declares_an_access_rule(app):
    missing = []
    for rule in app.url_map.iter_rules():
        if _is_static(rule.endpoint):
            continue
        view = app.view_functions[rule.endpoint]
        if getattr(view, "access_rule", None) is None:
            missing.append(f"{rule.rule} -> {rule.endpoint}")
    assert missing == [], "routes without @require/@public: " + ", ".join(missing)


def test_only_the_expected_pages_are_public(app):
    public = {
        rule.endpoint for rule in app.url_map.iter_rules()
        if not _is_static(rule.endpoint) and getattr(app.view_functions[rule.endpoint], "access_rule", None) == PUBLIC
    }
    extra = public - EXPECTED_PUBLIC - {e for e in public if e.startswith("api.")}
    assert extra == set()


def test_anonymous_users_are_sent_to_login(client, app):
    for rule in app.url_map.iter_rules():
        if _is_static(rule.endpoint) or "GET" not in rule.methods or rule.arguments or rule.rule.startswith("/api/"):
            continue
        if getattr(app.view_functions[rule.endpoint], "access_rule", None) == PUBLIC:
            continue
        response = client.get(rule.rule)
        assert response.status_code in (302, 401), rule.rule
        if response.status_code == 302:
            assert "/login" in response.headers["Location"], rule.rule


def test_role_table_matches_domain_section_5():
    p = Permission
    table = {
        # action: (admin, procurement_officer, supervisor, social_worker)
        p.VIEW_PROVIDERS: (1, 1, 1, 1),
        p.RUN_MATCHING: (1, 1, 1, 1),
        p.EDIT_PROVIDERS: (1, 1, 0, 0),
        p.VIEW_CHECK_DETAILS: (1, 1, 1, 0),
        p.RECORD_CHECK: (1, 1, 1, 0),
        p.RECORD_REVIEW: (1, 1, 1, 0),
        p.RECORD_PLACEMENT_FOLLOW_UP: (1, 1, 1, 1),
        p.EDIT_DEMAND_PROFILES: (1, 1, 1, 0),
        p.DECIDE_APPROVAL: (0, 0, 1, 0),
        p.ACKNOWLEDGE_FLAG: (1, 1, 1, 0),
        p.RESOLVE_FLAG: (0, 0, 1, 0),
        p.READ_AUDIT: (1, 0, 1, 0),
        p.ADMINISTER: (1, 0, 0, 0),
        p.RUN_JOBS: (1, 0, 1, 0),
    }
    roles = (Role.ADMIN, Role.PROCUREMENT_OFFICER, Role.SUPERVISOR, Role.SOCIAL_WORKER)
    for permission, expected in table.items():
        actual = tuple(int(permission in ROLE_PERMISSIONS[role]) for role in roles)
        assert actual == expected, permission

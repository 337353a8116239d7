"""Every route and API endpoint as organisation A against organisation B's records (issue 14).

Two organisations with a full set of records each (``isolation_world``). For each role of A,
signed in (pages) and with that person's API token (``/api/``), every rule of the url_map is
called with each of its methods, the path filled with B's records as the organisation column of
``access_table.py`` says: B's own record → 404 (or 403), a shared record → 200 with the shared
view for a GET the role may open; and no answer, whatever it is, contains any of B's own texts.
Afterwards none of B's records has changed. ``test_the_walk_fails_without_the_filter`` proves the
walk would notice a view that skips the organisation filter.
"""
from __future__ import annotations

import io
import zipfile

import pytest
from flask import url_for
from sqlalchemy import select

from tests.factories import DEFAULT_PASSWORD, make_user
from tests.security.access_table import (
    ACCESS,
    EITHER,
    NONE,
    ORGANISATION,
    OWN,
    ROLE_LETTERS,
    SHARED,
)
from tests.security.isolation_world import (
    A_CONTRACT,
    B_MARKERS,
    B_NAME,
    PDF,
    SHARED_MARKER,
    World,
    build_world,
)
from tests.security.test_route_matrix import allowed
from vendor_registry.auth import tokens
from vendor_registry.extensions import db
from vendor_registry.organisations import tenancy

ROLES = list(ROLE_LETTERS.values())
#: Path values that are not records: a job or transition that does not exist, an export format.
PLAIN = {"name": "no_such_name", "fmt": "csv"}
MISSING_ID = 999_999
#: Which variants a route is called in: B's own record, and/or the shared one.
VARIANTS = {OWN: ("own",), SHARED: ("shared",), EITHER: ("own", "shared"), NONE: ("shared",)}


@pytest.fixture
def evidence_dir(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "EVIDENCE_STORAGE_DIR", str(tmp_path / "evidence"))
    return tmp_path / "evidence"


@pytest.fixture
def world(db_session, evidence_dir) -> World:
    built = build_world()
    db_session.commit()
    return built


def _is_static(endpoint: str) -> bool:
    return endpoint == "static" or endpoint.endswith(".static")


def _is_api(rule) -> bool:
    return rule.rule.startswith("/api/")


def calls(app, world: World) -> list[tuple]:
    """(rule, method, url, variant) for every route, method and variant: GETs first (so a
    shared record a later POST deletes is still there to be shown), logout left out."""
    found = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if _is_static(rule.endpoint) or rule.endpoint == "auth.logout":
                continue
            for variant in VARIANTS[ORGANISATION[rule.endpoint]]:
                values = {}
                for arg in rule.arguments:
                    if arg in PLAIN:
                        values[arg] = PLAIN[arg]
                    elif variant == "own" and arg in world.own_b:
                        values[arg] = world.own_b[arg]
                    else:
                        values[arg] = world.shared[arg]
                url = url_for(rule.endpoint, **values)
                missing = url_for(rule.endpoint, **{arg: MISSING_ID if variant == "own" and arg in world.own_b
                                                    else value for arg, value in values.items()})
                for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                    found.append((rule, method, url, variant, missing))
    # pages whose query string names records: B's profile in matching, B's person in the logs
    b = world.own_b
    extra = [f"/demand/match?run=1&include_critical=1&profile={b['profile_id']}",
             f"/demand/match/print?run=1&include_critical=1&profile={b['profile_id']}",
             f"/demand/match/export.csv?run=1&include_critical=1&profile={b['profile_id']}",
             f"/demand/match/compare?ids={world.shared['provider_id']}&profile={b['profile_id']}",
             f"/start?provider={world.shared['provider_id']}", "/providers/export.xlsx",
             "/start/ending?what=contracts&days=60", "/start/ending?what=licences&days=3650",
             "/audit/?actor=zqxb", "/audit/?entity_type=contracts", f"/audit/?entity_id={b['contract_id']}",
             f"/audit/export.csv?provider_id={world.shared['provider_id']}", "/audit/sign-ins?email=zqxb",
             f"/flags/?provider={world.shared['provider_id']}", f"/api/v1/flags?provider_id={world.shared['provider_id']}"]
    rules = {r.rule: r for r in app.url_map.iter_rules()}
    for url in extra:
        path = url.split("?")[0]
        rule = rules.get(path) or next(r for r in app.url_map.iter_rules() if r.endpoint == "providers.export")
        found.append((rule, "GET", url, "query", url))
    return sorted(found, key=lambda item: item[1] != "GET")


def text_of(response) -> str:
    body = response.get_data()
    if body[:2] == b"PK":  # an XLSX: the shared strings and sheets are XML inside a zip
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            return " ".join(archive.read(n).decode("utf-8") for n in archive.namelist() if n.endswith(".xml"))
    return body.decode("utf-8", errors="replace") + " " + response.headers.get("Location", "")


def _problem(rule, method: str, variant: str, role: str, response, as_if_missing: int | None,
             shared_texts: tuple[str, ...]) -> str | None:
    status = response.status_code
    if status >= 500:
        return f"{status} (server error)"
    text = text_of(response)
    leaked = [name for name, marker in B_MARKERS.items() if marker.lower() in text.lower()]
    if leaked:
        return f"{status}: shows organisation B's {', '.join(leaked)}"
    let_in = allowed(rule.endpoint, role)
    if variant == "own":
        # 404 or 403; or the API's 422 for a body it refuses before looking for the record,
        # exactly as for an id that does not exist (so the answer tells nothing)
        if status not in (403, 404, 422) or status != as_if_missing:
            return f"{status}: B's own record answered (expected 404, or 403; {as_if_missing} for no record)"
    elif variant == "shared" and ORGANISATION[rule.endpoint] in (SHARED, EITHER) and method == "GET" and let_in:
        if status != 200:
            return f"{status}: the shared record is not shown (expected 200)"
        shown = response.get_data() == PDF or any(m.lower() in text.lower() for m in shared_texts)
        if not shown:
            return "200 without the shared record's content"
    return None


def _call(client, rule, method: str, url: str, headers):
    # a real request starts with an empty session: the test's records (loaded across
    # organisations) must not be handed to the view from the identity map
    db.session.expunge_all()
    if method == "GET":
        return client.get(url, headers=headers)
    if _is_api(rule):
        return client.open(url, method=method, json={}, headers=headers)
    return client.open(url, method=method, data={}, headers=headers)


def walk(app, client, world: World, role: str, session_user, api_headers) -> tuple[list[str], int]:
    wrong, checked = [], 0
    for rule, method, url, variant, missing in calls(app, world):
        headers = api_headers if _is_api(rule) else {}
        as_if_missing = _call(client, rule, method, missing, headers).status_code if variant == "own" else None
        response = _call(client, rule, method, url, headers)
        checked += 1
        problem = _problem(rule, method, variant, role, response, as_if_missing,
                           (SHARED_MARKER, "ZQXA", world.shared["org_number"],
                            f"{world.shared['org_number'][:6]}-{world.shared['org_number'][6:]}"))
        if problem:
            wrong.append(f"{method} {url} ({rule.endpoint}, {variant}): {problem}")
    return wrong, checked


def _b_unchanged(world: World) -> list[str]:
    """B's records as they were built: nothing A did reached them."""
    from vendor_registry.auth.models import ApiToken, User
    from vendor_registry.background_checks.models import (
        BackgroundCheck,
        EvidenceDocument,
    )
    from vendor_registry.codes import FlagStatus, ProfileStatus, Role
    from vendor_registry.contracts.models import Contract
    from vendor_registry.demand.models import DemandProfile
    from vendor_registry.flags.models import Flag, Notification
    from vendor_registry.reviews.models import Review, ReviewAction

    db.session.expire_all()
    b = world.own_b
    with tenancy.across_organisations():
        get = db.session.get
        user = get(User, b["user_id"])
        checks = {
            "contract": get(Contract, b["contract_id"]) is not None,
            "review": (get(Review, b["review_id"]) or Review()).summary == B_MARKERS["review"],
            "action": (get(ReviewAction, b["action_id"]) or ReviewAction(completed_on=1)).completed_on is None,
            "profile": (get(DemandProfile, b["profile_id"]) or DemandProfile()).status is ProfileStatus.ACTIVE,
            "check": get(BackgroundCheck, b["check_id"]) is not None,
            "evidence": get(EvidenceDocument, b["document_id"]) is not None,
            "flag": (get(Flag, b["flag_id"]) or Flag()).status is FlagStatus.OPEN,
            "notification": db.session.scalars(select(Notification.read_at).where(
                Notification.user_id == b["user_id"])).all() == [None],
            "user": user is not None and user.active and user.role is Role.ADMIN and user.oidc_subject is None,
            "token": (get(ApiToken, b["token_id"]) or ApiToken(revoked_at=1)).revoked_at is None,
            "profiles": db.session.scalar(select(DemandProfile.id).where(
                DemandProfile.organisation_id == world.a_id, DemandProfile.name.contains("ZQXB"))) is None,
        }
    return [name for name, ok in checks.items() if not ok]


def _sign_in(client, login, db_session, role: str):
    person = make_user(role=role)
    _token, plain = tokens.create_token(person, f"isolation {role}")
    db_session.commit()
    person_id, organisation_id, email = person.id, person.organisation_id, person.email
    db_session.expunge_all()
    client.post("/login", data={"email": email, "password": DEFAULT_PASSWORD})
    return (person_id, organisation_id), {"Authorization": f"Bearer {plain}"}


@pytest.mark.parametrize("role", ROLES)
def test_organisation_a_sees_nothing_of_organisation_bs_own_records(app, client, login, db_session, world, role):
    person, api_headers = _sign_in(client, login, db_session, role)
    assert person[1] == world.a_id != world.b_id
    wrong, checked = walk(app, client, world, role, person, api_headers)
    assert wrong == [], "\n".join(wrong)
    assert checked > len(ACCESS)
    assert _b_unchanged(world) == []


def test_every_route_has_an_organisation_line(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if not _is_static(rule.endpoint)}
    assert sorted(endpoints - set(ORGANISATION)) == [], "routes without an organisation line in access_table.py"
    assert sorted(set(ORGANISATION) - endpoints) == []
    assert set(ORGANISATION.values()) <= {OWN, SHARED, EITHER, NONE}


def test_a_sees_its_own_and_the_shared_records(client, login, db_session, world):
    """The other side: the pages A opens do show A's own records and the shared ones (so the walk
    above does not pass merely because everything vanished)."""
    _sign_in(client, login, db_session, "admin")
    html = client.get(f"/providers/{world.shared['provider_id']}").get_data(as_text=True)
    assert A_CONTRACT in html and SHARED_MARKER in html


def test_the_audit_log_names_another_organisation_not_its_person(client, login, db_session, world):
    """B's person changed the shared licence: A's auditors read the event, made by B (the
    organisation's name), without B's person's name or address."""
    _sign_in(client, login, db_session, "supervisor")
    html = client.get(f"/audit/?entity_type=licences&entity_id={world.shared['licence_id']}").get_data(as_text=True)
    assert "Kontrollerad mot registret" in html
    assert B_NAME in html
    assert B_MARKERS["user_email"] not in html and B_MARKERS["user_name"] not in html
    csv = client.get(f"/audit/export.csv?entity_type=licences&entity_id={world.shared['licence_id']}")
    assert B_NAME in csv.get_data(as_text=True)


def test_the_walk_fails_without_the_filter(app, client, login, db_session, world, monkeypatch):
    """With the organisation boundary switched off — every request acting for the whole
    installation, so neither the ORM filter, nor the audit log's, nor PostgreSQL's row-level
    security (which follows the same scope) holds — the same walk finds B's records: it can fail
    when a view forgets the boundary."""
    person, api_headers = _sign_in(client, login, db_session, "admin")
    monkeypatch.setattr(tenancy, "current_scope", lambda: tenancy.ALL)
    wrong, _checked = walk(app, client, world, "admin", person, api_headers)
    monkeypatch.undo()
    assert any("(contracts.edit, own)" in line for line in wrong), wrong
    assert any("(admin.user, own)" in line for line in wrong)
    assert any("(api_tokens.revoke_token, own)" in line for line in wrong)
    assert any("shows organisation B's" in line for line in wrong)


def test_an_admin_creates_users_in_their_own_organisation(client, login, db_session):
    """Never from a form field: a forged organisation is ignored."""
    from tests.factories import make_organisation
    from vendor_registry.auth.models import User

    first = tenancy.default_organisation_id()
    other = make_organisation("Ystads kommun ZQXO")
    admin = make_user(role="admin", organisation=other)
    db_session.commit()
    other_id, email = other.id, admin.email
    db_session.expunge_all()
    client.post("/login", data={"email": email, "password": DEFAULT_PASSWORD})
    response = client.post("/admin/users/new", data={
        "email": "ny.person@ystad.example", "name": "Ny Person", "role": "social_worker",
        "password": "ett-langt-losenord-2026", "organisation_id": str(first)})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    with tenancy.across_organisations():
        created = db.session.scalar(select(User).where(User.email == "ny.person@ystad.example"))
        assert created.organisation_id == other_id
    listed = client.get("/admin/users").get_data(as_text=True)
    assert "ny.person@ystad.example" in listed and email in listed


def test_a_token_belongs_to_its_owners_organisation(db_session):
    """Also when the command line (the whole installation) creates it."""
    from tests.factories import make_organisation

    other = make_organisation()
    owner = make_user(organisation=other)
    token, _plain = tokens.create_token(owner, "integration")
    assert tenancy.current_scope() == tenancy.ALL
    assert token.organisation_id == other.id


def test_start_page_numbers_count_only_own_and_shared_records(app, world):
    """The numbers have no text to leak, so they are counted here: B's contract ending in ten
    days is in B's number of contracts ending, not in A's; B's person's notice is in nobody's
    badge but B's person's."""
    from vendor_registry.auth.models import User
    from vendor_registry.dashboard import queries
    from vendor_registry.flags.whats_new import badge_count

    counts = {}
    for name, organisation_id in (("A", world.a_id), ("B", world.b_id)):
        with app.test_request_context("/"), tenancy.within_organisation(organisation_id):
            db.session.expunge_all()
            counts[name] = queries.ending_tile("contracts", 30).count
    assert counts == {"A": 0, "B": 1}
    with app.test_request_context("/"), tenancy.within_organisation(world.b_id):
        db.session.expunge_all()
        assert badge_count(db.session.get(User, world.own_b["user_id"])) >= 1


def test_a_token_row_added_directly_gets_its_owners_organisation(db_session):
    from tests.factories import make_organisation
    from vendor_registry.auth.models import ApiToken

    other = make_organisation()
    owner = make_user(organisation=other)
    token = ApiToken(user_id=owner.id, name="skript", token_hash="c" * 64, prefix="vr_c")
    db.session.add(token)
    db.session.flush()  # the whole installation acts (a script): the stamp would say the first organisation
    assert token.organisation_id == other.id != tenancy.default_organisation_id()

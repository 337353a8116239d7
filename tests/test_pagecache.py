"""Kept pages (``pagecache``) and the data stamp that guards them (``datastamp``), with real
commits: the suite's usual rolled-back transaction never commits, so it never moves the stamp
(and ``datastamp.current`` then refuses to vouch for anything, which the last tests show)."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import text

from tests.conftest import (
    BACKENDS,
    FreshRequestClient,
    count_statements,
    drop_database,
    fresh_database_url,
    make_test_app,
)
from tests.factories import (
    DEFAULT_PASSWORD,
    make_organisation,
    make_provider,
    make_user,
)
from vendor_registry import clock, datastamp, pagecache
from vendor_registry.auth import tokens
from vendor_registry.codes import ProviderStatus
from vendor_registry.extensions import db
from vendor_registry.jobs.models import JobRun, JobRunStatus


@pytest.fixture(scope="module", params=BACKENDS)
def kept_app(request, tmp_path_factory):
    from flask_migrate import upgrade

    tmp = tmp_path_factory.mktemp(f"pagecache-{request.param}")
    url = fresh_database_url(request.param, tmp)
    application = make_test_app(url, tmp / "instance", WTF_CSRF_ENABLED=True)
    application.test_client_class = FreshRequestClient  # no person left in ``g`` between clients
    with application.app_context():
        upgrade(revision="heads")
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()
    drop_database(url)


@pytest.fixture
def app_ctx(kept_app):
    with kept_app.app_context():
        pagecache.store().clear()
        yield kept_app
        db.session.remove()


def _committed(factory, *args, **kw):
    made = factory(*args, **kw)
    db.session.commit()
    return made


def _signed_in(app, user):
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"email": user.email, "password": DEFAULT_PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    client.get(response.location)  # the welcome message shown, as in a browser
    return client


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _stamp() -> int:
    db.session.rollback()
    return db.session.execute(text("SELECT value FROM data_stamps WHERE id = 1")).scalar()


def test_a_second_look_is_served_from_the_kept_page_with_far_fewer_statements(app_ctx):
    provider = _committed(make_provider, name="Behållen sida AB")
    client = _signed_in(app_ctx, _committed(make_user, role="supervisor"))
    pages = pagecache.store()
    with count_statements(db.engine) as first:
        html = client.get("/providers/?q=Behållen").get_data(as_text=True)
    hits = pages.hits
    with count_statements(db.engine) as second:
        again = client.get("/providers/?q=Behållen").get_data(as_text=True)
    assert pages.hits == hits + 1
    assert provider.name in again and again == html
    assert len(second) <= 3 < len(first)  # the person, the stamp (and no page queries)


def test_every_kind_of_committed_write_shows_at_once(app_ctx):
    provider = _committed(make_provider, name="Första namnet AB")
    client = _signed_in(app_ctx, _committed(make_user, role="procurement_officer"))
    path = f"/providers/{provider.id}"
    assert "Första namnet AB" in client.get(path).get_data(as_text=True)

    # a form, as the person
    page = client.get(f"{path}/edit").get_data(as_text=True)
    form = {"org_number": provider.org_number, "name": "Andra namnet AB", "kinds": provider.kinds,
            "ownership": provider.ownership.value, "county": provider.county,
            "version": re.search(r'name="version"[^>]*value="(\d+)"', page).group(1), "csrf_token": _csrf(page)}
    assert client.post(f"{path}/edit", data=form).status_code == 302
    html = client.get(path).get_data(as_text=True)
    assert "Andra namnet AB" in html and "Första namnet AB" not in html

    # a Core statement, as a job or the command line would
    db.session.execute(text("UPDATE providers SET name = 'Tredje namnet AB' WHERE id = :id"), {"id": provider.id})
    db.session.commit()
    assert "Tredje namnet AB" in client.get(path).get_data(as_text=True)

    # a raw driver statement on the session's connection (the flags' bulk writer does this)
    db.session.connection().exec_driver_sql(
        f"UPDATE providers SET name = 'Fjärde namnet AB' WHERE id = {int(provider.id)}")
    db.session.commit()
    assert "Fjärde namnet AB" in client.get(path).get_data(as_text=True)


def test_another_organisations_change_to_a_shared_record_shows_and_own_approvals_stay_apart(app_ctx):
    provider = _committed(make_provider, name="Delad utförare AB", status=ProviderStatus.APPROVED)
    here = _signed_in(app_ctx, _committed(make_user, role="supervisor"))
    there_org = _committed(make_organisation, "Annan kommun")
    there = _signed_in(app_ctx, _committed(make_user, role="supervisor", organisation=there_org))
    path = f"/providers/{provider.id}"
    mine = here.get(path).get_data(as_text=True)
    theirs = there.get(path).get_data(as_text=True)
    assert "Godkänd" in mine and "Godkänd" not in theirs  # approval is per organisation

    db.session.execute(text("UPDATE providers SET municipality = 'Ny ort' WHERE id = :id"), {"id": provider.id})
    db.session.commit()
    assert "Ny ort" in here.get(path).get_data(as_text=True)
    assert "Ny ort" in there.get(path).get_data(as_text=True)


def test_the_kept_page_carries_the_current_sessions_csrf_token(app_ctx):
    _committed(make_provider)
    user = _committed(make_user, role="supervisor")
    first = _signed_in(app_ctx, user)
    second = _signed_in(app_ctx, user)  # the same person in another browser
    first.get("/flags/")
    hits = pagecache.store().hits
    html = second.get("/flags/").get_data(as_text=True)
    assert pagecache.store().hits == hits + 1
    token = _csrf(html)
    assert "csrf-mark" not in html
    # the token is this session's: the language form posts with it
    response = second.post("/language", data={"locale": "en", "next": "/flags/", "csrf_token": token})
    assert response.status_code == 302


def test_a_new_minute_renders_afresh_and_waiting_messages_are_never_skipped(app_ctx, monkeypatch):
    _committed(make_provider)
    client = _signed_in(app_ctx, _committed(make_user, role="supervisor"))
    client.get("/providers/")
    misses = pagecache.store().misses
    later = clock.utcnow() + timedelta(minutes=1)
    monkeypatch.setattr(clock, "utcnow", lambda: later)
    client.get("/providers/")
    assert pagecache.store().misses == misses + 1

    with client.session_transaction() as session:
        session["_flashes"] = [("success", "Meddelandet som väntar")]
    assert "Meddelandet som väntar" in client.get("/providers/").get_data(as_text=True)
    assert "Meddelandet som väntar" not in client.get("/providers/").get_data(as_text=True)


def test_api_answers_are_kept_per_token(app_ctx):
    provider = _committed(make_provider, name="Api-utförare AB")
    other_org = _committed(make_organisation, "Tokenkommun")
    mine = _committed(make_user, role="supervisor")
    theirs = _committed(make_user, role="supervisor", organisation=other_org)
    _t, plain_mine = tokens.create_token(mine, "mine")
    _t, plain_theirs = tokens.create_token(theirs, "theirs")
    db.session.commit()
    client = app_ctx.test_client()
    path = f"/api/v1/providers/{provider.org_number}"
    first = client.get(path, headers={"Authorization": f"Bearer {plain_mine}"}).get_json()
    assert first["status"] == "approved"
    hits = pagecache.store().hits
    other = client.get(path, headers={"Authorization": f"Bearer {plain_theirs}"}).get_json()
    assert pagecache.store().hits == hits  # not the first token's answer
    assert other["status"] != "approved"


def test_writes_that_change_nothing_or_only_job_bookkeeping_keep_the_stamp(app_ctx):
    provider = _committed(make_provider)
    before = _stamp()
    db.session.execute(text("UPDATE providers SET name = 'x' WHERE id = -1"))
    db.session.commit()
    assert _stamp() == before
    db.session.add(JobRun(job="check_sweep", run_key="pagecache-test", trigger="manual",
                          status=JobRunStatus.REQUESTED, started_at=clock.utcnow()))
    db.session.commit()
    assert _stamp() == before
    db.session.execute(text("UPDATE providers SET name = 'Ändrad AB' WHERE id = :id"), {"id": provider.id})
    db.session.commit()
    assert _stamp() == before + 1
    db.session.execute(text("UPDATE providers SET name = 'Återställd AB' WHERE id = :id"), {"id": provider.id})
    db.session.rollback()
    assert _stamp() == before + 1


def test_the_stamp_does_not_vouch_for_a_transaction_with_its_own_uncommitted_writes(app_ctx):
    _committed(make_provider)
    assert datastamp.current(db.session) is not None
    make_provider()
    db.session.execute(text("UPDATE providers SET capacity = capacity"))
    assert datastamp.current(db.session) is None
    db.session.rollback()
    assert datastamp.current(db.session) is not None


def test_off_when_no_bytes_are_given(tmp_path):
    application = make_test_app(f"sqlite:///{tmp_path / 'off.db'}", tmp_path / "i", PAGE_CACHE_BYTES=0)
    with application.app_context():
        assert pagecache.store() is None


@pytest.mark.parametrize("statement, writes", [
    ("SELECT 1", False),
    ("INSERT INTO providers (name) VALUES ('x')", True),
    ("  update \"providers\" SET name = 'x'", True),
    ("DELETE FROM flags WHERE id = 1", True),
    ("INSERT OR REPLACE INTO contracts VALUES (1)", True),
    ("WITH x AS (SELECT 1) UPDATE flags SET status = 'open'", True),
    ("WITH x AS (SELECT 1) SELECT * FROM x", False),
    ("UPDATE job_runs SET heartbeat_at = now()", False),
    ("CREATE TABLE t (id int)", False),
    ("SELECT set_config('app.organisation', 'all', true)", False),
])
def test_what_counts_as_a_write(statement, writes):
    assert datastamp.writes(statement) is writes



def _counties_match() -> set[int]:
    from vendor_registry.codes import RequirementKind
    from vendor_registry.demand.queries import match_requirements
    from vendor_registry.demand.requirements import Req

    result = match_requirements([Req(str(RequirementKind.SERVES_COUNTY), "14", True)])
    return {item.provider.id for item in (*result.included, *result.excluded) if item.outcomes[0].met}


def test_match_facts_are_kept_between_matches_until_a_write_a_new_minute_or_another_organisation(
        app_ctx, monkeypatch):
    from vendor_registry.demand import snapshot_store
    from vendor_registry.organisations import tenancy

    snapshot_store.forget()
    provider = _committed(make_provider, counties_served=["01"])
    other = _committed(make_organisation, "Matchkommun").id
    sets = snapshot_store._sets()
    with tenancy.within_organisation(tenancy.default_organisation_id()):
        assert provider.id not in _counties_match()
        loads, hits = sets.loads, sets.hits
        assert provider.id not in _counties_match()
        assert (sets.loads, sets.hits) == (loads, hits + 1)  # the same facts, not read again

        db.session.execute(text("UPDATE providers SET counties_served = '|01|14|' WHERE id = :id"),
                           {"id": provider.id})
        db.session.commit()
        assert provider.id in _counties_match()  # the write moved the stamp: read afresh
        assert sets.loads == loads + 1

        later = clock.utcnow() + timedelta(minutes=1)
        monkeypatch.setattr(clock, "utcnow", lambda: later)
        _counties_match()
        assert sets.loads == loads + 2
    with tenancy.within_organisation(other):
        _counties_match()
        assert sets.loads == loads + 3  # another organisation's approvals and prices: its own set

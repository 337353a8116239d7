"""The per-client-address sign-in limit in Redis is shared by every process (two app instances
stand in for two workers), as the API limit is; in memory it is per process. Uses the private
``redis-server`` fixture of tests/api/test_rate_limit.py (skipped without the binary, except in CI)."""
from __future__ import annotations

import uuid

from tests.api.test_rate_limit import database, redis_url  # noqa: F401 (fixtures)
from tests.conftest import make_test_app
from vendor_registry.extensions import db


def _app(tmp_path, name, database_url, storage):
    return make_test_app(database_url, tmp_path / f"inst-{name}", RATELIMIT_STORAGE_URI=storage,
                         RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex[:8]}", LOGIN_ADDRESS_LIMIT="3 per 15 minutes")


def _statuses(clients):
    return [client.post("/login", data={"email": f"gissning{n}@example.org", "password": "fel-lösenord-123"},
                        environ_base={"REMOTE_ADDR": "198.51.100.7"}).status_code
            for n, client in enumerate(clients)]


def test_redis_address_counts_are_shared_between_processes(tmp_path, database, redis_url):  # noqa: F811
    one = _app(tmp_path, "r1", database, redis_url)
    two = _app(tmp_path, "r2", database, redis_url)
    two.config["RATELIMIT_KEY_PREFIX"] = one.config["RATELIMIT_KEY_PREFIX"]
    a, b = one.test_client(), two.test_client()
    assert _statuses([a, b, a, b]) == [422, 422, 422, 429]
    m1, m2 = _app(tmp_path, "m1", database, "memory://"), _app(tmp_path, "m2", database, "memory://")
    c1, c2 = m1.test_client(), m2.test_client()
    assert _statuses([c1, c2, c1, c2]) == [422] * 4
    for app in (one, two, m1, m2):
        with app.app_context():
            db.engine.dispose()

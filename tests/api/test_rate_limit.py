"""Rate limit per token with X-RateLimit-* headers and a problem+json 429; memory storage is per
process, Redis storage is shared by every process (two app instances stand in for two workers).

The Redis test starts its own ``redis-server`` on a free loopback port (no persistence), so it
needs the binary, not a running service; CI (``CI`` set) fails rather than skips without it.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import uuid

import pytest
import redis
from flask_migrate import upgrade

from tests.api.conftest import assert_problem
from tests.conftest import make_test_app
from tests.factories import make_user
from vendor_registry.auth import tokens
from vendor_registry.extensions import db


def _app(tmp_path, name, database, **config):
    return make_test_app(database, tmp_path / f"inst-{name}", API_RATE_LIMIT="3 per minute", **config)


def _token(app, role="social_worker"):
    with app.app_context():
        user = make_user(role=role)
        _token, plain = tokens.create_token(user, "rate")
        db.session.commit()
    return {"Authorization": f"Bearer {plain}"}


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def redis_url(tmp_path):
    """A private redis-server for this test, stopped afterwards."""
    binary = shutil.which("redis-server")
    if binary is None:
        message = "redis-server is not installed (apt-get install redis-server); .ci/run installs it"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    port = _free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(tmp_path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                redis.Redis.from_url(url).ping()
                break
            except redis.exceptions.ConnectionError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"redis-server did not start on port {port}")
                time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def database(tmp_path):
    url = f"sqlite:///{tmp_path}/rate.db"
    app = make_test_app(url, tmp_path / "inst-migrate")
    with app.app_context():
        upgrade(revision="heads")
        db.engine.dispose()
    return url


def test_memory_limit_per_token_with_headers_and_problem_429(tmp_path, database):
    app = _app(tmp_path, "mem", database, RATELIMIT_STORAGE_URI="memory://")
    first, second = _token(app), _token(app)
    client = app.test_client()
    remaining = []
    for _ in range(3):
        response = client.get("/api/v1/providers", headers=first)
        assert response.status_code == 200
        assert response.headers["X-RateLimit-Limit"] == "3"
        remaining.append(int(response.headers["X-RateLimit-Remaining"]))
        assert int(response.headers["X-RateLimit-Reset"]) > 0
    assert remaining == [2, 1, 0]
    limited = client.get("/api/v1/providers", headers=first)
    body = assert_problem(limited, 429)
    assert body["title"] == "För många förfrågningar" and body["detail"]
    assert int(limited.headers["Retry-After"]) > 0
    # another token has its own budget
    assert client.get("/api/v1/providers", headers=second).status_code == 200
    with app.app_context():
        db.engine.dispose()


def test_without_a_token_the_limit_is_per_address(tmp_path, database):
    app = _app(tmp_path, "addr", database, RATELIMIT_STORAGE_URI="memory://")
    client = app.test_client()
    statuses = [client.get("/api/v1/providers", environ_base={"REMOTE_ADDR": "10.0.0.1"}).status_code
                for _ in range(4)]
    assert statuses == [401, 401, 401, 429]
    assert client.get("/api/v1/providers", environ_base={"REMOTE_ADDR": "10.0.0.2"}).status_code == 401
    # pages outside the API are not limited
    assert all(client.get("/login").status_code == 200 for _ in range(5))
    with app.app_context():
        db.engine.dispose()


def test_redis_storage_is_shared_between_processes(tmp_path, database, redis_url):
    prefix = f"test-{uuid.uuid4().hex[:8]}"
    one = _app(tmp_path, "r1", database, RATELIMIT_STORAGE_URI=redis_url, RATELIMIT_KEY_PREFIX=prefix)
    two = _app(tmp_path, "r2", database, RATELIMIT_STORAGE_URI=redis_url, RATELIMIT_KEY_PREFIX=prefix)
    headers = _token(one)
    a, b = one.test_client(), two.test_client()
    statuses = [client.get("/api/v1/providers", headers=headers).status_code for client in (a, b, a, b)]
    assert statuses == [200, 200, 200, 429]
    # memory storage, by contrast, counts per process
    m1 = _app(tmp_path, "m1", database, RATELIMIT_STORAGE_URI="memory://")
    m2 = _app(tmp_path, "m2", database, RATELIMIT_STORAGE_URI="memory://")
    c1, c2 = m1.test_client(), m2.test_client()
    assert [c.get("/api/v1/providers", headers=headers).status_code for c in (c1, c2, c1, c2)] == [200] * 4
    for app in (one, two, m1, m2):
        with app.app_context():
            db.engine.dispose()

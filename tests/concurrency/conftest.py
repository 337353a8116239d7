"""A real server over loopback for the concurrency tests: the app on its own committed database
(SQLite file, or a fresh PostgreSQL database when TEST_DATABASE_URL is set), served by
werkzeug's threaded server, so parallel ``requests`` sessions really overlap in the database.

Each test gets its own database: these tests commit, and what one leaves behind (sign-ins, an
applied extract) must not be seen by the next.
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.conftest import BACKENDS, drop_database, served_over_loopback
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.jobs.conftest import build_app
from vendor_registry.extensions import db


@dataclass
class Served:
    url: str
    app: Any
    backend: str

    def __call__(self, path: str) -> str:
        return self.url + path

    def session_for(self, email: str, password: str = DEFAULT_PASSWORD) -> requests.Session:
        """A logged-in browser-like session (its own cookie jar and connection)."""
        session = requests.Session()
        response = session.post(self("/login"), data={"email": email, "password": password},
                                allow_redirects=False, timeout=60)
        assert response.status_code == 302, response.text[:500]
        return session

    def add_user(self, role: str) -> str:
        with self.app.app_context():
            email = make_user(role=role).email
            db.session.commit()
            db.session.remove()
        return email


@contextmanager
def serve(backend: str, tmp_path: Path, **config: Any) -> Iterator[Served]:
    """The app on a fresh migrated database, served over loopback by a threaded server."""
    app, url = build_app(backend, tmp_path, EVIDENCE_STORAGE_DIR=str(tmp_path / "evidence"), **config)
    try:
        with served_over_loopback(app, "concurrency-server") as base:
            yield Served(base, app, backend)
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        drop_database(url)


@pytest.fixture(params=BACKENDS)
def served(request, tmp_path) -> Iterator[Served]:
    with serve(request.param, tmp_path) as live:
        yield live


def load_users_module():
    """``benchmarks/load_users.py`` (not a package): its simulated people and form filling."""
    import importlib.util
    import sys

    folder = Path(__file__).resolve().parents[2] / "benchmarks"
    if "load_users" not in sys.modules:
        sys.path.insert(0, str(folder))
        spec = importlib.util.spec_from_file_location("load_users", folder / "load_users.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules["load_users"] = module  # dataclasses look their module up there
        spec.loader.exec_module(module)
    return sys.modules["load_users"]


def in_parallel(count: int, work: Callable[[int], Any]) -> list[Any]:
    """Run ``work(i)`` for i in range(count) on ``count`` threads released together."""
    barrier = threading.Barrier(count)

    def _run(i: int) -> Any:
        barrier.wait(timeout=60)
        return work(i)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(_run, range(count)))

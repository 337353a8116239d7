"""``flask checks run-due`` killed with SIGKILL half-way, then started again.

A real subprocess against a file database (SQLite, and PostgreSQL when configured) and a
local IVO register that stalls after a few answers. After the restart every due provider
must have exactly one check on record: nothing lost, nothing done twice.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from flask_migrate import upgrade
from pytest_httpserver import HTTPServer
from sqlalchemy import func, select
from werkzeug import Request, Response

from tests.background_checks.conftest import IVO_PATH, ivo_page, serve_robots
from tests.conftest import BACKENDS, drop_database, fresh_database_url, make_test_app
from tests.factories import make_licence, make_provider
from vendor_registry.background_checks.models import BackgroundCheck
from vendor_registry.extensions import db
from vendor_registry.providers.models import Provider

ROOT = Path(__file__).resolve().parents[2]
PROVIDERS = 6
ANSWER_BEFORE_STALL = 3
TEMPLATE = ivo_page("valid.html")


class StallingRegister:
    """Answers the first few page requests, then holds every further one until released."""

    def __init__(self, server: HTTPServer, names: dict[str, str]):
        self.names = names
        self.served = 0
        self.lock = threading.Lock()
        self.stalled = threading.Event()
        self.release = threading.Event()
        serve_robots(server)
        server.expect_request(IVO_PATH).respond_with_handler(self.handle)

    def handle(self, request: Request) -> Response:
        with self.lock:
            self.served += 1
            number = self.served
        if number > ANSWER_BEFORE_STALL and not self.release.is_set():
            self.stalled.set()
            self.release.wait(30)
        orgnr = request.args["orgnr"]
        digits = orgnr.replace("-", "")
        page = TEMPLATE.replace("559300-0127", orgnr).replace("Solgläntan Omsorg AB", self.names[digits])
        return Response(page, content_type="text/html; charset=utf-8")


def _run_due(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "vendor_registry", "checks", "run-due"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _count_by_provider(app) -> dict[str, int]:
    """Checks on record per organisation number."""
    with app.app_context():
        rows = db.session.execute(select(Provider.org_number, func.count())
                                  .select_from(BackgroundCheck).join(Provider, Provider.id == BackgroundCheck.provider_id)
                                  .group_by(Provider.org_number)).all()
        db.session.remove()
    return dict(rows)


@pytest.fixture(params=BACKENDS)
def file_database(request, tmp_path):
    url = fresh_database_url(request.param, tmp_path)
    app = make_test_app(url, tmp_path / "instance")
    with app.app_context():
        upgrade(revision="heads")
        names = {}
        for n in range(PROVIDERS):
            provider = make_provider(name=f"Solgläntan Omsorg {n} AB", kinds=["hvb"])
            make_licence(provider, kind="hvb", ivo_reference="3.5.1-10234/2019", status="valid")
            names[provider.org_number] = provider.name
        db.session.commit()
        ids = set(db.session.scalars(select(BackgroundCheck.provider_id)))
        assert not ids
        db.session.remove()
    yield app, url, names
    with app.app_context():
        db.engine.dispose()
    drop_database(url)


def test_killed_run_due_resumes_without_loss_or_repeat(file_database, tmp_path, threaded_server):
    app, url, names = file_database
    register = StallingRegister(threaded_server, names)
    env = {**os.environ, "APP_ENV": "testing", "DATABASE_URL": url,
           "INSTANCE_PATH": str(tmp_path / "instance"), "EVIDENCE_STORAGE_DIR": str(tmp_path / "evidence"),
           "IVO_REGISTER_URL": threaded_server.url_for(IVO_PATH) + "?orgnr={org_number_formatted}",
           "IVO_REGISTER_REQUESTS_PER_MINUTE": "60000", "CHECKS_READ_TIMEOUT": "60",
           "CHECKS_BACKOFF": "0.01", "PYTHONUNBUFFERED": "1"}
    for key in ("BOLAGSVERKET_API_URL", "BOLAGSVERKET_TOKEN_URL", "BOLAGSVERKET_CLIENT_ID",
                "BOLAGSVERKET_CLIENT_SECRET"):
        env.pop(key, None)

    first = _run_due(env)
    try:
        assert register.stalled.wait(60), first.communicate(timeout=5)
        deadline = time.monotonic() + 20
        while sum(_count_by_provider(app).values()) < ANSWER_BEFORE_STALL and time.monotonic() < deadline:
            time.sleep(0.05)
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode == -signal.SIGKILL
    done_before_kill = _count_by_provider(app)
    assert sum(done_before_kill.values()) == ANSWER_BEFORE_STALL
    assert set(done_before_kill.values()) == {1}

    register.release.set()
    second = _run_due(env)
    out, err = second.communicate(timeout=120)
    assert second.returncode == 0, err
    lines = [line.split("\t") for line in out.splitlines() if line.strip()]
    assert len(lines) == PROVIDERS - ANSWER_BEFORE_STALL, out
    assert {line[0] for line in lines} == set(names) - set(done_before_kill)
    assert all(line[1] == "ivo_register" and line[2] == "pass" for line in lines), out

    final = _count_by_provider(app)
    assert len(final) == PROVIDERS and set(final.values()) == {1}, final

    third = _run_due(env)
    out, err = third.communicate(timeout=60)
    assert third.returncode == 0 and out.strip() == "", (out, err)
    assert _count_by_provider(app) == final

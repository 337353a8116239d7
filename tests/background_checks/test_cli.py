"""``flask checks run`` / ``run-due``: the output contract and the exit status."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from tests.background_checks.conftest import IVO_PATH, ivo_page, serve_robots
from vendor_registry.background_checks.models import BackgroundCheck
from vendor_registry.extensions import db

LINE = re.compile(r"^(\d{10})\t([a-z_]+)\t(pass|concern|fail|error|not_configured)\t(.+)$")


def _lines(output: str) -> list[re.Match]:
    lines = [line for line in output.splitlines() if line.strip()]
    matches = [LINE.match(line) for line in lines]
    assert all(matches), lines
    return matches


def test_run_one_provider_output_format(app, sources, solglantan, httpserver):
    provider, _licence = solglantan
    serve_robots(httpserver)
    httpserver.expect_request(IVO_PATH).respond_with_data(ivo_page("valid.html"), content_type="text/html")
    sources.ivo(httpserver)
    result = app.test_cli_runner().invoke(args=["checks", "run", "--provider", "559300-0127"])
    assert result.exit_code == 0, result.output
    found = {m.group(2): m for m in _lines(result.stdout)}
    assert found["ivo_register"].group(1) == "5593000127"
    assert found["ivo_register"].group(3) == "pass"
    assert found["company_registry"].group(3) == "not_configured"
    assert found["company_registry"].group(4) == "Inte konfigurerad"
    # not configured records nothing; the IVO check is on record, made by the CLI
    checks = list(db.session.scalars(select(BackgroundCheck).where(BackgroundCheck.provider_id == provider.id)))
    assert [c.check_type.value for c in checks] == ["ivo_register"]
    assert checks[0].performed_by_label == "cli"


def test_run_due_error_is_an_outcome_not_a_failure(app, sources, solglantan, havsbris, closed_port_url):
    sources.ivo(closed_port_url)
    result = app.test_cli_runner().invoke(args=["checks", "run-due"])
    assert result.exit_code == 0, result.output
    ours = {"5593000127", "5593000242"}
    lines = [m for m in _lines(result.stdout) if m.group(1) in ours]
    assert {(m.group(1), m.group(2), m.group(3)) for m in lines} == {
        ("5593000127", "ivo_register", "error"), ("5593000242", "ivo_register", "error")}
    assert all(m.group(4).strip() for m in lines)
    assert "not_configured=" in result.stderr  # company registry unset
    # run again the same day: nothing is due any more, nothing is repeated
    again = app.test_cli_runner().invoke(args=["checks", "run-due"])
    assert again.exit_code == 0 and again.stdout.strip() == ""
    ids = [solglantan[0].id, havsbris[0].id]
    assert db.session.scalar(select(func.count()).select_from(BackgroundCheck)
                             .where(BackgroundCheck.provider_id.in_(ids))) == 2


def test_unknown_provider_is_a_command_failure(app, sources, db_session):
    result = app.test_cli_runner().invoke(args=["checks", "run", "--provider", "5593000127"])
    assert result.exit_code != 0
    assert "no provider" in result.stderr

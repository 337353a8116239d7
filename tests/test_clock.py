"""One notion of "today": Europe/Stockholm, from vendor_registry.clock, everywhere."""
import ast
from datetime import UTC, date, datetime
from pathlib import Path

from vendor_registry import clock

PACKAGE = Path(__file__).resolve().parents[1] / "vendor_registry"


def _is_utc_now(node: ast.AST) -> bool:
    """``utcnow()`` / ``clock.utcnow()`` / ``datetime.now(UTC)``."""
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
    return name in {"utcnow", "now"}


def _server_local_today_calls(source: str) -> list[int]:
    """Lines calling ``date.today()`` / ``datetime.today()`` / naive ``datetime.now()``."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        owner = node.func.value
        name = owner.id if isinstance(owner, ast.Name) else getattr(owner, "attr", None)
        if name in {"date", "datetime"} and node.func.attr == "today":
            lines.append(node.lineno)
        if name == "datetime" and node.func.attr == "now" and not node.args and not node.keywords:
            lines.append(node.lineno)
        if node.func.attr == "date" and not node.args and _is_utc_now(owner):
            lines.append(node.lineno)  # the UTC date, a day behind Stockholm after its midnight
    return lines


def test_the_package_never_asks_the_server_for_its_local_date():
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        for line in _server_local_today_calls(path.read_text(encoding="utf-8")):
            offenders.append(f"{path.relative_to(PACKAGE.parent)}:{line}")
    assert offenders == [], f"use vendor_registry.clock.today(): {offenders}"


def test_the_lint_sees_a_server_local_call():
    assert _server_local_today_calls("from datetime import date\nx = date.today()\n") == [2]
    assert _server_local_today_calls("import datetime\nx = datetime.date.today()\n") == [2]
    assert _server_local_today_calls("from datetime import datetime\nx = datetime.now()\n") == [2]
    assert _server_local_today_calls("from datetime import datetime, UTC\nx = datetime.now(UTC)\n") == []
    assert _server_local_today_calls("x = utcnow().date()\ny = datetime.now(UTC).date()\n") == [1, 2]
    assert _server_local_today_calls("x = clock.local_date(utcnow())\n") == []


def test_today_after_stockholm_midnight_is_the_next_day():
    # 23:30 UTC on 1 December is 00:30 on 2 December in Stockholm (CET, UTC+1).
    assert clock.today(datetime(2026, 12, 1, 23, 30, tzinfo=UTC)) == date(2026, 12, 2)
    # Summer time: 22:30 UTC on 30 June is 00:30 on 1 July (CEST, UTC+2).
    assert clock.today(datetime(2026, 6, 30, 22, 30, tzinfo=UTC)) == date(2026, 7, 1)
    assert clock.start_of_day(date(2026, 12, 2)) == datetime(2026, 12, 1, 23, 0, tzinfo=UTC)

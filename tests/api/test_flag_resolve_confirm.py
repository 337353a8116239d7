"""The API refuses to resolve a flag whose condition still holds unless the client confirms."""
from __future__ import annotations

from tests.api.conftest import assert_problem
from tests.flags.test_resolve_confirm import lapsed_flag
from vendor_registry.codes import FlagStatus
from vendor_registry.extensions import db
from vendor_registry.flags.models import Flag


def test_api_refuses_with_problem_unless_confirmed(client, db_session, headers_for):
    flag = lapsed_flag()
    supervisor = headers_for("supervisor")
    url = f"/api/v1/flags/{flag.id}/resolve"
    problem = assert_problem(client.post(url, headers=supervisor, json={"note": "Ringt.", "version": flag.version}),
                             422)
    assert problem["errors"][0]["field"] == "confirm"
    assert "gäller fortfarande" in problem["errors"][0]["message"]
    db.session.expire_all()
    assert db.session.get(Flag, flag.id).status is FlagStatus.OPEN
    done = client.post(url, headers=supervisor, json={"note": "Ringt.", "version": flag.version, "confirm": True})
    assert done.status_code == 200 and done.get_json()["status"] == "resolved"

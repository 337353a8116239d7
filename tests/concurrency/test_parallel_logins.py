"""Issue 17, item 2: parallel logins to one account never fail because of each other.

Found under load on PostgreSQL: 30 of 40 parallel logins answered 500 (``StaleDataError``),
because stamping ``last_login_at`` went through the ORM's optimistic-lock version check, and
every login but the first saw a version another login had just moved on. A login is not an
edit of the account: the stamp is bookkeeping and must not be version-checked.
"""
from __future__ import annotations

import requests
from sqlalchemy import func, select

from tests.concurrency.conftest import in_parallel
from tests.factories import DEFAULT_PASSWORD
from vendor_registry.auth.models import SignIn, User
from vendor_registry.extensions import db

LOGINS = 40


def test_forty_parallel_logins_to_one_account_all_succeed(served):
    email = served.add_user("social_worker")
    with served.app.app_context():
        version_before = db.session.scalar(select(User.version).where(User.email == email))
        db.session.remove()

    def _login(_i: int) -> int:
        with requests.Session() as session:
            return session.post(served("/login"), data={"email": email, "password": DEFAULT_PASSWORD},
                                allow_redirects=False, timeout=120).status_code

    statuses = in_parallel(LOGINS, _login)
    assert statuses == [302] * LOGINS, sorted(statuses)
    with served.app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        assert user.last_login_at is not None
        # a login is not an edit: other people's open edit forms of this account stay valid
        assert user.version == version_before
        assert db.session.scalar(select(func.count()).select_from(SignIn)
                                 .where(SignIn.email == email, SignIn.succeeded)) == LOGINS
        db.session.remove()

"""The notices page shows what is new for this person since they last looked, before any digest
has run, and the per-user marker moves only when they mark the notices as read."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from tests.dashboard.helpers import make_flag, soup
from tests.factories import make_provider, make_user
from vendor_registry.audit.models import AuditEvent
from vendor_registry.auth.models import User
from vendor_registry.codes import FlagRule, FlagSeverity
from vendor_registry.database import utcnow
from vendor_registry.extensions import db
from vendor_registry.flags import services


def _names(page, list_id: str) -> list[str]:
    found = page.find(id=list_id)
    return [a.get_text() for a in found.find_all("a")] if found else []


def test_open_critical_flags_are_news_without_any_digest(client, as_role):
    as_role("supervisor")
    make_flag(make_provider(name="Kritisk Ett AB"))
    make_flag(make_provider(name="Hög Två AB"), severity=FlagSeverity.HIGH)
    make_flag(make_provider(name="Låg Tre AB"), severity=FlagSeverity.LOW)
    db.session.commit()
    page = soup(client.get("/flags/notifications"))
    news = " ".join(_names(page, "new-urgent"))
    assert "Kritisk Ett AB" in news and "Hög Två AB" in news and "Låg Tre AB" not in news
    assert "Du har inga notiser" not in page.get_text()
    badge = page.find("nav").find(class_="badge")
    assert badge is not None and badge.get_text(" ", strip=True).startswith("2")


def test_marking_read_moves_the_marker_and_only_later_flags_are_new(client, as_role):
    user = as_role("supervisor")
    make_flag(make_provider(name="Gammal AB"))
    db.session.commit()
    before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    assert client.post("/flags/notifications/read").status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).notices_seen_at is not None
    # Looking is not a record change: the audit log does not grow.
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == before
    page = soup(client.get("/flags/notifications"))
    assert _names(page, "new-urgent") == [] and "Du har inga notiser" in page.get_text()
    make_flag(make_provider(name="Ny AB"), raised_at=utcnow() + timedelta(seconds=1))
    db.session.commit()
    assert [n.split(":")[0] for n in _names(soup(client.get("/flags/notifications")), "new-urgent")] == ["Ny AB"]


def test_flags_assigned_to_me_after_i_looked_are_new(client, as_role):
    me = as_role("supervisor")
    other = make_user("supervisor")
    mine = make_flag(make_provider(name="Tilldelad AB"), severity=FlagSeverity.MEDIUM)
    theirs = make_flag(make_provider(name="Annans AB"), severity=FlagSeverity.MEDIUM)
    db.session.commit()
    assert client.post("/flags/notifications/read").status_code == 302
    services.assign(mine, me.id, mine.version)
    services.assign(theirs, other.id, theirs.version)
    db.session.commit()
    page = soup(client.get("/flags/notifications"))
    assert [n.split(":")[0] for n in _names(page, "new-assigned")] == ["Tilldelad AB"]


def test_procurement_hears_only_about_check_rules(client, as_role):
    as_role("procurement_officer")
    make_flag(make_provider(name="Licens AB"))
    make_flag(make_provider(name="Kontroll AB"), rule=FlagRule.CHECK_FAILED)
    db.session.commit()
    news = " ".join(_names(soup(client.get("/flags/notifications")), "new-urgent"))
    assert "Kontroll AB" in news and "Licens AB" not in news

"""Digests over a real local SMTP server (aiosmtpd): a flag is announced once, to the right roles."""
from __future__ import annotations

import socket
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from tests.factories import make_licence, make_provider, make_user
from tests.flags.test_views import make_flag
from vendor_registry.audit.context import acting_as
from vendor_registry.codes import FlagRule, FlagSeverity, LicenceStatus
from vendor_registry.database import utcnow
from vendor_registry.extensions import db
from vendor_registry.flags import notify
from vendor_registry.flags.models import Flag, Notification
from vendor_registry.flags.rules import licences


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp(app, monkeypatch):
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", port)
    yield inbox
    controller.stop()


def _mail_for(inbox, email):
    return [msg for to, msg in inbox.messages if email in to]


def test_digest_announces_each_flag_once_to_the_right_people(db_session, smtp):
    supervisor = make_user(role="supervisor", email="chef@example.org")
    officer = make_user(role="procurement_officer", email="upphandlare@example.org")
    make_user(role="social_worker", email="soc@example.org")
    provider = make_provider(name="Tryggt Boende AB")
    lapsed = make_flag(provider=provider, message="Tillståndet har upphört.")
    failed = make_flag(provider=provider, rule=FlagRule.CHECK_FAILED, subject_key="check:insurance",
                       severity=FlagSeverity.HIGH, message="Kontrollen gav en anmärkning.")
    db.session.commit()

    counts = notify.send_digests()
    assert counts["mailed"] == 2 and counts["errors"] == 0
    [chef_mail] = _mail_for(smtp, "chef@example.org")
    body = chef_mail.get_content()
    assert "Tryggt Boende AB" in body and "Tillståndet har upphört." in body and "anmärkning" in body
    assert body.index("Tillståndet har upphört.") < body.index("anmärkning")  # critical first
    assert "Avvikelser i utförarregistret" in chef_mail["Subject"]
    [officer_mail] = _mail_for(smtp, "upphandlare@example.org")
    assert "anmärkning" in officer_mail.get_content() and "Tillståndet har upphört." not in officer_mail.get_content()
    assert not _mail_for(smtp, "soc@example.org")
    assert db.session.scalar(select(func.count()).select_from(Notification)
                             .where(Notification.user_id == supervisor.id)) == 2
    assert db.session.scalar(select(func.count()).select_from(Notification)
                             .where(Notification.user_id == officer.id)) == 1

    # The next day: nothing new, nothing sent.
    again = notify.send_digests()
    assert again["mailed"] == 0 and again["notifications"] == 0 and len(smtp.messages) == 2

    # An escalation is announced once more.
    db.session.expire_all()
    failed = db.session.get(Flag, failed.id)
    failed.severity, failed.escalated_at, failed.announced = FlagSeverity.CRITICAL, utcnow(), False
    db.session.commit()
    notify.send_digests()
    assert len(_mail_for(smtp, "chef@example.org")) == 2 and len(_mail_for(smtp, "upphandlare@example.org")) == 2
    notify.send_digests()
    assert len(smtp.messages) == 4
    assert lapsed.id


def test_new_rule_on_old_data_sends_no_flood(db_session, smtp, app):
    from vendor_registry.audit.context import job_actor
    from vendor_registry.flags import services

    make_user(role="supervisor", email="chef2@example.org")
    for _ in range(5):
        make_licence(make_provider(), status=LicenceStatus.REVOKED)
    db.session.commit()
    rules = {FlagRule.LICENCE_LAPSED: licences.licence_lapsed}
    with acting_as(job_actor("licence_sweep")):
        services.sweep(db.session, rules, settings=app.config)
    db.session.commit()
    assert notify.send_digests()["mailed"] == 0 and smtp.messages == []
    # A condition that appears after the first run is announced.
    make_licence(make_provider(name="Ny Brist AB"), status=LicenceStatus.EXPIRED)
    db.session.commit()
    with acting_as(job_actor("licence_sweep")):
        services.sweep(db.session, rules, settings=app.config, now=utcnow() + timedelta(seconds=1))
    db.session.commit()
    assert notify.send_digests()["mailed"] == 1
    [(_, mail)] = smtp.messages
    assert "Ny Brist AB" in mail.get_content()


def test_without_mail_server_digest_is_in_app_only(db_session, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SERVER", None)
    user = make_user(role="supervisor")
    make_flag()
    db.session.commit()
    counts = notify.send_digests()
    assert counts["mailed"] == 0 and counts["notifications"] == 1
    assert db.session.scalar(select(func.count()).select_from(Notification).where(Notification.user_id == user.id)) == 1


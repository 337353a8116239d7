"""Telling people about new flags: in-app notifications and a digest e-mail, once per flag.

Built once after the night's sweeps. A flag is announced when it is raised and again once if
its severity escalates (``Flag.announced`` goes back to False then); after that it is never
repeated. Each person gets only what is new since their previous digest (``last_digest_at``)
and relevant to their role. A rule's first run marks what it finds as already announced
(``reconcile``), so introducing a rule on old data sends no flood.

Why the commit happens before the mail is sent: a mail server failure must not roll back the
in-app notices, and a crash after sending must not send the same digest twice tomorrow; so a
digest is at most once by mail and always in the app.
"""
from __future__ import annotations

import logging
import smtplib
from collections.abc import Mapping
from datetime import datetime
from email.message import EmailMessage
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, insert, select, update

from vendor_registry.auth.models import User
from vendor_registry.codes import LIVE_FLAG_STATUSES, FlagRule, Role
from vendor_registry.database import utcnow
from vendor_registry.extensions import db
from vendor_registry.flags.models import Flag, Notification
from vendor_registry.labels import label
from vendor_registry.providers.models import Provider

log = logging.getLogger(__name__)

#: Which flags each role hears about; a role not listed hears about none.
ROLE_RULES: dict[Role, frozenset[FlagRule] | None] = {
    Role.SUPERVISOR: None,  # every rule
    Role.PROCUREMENT_OFFICER: frozenset({FlagRule.CHECK_OVERDUE, FlagRule.CHECK_FAILED, FlagRule.CHECK_ERROR}),
}


def relevant(role: Role, rule: FlagRule) -> bool:
    if role not in ROLE_RULES:
        return False
    rules = ROLE_RULES[role]
    return rules is None or rule in rules


def _announce_moment(flag: Any) -> datetime:
    return max(m for m in (flag.raised_at, flag.escalated_at) if m is not None)


def build_digests(now: datetime) -> tuple[dict[int, list[Any]], list[int], list[Any]]:
    """Per user id, the flags to announce; plus the ids of all flags announced now and the users."""
    flags = db.session.execute(
        select(Flag.id, Flag.provider_id, Flag.rule, Flag.severity, Flag.message, Flag.raised_at,
               Flag.escalated_at, Provider.name.label("provider_name"))
        .join(Provider, Provider.id == Flag.provider_id)
        .where(Flag.announced.is_(False), Flag.status.in_(LIVE_FLAG_STATUSES))
        .order_by(Flag.severity, Flag.raised_at)
    ).all()
    flags = sorted(flags, key=lambda f: (-f.severity.rank, f.raised_at))
    users = db.session.execute(
        select(User.id, User.email, User.name, User.role, User.last_digest_at, User.organisation_id)
        .where(User.active.is_(True), User.role.in_(list(ROLE_RULES)))
    ).all()
    per_user: dict[int, list[Any]] = {}
    for user in users:
        mine = [f for f in flags if relevant(user.role, f.rule)
                and (user.last_digest_at is None or _announce_moment(f) > user.last_digest_at)]
        if mine:
            per_user[user.id] = mine
    return per_user, [f.id for f in flags], users


def digest_text(user: Any, flags: list[Any], base_url: str) -> str:
    lines = [_("Hej %(name)s!", name=user.name), "",
             _("Nya eller skärpta avvikelser sedan förra sammanställningen (%(n)s st):", n=len(flags)), ""]
    for flag in flags:
        lines.append(f"- [{label(flag.severity)}] {flag.provider_name}: {label(flag.rule)}. {flag.message}")
    lines += ["", _("Se alla avvikelser: %(url)s", url=base_url.rstrip("/") + "/flags/")]
    return "\n".join(str(line) for line in lines)


def send_mail(config: Mapping[str, Any], to: str, subject: str, body: str) -> None:
    message = EmailMessage()
    message["From"] = config["MAIL_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    with smtplib.SMTP(config["MAIL_SERVER"], int(config["MAIL_PORT"]), timeout=30) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        smtp.send_message(message)


def send_digests(now: datetime | None = None) -> dict[str, int]:
    """Write the in-app notices, mark flags announced, commit; then mail each person's digest."""
    now = now or utcnow()
    config = current_app.config
    with force_locale("sv"):
        per_user, announced_ids, users = build_digests(now)
        organisation_of = {user.id: user.organisation_id for user in users}
        rows = [{"user_id": uid, "organisation_id": organisation_of[uid], "flag_id": f.id, "created_at": now,
                 "message": f"{f.provider_name}: {label(f.rule)}. {f.message}"}
                for uid, flags in per_user.items() for f in flags]
        if rows:
            db.session.execute(insert(Notification.__table__), rows)
        if announced_ids:
            db.session.execute(update(Flag.__table__).where(Flag.__table__.c.id.in_(announced_ids))
                               .values(announced=True))
        if users:
            db.session.execute(update(User.__table__).where(User.__table__.c.id.in_([u.id for u in users]))
                               .values(last_digest_at=now))
        db.session.commit()
        sent = errors = 0
        if config.get("MAIL_SERVER"):
            by_id = {u.id: u for u in users}
            for uid, flags in per_user.items():
                user = by_id[uid]
                try:
                    send_mail(config, user.email, _("Avvikelser i utförarregistret: %(n)s nya", n=len(flags)),
                              digest_text(user, flags, config["BASE_URL"]))
                    sent += 1
                except (OSError, smtplib.SMTPException):
                    log.exception("digest to %s could not be sent", user.email)
                    errors += 1
    return {"announced": len(announced_ids), "notifications": len(rows), "mailed": sent, "errors": errors}


def unread_count(user_id: int) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
    ) or 0


def mark_read(user_id: int) -> None:
    db.session.execute(update(Notification.__table__)
                       .where(Notification.__table__.c.user_id == user_id,
                              Notification.__table__.c.read_at.is_(None))
                       .values(read_at=utcnow()))




"""Flask-Login wiring: the session carries a rotatable token, not the user id."""
from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from vendor_registry.extensions import db, login_manager


def init_login(app: Flask) -> None:
    from vendor_registry.auth.models import User

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Logga in för att se sidan.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(session_token: str) -> User | None:
        user = db.session.execute(db.select(User).filter_by(session_token=session_token)).scalar_one_or_none()
        return user if user is not None and user.active else None

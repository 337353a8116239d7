"""Flask-Login wiring: the session carries a rotatable token, not the user id."""
from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l
from flask_login import user_logged_in

from vendor_registry.extensions import db, login_manager
from vendor_registry.organisations.tenancy import CROSS, enter_request_scope


def init_login(app: Flask) -> None:
    from vendor_registry.auth import tokens
    from vendor_registry.auth.models import User

    tokens.install()  # a token is its owner's organisation's
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Logga in för att se sidan.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @user_logged_in.connect_via(app)
    def scope_new_sign_in(_app: Flask, user: User) -> None:
        """A sign-in (password or single sign-on) acts within the person's organisation from
        the moment it succeeds, like every later request of the session."""
        enter_request_scope(user)

    @app.before_request
    def load_person_first() -> None:
        """Load the signed-in person before the view runs its first query, so that query is
        already filtered to the person's organisation (Flask-Login loads lazily otherwise)."""
        from flask import request
        from flask_login import current_user

        if request.endpoint != "static":
            current_user._get_current_object()

    @login_manager.user_loader
    def load_user(session_token: str) -> User | None:
        user = db.session.execute(db.select(User).filter_by(session_token=session_token),
                                  execution_options=CROSS).scalar_one_or_none()
        if user is None or not user.active:
            return None
        enter_request_scope(user)  # from here on the request sees its organisation's records
        return user

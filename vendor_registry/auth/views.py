"""Login, logout, language choice and the health check."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import text

from vendor_registry.auth import oidc, services
from vendor_registry.auth.forms import LanguageForm, LoginForm
from vendor_registry.auth.permissions import public, require
from vendor_registry.extensions import db

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths, so the login page cannot be used as an open redirect."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for("dashboard.index")


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data, address=request.remote_addr,
                                         user_agent=request.user_agent.string)
        except services.SignInRefused as refused:
            db.session.commit()  # the refused attempt stays in the sign-in log
            form.password.errors.append(str(refused.message))
            return (render_template("auth/login.html", form=form), 429,
                    {"Retry-After": str(refused.refusal.retry_after)})
        db.session.commit()  # the sign-in log keeps failed attempts too
        if user is None:
            form.password.errors.append(_("Fel e-postadress eller lösenord, eller kontot är inaktiverat."))
        else:
            locale = session.get("locale")
            session.clear()  # a fresh session at login: no fixation
            if locale:
                session["locale"] = locale
            login_user(user)
            flash(_("Välkommen, %(name)s.", name=user.name), "success")
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form), 200 if not form.errors else 422


@bp.route("/logout", methods=["POST"])
@require()
def logout():
    # Read before the session is cleared: a session begun at the provider may end there too.
    at_provider = oidc.logout_url(url_for("auth.login", _external=True))
    logout_user()
    session.clear()
    flash(_("Du är utloggad."), "info")
    return redirect(at_provider or url_for("auth.login"))


@bp.route("/language", methods=["POST"])
@public
def language():
    form = LanguageForm()
    if form.validate_on_submit():
        session["locale"] = form.locale.data
        if current_user.is_authenticated:
            services.set_locale(current_user, form.locale.data)
            db.session.commit()
    return redirect(_safe_next(request.form.get("next")))


@bp.route("/healthz")
@public
def health():
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}

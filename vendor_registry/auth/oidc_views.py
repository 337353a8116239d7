"""Login through the municipality's identity provider: the redirect there and the way back.

Both routes answer 404 while single sign-on is not configured. A refused login (an answer
that is not this session's, an invalid ID token, an unknown or inactive account) goes back
to the login page with a Swedish reason, never a 500, and is in the sign-in log either way.
A successful one starts the same Flask-Login session as the password form.
"""
from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user

from vendor_registry.auth import oidc, oidc_services, services, throttle
from vendor_registry.auth.permissions import public
from vendor_registry.auth.views import _safe_next
from vendor_registry.extensions import db

bp = Blueprint("oidc", __name__)
_NEXT_KEY = "oidc_next"


@bp.before_request
def _only_when_configured():
    if not oidc.is_enabled():
        abort(404)


@bp.route("/login/oidc")
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    session[_NEXT_KEY] = _safe_next(request.args.get("next"))
    try:
        return oidc.start(url_for("oidc.callback", _external=True))
    except oidc.SsoError as exc:
        current_app.logger.warning("single sign-on could not start: %s", exc.detail)
        flash(str(exc.message), "danger")
        return redirect(url_for("auth.login"))


@bp.route("/login/oidc/callback")
@public
def callback():
    where = {"address": request.remote_addr, "user_agent": request.user_agent.string}
    # The provider checks the password; the registry still counts its own refusals per client
    # address (auth/throttle.py), as the password login does, so that one machine cannot probe
    # the accounts by replaying provider answers.
    refused = throttle.address_refusal(where["address"])
    if refused is not None:
        return _refused(services.SignInRefused(refused).message)
    try:
        claims = oidc.finish()
    except oidc.SsoError as exc:
        current_app.logger.warning("single sign-on refused: %s", exc.detail)
        oidc_services.record_failure(**where)
        throttle.note_failure(where["address"])
        db.session.commit()
        return _refused(exc.message)
    result = oidc_services.sign_in(claims, oidc.user_claim(), **where)
    db.session.commit()  # the sign-in log keeps refusals too
    if result.user is None:
        throttle.note_failure(where["address"])
        return _refused(result.message)
    kept = {key: session[key] for key in ("locale", oidc.ID_TOKEN_KEY) if key in session}
    target = session.get(_NEXT_KEY) or url_for("dashboard.index")
    session.clear()  # a fresh session at login: no fixation
    session.update(kept)
    login_user(result.user)
    flash(_("Välkommen, %(name)s.", name=result.user.name), "success")
    return redirect(_safe_next(target))


def _refused(message):
    for key in (oidc.ID_TOKEN_KEY, _NEXT_KEY):
        session.pop(key, None)
    flash(str(message), "danger")
    return redirect(url_for("auth.login"))

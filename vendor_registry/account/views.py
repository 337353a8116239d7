"""/account/tokens: a user's own API tokens (create, revoke); administrators see and can revoke all.

The plain token is rendered once, in the response to the POST that created it, and never
stored or shown again; the page says so.
"""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user

from vendor_registry import editing
from vendor_registry.account.forms import PasswordChangeForm, RevokeForm, TokenForm
from vendor_registry.auth import services as accounts
from vendor_registry.auth import throttle, tokens
from vendor_registry.auth.permissions import Permission, has_permission, require
from vendor_registry.database import utcnow
from vendor_registry.extensions import db

bp = Blueprint("account", __name__, url_prefix="/account")


def _page(form: TokenForm, new_token: str | None = None, status: int = 200):
    is_admin = has_permission(current_user, Permission.ADMINISTER)
    return render_template(
        "account/tokens.html",
        form=form,
        revoke_form=RevokeForm(),
        own_tokens=tokens.tokens_of(current_user),
        all_tokens=tokens.all_tokens() if is_admin else None,
        new_token=new_token,
        now=utcnow(),
    ), status


@bp.route("/tokens", methods=["GET"])
@require(Permission.MANAGE_OWN_TOKENS)
def token_list():
    return _page(TokenForm())


@bp.route("/tokens", methods=["POST"])
@require(Permission.MANAGE_OWN_TOKENS)
def token_create():
    form = TokenForm()
    if not form.validate_on_submit():
        return _page(form, status=422)
    days = form.expires_in_days.data
    expires_at = utcnow() + timedelta(days=int(days)) if days else None
    outcome = editing.save(form, lambda: tokens.create_token(current_user, form.name.data, expires_at),
                           _("Nyckeln är skapad. Kopiera den nu – den visas bara den här gången."))
    if not outcome.saved:
        return _page(form, status=422)
    _token, plain = outcome.result
    response = _page(TokenForm(formdata=None), new_token=plain, status=201)
    return response[0], 201, {"Cache-Control": "no-store"}


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
@require(Permission.MANAGE_OWN_TOKENS)
def token_revoke(token_id: int):
    form = RevokeForm()
    token = tokens.get_token(token_id)
    if token is None:
        abort(404)
    if token.user_id != current_user.id and not has_permission(current_user, Permission.ADMINISTER):
        abort(403)
    if not form.validate_on_submit():
        abort(400)
    tokens.revoke_token(token)
    db.session.commit()
    flash(_("Nyckeln %(name)s är återkallad.", name=token.name), "success")
    return redirect(url_for("account.token_list"))


@bp.route("/password", methods=["GET", "POST"])
@require()
def password():
    """Change one's own password. A wrong current password counts against the client address
    like a failed sign-in, so an open session cannot be used to guess it."""
    form = PasswordChangeForm()
    if form.validate_on_submit():
        refused = throttle.address_refusal(request.remote_addr)
        if refused is not None:
            form.current_password.errors.append(_("För många felaktiga försök. Försök igen om %(n)s minuter.",
                                                  n=refused.minutes))
            return render_template("account/password.html", form=form), 429
        try:
            accounts.change_own_password(current_user, form.current_password.data, form.new_password.data)
        except accounts.WrongPassword as exc:
            throttle.note_failure(request.remote_addr)
            form.current_password.errors.append(str(exc))
        except accounts.AccountError as exc:
            form.new_password.errors.append(str(exc))
        else:
            db.session.commit()
            login_user(current_user._get_current_object())  # the new session token: this session goes on, the others end
            flash(_("Lösenordet är bytt. Dina andra inloggningar är avslutade."), "success")
            return redirect(url_for("account.password"))
    return render_template("account/password.html", form=form), 422 if form.errors else 200

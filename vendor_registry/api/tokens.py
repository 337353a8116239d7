"""/api/v1/tokens: a client can list its owner's tokens and revoke one (e.g. a leaked one).

Creating tokens is deliberately not offered here: a token that can mint tokens would let a
leaked one outlive its revocation. Tokens are created on the account page or with the CLI.
"""
from __future__ import annotations

from flask import abort, g

from vendor_registry.api import schemas as s
from vendor_registry.api.auth import api_require
from vendor_registry.api.registry import make_blueprint
from vendor_registry.auth import tokens
from vendor_registry.auth.models import ApiToken
from vendor_registry.auth.permissions import Permission, has_permission
from vendor_registry.extensions import db

bp = make_blueprint("api_tokens", "API-nycklar: lista och återkalla.")
MAX_ID = 2**31 - 1


class TokenSchema(s.ApiSchema):
    id = s.Int(required=True)
    name = s.Str(required=True)
    prefix = s.Str(required=True, metadata={"description": "Nyckelns början, för att känna igen den."})
    created_at = s.DateTime(required=True)
    last_used_at = s.DateTime(required=True, allow_none=True,
                              metadata={"description": "Uppdateras högst en gång per minut."})
    expires_at = s.DateTime(required=True, allow_none=True)
    revoked_at = s.DateTime(required=True, allow_none=True)


class TokenListSchema(s.ApiSchema):
    items = s.List(s.Nested(TokenSchema), required=True)


@bp.route("/tokens", methods=["GET"])
@api_require(Permission.MANAGE_OWN_TOKENS)
@bp.response(200, TokenListSchema)
def list_tokens():
    """Lista egna API-nycklar"""
    return {"items": tokens.tokens_of(g.api_user)}


@bp.route("/tokens/<id:token_id>/revoke", methods=["POST"])
@api_require(Permission.MANAGE_OWN_TOKENS)
@bp.response(200, TokenSchema)
@bp.alt_response(404, response="NOT_FOUND")
def revoke_token(token_id: int):
    """Återkalla en API-nyckel

    Egna nycklar; en systemförvaltare kan återkalla vems som helst. Återkallar man nyckeln
    man själv använder gäller det från nästa anrop.
    """
    token = db.session.get(ApiToken, token_id)
    if token is None or (token.user_id != g.api_user.id and not has_permission(g.api_user, Permission.ADMINISTER)):
        abort(404)
    tokens.revoke_token(token)
    db.session.commit()
    return token

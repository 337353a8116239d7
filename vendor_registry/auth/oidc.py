"""Municipal single sign-on: the OpenID Connect protocol, through Authlib's Flask client.

The municipality's identity provider proves who a person is; the registry still decides who
has an account and with which role (an administrator creates both), so a login through the
provider only yields the claims of a validated ID token, and ``oidc_services`` maps one of
them to an existing user. Authlib does the protocol: discovery, a ``state`` bound to the
session, a ``nonce`` checked in the ID token, PKCE (S256) and the token's signature against
the provider's published keys. Issuer, audience and expiry are checked here explicitly,
because Authlib's client only checks the issuer unless told more.

Off until ``OIDC_DISCOVERY_URL`` is set: no button, and the routes answer 404. A half-done
configuration (an address without a client, say) refuses to start rather than half work.
"""
from __future__ import annotations

from typing import Any

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app, request, session
from flask_babel import lazy_gettext as _l
from joserfc.errors import JoseError

#: The name of the Authlib client and of its state keys in the session.
CLIENT_NAME = "municipal"
DISCOVERY_SUFFIX = "/.well-known/openid-configuration"
_OAUTH_EXTENSION = "authlib.integrations.flask_client"
_REQUIRED = ("OIDC_DISCOVERY_URL", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET")
#: The ID token of a login through the provider, kept for RP-initiated logout.
ID_TOKEN_KEY = "oidc_id_token"

PROVIDER_UNREACHABLE = _l("Kommunens inloggningstjänst kunde inte nås. Försök igen om en stund eller logga in "
                          "med lösenord.")
ANSWER_REFUSED = _l("Inloggningen via kommunens konto kunde inte slutföras: svaret var ogiltigt eller för "
                    "gammalt. Försök igen.")
MISCONFIGURED = _l("Inloggningen via kommunens konto är felaktigt inställd. Kontakta systemförvaltaren.")
PROVIDER_DENIED = _l("Inloggningen via kommunens konto avbröts eller nekades hos kommunens "
                     "inloggningstjänst.")


class SsoError(Exception):
    """A login through the provider that could not be completed.

    ``message`` is the Swedish text the person sees; ``detail`` is the technical reason, for
    the server log only (it may quote the provider).
    """

    def __init__(self, message: Any, detail: str = "") -> None:
        super().__init__(detail or str(message))
        self.message = message
        self.detail = detail


def is_enabled(app: Flask | None = None) -> bool:
    return bool((app or current_app).config.get("OIDC_DISCOVERY_URL"))


def discovery_url(value: str) -> str:
    """The discovery document's address, from either the issuer URL or the document's own URL."""
    value = value.strip().rstrip("/")
    return value if value.endswith(DISCOVERY_SUFFIX) else value + DISCOVERY_SUFFIX


def init_oidc(app: Flask) -> None:
    """Register the provider's client when single sign-on is configured; refuse half a setup."""
    config = app.config
    given = [name for name in _REQUIRED if config.get(name)]
    if not given:
        return
    missing = [name for name in _REQUIRED if not config.get(name)]
    if missing:
        raise RuntimeError(f"Single sign-on is half configured: set {', '.join(missing)} as well "
                           f"(or unset {', '.join(given)} to turn it off).")
    if not str(config.get("OIDC_USER_CLAIM") or "").strip():
        raise RuntimeError("OIDC_USER_CLAIM must name a claim of the ID token, e.g. email or sub.")
    oauth = OAuth(app)
    oauth.register(
        CLIENT_NAME,
        client_id=config["OIDC_CLIENT_ID"],
        client_secret=config["OIDC_CLIENT_SECRET"],
        server_metadata_url=discovery_url(config["OIDC_DISCOVERY_URL"]),
        client_kwargs={"scope": config["OIDC_SCOPES"], "code_challenge_method": "S256",
                       "default_timeout": float(config["OIDC_TIMEOUT"])},
    )


def user_claim(app: Flask | None = None) -> str:
    return str((app or current_app).config["OIDC_USER_CLAIM"]).strip()


def _client():
    return current_app.extensions[_OAUTH_EXTENSION].create_client(CLIENT_NAME)


#: Logins begun and not finished that the session keeps (one per tab, say); older ones are dropped
#: so that repeated clicks cannot grow the session cookie past what a browser stores.
KEEP_PENDING = 3


def start(redirect_uri: str):
    """The redirect to the provider's login, with state, nonce and PKCE kept in the session."""
    prefix = f"_state_{CLIENT_NAME}_"
    pending = sorted((key for key in session if key.startswith(prefix)),
                     key=lambda key: (session[key] or {}).get("exp", 0))
    for key in pending[:max(0, len(pending) - (KEEP_PENDING - 1))]:
        session.pop(key)
    client = _client()
    _metadata(client)
    try:
        return client.authorize_redirect(redirect_uri)
    except (requests.RequestException, ValueError, KeyError, RuntimeError) as exc:
        raise SsoError(PROVIDER_UNREACHABLE, f"authorisation request failed: {exc!r}") from exc


def _metadata(client) -> dict[str, Any]:
    """The provider's discovery document, whose issuer must be the one configured (OpenID
    Connect Discovery §4.3: another issuer's document is never trusted)."""
    try:
        metadata = client.load_server_metadata()
    except (requests.RequestException, ValueError) as exc:  # ValueError: the answer was not JSON
        raise SsoError(PROVIDER_UNREACHABLE, f"discovery failed: {exc!r}") from exc
    expected = discovery_url(current_app.config["OIDC_DISCOVERY_URL"]).removesuffix(DISCOVERY_SUFFIX)
    if str(metadata.get("issuer") or "").rstrip("/") != expected:
        raise SsoError(MISCONFIGURED, f"discovery names issuer {metadata.get('issuer')!r}, configured {expected!r}")
    return metadata


def finish() -> dict[str, Any]:
    """The validated claims of the provider's answer on the callback (the ID token's, plus
    userinfo when the mapped claim is only there); raises ``SsoError`` for anything else.
    """
    client = _client()
    metadata = _metadata(client)
    try:
        options = {"iss": {"essential": True, "values": [metadata["issuer"]]},
                   "aud": {"essential": True, "values": [client.client_id]},
                   "sub": {"essential": True}}
        token = client.authorize_access_token(claims_options=options)
    except requests.RequestException as exc:
        raise SsoError(PROVIDER_UNREACHABLE, f"token request failed: {exc!r}") from exc
    except AuthlibBaseError as exc:
        # The provider's own refusal (?error=access_denied …), a state that is not this
        # session's, or a code the token endpoint would not take.
        raise SsoError(PROVIDER_DENIED if request.args.get("error") else ANSWER_REFUSED,
                       f"{getattr(exc, 'error', '')}: {getattr(exc, 'description', '')}") from exc
    except (JoseError, ValueError, KeyError, TypeError) as exc:
        raise SsoError(ANSWER_REFUSED, f"ID token refused: {exc!r}") from exc
    claims = token.get("userinfo")
    if not claims:  # no ID token, or it was not checked against our nonce
        raise SsoError(ANSWER_REFUSED, "the token answer carried no ID token")
    claims = dict(claims)
    wanted = user_claim()
    if wanted not in claims and metadata.get("userinfo_endpoint"):
        claims = _with_userinfo(client, token, claims)
    session[ID_TOKEN_KEY] = token.get("id_token")
    return claims


def _with_userinfo(client, token: dict, claims: dict[str, Any]) -> dict[str, Any]:
    """Claims from the userinfo endpoint, accepted only for the ID token's subject (OIDC §5.3.2)."""
    try:
        extra = dict(client.userinfo(token=token))
    except (requests.RequestException, ValueError, AuthlibBaseError) as exc:
        raise SsoError(PROVIDER_UNREACHABLE, f"userinfo failed: {exc!r}") from exc
    if extra.get("sub") != claims.get("sub"):
        raise SsoError(ANSWER_REFUSED, "userinfo answered for another subject")
    return {**extra, **claims}


def logout_url(post_logout_redirect_uri: str) -> str | None:
    """Where to send the browser to end the provider's session too, or None.

    Only for a session that began at the provider, only when the provider offers
    RP-initiated logout and OIDC_PROVIDER_LOGOUT is on; an unreachable provider never keeps
    anyone from logging out locally.
    """
    id_token = session.get(ID_TOKEN_KEY)
    if not id_token or not is_enabled() or not current_app.config.get("OIDC_PROVIDER_LOGOUT"):
        return None
    client = _client()
    try:
        if not client.load_server_metadata().get("end_session_endpoint"):
            return None
        return client.create_logout_url(post_logout_redirect_uri=post_logout_redirect_uri,
                                        id_token_hint=id_token, client_id=client.client_id)["url"]
    except (requests.RequestException, ValueError, RuntimeError):
        return None
